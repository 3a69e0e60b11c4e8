"""Word vectors: a float32 matrix with its words and the queries people run on it.

Words must be non-empty and free of ASCII whitespace (the word2vec formats separate fields by it);
the similarity queries are `queries`' (`SimilarityQueries`, mixed in), reading and writing the
files is `formats`' job.
"""

import difflib
import functools
import os
import re

import numpy as np

from . import evaluate, formats
from ..errors import W2VError, check_parameter
from ..files import compression_of_path
from .packed_words import PackedWords
from .queries import SimilarityQueries

_WHITESPACE = re.compile(r"[ \t\n\r\x0b\x0c]")
SPELLING_CANDIDATES = 50_000  # "did you mean" looks among this many of the first words


class UnknownWordError(W2VError, KeyError):
    """A word that is not in the vocabulary. A W2VError (the command line prints it on one line)
    and a KeyError, which gensim raises, so code written for gensim's KeyedVectors catches it."""

    __str__ = W2VError.__str__  # KeyError's would put the message in quotes


class KeyedVectors(SimilarityQueries):
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
        self.words = words if isinstance(words, PackedWords) else list(words)
        self.mapped = isinstance(vectors, np.memmap)  # queries then never copy the whole matrix
        self.vectors = _as_float32_matrix(vectors, "vectors")
        self.counts = None if counts is None else np.ascontiguousarray(counts, dtype=np.int64)
        self.output_vectors = (
            None if output_vectors is None else _as_float32_matrix(output_vectors, "output_vectors")
        )
        self.config = None if config is None else dict(config)
        self._check_shapes()
        if validate:
            self.key_to_index = _index_words(self.words)
        self._unit_vectors = self._norms = None
        self.norms = None  # each row's length, after fill_norms() (gensim's)
        self.file_rows = None  # loaded with words=: each row's index in the file (its rank)
        self.rows_in_file = len(self.words)  # the rows of the file read

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
        row = self.index_of(word)
        return self.unit_rows(row) if norm else self.vectors[row]

    def has_index_for(self, word):
        """gensim's: whether `word` has a row (`word in kv`)."""
        return word in self.key_to_index

    # ----- adding words -----------------------------------------------------------------------

    def add_vector(self, word, vector):
        """gensim's: add one word and its vector; its row (a word already there keeps its row
        and its vector, as gensim keeps it)."""
        self.add_vectors([word], np.asarray(vector).reshape(1, -1))
        return self.key_to_index[word]

    def add_vectors(self, keys, weights, extras=None, replace=False):
        """gensim's: append the words of `keys` not yet here, with their rows of `weights`
        ((len(keys), dim)); the vectors of words already here are replaced only with replace.
        New words get count 0 and zero output vectors where the vectors have those; `extras`
        (gensim's other per-word attributes) are not kept and must be None."""
        check_parameter(extras is None, "{extras} are not kept here: only words, vectors and "
                        "counts", "extras")
        keys = [keys] if isinstance(keys, str) else list(keys)
        weights = np.asarray(weights, dtype=np.float32)
        if weights.ndim == 1 and len(keys) == 1:
            weights = weights[None, :]
        check_parameter(weights.shape == (len(keys), self.dim),
                        f"{{weights}} must have one row of {self.dim} numbers per key, "
                        f"({len(keys)}, {self.dim}), got shape {weights.shape}", "weights")
        check_parameter(len(set(keys)) == len(keys), "{keys} must be distinct words", "keys")
        if not keys:
            return
        old = np.array([k in self.key_to_index for k in keys], dtype=bool)
        new_words = [k for k, known in zip(keys, old) if not known]
        self.words = list(self.words)  # packed words (a large file's, a mapped set's) grow as str
        _index_words(self.words + new_words)  # new words: non-empty str without white space
        vectors = self.vectors if self.vectors.flags.writeable else self.vectors.copy()
        if replace and old.any():
            vectors[[self.key_to_index[k] for k, known in zip(keys, old) if known]] = weights[old]
        if new_words:
            vectors = np.vstack([vectors, weights[~old]])
            grow = len(new_words)
            if self.counts is not None:
                self.counts = np.concatenate([self.counts, np.zeros(grow, np.int64)])
            if self.output_vectors is not None:
                self.output_vectors = np.vstack([self.output_vectors,
                                                 np.zeros((grow, self.dim), np.float32)])
            index = self.key_to_index
            for word in new_words:
                index[word] = len(self.words)
                self.words.append(word)
        self.vectors = np.ascontiguousarray(vectors)
        self._unit_vectors = self._norms = self.norms = None

    def __setitem__(self, keys, weights):
        """gensim's `kv[word] = vector` (or lists of both): add or replace."""
        self.add_vectors([keys] if isinstance(keys, str) else keys, weights, replace=True)

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
    def load(cls, path, format=None, *, limit=None, words=None, mmap=None, progress=True):
        """Read a word2vec binary/text, GloVe, fastText .vec or our .npz file (maybe compressed),
        or, with gensim installed, a gensim `Word2Vec.save()` / `KeyedVectors.save()` pickle
        (words, vectors and counts; unpickling runs code: only load files you trust).

        The format is detected from the content unless `format` ("bin", "text", "npz") is given.
        Files are read a block at a time: memory holds the matrix and its words, not the file.
        `limit`: only the first `limit` words (the most frequent in files sorted by count), and
        only the part of the file that holds them is read. `words`: only these words (any
        iterable), rows in file order. `mmap="r"` (gensim's): an uncompressed .npz written by
        w2v is mapped, not read: it opens at once and queries read the rows they touch
        (`w2v.convert` writes one from any format). `progress`: a bar on stderr for loads that
        take more than a few seconds. A bad file raises W2VError with one line saying where
        (file and line or record).
        """
        _check_limit(limit)
        return formats.read_vectors(cls, path, format, limit=limit, words=words, mmap=mmap,
                                    progress=progress)

    @classmethod
    def load_word2vec_format(cls, fname, binary=False, limit=None):
        """gensim's reader: a word2vec binary (binary=True) or text file, only its first `limit`
        words if given (the rest of the file is not read)."""
        return cls.load(fname, format="bin" if binary else "text", limit=limit)

    def _check_savable(self):
        for name in ("vectors", "output_vectors"):
            matrix = getattr(self, name)
            row = None if matrix is None else first_nonfinite_row(matrix)
            if row is not None:
                raise W2VError(
                    f"cannot save: {name} row {row} (word {self.words[row]!r}) holds NaN or "
                    "infinite values"
                )


# ----- helpers ------------------------------------------------------------------------------------


def _check_limit(limit):
    check_parameter(limit is None or (isinstance(limit, (int, np.integer)) and not
                                      isinstance(limit, bool) and limit >= 1),
                    f"{{limit}} must be an integer >= 1 or None, got {limit!r}", "limit")


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
