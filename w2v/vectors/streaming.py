"""Reading word2vec binary and text files (GloVe without the header, fastText's .vec with it) a
block at a time: the matrix is allocated once (from the header; for a file without one, from an
estimate, grown in large steps and trimmed in place), and filled from a bounded buffer by the
kernels of `parse_kernels`. Peak memory is the matrix, its words and the buffer.

`limit` keeps the first words and stops reading there; `keep` (a set of words) keeps only those
rows, in file order. A bad file is a W2VError saying where (file and line, record or byte).
"""

import ctypes
import mmap
import re
import sys
import threading

import numpy as np

from ..errors import W2VError
from . import parse_kernels as kernels
from .packed_words import PackedWords
from .readers import is_number, is_text, show

BLOCK_BYTES = 16 << 20  # the buffer the file is read through
ROWS_PER_CALL = 8192  # rows a kernel call fills before its words are decoded and checked
_NOT_SPACE = re.compile(rb"[^ \t\n\r\x0b\x0c]")


class Buffer:
    """A window on a `DecompressedReader`: data[:end] holds the file's bytes from offset `base`;
    `refill(keep_from)` drops what is before `keep_from` and reads more after what is kept."""

    def __init__(self, source, size=None, bar=None):
        self.source, self.bar = source, bar
        self.data = np.empty(size or BLOCK_BYTES, dtype=np.uint8)
        self.end = self.base = 0
        self.at_end = False
        self.refill(0)

    def refill(self, keep_from):
        kept = self.end - keep_from
        if kept == len(self.data):  # one record longer than the buffer: a larger buffer
            self.data = np.concatenate([self.data, np.empty_like(self.data)])
        if keep_from:
            self.data[:kept] = self.data[keep_from : self.end]
            self.base += keep_from
        self.end = kept
        view = memoryview(self.data)
        while self.end < len(self.data) and not self.at_end:
            got = self.source.readinto(view[self.end :])
            self.end += got
            self.at_end = got == 0
        if self.bar is not None:
            self.bar.update(self.source.consumed - self.bar.n)
        return 0  # where `keep_from` now is

    def bytes(self, start, stop=None):
        return self.data[start : self.end if stop is None else min(stop, self.end)].tobytes()


class Prefault(threading.Thread):
    """Maps the pages of a new matrix in a second thread, ahead of the parser (Linux's
    MADV_POPULATE_WRITE, which keeps what is written): on a virtual machine the first write to
    each page costs as much as reading the file. Without it (other systems, older kernels)
    nothing happens."""

    CHUNK = 64 << 20
    _madvise = None

    def __init__(self, matrix):
        super().__init__(daemon=True)
        self.start_address, self.end_address = matrix.ctypes.data, matrix.ctypes.data + \
            matrix.nbytes
        self.stopping = False
        if sys.platform.startswith("linux") and matrix.nbytes > 4 * self.CHUNK:
            self.start()

    def run(self):
        if Prefault._madvise is None:
            Prefault._madvise = ctypes.CDLL(None).madvise
            Prefault._madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        page = mmap.PAGESIZE
        address = (self.start_address + page - 1) // page * page
        while not self.stopping and address + self.CHUNK <= self.end_address:
            if Prefault._madvise(address, self.CHUNK, 23) != 0:  # MADV_POPULATE_WRITE
                return
            address += self.CHUNK

    def stop(self):
        self.stopping = True
        if self.is_alive():
            self.join()


