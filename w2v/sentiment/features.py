"""Sentences -> fixed-size features: the mean (or sum) of their in-vocabulary word vectors.

Words the vectors do not know are skipped; a sentence with no known word gets the zero vector.
`Coverage` counts both, so a report can say how much of the data the vectors actually saw.
"""

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from ..errors import check_parameter

POOLINGS = ("mean", "sum")


@dataclass
class Coverage:
    """How many tokens and sentences the vectors' vocabulary covers."""

    tokens: int = 0
    known_tokens: int = 0
    sentences: int = 0
    sentences_without_known_word: int = 0
    unknown_words: Counter = field(default_factory=Counter)  # unknown word -> occurrences

    @property
    def token_rate(self):
        return self.known_tokens / self.tokens if self.tokens else 0.0

    def as_dict(self, top_unknown=20):
        return {
            "tokens": self.tokens,
            "known_tokens": self.known_tokens,
            "token_coverage": round(self.token_rate, 6),
            "sentences": self.sentences,
            "sentences_without_known_word": self.sentences_without_known_word,
            "unknown_types": len(self.unknown_words),
            "most_frequent_unknown": [
                [w, c] for w, c in self.unknown_words.most_common(top_unknown)
            ],
        }


def word_index(words):
    """{word: row} for a vocabulary list (first occurrence wins)."""
    index = {}
    for row, word in enumerate(words):
        index.setdefault(word, row)
    return index


def pool_sentences(token_lists, vectors, index, pooling="mean"):
    """(features float32 (n_sentences, dim), Coverage) for a list of token lists.

    vectors: (n_words, dim) matrix whose row `index[word]` is the vector of `word`.
    pooling: 'mean' averages the known words' vectors, 'sum' adds them; sums are in float64.
    """
    check_parameter(
        pooling in POOLINGS, f"pooling must be one of {POOLINGS}, got {pooling!r}", "pooling"
    )
    coverage = Coverage(sentences=len(token_lists))
    rows, offsets = [], [0]
    for tokens in token_lists:
        known = [index[t] for t in tokens if t in index]
        if len(known) < len(tokens):
            coverage.unknown_words.update(t for t in tokens if t not in index)
        if not known:
            coverage.sentences_without_known_word += 1
        coverage.tokens += len(tokens)
        coverage.known_tokens += len(known)
        rows.extend(known)
        offsets.append(len(rows))
    counts = np.diff(offsets)
    weights = np.ones(len(rows), dtype=np.float64)
    if pooling == "mean":
        weights /= np.repeat(np.maximum(counts, 1), counts)
    import scipy.sparse  # here: `w2v --help` reads POOLINGS and need not wait for SciPy

    # One sparse (sentences x vocabulary) product instead of a Python loop over sentences.
    pooling_matrix = scipy.sparse.csr_matrix(
        (weights, np.asarray(rows, dtype=np.int64), np.asarray(offsets, dtype=np.int64)),
        shape=(len(token_lists), vectors.shape[0]),
    )
    features = pooling_matrix @ np.asarray(vectors, dtype=np.float64)
    return np.ascontiguousarray(features, dtype=np.float32), coverage


def sentence_features(sentences, keyed_vectors, tokenizer, pooling="mean"):
    """Pool the vectors of `sentences` (strings) tokenized by `tokenizer`; see pool_sentences.

    keyed_vectors: anything with `words` (list of str) and `vectors` ((n, dim) array).
    """
    index = word_index(keyed_vectors.words)
    return pool_sentences([tokenizer(s) for s in sentences], keyed_vectors.vectors, index, pooling)
