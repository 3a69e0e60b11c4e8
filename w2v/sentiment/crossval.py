"""`w2v sentiment --cv K`: K-fold cross-validation for labelled text without a fixed split.

The SentEval protocol (MR, CR, SUBJ, MPQA): StratifiedKFold splits the sentences into K folds;
for each fold, the pooling statistics, the pooling (with --pooling all) and lambda are chosen on
its K-1 training folds alone (a stratified `dev_fraction` of them held out as dev), then the
model is refitted on all its training folds with that choice and scored on the fold's test part,
which nothing before saw. The report gives each fold and the mean and standard deviation.
"""

import time
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from ..errors import check_parameter
from .features import known_rows, word_index
from .results import warn_lambda_at_grid_end, warn_low_coverage
from .sweep import (
    check_options,
    check_pooling,
    choose_pooling,
    classifier_for,
    pooled_features,
    sweep_model,
)


@dataclass
class Fold:
    """One fold: what its training part chose and how that did on its test part."""

    fold: int
    train_size: int
    test_size: int
    pooling: str
    l2: float
    inner_dev_accuracy: float
    test_accuracy: float
    test_macro_f1: float
    majority_test_accuracy: float

    def as_dict(self):
        return dict(self.__dict__)


@dataclass
class CrossValidation:
    folds: list
    classes: tuple
    config: dict
    coverage: object  # Coverage over all sentences
    seconds: float

    def mean_std(self, key):
        values = np.array([getattr(fold, key) for fold in self.folds])
        return float(values.mean()), float(values.std(ddof=1)) if len(values) > 1 else 0.0


def cross_validate(
    keyed_vectors,
    whole,
    classes,
    tokenizer,
    *,
    cv=10,
    lambdas,
    pooling="mean",
    classifier="softmax",
    hidden=100,
    dev_fraction=0.1,
    seed=0,
    progress=None,
):
    """CrossValidation of `whole` (a readers.Split of every sentence) in `cv` stratified folds."""
    from sklearn.model_selection import StratifiedKFold

    lambdas = check_options(lambdas, classifier, hidden)
    poolings = check_pooling(pooling)
    check_folds(cv)
    index = {label: i for i, label in enumerate(classes)}
    y = np.array([index[label] for label in whole.labels], dtype=np.int64)
    smallest = int(np.bincount(y).min())
    check_parameter(
        smallest >= cv,
        f"{{cv}} {cv} needs at least {cv} sentences of every class; the smallest class has "
        f"{smallest}",
        "cv",
    )
    started = time.perf_counter()
    tokens = [tokenizer(text) for text in whole.sentences]
    coverage = known_rows(tokens, word_index(keyed_vectors.words))[2]
    warn_low_coverage(coverage)
    folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=seed)
    results, sweeps = [], []
    with threadpool_limits(limits=1, user_api="blas"):
        for number, (train_rows, test_rows) in enumerate(folds.split(np.zeros(len(y)), y), 1):
            train_tokens = [tokens[i] for i in train_rows]
            method, sweep = choose_on_training_part(
                keyed_vectors, train_tokens, y[train_rows], classes, lambdas, poolings,
                classifier, hidden, dev_fraction, seed,
            )
            sweeps.append(sweep)
            results.append(
                _score_fold(
                    number, keyed_vectors, train_tokens, y[train_rows],
                    [tokens[i] for i in test_rows], y[test_rows], method, sweep, classifier,
                    hidden, seed,
                )
            )
            if progress:
                progress(results[-1])
    for fold, sweep in zip(results, sweeps):
        warn_lambda_at_grid_end(sweep.points, f"fold {fold.fold}'s chosen lambda")
    config = {
        "folds": cv,
        "pooling": pooling,
        "classifier": classifier,
        "hidden": hidden if classifier == "mlp" else None,
        "lambdas": lambdas,
        "dev_fraction": dev_fraction,
        "seed": seed,
        "classes": list(classes),
        "sentences": len(y),
        "lowercase": tokenizer.lowercase,
        "alnum": tokenizer.alnum,
    }
    return CrossValidation(
        results, tuple(classes), config, coverage, time.perf_counter() - started
    )


def check_folds(cv):
    """The fold count, once known to be an integer >= 2."""
    check_parameter(
        isinstance(cv, int) and cv >= 2, f"{{cv}} must be an integer >= 2, got {cv!r}", "cv"
    )
    return cv


def choose_on_training_part(
    keyed_vectors, tokens, y, classes, lambdas, poolings, classifier, hidden, dev_fraction, seed
):
    """(pooling, SweepResult) chosen by dev accuracy on a held-out part of these training
    sentences: all that a fold's choice may see."""
    from sklearn.model_selection import train_test_split

    fit_rows, dev_rows = train_test_split(
        np.arange(len(y)), test_size=dev_fraction, stratify=y, random_state=seed
    )
    inner = {"train": [tokens[i] for i in fit_rows], "dev": [tokens[i] for i in dev_rows]}
    targets = {"train": y[fit_rows], "dev": y[dev_rows]}
    sweeps = {}
    for method in poolings:
        features, _ = pooled_features(keyed_vectors, inner, method)
        splits = {name: (features[name], targets[name]) for name in features}
        model, set_strength, description = classifier_for(classifier, hidden, seed, splits)
        sweeps[method] = sweep_model(
            model, set_strength, splits, lambdas, name=method, description=description,
            classes=classes,
        )
    method = choose_pooling(sweeps)
    return method, sweeps[method]


def _score_fold(number, keyed_vectors, train_tokens, y_train, test_tokens, y_test, method,
                sweep, classifier, hidden, seed):
    """Refit the chosen pooling and lambda on all training folds, score the test fold."""
    from sklearn.metrics import f1_score

    features, _ = pooled_features(
        keyed_vectors, {"train": train_tokens, "test": test_tokens}, method
    )
    model, set_strength, _ = classifier_for(
        classifier, hidden, seed, {"train": (features["train"], y_train)}
    )
    set_strength(model, sweep.chosen_point.l2)
    model.fit(features["train"], y_train)
    predicted = model.predict(features["test"])
    majority = np.argmax(np.bincount(y_train, minlength=len(sweep.classes)))
    return Fold(
        fold=number,
        train_size=len(y_train),
        test_size=len(y_test),
        pooling=method,
        l2=sweep.chosen_point.l2,
        inner_dev_accuracy=sweep.chosen_point.dev_accuracy,
        test_accuracy=float(np.mean(predicted == y_test)),
        test_macro_f1=float(f1_score(y_test, predicted, average="macro", zero_division=0)),
        majority_test_accuracy=float(np.mean(y_test == majority)),
    )


def summary_lines(cv):
    """The stdout report: one line per fold, then mean ± std."""
    lines = [f"{'fold':>4} {'pooling':<8} {'lambda':>8} {'dev':>6} {'test':>6} {'test-F1':>7}"]
    for fold in cv.folds:
        lines.append(
            f"{fold.fold:>4} {fold.pooling:<8} {fold.l2:8.0e} {fold.inner_dev_accuracy:6.3f} "
            f"{fold.test_accuracy:6.3f} {fold.test_macro_f1:7.3f}"
        )
    accuracy, f1, majority = (cv.mean_std(key) for key in
                              ("test_accuracy", "test_macro_f1", "majority_test_accuracy"))
    lines.append(
        f"{cv.config['folds']}-fold cross-validation: test accuracy {accuracy[0]:.3f} ± "
        f"{accuracy[1]:.3f} (std over folds), macro-F1 {f1[0]:.3f} ± {f1[1]:.3f}; majority "
        f"class {majority[0]:.3f}"
    )
    return lines