class Rows:
    """The rows kept so far: the matrix (grown in place), words, hashes and where each row was
    (line or record numbers, for messages). Kernels fill `out`: the matrix itself, or with
    `keep` a scratch block whose wanted rows are copied over."""

    def __init__(self, path, dim, capacity, keep, where, prefault=True, matrix=None):
        """`matrix`: the memory to fill (capacity rows), else a new one."""
        self.path, self.dim, self.keep, self.where = path, dim, keep, where
        self.count = 0
        self.words = np.empty(max(capacity, 1) * 12, dtype=np.uint8)  # newline-separated UTF-8
        self.words_end = 0
        self.matrix = np.empty((max(capacity, 1), dim), dtype=np.float32) if matrix is None \
            else matrix
        self.hashes = np.empty(len(self.matrix), dtype=np.uint64)
        self.origins = np.empty(len(self.matrix), dtype=np.int64)
        scratch = ROWS_PER_CALL if keep is not None else 0
        self.scratch = np.empty((scratch, dim), dtype=np.float32)
        self.scratch_hashes = np.empty(scratch, dtype=np.uint64)
        self.scratch_origins = np.empty(scratch, dtype=np.int64)
        self.word_bytes = np.empty(max(BLOCK_BYTES, 1 << 16), dtype=np.uint8)
        self.pending = self.words_len = 0  # rows filled in `out` and not yet committed
        self.scanned, self.file_rows = 0, []  # rows of the file read; with `keep`, those kept
        self.prefault = Prefault(self.matrix if prefault and matrix is None else self.matrix[:0])

    def target(self):
        """(out, hashes, origins, first row, room) for the next kernel call."""
        if self.keep is not None:
            return (self.scratch, self.scratch_hashes, self.scratch_origins, self.pending,
                    ROWS_PER_CALL - self.pending)
        if self.count + self.pending == len(self.matrix):
            self._grow(int(len(self.matrix) * 1.5) + ROWS_PER_CALL)
        room = min(ROWS_PER_CALL - self.pending, len(self.matrix) - self.count - self.pending)
        return self.matrix, self.hashes, self.origins, self.count + self.pending, room

    def ensure_word_room(self, nbytes):
        if self.words_len + nbytes + 1 > len(self.word_bytes):
            self.commit()
            if nbytes + 1 > len(self.word_bytes):
                self.word_bytes = np.empty(2 * nbytes + 1, dtype=np.uint8)

    def commit(self):
        """Decode and check the pending rows' words and values; keep the wanted ones."""
        if not self.pending:
            return
        n, first = self.pending, self.count
        out, hashes, origins = ((self.scratch, self.scratch_hashes, self.scratch_origins)
                                if self.keep is not None else
                                (self.matrix, self.hashes, self.origins))
        start = 0 if self.keep is not None else first
        block = out[start : start + n]
        words = self._decoded(origins[start : start + n])
        finite = np.isfinite(block).all(axis=1)
        if not finite.all():
            i = int(np.flatnonzero(~finite)[0])
            raise W2VError(f"{self.path}, {self.where(origins[start + i])}: the vector of "
                           f"{words[i]!r} holds NaN or infinite values")
        if self.keep is not None:
            chosen = [i for i, word in enumerate(words) if word in self.keep]
            self.file_rows.append(self.scanned + np.array(chosen, dtype=np.int64))
            stop = first + len(chosen)
            if stop > len(self.matrix):
                self._grow(stop)
            self.matrix[first:stop] = block[chosen]
            self.hashes[first:stop] = hashes[chosen]
            self.origins[first:stop] = origins[chosen]
            words = [words[i] for i in chosen]
            self._add_words(("\n".join(words) + "\n").encode() if words else b"")
        else:
            self._add_words(self.word_bytes[: self.words_len])
        self.count += len(words)
        self.scanned += n
        self.pending = self.words_len = 0

    def _decoded(self, origins):
        raw = self.word_bytes[: self.words_len].tobytes()
        try:
            return raw.decode("utf-8").split("\n")[:-1]
        except UnicodeDecodeError:
            pass
        for i, word in enumerate(raw.split(b"\n")[:-1]):
            try:
                word.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise W2VError(
                    f"{self.path}, {self.where(origins[i])}: word {show(word)} is not valid "
                    f"UTF-8 (byte {exc.start} of the word)"
                ) from None
        raise AssertionError("joined words failed to decode but each word decodes")

    def _add_words(self, data):
        end = self.words_end + len(data)
        if end > len(self.words):
            self.words.resize(int(end * 1.5), refcheck=False)
        self.words[self.words_end : end] = np.frombuffer(data, dtype=np.uint8)
        self.words_end = end

    def _grow(self, rows):
        self.prefault.stop()  # the matrix may move
        for name in ("matrix", "hashes", "origins"):  # realloc: in place for large blocks
            array = getattr(self, name)
            array.resize((rows,) + array.shape[1:], refcheck=False)

    def finish(self):
        """(words, matrix trimmed to the rows kept, each row's index in the file (None: all
        rows were kept), rows of the file read) after the duplicate check."""
        self.commit()
        self.prefault.stop()
        self.scratch = self.word_bytes = None
        self.words.resize(max(self.words_end - 1, 0), refcheck=False)  # no newline after the last
        self.words = PackedWords(self.words) if self.count else []
        self._check_duplicates()
        if self.count < len(self.matrix):
            self._grow(max(self.count, 1))
        self.hashes = self.origins = None
        file_rows = np.concatenate(self.file_rows) if self.keep is not None else None
        return self.words, self.matrix[: self.count], file_rows, self.scanned

    def _check_duplicates(self):
        hashes = self.hashes[: self.count]
        order = np.argsort(hashes, kind="stable")
        same = np.flatnonzero(hashes[order][1:] == hashes[order][:-1])
        if not len(same):
            return
        first_seen, found = {}, None
        candidates = np.unique(np.concatenate([order[same], order[same + 1]]))
        for row in candidates.tolist():  # rows in file order
            word = self.words[row]
            if word in first_seen:
                found = (first_seen[word], row) if found is None else min(
                    found, (first_seen[word], row), key=lambda pair: pair[1])
            else:
                first_seen[word] = row
        if found is not None:
            first, second = found
            raise W2VError(f"{self.path}, {self.where(self.origins[second])}: duplicate word "
                           f"{self.words[second]!r} (first at {self.where(self.origins[first])})")


