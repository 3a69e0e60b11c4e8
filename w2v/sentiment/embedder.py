"""`SentenceEmbedder`: the sentence poolings of `features` as a scikit-learn transformer.

    make_pipeline(SentenceEmbedder(kv, pooling="sif"), LogisticRegression())

takes raw sentences (strings, tokenized like the vectors' training text) or token lists, learns
what a pooling learns from the training sentences (idf, the SIF common component) in `fit`, and
gives float32 features in `transform`. `w2v sentiment --pooling` runs the same code.
"""

import os

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..errors import ParameterError, check_parameter
from .features import (
    POOLINGS,
    SIF_A,
    first_singular_vector,
    inverse_document_frequency,
    known_rows,
    pool_sentences,
    word_index,
    word_probabilities,
)


class SentenceEmbedder(TransformerMixin, BaseEstimator):
    """Sentences -> pooled word vectors (see w2v.sentiment.features for the poolings).

    vectors: KeyedVectors (anything with `words`, `vectors` and, for exact SIF weights, `counts`),
    a model holding them as `wv` (w2v.train's or w2v.load's Word2VecModel, a gensim Word2Vec),
    gensim's KeyedVectors, or the path of a vectors file (read in `fit`).
    pooling: one of POOLINGS. sif_a: SIF's a (weights a / (a + p(w))).
    tokenizer: str -> tokens for string input; None: `Tokenizer.for_vocabulary(vectors.words)`.

    Attributes after fit: vectors_ (the KeyedVectors used), tokenizer_, word_weights_
    ((n_words,) or None), component_ (SIF's removed unit direction, else None), n_features_out_.
    `get_feature_names_out()` names the features ("mean0", ...; "mean0", "min0", "max0" ... for
    minmax); `set_output(transform="pandas")` gives data frames, as scikit-learn's transformers
    do.
    """

    def __init__(self, vectors=None, pooling="mean", sif_a=SIF_A, tokenizer=None):
        self.vectors = vectors
        self.pooling = pooling
        self.sif_a = sif_a
        self.tokenizer = tokenizer

    def fit(self, X, y=None):
        """Learn the pooling's train statistics from the sentences X; y is ignored."""
        self.vectors_ = _word_vectors(self.vectors)
        self._check_params()
        from .tokenizer import Tokenizer

        words = self.vectors_.words
        self.tokenizer_ = self.tokenizer or Tokenizer.for_vocabulary(words)
        self._index = word_index(words)
        token_lists = self._token_lists(X)
        self.word_weights_, self.component_ = None, None
        if self.pooling == "sif":
            self.word_weights_ = self.sif_a / (self.sif_a + word_probabilities(self.vectors_))
        elif self.pooling == "tfidf":
            rows, offsets, _ = known_rows(token_lists, self._index)
            self.word_weights_ = inverse_document_frequency(rows, offsets, len(words))
        if self.pooling == "sif":
            features, _ = self._pool(token_lists)
            self.component_ = first_singular_vector(features)
        dim = np.shape(self.vectors_.vectors)[1]
        self.n_features_out_ = 3 * dim if self.pooling == "minmax" else dim
        return self

    def get_feature_names_out(self, input_features=None):
        """The features' names, as scikit-learn's transformers give them: "mean0" ... for the
        pooling of dimension 0, ...; for minmax the mean's, then "min..." and "max..."."""
        check_is_fitted(self, "n_features_out_")
        parts = ("mean", "min", "max") if self.pooling == "minmax" else (self.pooling,)
        dim = self.n_features_out_ // len(parts)
        return np.asarray([f"{part}{i}" for part in parts for i in range(dim)], dtype=object)

    def transform(self, X):
        """(n_sentences, n_features_out_) float32 features of the sentences X."""
        return self.transform_with_coverage(X)[0]

    def transform_with_coverage(self, X):
        """(features, Coverage): `transform` and how many tokens the vectors knew."""
        check_is_fitted(self, "n_features_out_")
        features, coverage = self._pool(self._token_lists(X))
        if self.component_ is not None:
            features = features - np.outer(features @ self.component_, self.component_)
        return np.ascontiguousarray(features, dtype=np.float32), coverage

    def _pool(self, token_lists):
        reduction = {"sif": "mean", "tfidf": "mean"}.get(self.pooling, self.pooling)
        return pool_sentences(
            token_lists, self.vectors_.vectors, self._index, reduction, self.word_weights_
        )

    def _token_lists(self, X):
        if isinstance(X, str) or not hasattr(X, "__iter__"):
            raise ParameterError(
                f"X must be a list of sentences (strings or token lists), got {type(X).__name__}"
            )
        token_lists = []
        for sentence in X:
            if isinstance(sentence, str):
                token_lists.append(self.tokenizer_(sentence))
            elif isinstance(sentence, (list, tuple)) and all(isinstance(t, str) for t in sentence):
                token_lists.append(list(sentence))
            else:
                raise ParameterError(
                    "X must be a list of sentences (strings or token lists), got an item "
                    f"of type {type(sentence).__name__}"
                )
        return token_lists

    def _check_params(self):
        vectors = self.vectors_
        check_parameter(
            hasattr(vectors, "words") and hasattr(vectors, "vectors"),
            "{vectors} must be word vectors (KeyedVectors: words and vectors), a model holding "
            f"them (.wv) or the path of a vectors file, got {type(vectors).__name__}",
            "vectors",
        )
        shape = np.shape(vectors.vectors)
        check_parameter(
            len(shape) == 2 and shape[0] == len(vectors.words),
            f"{{vectors}} must be (n_words, dim) with one row per word, got shape {shape} for "
            f"{len(vectors.words)} words",
            "vectors",
        )
        check_parameter(
            self.pooling in POOLINGS,
            f"{{pooling}} must be one of {POOLINGS}, got {self.pooling!r}",
            "pooling",
        )
        check_parameter(
            isinstance(self.sif_a, (int, float)) and np.isfinite(self.sif_a) and self.sif_a > 0,
            f"{{sif_a}} must be a finite number > 0, got {self.sif_a!r}",
            "sif_a",
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags


def _word_vectors(vectors):
    """The KeyedVectors `vectors` stands for: read from a path, a model's `wv`, gensim's
    converted; anything else as it is (checked by `_check_params`)."""
    from ..vectors import KeyedVectors
    from ..vectors.gensim_pickles import from_gensim, is_gensim_object

    if isinstance(vectors, (str, os.PathLike)):
        return KeyedVectors.load(os.fspath(vectors))
    if is_gensim_object(vectors):
        return from_gensim(KeyedVectors, vectors)
    if not hasattr(vectors, "words") and hasattr(getattr(vectors, "wv", None), "words"):
        return vectors.wv
    return vectors
