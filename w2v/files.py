"""Files: atomic output (a temporary file in the target folder, fsynced, then renamed),
gzip/bz2/xz compression told by suffix or by content, whole-file reads whose errors are worded
for the user, and `file_kind`: what a file holds, so that a reader given the wrong kind of file
says so.

One rule for output folders, in every command and `save`: a missing folder is created (as
`mkdir -p` would). Refusing would only send the user to mkdir: every file is written to a
temporary file and renamed, so a folder made for an output never holds a partial file, and each
command prints the path it wrote, where a mistyped folder shows.
"""

import bz2
import contextlib
import dataclasses
import gzip
import lzma
import os
import re
import tempfile
import zipfile
import zlib

from .errors import W2VError, os_error_reason

COMPRESSION_SUFFIXES = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz"}
_COMPRESSION_MODULES = {"gzip": gzip, "bz2": bz2, "xz": lzma}
_COMPRESSING_STREAMS = {  # gzip's mtime=0: the same vectors give the same bytes
    "gzip": lambda handle: gzip.GzipFile(fileobj=handle, mode="wb", compresslevel=6, mtime=0),
    "bz2": lambda handle: bz2.BZ2File(handle, "wb"),
    "xz": lambda handle: lzma.LZMAFile(handle, "wb", preset=3),
}
_DECOMPRESSION_ERRORS = (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError)


# ----- atomic output ----------------------------------------------------------------------------


@contextlib.contextmanager
def atomic_write(path, mode="wb", encoding=None):
    """Yield a file object; on success it replaces `path` atomically, on failure nothing changes.

    An existing file at `path` is never truncated: the new content goes to a temporary file in the
    same folder, which is fsynced and renamed over `path` only once it is complete.
    """
    path = os.fspath(path)
    folder, fd, tmp = _temporary_file_beside(path)
    try:
        os.chmod(tmp, _permissions_for(path))
        with os.fdopen(fd, mode, encoding=encoding) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        _fsync_folder(folder)
    except OSError as exc:
        _remove_quietly(tmp)
        raise W2VError(f"cannot write {path}: {os_error_reason(exc)}") from exc
    except BaseException:
        _remove_quietly(tmp)
        raise


def check_writable(path):
    """Raise W2VError now if `path` could not be written later (a read-only folder, a file or
    directory in the way; a missing folder is created): long runs check their outputs before
    they start."""
    path = os.fspath(path)
    if os.path.isdir(path):
        raise W2VError(f"cannot write {path}: Is a directory")  # as the OS says it
    _, fd, tmp = _temporary_file_beside(path)
    os.close(fd)
    _remove_quietly(tmp)


def _temporary_file_beside(path):
    """(folder, fd, temporary path) of a new file in `path`'s folder, the folder created if
    missing; W2VError if impossible."""
    folder = os.path.dirname(os.path.abspath(path))
    blocking = next((f for f in _folders_up_to(folder) if os.path.exists(f)), None)
    if blocking is not None and not os.path.isdir(blocking):
        raise W2VError(f"cannot write {path}: {blocking} is a file, not a folder")
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise W2VError(f"cannot write {path}: {os_error_reason(exc)}") from exc
    return folder, fd, tmp


def _folders_up_to(folder):
    """`folder` and the folders above it, nearest first."""
    while True:
        yield folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return
        folder = parent


def _permissions_for(path):
    """The replaced file's permissions, or what a plain open() would give (mkstemp uses 0600)."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_folder(folder):
    """Make the rename itself durable; not every platform or file system can open a folder."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _remove_quietly(path):
    with contextlib.suppress(OSError):
        os.remove(path)


# ----- compression ------------------------------------------------------------------------------


def compression_of_path(path):
    """'gzip', 'bz2' or 'xz' from the suffix of `path` (.gz, .bz2, .xz, any case), else None."""
    return COMPRESSION_SUFFIXES.get(os.path.splitext(os.fspath(path))[1].lower())


def extension_of(path):
    """The lowercase extension of `path` before any compression suffix: '.bin' for v.BIN.gz."""
    stem, extension = os.path.splitext(path.lower())
    return os.path.splitext(stem)[1] if compression_of_path(path) else extension