def read_text(buffer, start, header, path, limit=None, keep=None):
    """(words, vectors) of word2vec text lines from buffer.data[start:] on (GloVe's if
    `header` is None, else (count, dim))."""
    line = 2 if header else 1
    dim = header[1] if header else _first_line_dim(buffer, start, path)
    wanted = header[0] if header else None
    if limit is not None:
        wanted = limit if wanted is None else min(wanted, limit)
    rows = Rows(path, dim, _capacity(buffer, start, dim, wanted, keep), keep,
                lambda origin: f"line {origin}",
                prefault=header is not None or buffer.source.compression is None)
    pos, seen = start, 0  # seen: lines of vectors read, kept or not
    while wanted is None or seen < wanted:
        end = _whole_lines_end(buffer, pos)
        if end is None:
            pos = buffer.refill(pos)
            continue
        if pos >= end:
            break
        rows.ensure_word_room(end - pos)
        out, hashes, origins, first, room = rows.target()
        if wanted is not None:
            room = min(room, wanted - seen)
        n, pos, line, rows.words_len, status = kernels.parse_text(
            buffer.data, pos, end, dim, out, first, room, rows.word_bytes, rows.words_len,
            hashes, origins, line)
        rows.pending += n
        seen += n
        if status == kernels.TROUBLE:
            pos = _read_line_slowly(buffer, pos, end, line, rows, header, seen)
            line, seen = line + 1, seen + 1
        if rows.pending == ROWS_PER_CALL or status == kernels.TROUBLE:
            rows.commit()
    if header:
        _check_line_count(buffer, pos, line, header, seen, limit, path)
    elif seen == 0:
        raise W2VError(f"{path} is empty: no vectors")
    return rows.finish()


def _whole_lines_end(buffer, pos):
    """The end of the last whole line in the buffer after `pos` (all of it at the file's end),
    or None if more must be read first."""
    if buffer.at_end:
        return buffer.end
    last = buffer.bytes(pos).rfind(b"\n") if buffer.end - pos < (1 << 16) else \
        _rfind_newline(buffer, pos)
    return None if last < 0 else pos + last + 1


