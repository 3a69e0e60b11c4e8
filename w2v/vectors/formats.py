"""Vector files: reading and writing each format, and telling them apart.

Formats, chosen on save by the file extension and detected on load from the content:
  - word2vec binary (`.bin`): a `n d` header line, then per word `word<space>` + d little-endian
    float32 + `\\n` (the newline is optional when reading, as gensim omits it);
  - word2vec text (`.txt`, `.vec`): a `n d` header line, then `word v1 ... vd` lines; fastText's
    `.vec` is the same format, GloVe's is the same without the header line;
  - our `.npz`: vectors, words, and when known counts, output vectors and the training config.
Any of them may be gzip/bz2/xz compressed (`.gz`, `.bz2`, `.xz` on save). gensim's pickles
(`Word2Vec.save()`, `KeyedVectors.save()`) are read through gensim when it is installed, and the
TensorFlow Embedding Projector's `vectors.tsv` + `metadata.tsv` are written for `w2v export`.

The readers build the vectors with the class they are given (`KeyedVectors`), so this module
does not import it.
"""

import io
import json
import os
import re
import warnings

import numpy as np

from ..errors import UsageError, W2VError, hint
from ..files import (
    FILE_KINDS,
    VECTOR_KINDS,
    ReadMessages,
    atomic_write,
    compressing_stream,
    compression_of_path,
    decompress_bytes,
    file_kind,
    read_bytes,
)

FORMATS = ("bin", "text", "npz")
EXTENSIONS = {".bin": "bin", ".txt": "text", ".vec": "text", ".npz": "npz"}
NPZ_FORMAT_VERSION = 1

_WHITESPACE = re.compile(rb"[ \t\n\r\x0b\x0c]")
_UTF8_BOM = b"\xef\xbb\xbf"
_NOT_NUMBER_TEXT = re.compile(rb"[^0-9A-Za-z+\-. \t\r\x0b\x0c\n]")  # numbers, nan, inf, spaces
_VECTORS_FILE = ReadMessages.naming("vectors file")
GENSIM_EXTENSIONS = (".model", ".kv")
INSTALL_GENSIM = "install gensim to read gensim's pickled .model/.kv files"


def read_vectors(vectors_class, path, file_format=None):
    """A `vectors_class` (KeyedVectors) read from a word2vec binary/text, GloVe, fastText .vec or
    our .npz file, maybe compressed; the format is detected from the content unless
    `file_format` ("bin", "text", "npz") is given."""
    _check_format_name(file_format)
    path = os.fspath(path)
    if file_format is None and is_gensim_file(path):
        return _read_gensim(vectors_class, path)
    data = decompress_bytes(read_bytes(path, _VECTORS_FILE), path)
    return _parse_vectors(vectors_class, data, path, file_format)


def holds_vectors(path):
    """Whether `path` is a file `read_vectors` reads: vectors in any format or a gensim pickle."""
    return os.path.isfile(path) and (file_kind(path) in VECTOR_KINDS or is_gensim_file(path))


def is_gensim_file(path):
    """A pickle naming gensim in its first bytes, or any pickle named .model or .kv."""
    if not os.path.isfile(path):
        return False
    kind = file_kind(path)
    return kind == "gensim pickle" or (kind == "pickle" and _extension(path) in GENSIM_EXTENSIONS)


def _read_gensim(vectors_class, path):
    """Words, vectors and counts (when the file has them) of a gensim Word2Vec (or other model
    with a `wv`) or KeyedVectors pickle, loaded by gensim."""
    try:
        from gensim.utils import SaveLoad
    except ImportError:
        raise W2VError(f"{path} is {FILE_KINDS['gensim pickle']}: {INSTALL_GENSIM}") from None
    try:
        loaded = SaveLoad.load(path)
    except Exception as exc:  # noqa: BLE001 - unpickling raises anything a damaged file causes
        raise W2VError(
            f"{path}: gensim could not load it ({type(exc).__name__}: {exc})"
        ) from None
    wv = getattr(loaded, "wv", loaded)
    if not (hasattr(wv, "index_to_key") and hasattr(wv, "vectors")):
        raise W2VError(f"{path} holds a gensim {type(loaded).__name__}, not word vectors")
    counts = getattr(wv, "expandos", {}).get("count")
    try:
        return vectors_class(wv.index_to_key, wv.vectors, counts=counts)
    except W2VError as exc:
        raise W2VError(f"{path}: {exc}") from None


