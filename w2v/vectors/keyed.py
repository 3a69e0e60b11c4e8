"""Word vectors: a float32 matrix with its words and the queries people run on it.

Words must be non-empty and free of ASCII whitespace (the word2vec formats separate fields by it);
reading and writing the files is `formats`' job.
"""

import os
import re

import numpy as np

from . import formats
from ..errors import UsageError, W2VError

_WHITESPACE = re.compile(r"[ \t\n\r\x0b\x0c]")


class KeyedVectors:
    """A float32 matrix of word vectors, rows in vocabulary order (most frequent word first).

    `words`: list of str; `vectors`: (n, d) float32; `counts`: (n,) int64 or None;
    `output_vectors`: the trainer's (n, d) output matrix or None; `config`: the training config
    (a JSON-serializable dict) or None. The unit-length rows used by every similarity query are
    computed on first use and kept; replace `vectors` rather than editing it in place.
    """

    def __init__(self, words, vectors, counts=None, output_vectors=None, config=None):
        self.words = list(words)
        self.vectors = _as_float32_matrix(vectors, "vectors")
        self.counts = None if counts is None else np.ascontiguousarray(counts, dtype=np.int64)
        self.output_vectors = (
            None if output_vectors is None else _as_float32_matrix(output_vectors, "output_vectors")
        )
        self.config = None if config is None else dict(config)
        self._check_shapes()
        self.key_to_index = _index_words(self.words)
        self._unit_vectors = None

    def _check_shapes(self):
        n, d = self.vectors.shape
        if n == 0 or d == 0:
            raise W2VError(
                f"vectors must have at least one word and one dimension, got shape {(n, d)}"
            )
        if len(self.words) != n:
            raise W2VError(f"got {len(self.words)} words for {n} vectors: they must be equal")
        if self.counts is not None and self.counts.shape != (n,):
            raise W2VError(f"counts must have shape ({n},) like the words, got {self.counts.shape}")
        if self.output_vectors is not None and self.output_vectors.shape != (n, d):
            raise W2VError(
                f"output_vectors must have shape {(n, d)}, got {self.output_vectors.shape}"
            )

    # ----- lookup -----------------------------------------------------------------------------

    def __len__(self):
        return len(self.words)

    def __contains__(self, word):
        return word in self.key_to_index

    def __iter__(self):
        return iter(self.words)

    def __getitem__(self, word_or_words):
        """The vector of a word (a row view), or the (k, d) matrix of a list of words."""
        if isinstance(word_or_words, str):
            return self.vectors[self.index_of(word_or_words)]
        return self.vectors[self.indices_of(word_or_words)]

    def __repr__(self):
        return f"KeyedVectors({len(self)} words, dim {self.dim})"

    @property
    def dim(self):
        return self.vectors.shape[1]

    def index_of(self, word):
        """Row of `word`; W2VError naming the word and the vocabulary size if it is unknown."""
        index = self.key_to_index.get(word)
        if index is None:
            raise self.unknown_words_error([word])
        return index

    def indices_of(self, words):
        """int64 rows of `words`; one W2VError naming every unknown word."""
        words = list(words)
        missing = self.unknown_words(words)
        if missing:
            raise self.unknown_words_error(missing)
        return np.array([self.key_to_index[w] for w in words], dtype=np.int64)

    def unknown_words(self, words):
        """The words of `words` not in the vocabulary, in order, without repeats."""
        return list(dict.fromkeys(w for w in words if w not in self.key_to_index))

    def unknown_words_error(self, missing):
        shown = ", ".join(repr(w) for w in missing[:5])
        if len(missing) > 5:
            shown += f" and {len(missing) - 5} more"
        verb = "is" if len(missing) == 1 else "are"
        hints = [
            repr(w.lower())
            for w in missing[:5]
            if isinstance(w, str) and w.lower() in self.key_to_index
        ]
        hint = f" (did you mean {' or '.join(hints)}?)" if hints else ""
        return W2VError(f"{shown} {verb} not in the vocabulary ({len(self):,} words){hint}")

    # ----- similarity queries -----------------------------------------------------------------

    @property
    def unit_vectors(self):
        """Rows scaled to unit length (all-zero rows stay zero); computed once."""
        if self._unit_vectors is None:
            norms = np.minimum(_row_norms(self.vectors), np.finfo(np.float32).max)
            norms = norms.astype(np.float32)
            norms[norms == 0] = 1
            self._unit_vectors = self.vectors / norms[:, None]
        return self._unit_vectors

    def similarity(self, word_a, word_b):
        """Cosine similarity of two words."""
        unit = self.unit_vectors
        return float(unit[self.index_of(word_a)] @ unit[self.index_of(word_b)])

    def most_similar(self, positive=(), negative=(), topn=10, restrict_vocab=None):
        """Words nearest to the normalized mean of the unit vectors of `positive` minus `negative`.

        With positive=[b, c], negative=[a] this is 3CosAdd, "a is to b as c is to ?". Entries may
        be words or raw vectors. The input words are never returned. Only the first
        `restrict_vocab` rows are candidates. Returns [(word, cosine), ...] best first, or with
        topn=None the cosine of every candidate row as an array.
        """
        positive, negative = _as_list(positive), _as_list(negative)
        limit = self._candidate_limit(restrict_vocab)
        _check_topn(topn)
        terms = [(item, 1.0) for item in positive] + [(item, -1.0) for item in negative]
        self._check_known(positive + negative)
        if not terms:
            raise UsageError("most_similar needs at least one positive or negative word")
        query = _unit(sum(weight * self._unit_term(item) for item, weight in terms) / len(terms))
        scores = self.unit_vectors[:limit] @ query.astype(np.float32)
        if topn is None:
            return scores
        return self._top_words(scores, topn, self._input_rows(positive + negative))

    def most_similar_cosmul(self, positive=(), negative=(), topn=10, restrict_vocab=None):
        """3CosMul (Levy & Goldberg 2014): product of shifted cosines to `positive` over those to
        `negative` (each cosine mapped to [0, 1]). Same return value as `most_similar`."""
        positive, negative = _as_list(positive), _as_list(negative)
        limit = self._candidate_limit(restrict_vocab)
        _check_topn(topn)
        if not positive:
            raise UsageError("most_similar_cosmul needs at least one positive word")
        self._check_known(positive + negative)
        candidates = self.unit_vectors[:limit]

        def shifted_cosines(item):
            return (1 + candidates @ self._unit_term(item).astype(np.float32)) / 2

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
        unit = self.unit_vectors[self.indices_of(words)]
        centre = _unit(unit.astype(np.float64).mean(axis=0))
        return words[int(np.argmin(unit @ centre))]

    def mean_vector(self, words, *, unit=False, ignore_unknown=False):
        """Mean of the vectors of `words` (of their unit vectors with unit=True), float32 (d,).

        Unknown words raise W2VError, or are skipped with ignore_unknown=True; if no word is
        known the error names them.
        """
        words = _as_list(words)
        if not words:
            raise UsageError("mean_vector needs at least one word")
        known = [w for w in words if w in self.key_to_index] if ignore_unknown else words
        if not known:
            raise self.unknown_words_error(self.unknown_words(words))
        matrix = self.unit_vectors if unit else self.vectors
        rows = matrix[self.indices_of(known)]
        return rows.mean(axis=0, dtype=np.float64).astype(np.float32)

    def _check_known(self, items):
        self.indices_of([item for item in items if isinstance(item, str)])

    def _unit_term(self, item):
        if isinstance(item, str):
            return self.unit_vectors[self.index_of(item)].astype(np.float64)
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

    # ----- files ------------------------------------------------------------------------------

    def save(self, path, format=None):
        """Write atomically; the format comes from `format` ("bin", "text", "npz") or the
        extension (.bin, .txt, .vec, .npz, optionally followed by .gz/.bz2/.xz)."""
        path = os.fspath(path)
        file_format, compression = formats.format_for_path(path, format)
        self._check_savable()
        formats.write_vectors(self, path, file_format, compression)

    @classmethod
    def load(cls, path, format=None):
        """Read a word2vec binary/text, GloVe, fastText .vec or our .npz file (maybe compressed).

        The format is detected from the content unless `format` ("bin", "text", "npz") is given.
        A bad file raises W2VError with one line saying where (file and line or record).
        """
        return formats.read_vectors(cls, path, format)

    def _check_savable(self):
        for name in ("vectors", "output_vectors"):
            matrix = getattr(self, name)
            row = None if matrix is None else first_nonfinite_row(matrix)
            if row is not None:
                raise W2VError(
                    f"cannot save: {name} row {row} (word {self.words[row]!r}) holds NaN or "
                    "infinite values"
                )


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
    if isinstance(topn, bool) or not isinstance(topn, (int, np.integer)) or topn < 1:
        raise UsageError(f"topn must be an integer >= 1 or None, got {topn!r}")


