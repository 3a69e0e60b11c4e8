"""Atomic output: write to a temporary file in the target folder, fsync, then rename."""

import contextlib
import errno
import os
import tempfile

from .errors import W2VError


@contextlib.contextmanager
def atomic_write(path, mode="wb", encoding=None):
    """Yield a file object; on success it replaces `path` atomically, on failure nothing changes.

    An existing file at `path` is never truncated: the new content goes to a temporary file in the
    same folder, which is fsynced and renamed over `path` only once it is complete.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise W2VError(f"cannot write {path}: folder {folder} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise W2VError(f"cannot write {path}: {exc.strerror}") from exc
    try:
        os.chmod(tmp, _permissions_for(path))
        with os.fdopen(fd, mode, encoding=encoding) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        _remove_quietly(tmp)
        reason = "disk full" if exc.errno == errno.ENOSPC else exc.strerror or str(exc)
        raise W2VError(f"cannot write {path}: {reason}") from exc
    except BaseException:
        _remove_quietly(tmp)
        raise


def _permissions_for(path):
    """The replaced file's permissions, or what a plain open() would give (mkstemp uses 0600)."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _remove_quietly(path):
    with contextlib.suppress(OSError):
        os.remove(path)
