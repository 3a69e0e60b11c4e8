"""Word vectors: a float32 matrix with its words, the queries people run on it, and file I/O.

Formats, chosen on save by the file extension and detected on load from the content:
  - word2vec binary (`.bin`): a `n d` header line, then per word `word<space>` + d little-endian
    float32 + `\\n` (the newline is optional when reading, as gensim omits it);
  - word2vec text (`.txt`, `.vec`): a `n d` header line, then `word v1 ... vd` lines; fastText's
    `.vec` is the same format, GloVe's is the same without the header line;
  - our `.npz`: vectors, words, and when known counts, output vectors and the training config.
Any of them may be gzip/bz2/xz compressed (`.gz`, `.bz2`, `.xz` on save).

Words must be non-empty and free of ASCII whitespace (the word2vec formats separate fields by it).
"""

import bz2
import gzip
import io
import json
import lzma
import os
import re
import warnings
import zlib

import numpy as np

from ..files import atomic_write
from ..errors import UsageError, W2VError

FORMATS = ("bin", "text", "npz")
EXTENSIONS = {".bin": "bin", ".txt": "text", ".vec": "text", ".npz": "npz"}
COMPRESSED_EXTENSIONS = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz"}
NPZ_FORMAT_VERSION = 1

_WHITESPACE = re.compile(rb"[ \t\n\r\x0b\x0c]")
_WHITESPACE_STR = re.compile(r"[ \t\n\r\x0b\x0c]")
_UTF8_BOM = b"\xef\xbb\xbf"
_NOT_NUMBER_TEXT = re.compile(rb"[^0-9A-Za-z+\-. \t\r\x0b\x0c\n]")  # numbers, nan, inf, spaces


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
        file_format, compression = _format_for_path(path, format)
        self._check_savable()
        writer = {"bin": _write_binary, "text": _write_text, "npz": _write_npz}[file_format]
        with atomic_write(path, "wb") as handle:
            stream = _compressing_stream(handle, compression)
            writer(self, stream)
            if stream is not handle:
                stream.close()

    @classmethod
    def load(cls, path, format=None):
        """Read a word2vec binary/text, GloVe, fastText .vec or our .npz file (maybe compressed).

        The format is detected from the content unless `format` ("bin", "text", "npz") is given.
        A bad file raises W2VError with one line saying where (file and line or record).
        """
        if format is not None and format not in FORMATS:
            raise UsageError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
        path = os.fspath(path)
        data = _decompress(_read_file_bytes(path), path)
        return _parse_vectors(cls, data, path, format)

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
    if _WHITESPACE_STR.search("".join(words)):
        bad = next(w for w in words if _WHITESPACE_STR.search(w))
        raise W2VError(f"word {bad!r} contains whitespace, which the word2vec formats cannot store")
    return index


# ----- reading ----------------------------------------------------------------------------------


def _read_file_bytes(path):
    if os.path.isdir(path):
        raise W2VError(f"{path} is a directory, expected a vectors file")
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise W2VError(f"vectors file {path} does not exist") from None
    except OSError as exc:
        raise W2VError(f"cannot read vectors file {path}: {exc.strerror or exc}") from None


def _decompress(data, path):
    kind = _compression_of(data)
    if kind is None:
        return data
    decompress = {"gzip": gzip.decompress, "bz2": bz2.decompress, "xz": lzma.decompress}[kind]
    try:
        return decompress(data)
    except (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError) as exc:
        raise W2VError(f"{path}: corrupt or truncated {kind} data ({exc})") from None


def _compression_of(data):
    if data.startswith(b"\x1f\x8b"):
        return "gzip"
    if data.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    # bz2: "BZh" + block size digit + the magic of a first block or of the end of stream
    if re.match(rb"BZh[1-9](1AY&SY|\x17rE8P\x90)", data):
        return "bz2"
    return None


def _parse_vectors(cls, data, path, file_format):
    if file_format == "npz" or (file_format is None and data.startswith(b"PK\x03\x04")):
        return _read_npz(cls, data, path)
    start = len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0
    header, body_start = _read_header(data, start, path)
    if header is None:
        if file_format == "bin":
            raise W2VError(
                f"{path}, line 1: a word2vec binary file must start with a 'count dim' header"
            )
        return cls(*_read_text(data, start, None, path))
    if not data[body_start:].strip():
        raise W2VError(
            f"{path}: header (line 1) says {header[0]} words but the file has none (truncated?)"
        )
    readers = {
        "bin": lambda: _read_binary(data, body_start, header, path),
        "text": lambda: _read_text(data, body_start, header, path),
    }
    if file_format is not None:
        return cls(*readers[file_format]())
    return cls(
        *_read_either(readers, _looks_like_text(data, body_start, header[1]), _named_bin(path))
    )


