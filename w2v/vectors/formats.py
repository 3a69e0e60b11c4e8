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

import collections.abc
import contextlib
import os

import numpy as np

from ..errors import UsageError, W2VError, hint
from ..files import (
    FILE_KINDS,
    VECTOR_KINDS,
    DecompressedReader,
    ReadMessages,
    atomic_write,
    compressing_stream,
    compression_of_bytes,
    compression_of_path,
    decompress_bytes,
    extension_of,
    file_kind,
    read_bytes,
)
from ..progress import progress_bar
from .gensim_pickles import is_gensim_file, read_gensim
from . import parse_kernels
from .mapped import read_npz_mapped
from .readers import UTF8_BOM, is_text, looks_like_text, read_header, read_npz
from .streaming import Buffer, read_binary, read_text
from .whole_file import WholeFile
from .writers import write_binary, write_npz, write_text

FORMATS = ("bin", "text", "npz")
EXTENSIONS = {".bin": "bin", ".txt": "text", ".vec": "text", ".npz": "npz"}
_VECTORS_FILE = ReadMessages.naming("vectors file")


def read_vectors(vectors_class, path, file_format=None, limit=None, words=None, mmap=None,
                 progress=True):
    """A `vectors_class` (KeyedVectors) read from a word2vec binary/text, GloVe, fastText .vec or
    our .npz file, maybe compressed; the format is detected from the content unless
    `file_format` ("bin", "text", "npz") is given. `limit`: only the first words; `words`: only
    those words (rows in file order); `mmap="r"`: an uncompressed .npz's matrices mapped, not
    read; `progress`: a bar on stderr for loads that take more than a few seconds."""
    _check_format_name(file_format)
    keep = _words_to_keep(words)
    path = os.fspath(path)
    if mmap is not None:
        return _with_rows(read_npz_mapped(vectors_class, path, mmap), limit, keep, path)
    if file_format is None and is_gensim_file(path):
        return _with_rows(read_gensim(vectors_class, path), limit, keep, path)
    with _opened(path, progress) as buffer:
        head = buffer.bytes(0, min(buffer.end, SNIFF_BYTES))
        _check_holds_vectors(head, path)
        npz = file_format == "npz" or (file_format is None and head.startswith(b"PK\x03\x04"))
        if not npz:
            order, likely, read = _plan(buffer, head, path, file_format)
            try:
                return _built(vectors_class, read(order[0], buffer, limit, keep), keep, path)
            except W2VError as exc:
                if len(order) == 1:
                    raise
                first_error = exc
    if npz:
        return _with_rows(_read_npz(vectors_class, path), limit, keep, path)
    with _opened(path, progress) as buffer:  # the other format, from the start
        try:
            return _built(vectors_class, read(order[1], buffer, limit, keep), keep, path)
        except W2VError as exc:
            raise (first_error if order[0] == likely else exc) from None


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
            f"{path}: .npz archives are not compressed further; drop the "
            f"{os.path.splitext(path)[1]} suffix"
        )
    return file_format, compression


def _read_npz(vectors_class, path):
    """Our .npz, read member by member from the file (a compressed copy is decompressed whole)."""
    with open(path, "rb") as handle:
        compressed = compression_of_bytes(handle.read(16)) is not None
    if compressed:
        return read_npz(vectors_class, decompress_bytes(read_bytes(path, _VECTORS_FILE), path),
                        path)
    return read_npz(vectors_class, path, path)


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


SNIFF_BYTES = 1 << 20


@contextlib.contextmanager
def _opened(path, progress):
    """A streaming.Buffer on the file, with a progress bar shown after a few seconds."""
    with DecompressedReader(path, _VECTORS_FILE) as source, \
            progress_bar(source.size, progress, unit="B", delay=3) as bar:
        yield Buffer(source, bar=bar)


def _plan(buffer, head, path, file_format):
    """(formats to try in order, the one the content looks like, reader(format, buffer, limit,
    keep)) for a word2vec file."""
    start = len(UTF8_BOM) if head.startswith(UTF8_BOM) else 0
    header, body_start = read_header(head, start, path)
    if header is None:
        if file_format == "bin":
            raise W2VError(
                f"{path}, line 1: a word2vec binary file must start with a 'count dim' header"
            )
        return ["text"], "text", lambda _, buf, limit, keep: read_text(buf, start, None, path,
                                                                       limit, keep)
    if buffer.at_end and not buffer.bytes(body_start).strip():
        raise W2VError(
            f"{path}: header (line 1) says {header[0]} words but the file has none (truncated?)"
        )

    def read(file_format, buf, limit, keep):
        if file_format == "text":
            return read_text(buf, body_start, header, path, limit, keep)
        if limit is not None or keep is not None or buf.source.compression is not None:
            return read_binary(buf, body_start, header, path, limit, keep)
        parse_kernels.load_parse_binary()  # before the reads take the disk
        with WholeFile(buf.source, buf.bar) as whole:  # the file becomes the matrix
            return read_binary(whole, body_start, header, path,
                               matrix=whole.matrix(*header))

    if file_format is not None:
        return [file_format], file_format, read
    window = buffer.bytes(body_start, body_start + 64 * (header[1] + 1) + 4096)
    likely = "text" if looks_like_text(window, 0, header[1]) or is_text(window) else "bin"
    # Binary and text files share the header line; the first record tells them apart, except
    # in contrived cases (a binary vector whose bytes read as digits), so the other reader is
    # tried when the likely one fails, binary first for a .bin file. A failure reports the
    # error of the format the content looks like.
    if extension_of(path) == ".bin":
        return ["bin", "text"], likely, read
    return [likely, "bin" if likely == "text" else "text"], likely, read


def _built(vectors_class, read, keep, path):
    words, matrix, file_rows, rows_in_file = read
    if not words:
        raise W2VError(f"{path}: none of the {len(keep):,} words asked for is in the file")
    kv = vectors_class(words, matrix, validate=False)
    kv.file_rows, kv.rows_in_file = file_rows, rows_in_file
    return kv


def _words_to_keep(words):
    if words is None:
        return None
    if isinstance(words, str):
        raise UsageError("{words} must be an iterable of words, not one str",
                         parameters=("words",))
    return words if isinstance(words, collections.abc.Set) else frozenset(words)


def _with_rows(kv, limit, keep, path):
    """`kv` cut to its first `limit` rows and to the words in `keep` (file order)."""
    if limit is None and keep is None:
        return kv
    rows = np.arange(len(kv) if limit is None else min(limit, len(kv)))
    if keep is None:  # a slice: mapped vectors stay mapped
        kept = type(kv)(kv.words[: len(rows)], kv.vectors[: len(rows)],
                        counts=None if kv.counts is None else kv.counts[: len(rows)],
                        output_vectors=None if kv.output_vectors is None else
                        kv.output_vectors[: len(rows)], config=kv.config, validate=False)
        kept.rows_in_file, kept.mapped = len(kv), kv.mapped
        return kept
    if keep is not None:
        rows = np.array([i for i in rows.tolist() if kv.words[i] in keep], dtype=np.int64)
        if not len(rows):
            raise W2VError(f"{path}: none of the {len(keep):,} words asked for is in the file")
    kept = type(kv)([kv.words[i] for i in rows.tolist()], kv.vectors[rows],
                    counts=None if kv.counts is None else kv.counts[rows],
                    output_vectors=None if kv.output_vectors is None else kv.output_vectors[rows],
                    config=kv.config)
    kept.file_rows, kept.rows_in_file = (rows if keep is not None else None), len(kv)
    return kept


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
