"""The poolings beyond the mean (sif, tfidf, minmax) and SentenceEmbedder, the scikit-learn
transformer that `w2v sentiment --pooling` runs."""

import json
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.utils import estimator_checks

from w2v.errors import ParameterError, W2VWarning
from w2v.sentiment import SentenceEmbedder
from w2v.sentiment.features import POOLINGS, SIF_A
from w2v.vectors import KeyedVectors

WORDS = ["the", "a", "good", "bad", "film", "plot"]
COUNTS = [500, 300, 40, 30, 100, 20]


def keyed_vectors(counts=COUNTS, seed=0):
    vectors = np.random.default_rng(seed).normal(size=(len(WORDS), 4))
    return KeyedVectors(WORDS, vectors, counts=counts)


TRAIN = ["the good film", "a bad plot", "the film the plot", "good good film", "a bad film"]
TEST = ["bad film unknownword", "nothing known", "the a"]


def test_sif_weights_average_and_removes_the_train_first_singular_vector():
    kv = keyed_vectors()
    embedder = SentenceEmbedder(kv, pooling="sif").fit(TRAIN)
    p = np.array(COUNTS) / sum(COUNTS)
    weight = dict(zip(WORDS, SIF_A / (SIF_A + p)))

    def weighted_mean(sentence):
        known = [w for w in sentence.split() if w in weight]
        if not known:
            return np.zeros(4)
        return np.mean([weight[w] * kv[w] for w in known], axis=0)

    train = np.array([weighted_mean(s) for s in TRAIN])
    u = np.linalg.svd(train, full_matrices=False)[2][0]  # not centered, as Arora et al.
    expected = np.array([weighted_mean(s) for s in TEST])
    expected -= np.outer(expected @ u, u)
    assert np.allclose(embedder.transform(TEST), expected, atol=1e-5)
    assert np.allclose(embedder.transform(TRAIN) @ u, 0, atol=1e-5), "component removed"


def test_sif_without_counts_warns_and_uses_a_zipf_estimate():
    no_counts = keyed_vectors(counts=None)
    with pytest.warns(W2VWarning, match="no word counts.*Zipf estimate"):
        embedder = SentenceEmbedder(no_counts, pooling="sif").fit(TRAIN)
    ranks = np.arange(1, len(WORDS) + 1)
    p = (1 / ranks) / np.sum(1 / ranks)
    assert np.allclose(embedder.word_weights_, SIF_A / (SIF_A + p))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # counts present: no warning
        SentenceEmbedder(keyed_vectors(), pooling="sif").fit(TRAIN)


def test_tfidf_is_the_idf_weighted_mean_with_idf_from_train_only():
    kv = keyed_vectors()
    embedder = SentenceEmbedder(kv, pooling="tfidf").fit(TRAIN)
    n = len(TRAIN)
    df = {w: sum(w in s.split() for s in TRAIN) for w in WORDS}
    idf = {w: np.log((1 + n) / (1 + df[w])) + 1 for w in WORDS}
    assert df["plot"] == 2 and df["the"] == 2
    sentence = "the plot the good"
    expected = sum(idf[w] * kv[w] for w in sentence.split()) / len(sentence.split())
    assert np.allclose(embedder.transform([sentence])[0], expected, atol=1e-5)
    refitted = SentenceEmbedder(kv, pooling="tfidf").fit(["good"] * 3 + TRAIN[:1])
    assert not np.allclose(refitted.transform([sentence]), embedder.transform([sentence]))


def test_minmax_concatenates_mean_min_max_and_zero_without_known_words():
    kv = keyed_vectors()
    features = SentenceEmbedder(kv, pooling="minmax").fit(TRAIN).transform(TEST)
    assert features.shape == (3, 12) and features.dtype == np.float32
    rows = np.array([kv["bad"], kv["film"]])
    assert np.allclose(features[0], np.concatenate([rows.mean(0), rows.min(0), rows.max(0)]))
    assert np.allclose(features[1], 0)