def _read_either(readers, looks_like_text, named_bin):
    """Binary and text files share the header line; the first record tells them apart, except
    in contrived cases (a binary vector whose bytes read as digits), so the other reader is
    tried when the likely one fails, binary first for a .bin file. A failure reports the error
    of the format the content looks like."""
    likely = "text" if looks_like_text else "bin"
    order = ["bin", "text"] if named_bin else [likely, "bin" if likely == "text" else "text"]
    errors = {}
    for file_format in order:
        try:
            return readers[file_format]()
        except W2VError as exc:
            errors[file_format] = exc
    raise errors[likely]


def _named_bin(path):
    stem, extension = os.path.splitext(path.lower())
    if extension in COMPRESSED_EXTENSIONS:
        extension = os.path.splitext(stem)[1]
    return extension == ".bin"


def _read_header(data, start, path):
    """((count, dim), body start) if the first line is a word2vec `count dim` header, else
    (None, start): GloVe's text format has no header."""
    end = data.find(b"\n", start)
    end = len(data) if end < 0 else end
    fields = data[start:end].split()
    if not fields:
        if not data[start:].strip():
            raise W2VError(f"{path} is empty: no vectors")
        return None, start
    if len(fields) != 2 or not all(f.isdigit() for f in fields):
        return None, start
    count, dim = int(fields[0]), int(fields[1])
    if count < 1 or dim < 1:
        raise W2VError(
            f"{path}, line 1: header says {count} words of dimension {dim}; both must be >= 1"
        )
    return (count, dim), end + 1


def _looks_like_text(data, body_start, dim):
    """Whether the first record after the header is a text line of a word and `dim` numbers."""
    window = data[body_start : body_start + 64 * (dim + 1) + 4096]
    end = window.find(b"\n")
    fields = (window if end < 0 else window[:end]).split()
    if len(fields) != dim + 1:
        return False
    try:
        [float(f) for f in fields[1:]]
    except ValueError:
        return False
    return True


def _read_binary(data, pos, header, path):
    count, dim = header
    row_bytes = 4 * dim
    word_bytes, rows = [], []
    for record in range(1, count + 1):
        while data.startswith(b"\n", pos):
            pos += 1
        where = f"{path}, record {record} of {count} (byte {pos})"
        space = data.find(b" ", pos)
        if pos >= len(data) or space < 0:
            raise W2VError(
                f"{where}: file ends before the word (truncated? header says {count} words)"
            )
        word = data[pos:space]
        if not word or _WHITESPACE.search(word):
            raise W2VError(f"{where}: no word before the vector (corrupt file, or header wrong)")
        if space + 1 + row_bytes > len(data):
            raise W2VError(
                f"{where}: file ends inside the vector of {_show(word)} "
                f"({len(data) - space - 1} of {row_bytes} bytes; truncated?)"
            )
        word_bytes.append(word)
        rows.append(memoryview(data)[space + 1 : space + 1 + row_bytes])
        pos = space + 1 + row_bytes
    rest = data[pos:]
    if rest.strip():
        extra = pos + len(rest) - len(rest.lstrip())
        raise W2VError(
            f"{path}, byte {extra}: more data after the {count} words the header announces"
        )
    vectors = np.frombuffer(bytearray().join(rows), dtype="<f4").reshape(count, dim)
    words = _decode_words(word_bytes, path, lambda i: f"record {i + 1}")
    return _checked(
        words, vectors.astype(np.float32, copy=False), path, lambda i: f"record {i + 1}"
    )


def _read_text(data, start, header, path):
    lines = data[start:].split(b"\n")
    first_line_number = 2 if header else 1
    numbered = [(no, line) for no, line in enumerate(lines, first_line_number) if line.strip()]
    if not numbered:
        raise W2VError(
            f"{path}: no vectors after the header" if header else f"{path} is empty: no vectors"
        )
    if header and len(numbered) != header[0]:
        _raise_count_mismatch(path, header[0], numbered)
    line_numbers = [no for no, _ in numbered]
    split = [line.split(None, 1) for _, line in numbered]
    dim = header[1] if header else len(split[0][1].split()) if len(split[0]) > 1 else 0
    if dim < 1:
        raise W2VError(f"{path}, line {line_numbers[0]}: a word without a vector")
    values = _parse_numbers([s[1] if len(s) > 1 else b"" for s in split], dim, path, line_numbers)
    words = _decode_words([s[0] for s in split], path, lambda i: f"line {line_numbers[i]}")
    return _checked(words, values, path, lambda i: f"line {line_numbers[i]}")


