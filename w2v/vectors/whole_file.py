"""An uncompressed binary vectors file read whole into the memory that becomes its matrix: a
thread reads the file (with O_DIRECT where the system allows it: the disk writes straight into
that memory, not through the page cache), while the parser moves each record's floats down into
place behind it (a record's floats never lie before its row's place). One copy of the file in
memory, no second one in the page cache, no buffer between them; on a virtual machine, where the
first write to a new page is as slow as reading the file, it is also the fastest way to fill new
memory.

`WholeFile` has the interface of `streaming.Buffer`: `data[:end]` holds the bytes read so far,
`refill` waits for more (and keeps every byte where it is).
"""

import errno
import os
import threading

import numpy as np

from .streaming import Buffer

ALIGN = 4096  # O_DIRECT wants the memory, the offsets and the lengths aligned
CHUNK = 8 << 20
READERS = 2  # reads in flight: a virtual disk fills new memory faster with two than one


class WholeFile:
    def __init__(self, source, bar=None):
        self.source, self.bar = source, bar
        self.size = source.size
        padded = -(-self.size // ALIGN) * ALIGN
        raw = np.empty(padded + ALIGN, dtype=np.uint8)
        offset = -raw.ctypes.data % ALIGN
        self.data = raw[offset : offset + padded]
        self.base = self.end = 0
        self.at_end = False
        self._error = None
        self._stopping = False
        self._finished = 0  # readers
        self._read_chunks = np.zeros(-(-self.size // CHUNK), dtype=bool)
        self._changed = threading.Condition()
        self._readers = [threading.Thread(target=self._read, args=(first,), daemon=True)
                         for first in range(READERS)]
        for reader in self._readers:
            reader.start()
        self.refill(0)

    def matrix(self, rows, dim):
        """The first rows x dim float32 of the memory, where the parser puts the vectors (fewer
        rows if the file cannot hold them: a damaged header's count)."""
        rows = min(rows, len(self.data) // (4 * dim))
        return self.data[: rows * dim * 4].view(np.float32).reshape(rows, dim)

    def _read(self, first):
        """Read chunks first, first + READERS, ...; `end` grows over the chunks read in a row."""
        fd = None
        try:
            fd, direct = _open(self.source.path, direct=True)
            for chunk in range(first, len(self._read_chunks), READERS):
                if self._stopping:
                    break
                fd, direct = self._read_chunk(fd, direct, chunk)
                with self._changed:
                    self._read_chunks[chunk] = True
                    done = np.flatnonzero(~self._read_chunks)
                    self.end = self.size if not len(done) else min(int(done[0]) * CHUNK,
                                                                   self.size)
                    self._changed.notify_all()
        except OSError as exc:
            self._error = exc
        finally:
            if fd is not None:
                os.close(fd)
            with self._changed:
                self._finished += 1
                self.at_end = self._finished == READERS or self._error is not None
                self._changed.notify_all()

    def _read_chunk(self, fd, direct, chunk):
        view = memoryview(self.data)
        start, stop = chunk * CHUNK, min((chunk + 1) * CHUNK, len(self.data))
        while start < stop:
            try:
                got = os.preadv(fd, [view[start:stop]], start)
            except OSError as exc:
                if not (direct and exc.errno == errno.EINVAL):
                    raise
                os.close(fd)  # the device refuses O_DIRECT at the read: read plainly
                fd, direct = _open(self.source.path, direct=False)
                continue
            if got == 0:
                break
            start += got
        return fd, direct

    def refill(self, keep_from):
        """Wait for more bytes (or the end of the file); every byte stays where it is."""
        with self._changed:
            known = self.end
            self._changed.wait_for(lambda: self.end > known or self.at_end)
        if self._error is not None:
            raise self._error
        if self.bar is not None:
            self.bar.update(self.end - self.bar.n)
        return keep_from

    bytes = Buffer.bytes

    def close(self):
        self._stopping = True
        for reader in self._readers:
            reader.join()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _open(path, direct):
    """(descriptor, whether it reads around the page cache)."""
    if direct and hasattr(os, "O_DIRECT"):
        try:
            return os.open(path, os.O_RDONLY | os.O_DIRECT), True
        except OSError:  # a file system without O_DIRECT (tmpfs, ...)
            pass
    return os.open(path, os.O_RDONLY), False
