"""The lambda sweep: fit a classifier for every L2 strength, choose by dev accuracy, report test.

The softmax path runs from the strongest penalty to the weakest, each fit warm-started from the
previous solution (the strongly regularized problems are easy, and each solution is close to the
next); the MLP option starts every lambda afresh (see QuietMLP).
The chosen lambda has the best dev accuracy; ties go to the larger lambda (the simpler model).
Test numbers are reported for every lambda but never used for choosing.

Baselines, in the same result so the main number means something: the majority class, and a
bag-of-words (tf-idf) softmax regression swept over the same grid.

`check_options` checks lambdas, classifier and hidden before any work; `results` holds what the
sweep gives and the scores the report reads from it.
"""

import time

import numpy as np
from threadpoolctl import threadpool_limits

from ..errors import check_parameter
from .features import POOLINGS
from .results import (
    SentimentResult,
    SweepPoint,
    SweepResult,
    pooling_rows,
    total_coverage,
    warn_lambda_at_grid_end,
    warn_low_coverage,
    warn_small_test,
)

DEFAULT_LAMBDAS = tuple(float(f"{x:.3g}") for x in np.logspace(-6, 2, 17))  # 1e-6, 3.16e-6 .. 1e2
CLASSIFIERS = ("softmax", "mlp")


def choose_lambda(points):
    """Index of the best dev accuracy; among equals, the largest lambda."""
    if not points:
        raise ValueError("no sweep points to choose from")
    return max(range(len(points)), key=lambda i: (points[i].dev_accuracy, points[i].l2))


def check_lambdas(lambdas):
    """The lambdas as sorted floats, once each is known to be finite, >= 0 and not repeated."""
    lambdas = [float(x) for x in lambdas]
    check_parameter(len(lambdas) >= 1, "{lambdas} needs at least one value", "lambdas")
    for value in lambdas:
        check_parameter(
            np.isfinite(value) and value >= 0, f"lambda must be a finite number >= 0, got {value}"
        )
    check_parameter(
        len(set(lambdas)) == len(lambdas), f"{{lambdas}} has repeated values: {lambdas}", "lambdas"
    )
    return sorted(lambdas)


def check_options(lambdas, classifier="softmax", hidden=100):
    """`check_lambdas(lambdas)`, once `classifier` and `hidden` are known to work too: what
    `run_sentiment` checks first, and the CLI before it spends time loading data and vectors."""
    check_parameter(
        classifier in CLASSIFIERS,
        f"{{classifier}} must be one of {CLASSIFIERS}, got {classifier!r}",
        "classifier",
    )
    check_parameter(isinstance(hidden, int), f"{{hidden}} must be an integer, got {hidden!r}",
                    "hidden")
    check_parameter(hidden >= 1, f"{{hidden}} must be >= 1, got {hidden}", "hidden")
    return check_lambdas(lambdas)


def sweep_model(model, set_strength, splits, lambdas, *, name, description, classes, progress=None):
    """Fit `model` for each lambda, largest first (warm-started if the model keeps its
    solution between fits), and score every split.

    splits: {'train': (X, y), 'dev': (X, y), 'test': (X, y)}, y as class indices; without
    'test' (choosing lambda inside a cross-validation fold) the test scores are NaN.
    set_strength(model, lam): puts the L2 strength into the model before each fit.
    """
    lambdas = check_lambdas(lambdas)
    X_test, y_test = splits.get("test", (None, None))
    points, test_outputs = [], []
    for lam in reversed(lambdas):
        set_strength(model, lam)
        started = time.perf_counter()
        model.fit(*splits["train"])
        point = _score(model, splits, lam, time.perf_counter() - started)
        points.append(point)
        if X_test is not None:
            test_outputs.append((model.predict(X_test), model.predict_proba(X_test)))
        else:
            test_outputs.append((None, None))
        if progress is not None:
            progress.update(1)
            progress.set_postfix_str(f"{name} lambda={lam:.0e} dev={point.dev_accuracy:.3f}")
    points.reverse()
    test_outputs.reverse()
    chosen = choose_lambda(points)
    test_outputs = [y_test, *test_outputs[chosen]]
    return SweepResult(
        name,
        description,
        tuple(classes),
        points,
        chosen,
        *(None if output is None else np.asarray(output) for output in test_outputs),
    )


def _score(model, splits, lam, seconds):
    from sklearn.metrics import f1_score

    scores = {f"test_{score}": float("nan") for score in ("accuracy", "macro_f1")}
    for split, (X, y) in splits.items():
        predicted = model.predict(X)
        scores[f"{split}_accuracy"] = float(np.mean(predicted == y))
        scores[f"{split}_macro_f1"] = float(
            f1_score(y, predicted, average="macro", zero_division=0)
        )
    return SweepPoint(
        l2=lam,
        n_iter=int(getattr(model, "n_iter_", 0)),
        seconds=seconds,
        losses=getattr(model, "loss_curves_", None),
        **scores,
    )


