"""`--cv K`: stratified folds, lambda chosen on each fold's training part only, mean and std."""

import numpy as np
import pytest

from w2v.errors import ParameterError
from w2v.sentiment import crossval
from w2v.sentiment.crossval import cross_validate, summary_lines
from w2v.sentiment.readers import Split
from w2v.sentiment.tokenizer import Tokenizer
from w2v.sentiment.embedder import SentenceEmbedder

from expected_warnings import GRID_EDGE, LOW_COVERAGE, NO_COUNTS, warns_exactly
from test_sweep import synthetic_task


def whole_task(sizes=(150, 60, 60)):
    """Every sentence of the synthetic task in one Split, each tagged with a unique id token."""
    vectors, dataset = synthetic_task(sizes=sizes)
    sentences = [s for split in dataset.splits for s in split.sentences]
    labels = [x for split in dataset.splits for x in split.labels]
    tagged = [f"{s} id{i}" for i, s in enumerate(sentences)]
    whole = Split("all", "all.tsv", "tsv", tagged, labels, list(range(1, len(tagged) + 1)))
    return vectors, whole, dataset.classes


def ids(token_lists):
    return {t for tokens in token_lists for t in tokens if t.startswith("id")}


def test_lambda_is_chosen_without_seeing_the_fold_test_part(monkeypatch):
    vectors, whole, classes = whole_task()
    every_id = {f"id{i}" for i in range(len(whole))}
    choices, fits = [], []  # per fold: the ids the choice saw; every embedder fit and its fold
    choose = crossval.choose_on_training_part

    def spy_choose(keyed_vectors, tokens, *args):
        choices.append(ids(tokens))
        return choose(keyed_vectors, tokens, *args)

    fit = SentenceEmbedder.fit

    def spy_fit(self, X, y=None):
        fits.append((len(choices), ids(X)))
        return fit(self, X, y)

    monkeypatch.setattr(crossval, "choose_on_training_part", spy_choose)
    monkeypatch.setattr(SentenceEmbedder, "fit", spy_fit)
    with warns_exactly(LOW_COVERAGE, GRID_EDGE, NO_COUNTS):  # id tags unknown; SIF without counts
        cv = cross_validate(
            vectors, whole, classes, Tokenizer(), cv=5, lambdas=[1e-4, 1e-2, 1], pooling="all"
        )
    assert len(cv.folds) == len(choices) == 5
    test_parts = [every_id - seen for seen in choices]
    assert [len(part) for part in test_parts] == [fold.test_size for fold in cv.folds]
    assert set().union(*test_parts) == every_id, "each sentence is tested once"
    assert sum(len(part) for part in test_parts) == len(every_id), "folds are disjoint"
    for fold, part in enumerate(test_parts, 1):
        fold_fits = [seen for number, seen in fits if number == fold]
        assert fold_fits, "each fold fits its poolings"
        assert all(not seen & part for seen in fold_fits), f"fold {fold} fitted on its test part"
    assert all(fold.pooling in ("mean", "sum", "sif", "tfidf", "minmax") for fold in cv.folds)


def test_folds_are_stratified_and_summary_gives_mean_and_std(monkeypatch):
    vectors, whole, classes = whole_task()
    test_labels = []
    score = crossval._score_fold

    def spy_score(number, keyed_vectors, train_tokens, y_train, test_tokens, y_test, *args):
        test_labels.append(np.asarray(y_test))
        return score(number, keyed_vectors, train_tokens, y_train, test_tokens, y_test, *args)

    monkeypatch.setattr(crossval, "_score_fold", spy_score)
    with warns_exactly(LOW_COVERAGE, GRID_EDGE):
        cv = cross_validate(vectors, whole, classes, Tokenizer(), cv=4, lambdas=[1e-3, 1e-1])
    sizes = [fold.test_size for fold in cv.folds]
    assert sum(sizes) == len(whole) and max(sizes) - min(sizes) <= 1
    # stratified: each fold holds each class's share of the whole, to within one sentence
    whole_counts = np.array([whole.labels.count(label) for label in classes])
    assert sum(map(len, test_labels)) == whole_counts.sum()
    for fold, labels in enumerate(test_labels, 1):
        counts = np.bincount(labels, minlength=len(classes))
        expected = whole_counts * len(labels) / whole_counts.sum()
        assert np.all(np.abs(counts - expected) <= 1), f"fold {fold}: {counts} vs {expected}"
    accuracies = np.array([fold.test_accuracy for fold in cv.folds])
    mean, std = cv.mean_std("test_accuracy")
    assert mean == pytest.approx(accuracies.mean()) and std == pytest.approx(accuracies.std(ddof=1))
    assert mean > np.mean([fold.majority_test_accuracy for fold in cv.folds]) + 0.2
    last = summary_lines(cv)[-1]
    assert last.startswith(f"4-fold cross-validation: test accuracy {mean:.3f} ± {std:.3f}")
    with warns_exactly(LOW_COVERAGE, GRID_EDGE):
        again = cross_validate(vectors, whole, classes, Tokenizer(), cv=4, lambdas=[1e-3, 1e-1])
    assert [f.test_accuracy for f in again.folds] == list(accuracies), "seeded"


@pytest.mark.parametrize(
    "cv, message",
    [(1, "cv must be an integer >= 2, got 1"), (500, "cv 500 needs at least 500 sentences")],
)
def test_bad_fold_counts(cv, message):
    vectors, whole, classes = whole_task()
    with pytest.raises(ParameterError, match=message):
        cross_validate(vectors, whole, classes, Tokenizer(), cv=cv, lambdas=[1.0])
