"""The similarity queries on word vectors, as gensim names and answers them: `SimilarityQueries`,
which `KeyedVectors` mixes in (its `vectors`, `words`, `key_to_index` and word lookups serve them).
"""

import numpy as np

from ..errors import UsageError, check_parameter


class SimilarityQueries:
    """Cosine similarities, neighbours, analogies and mean vectors of a KeyedVectors."""

    @property
    def unit_vectors(self):
        """Rows scaled to unit length (all-zero rows stay zero); computed once. A copy of the
        matrix: the queries on memory-mapped vectors use `unit_rows` instead."""
        if self._unit_vectors is None:
            self._unit_vectors = self.vectors / self.row_norms()[:, None]
        return self._unit_vectors

    def row_norms(self, rows_per_block=65536):
        """float32 (n,) norms of the rows (zero rows: 1), a block of rows at a time."""
        if self._norms is None:
            norms = np.concatenate([
                _row_norms(self.vectors[start : start + rows_per_block])
                for start in range(0, len(self.vectors), rows_per_block)])
            norms = np.minimum(norms, np.finfo(np.float32).max).astype(np.float32)
            norms[norms == 0] = 1
            self._norms = norms
        return self._norms

    def unit_rows(self, rows):
        """unit_vectors[rows] (`rows`: an index, indices or a slice), without making the whole
        unit matrix for memory-mapped vectors."""
        if self._unit_vectors is not None or not self.mapped:
            return self.unit_vectors[rows]
        return self.vectors[rows] / self.row_norms()[rows][..., None]

    def cosines(self, query, limit=None, rows_per_block=65536):
        """unit_vectors[:limit] @ query, a block of rows at a time for mapped vectors."""
        limit = len(self) if limit is None else limit
        if self._unit_vectors is not None or not self.mapped:
            return self.unit_vectors[:limit] @ query
        return np.concatenate([
            self.unit_rows(slice(start, min(start + rows_per_block, limit))) @ query
            for start in range(0, limit, rows_per_block)])

    def fill_norms(self, force=False):
        """gensim's: compute `norms`, each row's Euclidean length (float32), if not yet done or
        with force."""
        if getattr(self, "norms", None) is None or force:
            self.norms = _row_norms(self.vectors).astype(np.float32)

    def unit_normalize_all(self):
        """gensim's: scale every row to unit length, in place of `vectors` (all-zero rows stay
        zero); the lengths are lost, so the vectors no longer suit continued training."""
        self.fill_norms()
        self.vectors = self.unit_vectors
        self._norms = None  # the rows' lengths are 1 now (0 for all-zero rows)
        self.norms = (self.norms > 0).astype(np.float32)

    @staticmethod
    def cosine_similarities(vector_1, vectors_all):
        """gensim's: the cosine similarity of `vector_1` (d,) to each row of `vectors_all` (n, d),
        float32 (n,)."""
        vector_1 = np.asarray(vector_1, dtype=np.float64)
        vectors_all = np.atleast_2d(np.asarray(vectors_all, dtype=np.float64))
        norms = _row_norms(vectors_all) * _row_norms(vector_1[None, :])[0]
        with np.errstate(invalid="ignore", divide="ignore"):
            return (vectors_all @ vector_1 / norms).astype(np.float32)

    def most_similar_to_given(self, key1, keys_list):
        """gensim's: the word of `keys_list` most similar to `key1` (the first of equals)."""
        keys_list = _as_list(keys_list)
        check_parameter(keys_list, "most_similar_to_given needs at least one word in "
                        "{keys_list}", "keys_list")
        unit = self.unit_vectors
        scores = unit[self.indices_of(keys_list)] @ unit[self.index_of(key1)]
        return keys_list[int(np.argmax(scores))]

    def relative_cosine_similarity(self, wa, wb, topn=10):
        """gensim's (Leeuwenberg et al. 2016): similarity(wa, wb) over the sum of the
        similarities of the `topn` nearest neighbours of `wa`."""
        nearest = self.similar_by_word(wa, topn)
        if not nearest:
            raise UsageError("relative_cosine_similarity needs topn >= 1 and a vocabulary of "
                             "more than one word")
        return self.similarity(wa, wb) / sum(score for _, score in nearest)

    def similarity(self, word_a, word_b):
        """Cosine similarity of two words."""
        return float(self.unit_rows(self.index_of(word_a)) @ self.unit_rows(self.index_of(word_b)))

    def distance(self, word_a, word_b):
        """Cosine distance of two words: 1 - similarity."""
        return 1 - self.similarity(word_a, word_b)

    def distances(self, word_or_vector, other_words=()):
        """Cosine distances (float32) from a word or a vector to each of `other_words`, or to
        every word in vocabulary order (itself included) if none are given."""
        query = _unit(self._term_vector(word_or_vector, unit=True)).astype(np.float32)
        if len(other_words):
            return 1 - self.unit_rows(self.indices_of(_as_list(other_words))) @ query
        return 1 - self.cosines(query)

    def closer_than(self, word_a, word_b):
        """The words closer to `word_a` than `word_b` is (not `word_a` itself), in vocabulary
        order."""
        distances = self.distances(word_a)
        rows = np.flatnonzero(distances < distances[self.index_of(word_b)])
        return [self.words[i] for i in rows if i != self.key_to_index[word_a]]

    def rank(self, word_a, word_b):
        """The rank of `word_b` among the neighbours of `word_a`: 1 + the words closer."""
        return len(self.closer_than(word_a, word_b)) + 1

    def n_similarity(self, words_a, words_b):
        """Cosine similarity of the means of the vectors of two lists of words. Unlike gensim,
        which skips them, unknown words are an error."""
        words_a, words_b = _as_list(words_a), _as_list(words_b)
        check_parameter(words_a and words_b, "n_similarity needs two non-empty lists of words",
                        "words_a", "words_b")
        self.indices_of(words_a + words_b)
        means = [self.get_mean_vector(words, pre_normalize=False) for words in (words_a, words_b)]
        return float(_unit(means[0].astype(np.float64)) @ _unit(means[1].astype(np.float64)))

    def most_similar(self, positive=(), negative=(), topn=10, restrict_vocab=None):
        """Words nearest to the normalized weighted mean of the unit vectors of `positive`
        (weight 1) and `negative` (weight -1), as gensim computes it.

        With positive=[b, c], negative=[a] this is 3CosAdd, "a is to b as c is to ?". Entries may
        be words, raw vectors (used as given), or (word or vector, weight) pairs. The input words
        are never returned. Only the first `restrict_vocab` rows are candidates. Returns
        [(word, cosine), ...] best first ([] for topn=0), or with topn=None the cosine of every
        candidate row as an array.
        """
        keys, weights = _weighted_terms(positive, negative)
        limit = self._candidate_limit(restrict_vocab)
        _check_topn(topn)
        if not keys:
            raise UsageError("most_similar needs at least one positive or negative word")
        query = self.get_mean_vector(keys, weights, post_normalize=True, ignore_missing=False)
        scores = self.cosines(query, limit)
        if topn is None:
            return scores
        return self._top_words(scores, topn, self._input_rows(keys))

    def similar_by_word(self, word, topn=10, restrict_vocab=None):
        """most_similar(word): the neighbours of one word."""
        return self.most_similar(positive=[word], topn=topn, restrict_vocab=restrict_vocab)

    similar_by_key = similar_by_word  # gensim's newer name

    def similar_by_vector(self, vector, topn=10, restrict_vocab=None):
        """most_similar([vector]): the words nearest to a vector (no word is left out)."""
        return self.most_similar(positive=[np.asarray(vector)], topn=topn,
                                 restrict_vocab=restrict_vocab)

    def most_similar_cosmul(self, positive=(), negative=(), topn=10, restrict_vocab=None):
        """3CosMul (Levy & Goldberg 2014): product of shifted cosines to `positive` over those to
        `negative` (each cosine mapped to [0, 1]). Same return value as `most_similar`."""
        positive, negative = _as_list(positive), _as_list(negative)
        limit = self._candidate_limit(restrict_vocab)
        _check_topn(topn)
        if not positive:
            raise UsageError("most_similar_cosmul needs at least one positive word")
        self._check_known(positive + negative)
        def shifted_cosines(item):
            return (1 + self.cosines(self._term_vector(item, unit=True).astype(np.float32),
                                     limit)) / 2

        numerator = np.prod([shifted_cosines(item) for item in positive], axis=0)
        denominator = (
            np.prod([shifted_cosines(item) for item in negative], axis=0) if negative else 1
        )
        scores = numerator / (denominator + 1e-6)
        if topn is None:
            return scores
        return self._top_words(scores, topn, self._input_rows(positive + negative))

    def doesnt_match(self, words):
        """The word of `words` least similar to the normalized mean of their unit vectors."""
        words = _as_list(words)
        if len(words) < 2:
            raise UsageError(f"doesnt_match needs at least 2 words, got {len(words)}")
        unit = self.unit_rows(self.indices_of(words))
        centre = _unit(unit.astype(np.float64).mean(axis=0))
        return words[int(np.argmin(unit @ centre))]

    def get_mean_vector(self, keys, weights=None, pre_normalize=True, post_normalize=False,
                        ignore_missing=True):
        """Weighted mean of the vectors of `keys` (words, or raw vectors used as given), as gensim
        computes it: the words' unit vectors with pre_normalize, the sum divided by the sum of
        the absolute weights of the keys used, unit length with post_normalize. Unknown words
        are skipped with ignore_missing, else an error. float32 (d,); zeros if no key is used.
        """
        keys = _as_list(keys)
        check_parameter(len(keys) > 0, "get_mean_vector needs at least one key", "keys")
        weights = np.ones(len(keys)) if weights is None else np.asarray(weights, dtype=np.float64)
        check_parameter(weights.shape == (len(keys),),
                        f"{{weights}} must hold one number per key ({len(keys)}), got shape "
                        f"{weights.shape}", "weights")
        if not ignore_missing:
            self._check_known(keys)
        total, total_weight = np.zeros(self.dim), 0.0
        for key, weight in zip(keys, weights):
            if not isinstance(key, str) or key in self.key_to_index:
                total += weight * self._term_vector(key, unit=pre_normalize)
                total_weight += abs(weight)
        mean = total / total_weight if total_weight > 0 else total
        return (_unit(mean) if post_normalize else mean).astype(np.float32)

    def mean_vector(self, words, *, unit=False, ignore_unknown=False):
        """get_mean_vector(words, pre_normalize=unit, ignore_missing=ignore_unknown), except that
        no word known is an error naming them rather than a zero vector."""
        words = _as_list(words)
        if not words:
            raise UsageError("mean_vector needs at least one word")
        if all(w not in self.key_to_index for w in words):
            raise self.unknown_words_error(self.unknown_words(words))
        return self.get_mean_vector(words, pre_normalize=unit, ignore_missing=ignore_unknown)

    def _check_known(self, items):
        self.indices_of([item for item in items if isinstance(item, str)])

    def _term_vector(self, item, unit):
        """float64 (d,): a word's vector (unit length if `unit`), or a raw vector as given."""
        if isinstance(item, str):
            row = self.index_of(item)
            return (self.unit_rows(row) if unit else self.vectors[row]).astype(np.float64)
        vector = np.asarray(item, dtype=np.float64)
        if vector.shape != (self.dim,):
            raise UsageError(f"a query vector must have shape ({self.dim},), got {vector.shape}")
        return vector

    def _input_rows(self, items):
        return {self.key_to_index[item] for item in items if isinstance(item, str)}

    def _candidate_limit(self, restrict_vocab):
        if restrict_vocab is None:
            return len(self)
        if isinstance(restrict_vocab, bool) or not isinstance(restrict_vocab, (int, np.integer)):
            raise UsageError(
                f"restrict_vocab must be an integer >= 1 or None, got {restrict_vocab!r}"
            )
        if restrict_vocab < 1:
            raise UsageError(f"restrict_vocab must be >= 1, got {restrict_vocab}")
        return min(int(restrict_vocab), len(self))

    def _top_words(self, scores, topn, excluded_rows):
        rows = top_indices(scores, topn + len(excluded_rows))
        best = [(self.words[i], float(scores[i])) for i in rows if i not in excluded_rows]
        return best[:topn]