def _raise_count_mismatch(path, count, numbered):
    if len(numbered) < count:
        raise W2VError(
            f"{path}: header (line 1) says {count} words but the file has {len(numbered)} "
            "(truncated?)"
        )
    raise W2VError(
        f"{path}, line {numbered[count][0]}: more lines than the {count} words the header says"
    )


def _parse_numbers(texts, dim, path, line_numbers):
    """(n, dim) float32 from the number part of each line; fast path in C, then a line-by-line
    pass only to say where a bad line is."""
    if _NOT_NUMBER_TEXT.search(b"\n".join(texts)) is None:
        try:
            lines = [t.decode("ascii") for t in texts]
            with warnings.catch_warnings():  # "no data" for word-only lines: an error below
                warnings.simplefilter("ignore")
                values = np.loadtxt(lines, dtype=np.float32, comments=None, ndmin=2,
                                    quotechar=None)
            if values.shape == (len(texts), dim):
                return values
        except (ValueError, OverflowError):
            pass
    _raise_first_bad_line(texts, dim, path, line_numbers)
    raise W2VError(f"{path}: could not read the numbers of the vectors")


def _raise_first_bad_line(texts, dim, path, line_numbers):
    for i, text in enumerate(texts):
        fields = text.split()
        where = f"{path}, line {line_numbers[i]}"
        if len(fields) != dim:
            truncated = " (truncated?)" if i == len(texts) - 1 else ""
            raise W2VError(
                f"{where}: expected {dim} numbers after the word, got {len(fields)}{truncated}"
            )
        bad = next((field for field in fields if not _is_number(field)), None)
        if bad is not None:
            raise W2VError(f"{where}: {_show(bad)} is not a number")


def _is_number(field):
    if _NOT_NUMBER_TEXT.search(field):
        return False
    try:
        float(field)
        return True
    except ValueError:
        return False


def _decode_words(word_bytes, path, where):
    try:
        return b"\n".join(word_bytes).decode("utf-8").split("\n")
    except UnicodeDecodeError:
        pass
    for i, word in enumerate(word_bytes):
        try:
            word.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise W2VError(
                f"{path}, {where(i)}: word {_show(word)} is not valid UTF-8 "
                f"(byte {exc.start} of the word)"
            ) from None
    raise AssertionError("joined words failed to decode but each word decodes")


def _checked(words, vectors, path, where):
    """(words, vectors) after the checks that need all rows: finite values, unique words."""
    finite = np.isfinite(vectors).all(axis=1)
    if not finite.all():
        i = int(np.flatnonzero(~finite)[0])
        raise W2VError(
            f"{path}, {where(i)}: the vector of {words[i]!r} holds NaN or infinite values"
        )
    seen = {}
    for i, word in enumerate(words):
        if word in seen:
            raise W2VError(
                f"{path}, {where(i)}: duplicate word {word!r} (first at {where(seen[word])})"
            )
        seen[word] = i
    return words, vectors


def _show(raw, limit=40):
    """Bytes from a file, quoted for a message; undecodable bytes shown as \\xNN."""
    text = raw.decode("utf-8", "backslashreplace")
    return "'" + (text if len(text) <= limit else text[:limit] + "...") + "'"


def _read_npz(cls, data, path):
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            contents = {name: archive[name] for name in archive.files}
    except Exception as exc:  # noqa: BLE001 - numpy/zipfile raise many types on damaged archives
        raise W2VError(
            f"{path}: not a readable .npz archive ({type(exc).__name__}: {exc})"
        ) from None
    for required in ("vectors", "words"):
        if required not in contents:
            raise W2VError(f"{path}: .npz archive has no {required!r} array (not written by w2v?)")
    vectors = _npz_matrix(contents["vectors"], "vectors", path)
    words = _npz_words(contents["words"], path)
    if len(words) != len(vectors):
        raise W2VError(f"{path}: {len(words)} words for {len(vectors)} vectors in the .npz archive")
    _checked(words, vectors, path, lambda i: f"row {i}")
    output_vectors = contents.get("output_vectors")
    if output_vectors is not None:
        output_vectors = _npz_matrix(output_vectors, "output_vectors", path)
    counts = _npz_counts(contents.get("counts"), path)
    config = _npz_config(contents.get("config_json"), path)
    try:
        return cls(words, vectors, counts=counts, output_vectors=output_vectors, config=config)
    except W2VError as exc:
        raise W2VError(f"{path}: {exc}") from None


