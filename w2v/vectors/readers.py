"""Reading vectors files: the `count dim` header of word2vec binary and text files (GloVe's have
none), which of the two a file is, and our .npz (the vectors class it is handed, KeyedVectors,
is built); `streaming` reads the binary and text records. A bad file is a W2VError saying where
(file and line, record, row or byte).
"""

import contextlib
import io
import json
import re

import numpy as np

from ..errors import W2VError

UTF8_BOM = b"\xef\xbb\xbf"
_NOT_TEXT = re.compile(rb"[^\x20-\x7e\t\r\n\x0b\x0c]")
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


def is_text(data):
    """Whether `data` holds only printable ASCII and white space: "binary" floats that do are
    text (numbers with decimal commas, ...), not vectors."""
    return not _NOT_TEXT.search(data)


def is_number(field):
    if _NOT_NUMBER_TEXT.search(field):
        return False
    try:
        float(field)
        return True
    except ValueError:
        return False


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


def show(raw, limit=40):
    """Bytes from a file, quoted for a message; undecodable bytes shown as \\xNN."""
    text = raw.decode("utf-8", "backslashreplace")
    return "'" + (text if len(text) <= limit else text[:limit] + "...") + "'"


def read_npz(vectors_class, data, path):
    """Our .npz from its bytes, or from the file `data` names."""
    try:  # the file opened here: np.load(path) leaves it open when the zip is damaged
        with contextlib.ExitStack() as stack:
            source = io.BytesIO(data) if isinstance(data, bytes) else \
                stack.enter_context(open(data, "rb"))
            archive = stack.enter_context(np.load(source, allow_pickle=False))
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