def _unit(vector):
    norm = _row_norms(vector[None, :])[0]
    return vector / norm if norm > 0 else vector


def _row_norms(matrix):
    """Euclidean norm of each row, summed in float64 (in float32, values above ~1e19 overflow)
    without a float64 copy of the matrix."""
    return np.sqrt(np.einsum("ij,ij->i", matrix, matrix, dtype=np.float64))


def first_nonfinite_row(matrix, rows_per_check=4096):
    """The index of the first row holding NaN or inf, or None. Checked a block of rows at a
    time: no temporary as large as the matrix at the moment memory peaks (the end of training)."""
    for start in range(0, len(matrix), rows_per_check):
        bad = ~np.isfinite(matrix[start : start + rows_per_check]).all(axis=1)
        if bad.any():
            return start + int(np.flatnonzero(bad)[0])
    return None


def _as_float32_matrix(array, name):
    matrix = np.asarray(array)
    if matrix.ndim != 2:
        raise W2VError(
            f"{name} must be a 2-D matrix (words x dimensions), got {matrix.ndim} dimensions"
        )
    if not np.issubdtype(matrix.dtype, np.number):
        raise W2VError(f"{name} must hold numbers, got dtype {matrix.dtype}")
    return np.ascontiguousarray(matrix, dtype=np.float32)


def _index_words(words):
    index = {}
    for i, word in enumerate(words):
        if not isinstance(word, str) or not word:
            raise W2VError(f"word {i} must be a non-empty str, got {word!r}")
        if word in index:
            raise W2VError(f"duplicate word {word!r} at rows {index[word]} and {i}")
        index[word] = i
    if _WHITESPACE.search("".join(words)):
        bad = next(w for w in words if _WHITESPACE.search(w))
        raise W2VError(f"word {bad!r} contains whitespace, which the word2vec formats cannot store")
    return index