def open_compressed(path, mode="rb"):
    """open(path, mode), decompressing (or compressing) when the suffix names a compression."""
    compression = compression_of_path(path)
    return _COMPRESSION_MODULES[compression].open(path, mode) if compression else open(path, mode)


def compressing_stream(handle, compression):
    """A context manager giving a stream that writes into the open binary `handle`, compressed
    as `compression` says ('gzip', 'bz2', 'xz', or None: as is); `handle` stays open."""
    if compression is None:
        return contextlib.nullcontext(handle)
    return _COMPRESSING_STREAMS[compression](handle)


def compression_of_bytes(data):
    """'gzip', 'bz2' or 'xz' if `data` starts like that format, else None."""
    if data.startswith(b"\x1f\x8b"):
        return "gzip"
    if data.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    # bz2: "BZh" + block size digit + the magic of a first block or of the end of stream
    if re.match(rb"BZh[1-9](1AY&SY|\x17rE8P\x90)", data):
        return "bz2"
    return None


def decompress_bytes(data, path):
    """`data` decompressed if its content says it is compressed, else as is; W2VError naming
    `path` if it is damaged."""
    compression = compression_of_bytes(data)
    if compression is None:
        return data
    try:
        return _COMPRESSION_MODULES[compression].decompress(data)
    except _DECOMPRESSION_ERRORS as exc:
        raise W2VError(f"{path}: corrupt or truncated {compression} data ({exc})") from None


class DecompressedReader:
    """A file read in blocks, decompressed when its first bytes say it is gzip/bz2/xz: `readinto`
    as a binary file's, with damaged data and read failures as W2VError naming the file, and
    `consumed`, the bytes of the file on disk read so far (for a progress bar)."""

    def __init__(self, path, messages):
        if os.path.isdir(path):
            raise W2VError(messages.folder.format(path=path))
        self.path, self._messages = path, messages
        try:
            self._raw = open(path, "rb")  # noqa: SIM115 - closed by close()
            self.size = os.fstat(self._raw.fileno()).st_size
            self.compression = compression_of_bytes(self._raw.read(16))
            self._raw.seek(0)
        except FileNotFoundError:
            raise W2VError(messages.missing.format(path=path)) from None
        except OSError as exc:
            raise W2VError(messages.unreadable.format(path=path, reason=os_error_reason(exc))) from None
        opener = {"gzip": lambda raw: gzip.GzipFile(fileobj=raw, mode="rb"),
                  "bz2": bz2.BZ2File, "xz": lzma.LZMAFile}.get(self.compression)
        self._stream = opener(self._raw) if opener else self._raw

    def readinto(self, buffer):
        """Bytes read into `buffer` (a writable memoryview), 0 at the end."""
        try:
            return self._stream.readinto(buffer)
        except _DECOMPRESSION_ERRORS as exc:
            if self.compression is None:
                reason = os_error_reason(exc) if isinstance(exc, OSError) else str(exc)
                raise W2VError(self._messages.unreadable.format(path=self.path, reason=reason)) \
                    from None
            raise W2VError(f"{self.path}: corrupt or truncated {self.compression} data ({exc})") \
                from None

    @property
    def consumed(self):
        return self._raw.tell()

    def close(self):
        self._stream.close()
        self._raw.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


# ----- reading whole files ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ReadMessages:
    """How a caller words the failures of reading one of its files: templates with {path},
    {reason} (the system's words) and, in `undecodable`, {line} and {byte} (the first byte that
    is not UTF-8, an int)."""

    missing: str
    folder: str
    unreadable: str
    undecodable: str = "{path}, line {line}: not valid UTF-8"
    wanted: str = "a UTF-8 text file"  # what the caller reads, for "X is a zip archive, not ..."

    @classmethod
    def naming(cls, what):
        """The usual wording for a kind of file, e.g. "vectors file {path} does not exist"."""
        return cls(
            missing=f"{what} {{path}} does not exist",
            folder=f"{{path}} is a directory, expected a {what}",
            unreadable=f"cannot read {what} {{path}}: {{reason}}",
            wanted=f"a {what}",
        )


