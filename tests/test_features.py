"""Sentence features: mean/sum pooling of known words, zero vectors, coverage counts."""

import numpy as np
import pytest

from w2v.sentiment.embedder import SentenceEmbedder
from w2v.sentiment.features import pool_sentences, word_index


class Vectors:
    def __init__(self, words, vectors):
        self.words, self.vectors = words, np.asarray(vectors, dtype=np.float32)


VECTORS = Vectors(["good", "bad", "film"], [[1, 0], [0, 1], [2, 2]])


def test_mean_and_sum_of_known_words_unknown_skipped_zero_for_none_known():
    tokens = [["good", "film"], ["bad", "unknown", "bad"], ["nothing", "known"], []]
    index = word_index(VECTORS.words)
    mean, coverage = pool_sentences(tokens, VECTORS.vectors, index, "mean")
    total, _ = pool_sentences(tokens, VECTORS.vectors, index, "sum")
    assert mean.dtype == np.float32 and mean.shape == (4, 2)
    assert np.allclose(mean, [[1.5, 1.0], [0, 1], [0, 0], [0, 0]])
    assert np.allclose(total, [[3, 2], [0, 2], [0, 0], [0, 0]])
    assert (coverage.tokens, coverage.known_tokens) == (7, 4)
    assert coverage.sentences == 4 and coverage.sentences_without_known_word == 2
    assert coverage.unknown_words == {"unknown": 1, "nothing": 1, "known": 1}
    assert coverage.as_dict()["token_coverage"] == pytest.approx(4 / 7, abs=1e-6)


def test_matches_a_plain_loop_on_random_data():
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(50)]
    vectors = rng.normal(size=(50, 8)).astype(np.float32)
    sentences = [
        [f"w{j}" for j in rng.integers(0, 70, size=rng.integers(1, 12))] for _ in range(40)
    ]
    features, _ = pool_sentences(sentences, vectors, word_index(words), "mean")
    for row, tokens in zip(features, sentences):
        known = [vectors[int(t[1:])] for t in tokens if int(t[1:]) < 50]
        expected = np.mean(known, axis=0) if known else np.zeros(8)
        assert np.allclose(row, expected, atol=1e-6)


def test_sentences_are_tokenized_by_the_given_tokenizer_first():
    embedder = SentenceEmbedder(VECTORS, tokenizer=str.split).fit(["good"])
    features, coverage = embedder.transform_with_coverage(["Good FILM"])
    assert coverage.known_tokens == 0  # str.split keeps the case: no match
    lowercase = SentenceEmbedder(VECTORS, tokenizer=lambda s: s.lower().split()).fit(["good"])
    features, coverage = lowercase.transform_with_coverage(["Good FILM"])
    assert np.allclose(features, [[1.5, 1.0]]) and coverage.known_tokens == 2
    assert SentenceEmbedder(VECTORS).fit(["good"]).transform(["Good FILM"]).any(), (
        "by default the tokenizer matches the vocabulary: lowercase"
    )


def test_unknown_pooling_is_refused():
    with pytest.raises(ValueError, match="pooling must be one of"):
        pool_sentences([["good"]], VECTORS.vectors, word_index(VECTORS.words), "max")