def _npz_matrix(array, name, path):
    if array.ndim != 2 or array.dtype.kind != "f":
        raise W2VError(
            f"{path}: {name} must be a 2-D float matrix, got {array.dtype} {array.shape}"
        )
    if not np.isfinite(array).all():
        row = int(np.flatnonzero(~np.isfinite(array).all(axis=1))[0])
        raise W2VError(f"{path}: {name} row {row} holds NaN or infinite values")
    return array.astype(np.float32, copy=False)


def _npz_words(array, path):
    if array.ndim != 1 or array.dtype != np.uint8:
        raise W2VError(
            f"{path}: words must be UTF-8 bytes (uint8), got {array.dtype} {array.shape}"
        )
    try:
        return array.tobytes().decode("utf-8").split("\n")
    except UnicodeDecodeError as exc:
        raise W2VError(f"{path}: words are not valid UTF-8 (byte {exc.start})") from None


def _npz_counts(array, path):
    if array is None:
        return None
    if array.ndim != 1 or array.dtype.kind not in "iu":
        raise W2VError(
            f"{path}: counts must be a 1-D integer array, got {array.dtype} {array.shape}"
        )
    return array


def _npz_config(array, path):
    if array is None:
        return None
    try:
        config = json.loads(array.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise W2VError(f"{path}: config is not valid JSON ({exc})") from None
    if not isinstance(config, dict):
        raise W2VError(f"{path}: config must be a JSON object, got {type(config).__name__}")
    return config


# ----- writing ----------------------------------------------------------------------------------


def _format_for_path(path, file_format):
    stem, extension = os.path.splitext(path.lower())
    compression = COMPRESSED_EXTENSIONS.get(extension)
    if compression:
        stem, extension = os.path.splitext(stem)
    if file_format is not None:
        if file_format not in FORMATS:
            raise UsageError(f"format must be one of {', '.join(FORMATS)}, got {file_format!r}")
    elif extension in EXTENSIONS:
        file_format = EXTENSIONS[extension]
    else:
        known = ", ".join(EXTENSIONS)
        raise UsageError(
            f"cannot tell the vectors format of {path}: use one of the extensions {known}"
        )
    if file_format == "npz" and compression:
        raise UsageError(
            f"{path}: .npz archives are not compressed further; drop the {extension} suffix"
        )
    return file_format, compression


def _compressing_stream(handle, compression):
    if compression == "gzip":
        return gzip.GzipFile(fileobj=handle, mode="wb", compresslevel=6, mtime=0)
    if compression == "bz2":
        return bz2.BZ2File(handle, "wb")
    if compression == "xz":
        return lzma.LZMAFile(handle, "wb", preset=3)
    return handle


def _encoded_words(kv):
    try:
        return [w.encode("utf-8") for w in kv.words]
    except UnicodeEncodeError:
        bad = next(w for w in kv.words if not _encodable(w))
        raise W2VError(f"cannot save: word {bad!r} cannot be encoded as UTF-8") from None


def _encodable(word):
    try:
        word.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def _write_binary(kv, stream, rows_per_write=4096):
    stream.write(f"{len(kv)} {kv.dim}\n".encode("ascii"))
    words = _encoded_words(kv)
    little_endian = kv.vectors.astype("<f4", copy=False)
    for start in range(0, len(words), rows_per_write):
        chunk = [
            words[i] + b" " + little_endian[i].tobytes() + b"\n"
            for i in range(start, min(start + rows_per_write, len(words)))
        ]
        stream.write(b"".join(chunk))


def _write_text(kv, stream, rows_per_write=4096):
    # %.9g: nine significant digits are enough for every float32 to read back bit-exact
    stream.write(f"{len(kv)} {kv.dim}\n".encode("ascii"))
    row_format = " ".join(["%.9g"] * kv.dim)
    words = _encoded_words(kv)
    for start in range(0, len(words), rows_per_write):
        rows = kv.vectors[start : start + rows_per_write].tolist()
        lines = [
            words[start + i] + b" " + (row_format % tuple(row)).encode("ascii") + b"\n"
            for i, row in enumerate(rows)
        ]
        stream.write(b"".join(lines))


def _write_npz(kv, stream):
    arrays = {
        "format_version": np.array(NPZ_FORMAT_VERSION),
        "vectors": kv.vectors,
        "words": np.frombuffer(b"\n".join(_encoded_words(kv)), dtype=np.uint8),
    }
    if kv.counts is not None:
        arrays["counts"] = kv.counts
    if kv.output_vectors is not None:
        arrays["output_vectors"] = kv.output_vectors
    if kv.config is not None:
        config = json.dumps(kv.config, default=_json_default, sort_keys=True)
        arrays["config_json"] = np.frombuffer(config.encode("utf-8"), dtype=np.uint8)
    np.savez(stream, **arrays)


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)