# ----- helpers for the queries ------------------------------------------------------------------


def top_indices(scores, k):
    """Indices of the k largest `scores`, largest first (ties by lower index)."""
    k = min(k, len(scores))
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    if k < len(scores):
        candidates = np.argpartition(-scores, k - 1)[:k]
    else:
        candidates = np.arange(len(scores))
    order = np.lexsort((candidates, -scores[candidates]))
    return candidates[order]


def _as_list(items):
    if items is None:
        return []
    if isinstance(items, (str, np.ndarray)):
        return [items]
    return list(items)


def _check_topn(topn):
    if topn is None:
        return
    if isinstance(topn, bool) or not isinstance(topn, (int, np.integer)) or topn < 0:
        raise UsageError(f"topn must be an integer >= 0 or None, got {topn!r}")


def _weighted_terms(positive, negative):
    """(keys, weights) of most_similar's arguments, as gensim reads them: words and vectors
    weigh 1 in `positive` and -1 in `negative`; a (key, weight) pair weighs what it says."""
    keys, weights = [], []
    for items, default_weight in ((positive, 1.0), (negative, -1.0)):
        for item in _as_list(items):
            key, weight = item if isinstance(item, tuple) else (item, default_weight)
            keys.append(key)
            weights.append(weight)
    return keys, weights


def _unit(vector):
    norm = _row_norms(vector[None, :])[0]
    return vector / norm if norm > 0 else vector


def _row_norms(matrix):
    """Euclidean norm of each row, summed in float64 (in float32, values above ~1e19 overflow)
    without a float64 copy of the matrix."""
    return np.sqrt(np.einsum("ij,ij->i", matrix, matrix, dtype=np.float64))