def read_bytes(path, messages):
    """The content of the file `path`; W2VError worded by `messages` if it cannot be read."""
    if os.path.isdir(path):
        raise W2VError(messages.folder.format(path=path))
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise W2VError(messages.missing.format(path=path)) from None
    except OSError as exc:
        raise W2VError(messages.unreadable.format(path=path, reason=os_error_reason(exc))) from None


def read_text_lines(path, messages):
    """The lines of the UTF-8 text file `path` (a leading byte-order mark dropped); W2VError
    worded by `messages`, naming the line of the first byte that is not UTF-8."""
    data = read_bytes(path, messages)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        kind = file_kind(path, data)
        if kind not in ("text", "binary"):  # "binary": maybe text in UTF-16, say which byte
            raise W2VError(f"{path} is {FILE_KINDS[kind]}, not {messages.wanted}") from None
        line = data.count(b"\n", 0, exc.start) + 1
        message = messages.undecodable.format(path=path, line=line, byte=data[exc.start])
        raise W2VError(message) from None
    return text.removeprefix("\ufeff").splitlines()


# ----- what a file holds ------------------------------------------------------------------------

FILE_KINDS = {  # what `file_kind` tells apart -> how a message names it ("X is ...")
    "word2vec vectors": "a word2vec vectors file",
    "text vectors": "a file of word vectors in text (a word and its numbers on each line)",
    "npz vectors": "a .npz file of word vectors",
    "checkpoint": "a w2v training checkpoint",
    "zip": "a zip archive",
    "gensim pickle": "a gensim model saved with pickle (Word2Vec.save or KeyedVectors.save)",
    "pickle": "a Python pickle",
    "training log": "a w2v training log, in JSON",
    "json": "a JSON file",
    "binary": "binary data",
    "text": "plain text",
}
VECTOR_KINDS = ("word2vec vectors", "text vectors", "npz vectors")
_SNIFF_BYTES = 1 << 16
_HEADER_LINE = re.compile(rb"(?:\xef\xbb\xbf)?[ \t]*\d+[ \t]+\d+[ \t]*\r?\n")
_NUMBER = re.compile(rb"[-+]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf(?:inity)?)", re.I)
_JSON_START = re.compile(rb'\s*(?:\{\s*(?:"[^"\n]*"\s*:|\})|\[\s*[\[{"])')


def file_kind(path, head=None):
    """What the file at `path` holds: a key of FILE_KINDS, told from its first bytes after
    decompression (`head`: those bytes, if the caller has read them) and, for a zip archive,
    from the names inside. "text" is anything else that has no NUL byte."""
    if head is None:
        head = _read_head(path)
    head = head[:_SNIFF_BYTES]
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(path)
    if re.match(rb"\x80[\x02-\x05]", head):  # pickle protocols 2 to 5
        return "gensim pickle" if b"gensim" in head else "pickle"
    if _JSON_START.match(head):
        return "training log" if b'"epochs"' in head and b'"config"' in head else "json"
    if _HEADER_LINE.match(head):
        return "word2vec vectors"
    if _starts_with_vector_lines(head):
        return "text vectors"
    return "binary" if b"\x00" in head else "text"


def _read_head(path):
    """The first bytes of `path`, decompressed; b"" if it cannot be read (its reader will say
    why, in its own words)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(_SNIFF_BYTES)
        compression = compression_of_bytes(head)
        if compression:
            with _COMPRESSION_MODULES[compression].open(path, "rb") as handle:
                head = handle.read(_SNIFF_BYTES)
        return head
    except _DECOMPRESSION_ERRORS:
        return b""


def _zip_kind(path):
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (OSError, zipfile.BadZipFile, ValueError):
        return "zip"
    if {"meta.npy", "W_in.npy"} <= names:
        return "checkpoint"
    return "npz vectors" if "vectors.npy" in names else "zip"


def _starts_with_vector_lines(head):
    """Whether the first line is a word and at least two numbers, as in GloVe's files."""
    fields = head.split(b"\n", 1)[0].split()
    return len(fields) >= 3 and all(_NUMBER.fullmatch(f) for f in fields[1:])