def format_for_path(path, file_format=None):
    """(format, compression or None) of a file to write: `file_format` if given, else from the
    extension (.bin, .txt, .vec, .npz, optionally followed by .gz/.bz2/.xz)."""
    compression, extension = compression_of_path(path), _extension(path)
    _check_format_name(file_format)
    if file_format is None:
        file_format = EXTENSIONS.get(extension)
    if file_format is None:
        known = ", ".join(EXTENSIONS)
        raise UsageError(
            f"cannot tell the vectors format of {path}: use one of the extensions {known}"
        )
    if file_format == "npz" and compression:
        raise UsageError(
            f"{path}: .npz archives are not compressed further; drop the {extension} suffix"
        )
    return file_format, compression


def write_vectors(kv, path, file_format, compression):
    """Write `kv` to `path` atomically in `file_format` ("bin", "text", "npz"), compressed by
    `compression` ("gzip", "bz2", "xz" or None)."""
    writer = {"bin": _write_binary, "text": _write_text, "npz": _write_npz}[file_format]
    with atomic_write(path, "wb") as handle, compressing_stream(handle, compression) as stream:
        writer(kv, stream)


def _check_format_name(file_format):
    if file_format is not None and file_format not in FORMATS:
        raise UsageError(f"format must be one of {', '.join(FORMATS)}, got {file_format!r}")


# ----- reading ----------------------------------------------------------------------------------


def _parse_vectors(vectors_class, data, path, file_format):
    _check_holds_vectors(data, path)
    if file_format == "npz" or (file_format is None and data.startswith(b"PK\x03\x04")):
        return _read_npz(vectors_class, data, path)
    start = len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0
    header, body_start = _read_header(data, start, path)
    if header is None:
        if file_format == "bin":
            raise W2VError(
                f"{path}, line 1: a word2vec binary file must start with a 'count dim' header"
            )
        return vectors_class(*_read_text(data, start, None, path))
    if not data[body_start:].strip():
        raise W2VError(
            f"{path}: header (line 1) says {header[0]} words but the file has none (truncated?)"
        )
    readers = {
        "bin": lambda: _read_binary(data, body_start, header, path),
        "text": lambda: _read_text(data, body_start, header, path),
    }
    if file_format is not None:
        return vectors_class(*readers[file_format]())
    looks_like_text = _looks_like_text(data, body_start, header[1])
    return vectors_class(*_read_either(readers, looks_like_text, _extension(path) == ".bin"))


def _check_holds_vectors(data, path):
    """W2VError saying what the file is if it is plainly not vectors (a corpus, a training log,
    a checkpoint, a gensim pickle); damaged vectors files are left to the readers' messages."""
    if not data.strip():
        return  # the readers say it is empty
    kind = file_kind(path, data)
    if kind in VECTOR_KINDS or kind == "zip":  # a zip: a damaged .npz, its reader says how
        return
    notes = {
        "gensim pickle": "; read it without a format, with gensim installed",
        "training log": (f"; the vectors are in {path[:-5]}" if path.endswith(".json")
                         and os.path.isfile(path[:-5]) else ""),
    }
    hints = {
        "checkpoint": hint("to finish its run and write the vectors", "train", resume=path),
        "text": hint("to train vectors on it", "train", path),
    }
    raise W2VError(f"{path} is {FILE_KINDS[kind]}, not a vectors file (.bin, .txt, .vec, .npz)"
                   f"{notes.get(kind, '')}", hint=hints.get(kind))


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