def majority_baseline(splits, classes):
    """Always the most frequent train class (smallest index on ties); a one-point 'sweep'."""
    y_train = splits["train"][1]
    counts = np.bincount(y_train, minlength=len(classes))
    majority = int(np.argmax(counts))

    class Majority:
        def predict(self, X):
            return np.full(X.shape[0], majority)

        def predict_proba(self, X):
            return np.tile(counts / counts.sum(), (X.shape[0], 1))

    point = _score(Majority(), splits, float("nan"), 0.0)
    X_test, y_test = splits["test"]
    return SweepResult(
        "majority",
        f"majority class ({classes[majority]})",
        tuple(classes),
        [point],
        0,
        np.asarray(y_test),
        Majority().predict(X_test),
        Majority().predict_proba(X_test),
    )


def bag_of_words_splits(token_lists, targets):
    """Tf-idf unigram+bigram features fitted on train: {'train': (X, y), 'dev': ..., 'test': ...}."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(
        analyzer=lambda tokens: tokens + _bigrams(tokens), sublinear_tf=True, min_df=1
    )
    features = {"train": vectorizer.fit_transform(token_lists["train"])}
    for split in ("dev", "test"):
        features[split] = vectorizer.transform(token_lists[split])
    return {split: (features[split], targets[split]) for split in features}


def _bigrams(tokens):
    return [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]


def softmax_model(max_iter=1000):
    from .classifier import SoftmaxRegression  # here: scikit-learn and SciPy take a second to load

    return SoftmaxRegression(l2=1.0, max_iter=max_iter, tol=1e-5, warm_start=True)


MLP_BATCH = 200
MLP_EPOCHS = 40


class QuietMLP:
    """scikit-learn's MLPClassifier with one hidden layer, its penalty given as lambda.

    Trained by Adam for at most MLP_EPOCHS epochs of MLP_BATCH-sentence batches, one
    `partial_fit` per epoch so that the train and `monitor` (dev) loss can be measured after
    each (`loss_curves_`: mean cross-entropy without the penalty); it stops as
    `MLPClassifier.fit` does, when the training loss has not improved by `tol` for
    `n_iter_no_change` epochs. scikit-learn divides its `alpha` penalty by the batch size, so
    alpha = lambda * MLP_BATCH gives the same mean loss + (lambda/2) ||W||^2 as the softmax
    sweep, on one lambda axis.
    Every lambda starts from the same seeded initialization: a warm start from a strongly
    penalized network (all weights ~0, every ReLU unit dead) never recovers, measured here as
    the majority class for every lambda; cold starts cost more time but learn.
    """

    def __init__(self, hidden, seed, monitor=None):
        self.hidden, self.seed, self.monitor = hidden, seed, monitor
        self.l2 = 1e-4

    def set_l2(self, lam):
        self.l2 = lam
        return self

    def fit(self, X, y):
        from sklearn.metrics import log_loss
        from sklearn.neural_network import MLPClassifier

        batch = min(MLP_BATCH, X.shape[0])
        self.model = MLPClassifier(
            hidden_layer_sizes=(self.hidden,),
            solver="adam",
            batch_size=batch,
            alpha=self.l2 * batch,
            # one RandomState for the whole run: each epoch shuffles anew, as within fit()
            random_state=np.random.RandomState(self.seed),
        )
        classes = np.unique(y)
        curves = {"train": [], "dev": []}
        best, stale = np.inf, 0
        for epoch in range(1, MLP_EPOCHS + 1):
            self.model.partial_fit(X, y, classes=classes)
            curves["train"].append(float(log_loss(y, self.predict_proba(X), labels=classes)))
            if self.monitor is not None:
                X_dev, y_dev = self.monitor
                curves["dev"].append(
                    float(log_loss(y_dev, self.predict_proba(X_dev), labels=classes))
                )
            stale = stale + 1 if self.model.loss_ > best - self.model.tol else 0
            best = min(best, self.model.loss_)
            if stale >= self.model.n_iter_no_change:
                break
        self.n_iter_ = epoch
        self.loss_curves_ = curves
        return self

    def predict(self, X):
        return self.model.predict(X)

    def predict_proba(self, X):
        return self.model.predict_proba(X)


def run_sentiment(
    keyed_vectors,
    dataset,
    tokenizer,
    *,
    lambdas=DEFAULT_LAMBDAS,
    pooling="mean",
    classifier="softmax",
    baselines=True,
    hidden=100,
    seed=0,
    progress=True,
):
    """The whole experiment: features, the sweep, the baselines; returns a SentimentResult.

    keyed_vectors: `words` and `vectors` (n, dim); dataset: datasets.Dataset;
    tokenizer: tokenizer.Tokenizer; pooling: one of POOLINGS, or "all" to sweep each and keep
    the one with the best dev accuracy as the main model (the others in `alternatives`);
    progress: show a tqdm bar on stderr (None: only on a tty).
    """
    from tqdm import tqdm

    lambdas = check_options(lambdas, classifier, hidden)
    poolings = check_pooling(pooling)
    started = time.perf_counter()
    token_lists = {s.name: [tokenizer(text) for text in s.sentences] for s in dataset.splits}
    targets = {s.name: dataset.targets(s) for s in dataset.splits}
    warn_small_test(targets["test"], dataset.classes)

    def vectors_job(method):
        def job(bar):
            features, coverage[method] = pooled_features(keyed_vectors, token_lists, method)
            splits = {name: (features[name], targets[name]) for name in features}
            model, set_strength, description = classifier_for(classifier, hidden, seed, splits)
            name = "vectors" if pooling != "all" else f"vectors-{method}"
            return sweep_model(
                model,
                set_strength,
                splits,
                lambdas,
                name=name,
                description=f"{description} on {method}-pooled word vectors",
                classes=dataset.classes,
                progress=bar,
            )

        return job

    coverage = {}
    jobs = {method: vectors_job(method) for method in poolings}
    if baselines:
        jobs["bow"] = lambda bar: sweep_model(
            softmax_model(),
            lambda m, lam: m.set_params(l2=lam),
            bag_of_words_splits(token_lists, targets),
            lambdas,
            name="bow",
            description="softmax regression on tf-idf unigrams+bigrams",
            classes=dataset.classes,
            progress=bar,
        )
    bar = tqdm(
        total=len(jobs) * len(lambdas),
        desc="sentiment",
        unit="fit",
        disable=None if progress is None else not progress,
        leave=False,
    )
    # Sequential: on this 2-core machine two sweeps in threads took 59 s against 41 s in turn.
    with bar, threadpool_limits(limits=1, user_api="blas"):
        results = {name: job(bar) for name, job in jobs.items()}
    chosen_pooling = choose_pooling({method: results[method] for method in poolings})
    main = results[chosen_pooling]
    warn_lambda_at_grid_end(main.points)
    split_coverage = coverage[chosen_pooling]
    warn_low_coverage(total_coverage(split_coverage))
    baseline_results = []
    if baselines:
        majority = majority_baseline(
            {name: (np.zeros((len(y), 1)), y) for name, y in targets.items()}, dataset.classes
        )
        baseline_results = [majority, results["bow"]]
    config = {
        "pooling": chosen_pooling,
        "poolings": list(poolings),
        "classifier": classifier,
        "hidden": hidden if classifier == "mlp" else None,
        "lowercase": tokenizer.lowercase,
        "alnum": tokenizer.alnum,
        "lambdas": lambdas,
        "dimension": int(np.shape(keyed_vectors.vectors)[1]),
        "vocabulary": len(keyed_vectors.words),
        "classes": list(dataset.classes),
        "sizes": {s.name: len(s) for s in dataset.splits},
        "files": {s.name: s.path for s in dataset.splits},
        "dev_held_out": dataset.dev_held_out,
        "split": dataset.split_note,
        "seed": seed,
    }
    extra = {}
    if len(poolings) > 1:
        extra["poolings"] = pooling_rows({m: results[m] for m in poolings}, chosen_pooling)
    return SentimentResult(
        main,
        baseline_results,
        split_coverage,
        config,
        seconds=time.perf_counter() - started,
        extra=extra,
        alternatives=[results[m] for m in poolings if m != chosen_pooling],
    )


def check_pooling(pooling):
    """The poolings to run: (pooling,), or all of POOLINGS for "all"."""
    check_parameter(
        pooling in (*POOLINGS, "all"),
        f"{{pooling}} must be one of {(*POOLINGS, 'all')}, got {pooling!r}",
        "pooling",
    )
    return POOLINGS if pooling == "all" else (pooling,)


def choose_pooling(sweeps):
    """The pooling whose chosen lambda has the best dev accuracy (ties: the earlier one)."""
    return max(sweeps, key=lambda m: (sweeps[m].chosen_point.dev_accuracy, -POOLINGS.index(m)))


def classifier_for(classifier, hidden, seed, splits):
    """(model, set_strength(model, lambda), description) for `classifier`; an MLP watches the
    dev split to draw its loss per epoch."""
    if classifier == "softmax":
        return softmax_model(), lambda m, lam: m.set_params(l2=lam), "softmax regression"
    model = QuietMLP(hidden, seed, monitor=splits.get("dev"))
    return model, lambda m, lam: m.set_l2(lam), f"MLP ({hidden} hidden units)"


def pooled_features(keyed_vectors, token_lists, pooling):
    """({split: features}, {split: Coverage}): a SentenceEmbedder fitted on the train split."""
    from .embedder import SentenceEmbedder  # here: scikit-learn takes a second to load

    embedder = SentenceEmbedder(keyed_vectors, pooling=pooling).fit(token_lists["train"])
    features, coverage = {}, {}
    for name, tokens in token_lists.items():
        features[name], coverage[name] = embedder.transform_with_coverage(tokens)
    return features, coverage
