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

Here the format is chosen and told apart; `readers`, `writers` and `gensim_pickles` handle
each. The readers build the vectors with the class they are given (`KeyedVectors`), so these
modules do not import it.
"""

import os

from ..errors import UsageError, W2VError, hint
from ..files import (
    FILE_KINDS,
    VECTOR_KINDS,
    ReadMessages,
    atomic_write,
    compressing_stream,
    compression_of_path,
    decompress_bytes,
    extension_of,
    file_kind,
    read_bytes,
)
from .gensim_pickles import is_gensim_file, read_gensim
from .readers import UTF8_BOM, looks_like_text, read_binary, read_header, read_npz, read_text
from .writers import write_binary, write_npz, write_text

FORMATS = ("bin", "text", "npz")
EXTENSIONS = {".bin": "bin", ".txt": "text", ".vec": "text", ".npz": "npz"}
_VECTORS_FILE = ReadMessages.naming("vectors file")


def read_vectors(vectors_class, path, file_format=None):
    """A `vectors_class` (KeyedVectors) read from a word2vec binary/text, GloVe, fastText .vec or
    our .npz file, maybe compressed; the format is detected from the content unless
    `file_format` ("bin", "text", "npz") is given."""
    _check_format_name(file_format)
    path = os.fspath(path)
    if file_format is None and is_gensim_file(path):
        return read_gensim(vectors_class, path)
    data = decompress_bytes(read_bytes(path, _VECTORS_FILE), path)
    return _parse_vectors(vectors_class, data, path, file_format)


def holds_vectors(path):
    """Whether `path` is a file `read_vectors` reads: vectors in any format or a gensim pickle."""
    return os.path.isfile(path) and (file_kind(path) in VECTOR_KINDS or is_gensim_file(path))


def format_for_path(path, file_format=None):
    """(format, compression or None) of a file to write: `file_format` if given, else from the
    extension (.bin, .txt, .vec, .npz, optionally followed by .gz/.bz2/.xz)."""
    compression, extension = compression_of_path(path), extension_of(path)
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
    writer = {"bin": write_binary, "text": write_text, "npz": write_npz}[file_format]
    with atomic_write(path, "wb") as handle, compressing_stream(handle, compression) as stream:
        writer(kv, stream)


def _check_format_name(file_format):
    if file_format is not None and file_format not in FORMATS:
        raise UsageError(f"format must be one of {', '.join(FORMATS)}, got {file_format!r}")


# ----- telling the formats apart ----------------------------------------------------------------


def _parse_vectors(vectors_class, data, path, file_format):
    _check_holds_vectors(data, path)
    if file_format == "npz" or (file_format is None and data.startswith(b"PK\x03\x04")):
        return read_npz(vectors_class, data, path)
    start = len(UTF8_BOM) if data.startswith(UTF8_BOM) else 0
    header, body_start = read_header(data, start, path)
    if header is None:
        if file_format == "bin":
            raise W2VError(
                f"{path}, line 1: a word2vec binary file must start with a 'count dim' header"
            )
        return vectors_class(*read_text(data, start, None, path))
    if not data[body_start:].strip():
        raise W2VError(
            f"{path}: header (line 1) says {header[0]} words but the file has none (truncated?)"
        )
    readers = {
        "bin": lambda: read_binary(data, body_start, header, path),
        "text": lambda: read_text(data, body_start, header, path),
    }
    if file_format is not None:
        return vectors_class(*readers[file_format]())
    text_like = looks_like_text(data, body_start, header[1])
    return vectors_class(*_read_either(readers, text_like, extension_of(path) == ".bin"))


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


def _read_either(readers, text_like, named_bin):
    """Binary and text files share the header line; the first record tells them apart, except
    in contrived cases (a binary vector whose bytes read as digits), so the other reader is
    tried when the likely one fails, binary first for a .bin file. A failure reports the error
    of the format the content looks like."""
    likely = "text" if text_like else "bin"
    order = ["bin", "text"] if named_bin else [likely, "bin" if likely == "text" else "text"]
    errors = {}
    for file_format in order:
        try:
            return readers[file_format]()
        except W2VError as exc:
            errors[file_format] = exc
    raise errors[likely]
