"""Atomic output: write to a temporary file in the target folder, fsync, then rename."""

import contextlib
import os
import tempfile

from .errors import W2VError, os_error_reason


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
    """Raise W2VError now if `path` could not be written later (missing or read-only folder, a
    directory in the way): long runs check their outputs before they start."""
    path = os.fspath(path)
    if os.path.isdir(path):
        raise W2VError(f"cannot write {path}: Is a directory")  # as the OS says it
    _, fd, tmp = _temporary_file_beside(path)
    os.close(fd)
    _remove_quietly(tmp)


def _temporary_file_beside(path):
    """(folder, fd, temporary path) of a new file in `path`'s folder; W2VError if impossible."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        problem = (f"{folder} is a file, not a folder" if os.path.exists(folder)
                   else f"folder {folder} does not exist")
        raise W2VError(f"cannot write {path}: {problem}")
    try:
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise W2VError(f"cannot write {path}: {os_error_reason(exc)}") from exc
    return folder, fd, tmp


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