def test_strings_and_token_lists_give_the_same_features_and_mean_is_the_plain_mean():
    kv = keyed_vectors()
    for pooling in POOLINGS:
        embedder = SentenceEmbedder(kv, pooling=pooling)
        from_text = embedder.fit(TRAIN).transform(TEST)
        from_tokens = embedder.fit([s.split() for s in TRAIN]).transform([s.split() for s in TEST])
        assert np.array_equal(from_text, from_tokens), pooling
    mean = SentenceEmbedder(kv).fit(TRAIN).transform(["good film"])
    assert np.allclose(mean[0], (kv["good"] + kv["film"]) / 2)


@pytest.mark.parametrize(
    "params, X, message",
    [
        ({"pooling": "max"}, TRAIN, "pooling must be one of"),
        ({"sif_a": 0}, TRAIN, "sif_a must be a finite number > 0"),
        ({"vectors": None}, TRAIN, "vectors must be word vectors"),
        ({}, "one sentence", "X must be a list of sentences"),
        ({}, [1, 2], "got an item of type int"),
    ],
)
def test_bad_parameters_and_input_are_one_line_errors(params, X, message):
    embedder = SentenceEmbedder(keyed_vectors()).set_params(**params)
    with pytest.raises(ParameterError, match=message):
        embedder.fit(X)


@pytest.mark.parametrize(
    "check",
    [
        estimator_checks.check_estimator_cloneable,
        estimator_checks.check_estimator_repr,
        estimator_checks.check_no_attributes_set_in_init,
        estimator_checks.check_get_params_invariance,
        estimator_checks.check_set_params,
        estimator_checks.check_do_not_raise_errors_in_init_or_set_params,
        estimator_checks.check_mixin_order,
        estimator_checks.check_valid_tag_types,
        estimator_checks.check_estimator_tags_renamed,
        estimator_checks.check_parameters_default_constructible,
    ],
    ids=lambda check: check.__name__,
)
def test_scikit_learn_api_checks_that_do_not_need_numeric_input(check):
    """The checks left out feed random numeric matrices, which a text transformer refuses
    (its tags say string input, so check_estimator itself runs none of them)."""
    check("SentenceEmbedder", SentenceEmbedder(keyed_vectors(), pooling="sif"))


def test_clone_keeps_parameters_and_is_unfitted():
    embedder = SentenceEmbedder(keyed_vectors(), pooling="tfidf", sif_a=1e-4).fit(TRAIN)
    copy = clone(embedder)
    assert copy.get_params()["pooling"] == "tfidf" and copy.sif_a == 1e-4
    assert not hasattr(copy, "n_features_out_")


