"""Reading vectors files from their bytes: word2vec binary and text (with or without the
`count dim` header: GloVe, fastText's .vec) give (words, vectors); our .npz gives the vectors
class it is handed (KeyedVectors). A bad file is a W2VError saying where (file and line, record,
row or byte).
"""

import io
import json
import re
import warnings

import numpy as np

from ..errors import W2VError

_WHITESPACE = re.compile(rb"[ \t\n\r\x0b\x0c]")
UTF8_BOM = b"\xef\xbb\xbf"
_NOT_NUMBER_TEXT = re.compile(rb"[^0-9A-Za-z+\-. \t\r\x0b\x0c\n]")  # numbers, nan, inf, spaces


def read_header(data, start, path):
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


def looks_like_text(data, body_start, dim):
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


def read_binary(data, pos, header, path):
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
    raw = bytearray().join(rows)
    if not _NOT_NUMBER_TEXT.search(raw):
        raise W2VError(f"{path}: the vectors are text (digits and spaces), not binary floats")
    vectors = np.frombuffer(raw, dtype="<f4").reshape(count, dim)
    words = _decode_words(word_bytes, path, lambda i: f"record {i + 1}")
    return _checked(
        words, vectors.astype(np.float32, copy=False), path, lambda i: f"record {i + 1}"
    )


def read_text(data, start, header, path):
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


def read_npz(vectors_class, data, path):
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
        return vectors_class(
            words, vectors, counts=counts, output_vectors=output_vectors, config=config
        )
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
