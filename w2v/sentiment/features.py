"""Sentences -> fixed-size features: pooled word vectors, and the scikit-learn transformer.

Poolings (`POOLINGS`, the values of `w2v sentiment --pooling`):

- ``mean`` / ``sum``: the mean or sum of the sentence's known word vectors.
- ``sif``: smooth inverse frequency (Arora, Liang and Ma 2017, "A simple but tough-to-beat
  baseline for sentence embeddings"): each word weighted a / (a + p(w)) (a = `SIF_A` = 1e-3, the
  value of their code), the weighted vectors averaged, then the projection on the first singular
  vector of the TRAIN sentences' matrix removed: a TruncatedSVD without centering, as their code.
  p(w) comes from the vectors' training counts (`.npz` keeps them); files without counts (`.bin`,
  GloVe text) get a rank-based Zipf estimate p(rank r) = (1/r) / H_n with a W2VWarning.
- ``tfidf``: the idf-weighted mean, idf = ln((1 + n) / (1 + df)) + 1 over the n TRAIN sentences
  (scikit-learn's smoothed idf); words that no train sentence has get df = 0.
- ``minmax``: the mean, the elementwise minimum and the maximum concatenated (3 x dim; the power
  means p = 1, -inf, +inf of Rückle et al. 2018, "Concatenated power mean word embeddings").

Words the vectors do not know are skipped; a sentence with no known word gets the zero vector.
`Coverage` counts both, so a report can say how much of the data the vectors actually saw.
`SentenceEmbedder` is the one home of the fitted poolings: the CLI uses it too.
"""

import warnings
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from ..errors import W2VWarning, check_parameter

POOLINGS = ("mean", "sum", "sif", "tfidf", "minmax")
REDUCTIONS = ("mean", "sum", "minmax")  # what pool_sentences does with the (weighted) vectors
SIF_A = 1e-3


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


def known_rows(token_lists, index):
    """(rows, offsets, Coverage): the vocabulary rows of each sentence's known tokens,
    concatenated; sentence i owns rows[offsets[i]:offsets[i + 1]]."""
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
    return np.asarray(rows, dtype=np.int64), np.asarray(offsets, dtype=np.int64), coverage


def pool_sentences(token_lists, vectors, index, pooling="mean", word_weights=None):
    """(features float32 (n_sentences, dim or 3 dim), Coverage) for a list of token lists.

    vectors: (n_words, dim) matrix whose row `index[word]` is the vector of `word`.
    pooling: 'mean' averages the known words' vectors, 'sum' adds them, 'minmax' concatenates
    the mean, the elementwise min and max; sums are in float64.
    word_weights: (n_words,) factors applied to each word's vector first (None: all 1).
    """
    check_parameter(
        pooling in REDUCTIONS, f"{{pooling}} must be one of {REDUCTIONS}, got {pooling!r}",
        "pooling",
    )
    rows, offsets, coverage = known_rows(token_lists, index)
    counts = np.diff(offsets)
    weights = np.ones(len(rows)) if word_weights is None else np.asarray(word_weights)[rows]
    if pooling != "sum":
        weights = weights / np.repeat(np.maximum(counts, 1), counts)
    import scipy.sparse  # here: `w2v --help` reads POOLINGS and need not wait for SciPy

    # One sparse (sentences x vocabulary) product instead of a Python loop over sentences.
    pooling_matrix = scipy.sparse.csr_matrix(
        (weights.astype(np.float64), rows, offsets), shape=(len(token_lists), vectors.shape[0])
    )
    features = pooling_matrix @ np.asarray(vectors, dtype=np.float64)
    if pooling == "minmax":
        features = np.hstack([features, *_min_max(vectors, rows, counts, word_weights)])
    return np.ascontiguousarray(features, dtype=np.float32), coverage


def _min_max(vectors, rows, counts, word_weights):
    """Elementwise min and max of each sentence's (weighted) vectors; zeros without a word."""
    gathered = np.asarray(vectors, dtype=np.float64)[rows]
    if word_weights is not None:
        gathered *= np.asarray(word_weights)[rows, None]
    smallest = np.zeros((len(counts), vectors.shape[1]))
    largest = np.zeros_like(smallest)
    has_words = counts > 0
    if has_words.any():
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])[has_words]
        smallest[has_words] = np.minimum.reduceat(gathered, starts, axis=0)
        largest[has_words] = np.maximum.reduceat(gathered, starts, axis=0)
    return smallest, largest


def word_probabilities(keyed_vectors):
    """p(w) per vocabulary row: training counts / total when the vectors have counts, else the
    Zipf estimate (1/rank) / H_n from the word order (most frequent first), with a W2VWarning."""
    counts = getattr(keyed_vectors, "counts", None)
    if counts is not None and np.sum(counts) > 0:
        counts = np.asarray(counts, dtype=np.float64)
        return counts / counts.sum()
    warnings.warn(
        W2VWarning(
            "the vectors have no word counts (only .npz keeps them): SIF weights use a "
            "Zipf estimate p(word) ~ 1/rank from the vocabulary order"
        ),
        stacklevel=2,
    )
    file_rows = getattr(keyed_vectors, "file_rows", None)  # loaded with words=: the file's ranks
    n = len(keyed_vectors.words) if file_rows is None else keyed_vectors.rows_in_file
    inverse_ranks = 1.0 / np.arange(1, n + 1)
    probabilities = inverse_ranks / inverse_ranks.sum()
    return probabilities if file_rows is None else probabilities[file_rows]


def inverse_document_frequency(rows, offsets, n_words):
    """Smoothed idf per vocabulary row over the sentences in (rows, offsets) (see known_rows)."""
    sentence_of = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    pairs = np.unique(np.stack([sentence_of, rows]), axis=1)
    document_frequency = np.bincount(pairs[1], minlength=n_words)
    n = len(offsets) - 1
    return np.log((1 + n) / (1 + document_frequency)) + 1


def first_singular_vector(features, seed=0):
    """The unit first right singular vector of `features` (not centered), by TruncatedSVD."""
    from sklearn.decomposition import TruncatedSVD

    svd = TruncatedSVD(n_components=1, n_iter=7, random_state=seed)
    svd.fit(features.astype(np.float64))
    return svd.components_[0]