def _rfind_newline(buffer, pos):
    tail = buffer.end
    while tail > pos:
        chunk_start = max(pos, tail - (1 << 16))
        found = buffer.bytes(chunk_start, tail).rfind(b"\n")
        if found >= 0:
            return chunk_start + found - pos
        tail = chunk_start
    return -1


def _at_most_the_file_holds(buffer, rows, row_bytes):
    """`rows`, or fewer if the file is too short to hold them (a damaged header's count is not
    allocated); compressed files start smaller and grow."""
    if buffer.source.compression is not None:
        return min(rows, 16 * ROWS_PER_CALL)
    return min(rows, buffer.source.size // row_bytes + 1)


def _first_line_dim(buffer, start, path):
    text = buffer.bytes(start, min(buffer.end, start + (8 << 20)))
    for number, raw in enumerate(text.split(b"\n"), 1):
        fields = raw.split()
        if fields:
            if len(fields) < 2:
                raise W2VError(f"{path}, line {number}: a word without a vector")
            return len(fields) - 1
    raise W2VError(f"{path} is empty: no vectors")


def _capacity(buffer, start, dim, wanted, keep):
    """Rows to allocate: what the header says (or `limit`), at most as many as the words to
    keep; without a header, an estimate from the first lines' length (grown if short)."""
    if keep is not None:
        return min(len(keep), wanted) if wanted is not None else len(keep)
    if wanted is not None:
        return _at_most_the_file_holds(buffer, wanted, 2 * dim)
    sample = buffer.bytes(start, min(buffer.end, start + (1 << 20)))
    lines = max(sample.count(b"\n"), 1)
    total = buffer.source.size if buffer.source.compression is None else 4 * buffer.source.size
    return int(total / (len(sample) / lines) * 1.02) + ROWS_PER_CALL


def _read_line_slowly(buffer, pos, end, line, rows, header, seen):
    """Read the line at `pos` that the kernel left (unusual numbers, or an error), or raise the
    error that says what is wrong with it; returns the position after the line."""
    line_end = buffer.bytes(pos, end).find(b"\n")
    line_end = end if line_end < 0 else pos + line_end
    word, *fields = buffer.bytes(pos, line_end).split()
    where = f"{rows.path}, line {line}"
    last = buffer.at_end and not _NOT_SPACE.search(buffer.bytes(min(line_end + 1, end), end))
    if last and header and seen + 1 != header[0]:
        raise W2VError(f"{rows.path}: header (line 1) says {header[0]} words but the file has "
                       f"{seen + 1} (truncated?)")
    if len(fields) != rows.dim:
        truncated = " (truncated?)" if last else ""
        raise W2VError(f"{where}: expected {rows.dim} numbers after the word, got "
                       f"{len(fields)}{truncated}")
    bad = next((field for field in fields if not is_number(field)), None)
    if bad is not None:
        raise W2VError(f"{where}: {show(bad)} is not a number")
    rows.ensure_word_room(len(word))
    out, hashes, origins, first, _ = rows.target()
    out[first] = np.array([float(f) for f in fields]).astype(np.float32)
    word_array = np.frombuffer(word, dtype=np.uint8)
    rows.word_bytes[rows.words_len : rows.words_len + len(word)] = word_array
    rows.word_bytes[rows.words_len + len(word)] = 10
    rows.words_len += len(word) + 1
    hashes[first] = kernels.word_hash(word_array)
    origins[first] = line
    rows.pending += 1
    return line_end + 1


def _check_line_count(buffer, pos, line, header, seen, limit, path):
    count = header[0]
    if seen < count and (limit is None or seen < limit):
        if seen == 0:
            raise W2VError(f"{path}: header (line 1) says {count} words but the file has none "
                           "(truncated?)")
        raise W2VError(f"{path}: header (line 1) says {count} words but the file has {seen} "
                       "(truncated?)")
    if limit is not None and limit < count:
        return
    found = _next_non_space(buffer, pos)
    if found is not None:
        extra_line = line + buffer.bytes(pos, found).count(b"\n")
        raise W2VError(f"{path}, line {extra_line}: more lines than the {count} words the header "
                       "says")


def _next_non_space(buffer, pos):
    """The buffer position of the next byte that is not white space, reading on; None at the
    end of the file."""
    while True:
        found = _NOT_SPACE.search(buffer.bytes(pos))
        if found:
            return pos + found.start()
        if buffer.at_end:
            return None
        pos = buffer.refill(pos)


def read_binary(buffer, start, header, path, limit=None, keep=None, matrix=None):
    """(words, vectors) of word2vec binary records from buffer.data[start:] on; into `matrix`
    if given (a WholeFile's: the records move down into place in the same memory)."""
    count, dim = header
    wanted = count if limit is None else min(count, limit)
    capacity = min(len(keep), wanted) if keep is not None else wanted
    rows = Rows(path, dim, _at_most_the_file_holds(buffer, capacity, 4 * dim + 2), keep,
                lambda origin: f"record {origin}", matrix=matrix)
    _check_not_text(buffer.data[start : buffer.end], wanted, 4 * dim, path)
    pos, seen, record = start, 0, 1
    while seen < wanted:
        rows.ensure_word_room(buffer.end - pos)
        out, hashes, origins, first, room = rows.target()
        n, pos, record, rows.words_len, status = kernels.parse_binary(
            buffer.data, pos, buffer.end, buffer.at_end, out.view(np.uint8), first,
            min(room, wanted - seen), rows.word_bytes, rows.words_len, hashes, origins, record)
        rows.pending += n
        seen += n
        if status == kernels.NEED_MORE:
            pos = buffer.refill(pos)
        elif status != kernels.DONE:
            _raise_bad_record(buffer, pos, status, record, count, dim, path)
        if rows.pending == ROWS_PER_CALL or status != kernels.DONE:
            rows.commit()
    if limit is None or limit >= count:
        found = _next_non_space(buffer, pos)
        if found is not None:
            raise W2VError(f"{path}, byte {buffer.base + found}: more data after the {count} "
                           "words the header announces")
    return rows.finish()


def _check_not_text(data, rows, row_bytes, path, most=100):
    """Refuse text taken for binary records (a text file whose lines happen to be as long as a
    record: numbers with decimal commas, ...): the first records' floats all printable text,
    and no newline after any of them (every writer of binary files puts one after a vector)."""
    pos, floats = 0, []
    for _ in range(min(rows, most)):
        while pos < len(data) and data[pos] == 10:
            pos += 1
        space = bytes(data[pos : pos + 1024]).find(b" ")
        pos += space + 1 + row_bytes
        if space < 0 or pos > len(data) or (pos < len(data) and data[pos] == 10):
            return  # a long word, a short file, a newline: not text lines; the reader says
        floats.append(bytes(data[pos - row_bytes : pos]))
    if floats and is_text(b"".join(floats)):
        raise W2VError(f"{path}: the vectors are text, not binary floats")


def _raise_bad_record(buffer, pos, status, record, count, dim, path):
    where = f"{path}, record {record} of {count} (byte {buffer.base + pos})"
    if status == kernels.ENDS_BEFORE_WORD:
        raise W2VError(f"{where}: file ends before the word (truncated? header says {count} "
                       "words)")
    if status == kernels.BAD_WORD:
        raise W2VError(f"{where}: no word before the vector (corrupt file, or header wrong)")
    rest = buffer.bytes(pos)
    space = rest.find(b" ")
    raise W2VError(f"{where}: file ends inside the vector of {show(rest[:space])} "
                   f"({len(rest) - space - 1} of {4 * dim} bytes; truncated?)")