def _extension(path):
    """The lowercase extension of `path` before any compression suffix: '.bin' for v.BIN.gz."""
    stem, extension = os.path.splitext(path.lower())
    return os.path.splitext(stem)[1] if compression_of_path(path) else extension


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
    raw = bytearray().join(rows)
    if not _NOT_NUMBER_TEXT.search(raw):
        raise W2VError(f"{path}: the vectors are text (digits and spaces), not binary floats")
    vectors = np.frombuffer(raw, dtype="<f4").reshape(count, dim)
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


def _read_npz(vectors_class, data, path):
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


# ----- writing ----------------------------------------------------------------------------------


def _encoded_words(kv, start, stop):
    """The UTF-8 bytes of words start:stop (a slice at a time: all of a large vocabulary's at
    once would cost tens of MB while the file is written)."""
    words = kv.words[start:stop]
    try:
        return [w.encode("utf-8") for w in words]
    except UnicodeEncodeError:
        bad = next(w for w in words if not _encodable(w))
        raise W2VError(f"cannot save: word {bad!r} cannot be encoded as UTF-8") from None


def _encodable(word):
    try:
        word.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def _write_binary(kv, stream, rows_per_write=4096):
    stream.write(f"{len(kv)} {kv.dim}\n".encode("ascii"))
    little_endian = kv.vectors.astype("<f4", copy=False)
    for start in range(0, len(kv), rows_per_write):
        words = _encoded_words(kv, start, start + rows_per_write)
        stream.write(b"".join(word + b" " + little_endian[start + i].tobytes() + b"\n"
                              for i, word in enumerate(words)))


def _write_text(kv, stream, rows_per_write=4096):
    # %.9g: nine significant digits are enough for every float32 to read back bit-exact
    stream.write(f"{len(kv)} {kv.dim}\n".encode("ascii"))
    row_format = " ".join(["%.9g"] * kv.dim)
    for start in range(0, len(kv), rows_per_write):
        rows = kv.vectors[start : start + rows_per_write].tolist()
        words = _encoded_words(kv, start, start + rows_per_write)
        stream.write(b"".join(word + b" " + (row_format % tuple(row)).encode("ascii") + b"\n"
                              for word, row in zip(words, rows)))


def write_projector(kv, folder, limit=None):
    """The TensorFlow Embedding Projector's files in `folder`, each written atomically:
    vectors.tsv (one vector per line, tab-separated, no header) and metadata.tsv (one word per
    line; with counts a `word<TAB>count` header then both columns, as the projector wants a
    header exactly when there are several columns), for the first `limit` words (all if None).
    Returns the two paths."""
    rows = len(kv) if limit is None else min(limit, len(kv))
    vectors_path = os.path.join(folder, "vectors.tsv")
    metadata_path = os.path.join(folder, "metadata.tsv")
    row_format = "\t".join(["%.9g"] * kv.dim) + "\n"
    with atomic_write(vectors_path, "w", encoding="utf-8") as stream:
        for start in range(0, rows, 4096):
            block = kv.vectors[start : min(start + 4096, rows)].tolist()
            stream.write("".join(row_format % tuple(row) for row in block))
    if kv.counts is None:
        metadata = [f"{word}\n" for word in kv.words[:rows]]
    else:
        metadata = ["word\tcount\n"] + [
            f"{word}\t{count}\n" for word, count in zip(kv.words[:rows], kv.counts[:rows].tolist())
        ]
    with atomic_write(metadata_path, "w", encoding="utf-8") as stream:
        stream.write("".join(metadata))
    return vectors_path, metadata_path


def _write_npz(kv, stream):
    arrays = {
        "format_version": np.array(NPZ_FORMAT_VERSION),
        "vectors": kv.vectors,
        "words": np.frombuffer(b"\n".join(_encoded_words(kv, 0, len(kv))), dtype=np.uint8),
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