def sentiment_sentences(n, seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    text = [
        " ".join(rng.permutation(["the", rng.choice(["film", "plot"]), "good" if y else "bad"]))
        for y in labels
    ]
    return text, labels


def test_pipeline_with_grid_search_over_pooling_and_regularization():
    kv = keyed_vectors(seed=1)
    X, y = sentiment_sentences(120, seed=0)
    search = GridSearchCV(
        make_pipeline(SentenceEmbedder(kv), LogisticRegression()),
        {"sentenceembedder__pooling": ["mean", "sif", "minmax"], "logisticregression__C": [1, 10]},
        cv=3,
    )
    search.fit(X, y)
    assert search.best_params_["sentenceembedder__pooling"] in ("mean", "sif", "minmax")
    X_test, y_test = sentiment_sentences(60, seed=1)
    assert search.score(X_test, y_test) > 0.9, "good/bad decide the label"


def test_cli_pooling_gives_the_features_of_the_transformer(tmp_path):
    """`w2v sentiment --pooling sif` at one lambda scores what a pipeline of SentenceEmbedder and
    the same softmax regression scores: the same features."""
    from w2v.cli import main
    from w2v.sentiment.classifier import SoftmaxRegression
    from w2v.sentiment.tokenizer import Tokenizer

    kv = keyed_vectors(seed=1)
    kv.save(str(tmp_path / "kv.npz"))
    data = {}
    for split, seed in (("train", 0), ("dev", 1), ("test", 2)):
        X, y = sentiment_sentences(100, seed)
        X = [s + " plot" * (i % 3) for i, s in enumerate(X)]  # lengths and counts differ
        y = np.where(np.random.default_rng(seed).random(100) < 0.3, 1 - y, y)  # not separable
        data[split] = (X, y)
        lines = [f"{label}\t{text}" for text, label in zip(X, y)]
        (tmp_path / f"{split}.tsv").write_text("\n".join(lines) + "\n")
    out = tmp_path / "report"
    argv = ["sentiment", str(tmp_path / "kv.npz"), "--data", str(tmp_path), "--out", str(out),
            "--pooling", "sif", "--lambdas", "0.01", "--no-baselines", "--quiet"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", W2VWarning)
        assert main(argv) == 0
    reported = json.loads((out / "sweep.json").read_text())["chosen"]["vectors"]
    pipeline = make_pipeline(
        SentenceEmbedder(kv, pooling="sif", tokenizer=Tokenizer.for_vocabulary(kv.words)),
        SoftmaxRegression(l2=0.01, max_iter=1000, tol=1e-5),
    ).fit(data["train"][0], data["train"][1].astype(str))
    test_accuracy = pipeline.score(data["test"][0], data["test"][1].astype(str))
    assert reported["test_accuracy"] == pytest.approx(test_accuracy, abs=1e-9)


def test_a_path_or_a_model_stands_for_its_vectors(tmp_path):
    import w2v

    kv = keyed_vectors()
    kv.save(tmp_path / "slice.npz")
    with pytest.warns(W2VWarning, match="the vectors are barely trained"):  # 320 tokens
        model = w2v.train([s.split() for s in TRAIN * 20], dim=4, min_count=1, epochs=1,
                          progress=False)
    model.save(tmp_path / "model.npz")
    expected = SentenceEmbedder(kv, pooling="sif").fit(TRAIN).transform(TEST)
    for given in (str(tmp_path / "slice.npz"), tmp_path / "slice.npz"):
        embedder = SentenceEmbedder(given, pooling="sif").fit(TRAIN)
        np.testing.assert_array_equal(embedder.transform(TEST), expected)
        assert embedder.vectors == given  # the parameter as given, for get_params and clone
    for given in (model, w2v.load(tmp_path / "model.npz")):
        np.testing.assert_array_equal(SentenceEmbedder(given).fit(TRAIN).transform(TEST),
                                      SentenceEmbedder(given.wv).fit(TRAIN).transform(TEST))


def test_features_are_named_and_set_output_is_honoured():
    embedder = SentenceEmbedder(keyed_vectors(), pooling="minmax").fit(TRAIN)
    names = embedder.get_feature_names_out()
    assert list(names[:2]) == ["mean0", "mean1"] and names[4] == "min0" and names[-1] == "max3"
    assert len(names) == embedder.n_features_out_
    pipeline = make_pipeline(SentenceEmbedder(keyed_vectors()), LogisticRegression())
    pipeline.fit(TRAIN, [1, 0, 1, 1, 0])
    assert list(pipeline[:-1].get_feature_names_out()) == ["mean0", "mean1", "mean2", "mean3"]
    assert embedder.set_output(transform="default") is embedder
    try:
        import pandas  # noqa: F401
    except ImportError:  # scikit-learn's set_output says pandas is needed
        with pytest.raises(ImportError, match="pandas"):
            embedder.set_output(transform="pandas").transform(TEST)
    else:
        frame = embedder.set_output(transform="pandas").transform(TEST)
        assert list(frame.columns) == list(names)
