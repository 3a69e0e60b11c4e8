"""Word vectors: a float32 matrix with its words and the queries people run on it.

Words must be non-empty and free of ASCII whitespace (the word2vec formats separate fields by it);
reading and writing the files is `formats`' job.
"""

import difflib
import functools
import os
import re

import numpy as np

from . import evaluate, formats
from ..errors import UsageError, W2VError, check_parameter
from ..files import compression_of_path

_WHITESPACE = re.compile(r"[ \t\n\r\x0b\x0c]")
SPELLING_CANDIDATES = 50_000  # "did you mean" looks among this many of the first words


class UnknownWordError(W2VError, KeyError):
    """A word that is not in the vocabulary. A W2VError (the command line prints it on one line)
    and a KeyError, which gensim raises, so code written for gensim's KeyedVectors catches it."""

    __str__ = W2VError.__str__  # KeyError's would put the message in quotes


class KeyedVectors:
    """A float32 matrix of word vectors, rows in vocabulary order (most frequent word first).

    `words`: list of str; `vectors`: (n, d) float32; `counts`: (n,) int64 or None;
    `output_vectors`: the trainer's (n, d) output matrix or None; `config`: the training config
    (a JSON-serializable dict) or None. The unit-length rows used by every similarity query are
    computed on first use and kept; replace `vectors` rather than editing it in place.

    gensim 4's names work too (`index_to_key`, `vector_size`, `get_vector`, `most_similar`,
    `evaluate_word_analogies`, ...), with gensim's arguments, defaults and answers; an unknown word
    raises `UnknownWordError`, a KeyError as in gensim.
    """

    def __init__(self, words, vectors, counts=None, output_vectors=None, config=None,
                 validate=True):
        """validate=False trusts `words` to be distinct non-empty tokens without white space
        (the trainer's are) and builds `key_to_index` on first use, not here: a large vocabulary's
        index costs tens of MB that writing a file never needs."""
        self.words = list(words)
        self.vectors = _as_float32_matrix(vectors, "vectors")
        self.counts = None if counts is None else np.ascontiguousarray(counts, dtype=np.int64)
        self.output_vectors = (
            None if output_vectors is None else _as_float32_matrix(output_vectors, "output_vectors")
        )
        self.config = None if config is None else dict(config)
        self._check_shapes()
        if validate:
            self.key_to_index = _index_words(self.words)
        self._unit_vectors = None

    @functools.cached_property
    def key_to_index(self):
        """word -> row (gensim's name)."""
        return {word: i for i, word in enumerate(self.words)}

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
        if isinstance(word_or_words, str) or not hasattr(word_or_words, "__iter__"):
            return self.get_vector(word_or_words)
        return self.vectors[self.indices_of(word_or_words)]

    def __repr__(self):
        return f"KeyedVectors({len(self)} words, dim {self.dim})"

    @property
    def dim(self):
        return self.vectors.shape[1]

    @property
    def vector_size(self):
        """gensim's name for `dim`."""
        return self.dim

    @property
    def index_to_key(self):
        """gensim's name for `words`."""
        return self.words

    def get_vector(self, word, norm=False):
        """The vector of `word` (a row view), of unit length with norm=True."""
        return (self.unit_vectors if norm else self.vectors)[self.index_of(word)]

    def get_index(self, word, default=None):
        """gensim's `index_of`: the row of `word`, else `default` if given, else an error."""
        if default is not None and word not in self.key_to_index:
            return default
        return self.index_of(word)

    def get_vecattr(self, word, attr):
        """gensim's access to the counts: get_vecattr(word, "count")."""
        if attr != "count" or self.counts is None:
            raise W2VError(f"these vectors have no {attr!r} attribute"
                           + (" (the file holds no counts)" if attr == "count" else ""))
        return int(self.counts[self.index_of(word)])

    def get_normed_vectors(self):
        """gensim's name for `unit_vectors`."""
        return self.unit_vectors

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
        """W2VError naming the first five `missing` words, with the vocabulary's words closest to
        each (the same word in lowercase, or a close spelling among the frequent words)."""
        shown = ", ".join(repr(w) for w in missing[:5])
        if len(missing) > 5:
            shown += f" and {len(missing) - 5} more"
        verb = "is" if len(missing) == 1 else "are"
        hints = [repr(close) for close in map(self._closest_word, missing[:5]) if close]
        hint = f" (did you mean {' or '.join(hints)}?)" if hints else ""
        return UnknownWordError(
            f"{shown} {verb} not in the vocabulary ({len(self):,} words){hint}"
        )

    def _closest_word(self, word, frequent=SPELLING_CANDIDATES):
        """The lowercase `word` if known, else the closest spelling among the `frequent` first
        words (the most frequent in files sorted by count: fast on any vocabulary), or None."""
        if not isinstance(word, str):
            return None
        if word.lower() in self.key_to_index:
            return word.lower()
        word = word.lower()
        close = difflib.get_close_matches(word, self.words[:frequent], n=3, cutoff=0.7)
        close.sort(key=lambda c: sorted(c) != sorted(word))  # a swap ("hrose") first: a typo
        return close[0] if close else None

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

    def distance(self, word_a, word_b):
        """Cosine distance of two words: 1 - similarity."""
        return 1 - self.similarity(word_a, word_b)

    def distances(self, word_or_vector, other_words=()):
        """Cosine distances (float32) from a word or a vector to each of `other_words`, or to
        every word in vocabulary order (itself included) if none are given."""
        query = _unit(self._term_vector(word_or_vector, unit=True)).astype(np.float32)
        others = self.unit_vectors
        if len(other_words):
            others = others[self.indices_of(_as_list(other_words))]
        return 1 - others @ query

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
        scores = self.unit_vectors[:limit] @ query
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
        candidates = self.unit_vectors[:limit]

        def shifted_cosines(item):
            return (1 + candidates @ self._term_vector(item, unit=True).astype(np.float32)) / 2

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
            return (self.unit_vectors if unit else self.vectors)[self.index_of(item)].astype(
                np.float64)
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

    # ----- benchmarks, as gensim returns them ---------------------------------------------------

    def evaluate_word_analogies(self, analogies, restrict_vocab=300000, case_insensitive=True,
                                dummy4unknown=False):
        """gensim's analogy benchmark (word2vec's compute-accuracy, 3CosAdd) on an analogy file:
        (accuracy, sections), each section a dict {"section": name, "correct": [(a, b, c, d),
        ...], "incorrect": [...]} (words uppercased with case_insensitive), the last one the
        total, "Total accuracy". Questions with a word outside the first `restrict_vocab` words
        are left out, or counted as incorrect with dummy4unknown. `w2v.vectors.evaluate` has the
        same benchmark with counts per section (`evaluate_analogies`)."""
        _, sections, _ = evaluate.analogy_outcomes(self, analogies, restrict_vocab,
                                                   case_insensitive)
        results = []
        for name, questions, outcomes in sections:
            if case_insensitive:
                questions = [tuple(w.upper() for w in q) for q in questions]
            graded = [(q, ok) for q, ok in zip(questions, outcomes) if ok is not None or
                      dummy4unknown]
            results.append({"section": name, "correct": [q for q, ok in graded if ok],
                            "incorrect": [q for q, ok in graded if not ok]})
        total = {key: [q for s in results for q in s[key]] for key in ("correct", "incorrect")}
        results.append({"section": "Total accuracy", **total})
        graded = len(total["correct"]) + len(total["incorrect"])
        return (len(total["correct"]) / graded if graded else 0.0), results

    def evaluate_word_pairs(self, pairs, delimiter=None, encoding="utf8", restrict_vocab=300000,
                            case_insensitive=True, dummy4unknown=False):
        """gensim's word-pair benchmark: (pearson, spearman, oov_ratio), scipy's results (the
        correlation and its p-value) of the cosine similarity against the human scores of a
        `word1 word2 score` file, and the percentage of pairs with a word outside the first
        `restrict_vocab` words (left out, or scored 0 with dummy4unknown). Fields are separated
        by `delimiter`, by default by a tab if the line has one, else by white space (gensim
        takes only tabs by default); files are read as UTF-8."""
        from scipy import stats

        check_parameter(str(encoding).lower().replace("-", "").replace("_", "") == "utf8",
                        "{encoding} must be UTF-8, the benchmark files' encoding, got "
                        f"{encoding!r}",
                        "encoding")
        scored, _ = evaluate.pair_similarities(self, pairs, restrict_vocab, case_insensitive,
                                               delimiter)
        oov = sum(cosine is None for _, cosine in scored)
        if not dummy4unknown:
            scored = [(human, cosine) for human, cosine in scored if cosine is not None]
        human = [h for h, _ in scored]
        model = [0.0 if cosine is None else cosine for _, cosine in scored]
        if not human:
            raise W2VError(f"{pairs}: none of the pairs has both words in the vocabulary")
        oov_ratio = 100 * oov / (len(human) if dummy4unknown else len(human) + oov)
        return stats.pearsonr(human, model), stats.spearmanr(human, model), oov_ratio

    # ----- files ------------------------------------------------------------------------------

    def save(self, path, format=None):
        """Write atomically; the format comes from `format` ("bin", "text", "npz") or the
        extension (.bin, .txt, .vec, .npz, optionally followed by .gz/.bz2/.xz)."""
        path = os.fspath(path)
        file_format, compression = formats.format_for_path(path, format)
        self._check_savable()
        formats.write_vectors(self, path, file_format, compression)

    def save_word2vec_format(self, fname, binary=False):
        """gensim's save: word2vec text, or binary with binary=True, whatever the extension
        (compressed if it ends in .gz/.bz2/.xz); written atomically."""
        path = os.fspath(fname)
        self._check_savable()
        formats.write_vectors(self, path, "bin" if binary else "text", compression_of_path(path))

    @classmethod
    def load(cls, path, format=None):
        """Read a word2vec binary/text, GloVe, fastText .vec or our .npz file (maybe compressed),
        or, with gensim installed, a gensim `Word2Vec.save()` / `KeyedVectors.save()` pickle
        (words, vectors and counts; unpickling runs code: only load files you trust).

        The format is detected from the content unless `format` ("bin", "text", "npz") is given.
        A bad file raises W2VError with one line saying where (file and line or record).
        """
        return formats.read_vectors(cls, path, format)

    @classmethod
    def load_word2vec_format(cls, fname, binary=False, limit=None):
        """gensim's reader: a word2vec binary (binary=True) or text file, only its first `limit`
        words if given."""
        kv = cls.load(fname, format="bin" if binary else "text")
        if limit is None:
            return kv
        check_parameter(isinstance(limit, (int, np.integer)) and limit >= 1,
                        f"{{limit}} must be an integer >= 1 or None, got {limit!r}", "limit")
        counts = None if kv.counts is None else kv.counts[:limit]
        return cls(kv.words[:limit], kv.vectors[:limit], counts=counts)

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
