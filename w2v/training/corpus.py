"""Text -> token ids: read a corpus once, counting its words and writing int32 ids.

A corpus is a plain-text file (one sentence or paragraph per line, tokens separated by white
space), a `.gz`/`.bz2`/`.xz` file, a directory of such files, standard input (`-`), or, from
Python, an iterable of sentences (`SentenceSource`). `scan` reads it in blocks (a
Numba tokenizer: no Python string per token) into a `Scan`: word counts and every token's id in a
cache file. With the vocabulary chosen, `Scan.encode` rewrites that file in place into a `Corpus`:
vocabulary ids (other words dropped, as word2vec does) read batch by batch, so a corpus larger
than memory trains, plus each sentence's length.
"""

import codecs
import collections
import collections.abc
import contextlib
import dataclasses
import lzma
import math
import os
import sys
import warnings
import zlib

import numpy as np

from ..errors import (ParameterError, W2VError, W2VWarning, check_parameter,
                      os_error_reason)
from ..files import FILE_KINDS, compression_of_path, file_kind, open_compressed

STDIN = "-"  # the corpus path that means standard input, as shells pipe text
MAX_SENTENCE_LENGTH = 10_000  # longer lines are split into pieces of this many tokens (as gensim)
BATCH_WORDS = 10_000  # words per kernel call: small enough for a smooth lr decay and progress
_BLOCK_BYTES = 1 << 20  # compressed or plain bytes read at once
_REMAP_TOKENS = 1 << 20  # token ids rewritten at once by Scan.encode
_TABLE_SLOTS, _POOL_BYTES = 1 << 16, 1 << 20  # the word table's first size (it grows)
# white space to str.split() beyond ASCII (the tokenizer knows only ASCII's): U+0085, U+00A0,
# U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000
UNICODE_SPACES = tuple(c for c in map(chr, range(128, 0x3001)) if c.isspace())
_DECOMPRESSION_ERRORS = (EOFError, lzma.LZMAError, zlib.error)  # OSError: see _file_blocks


@dataclasses.dataclass(frozen=True)
class TextSource:
    """Where to read text from and how to decode and normalize it."""

    path: str
    lowercase: bool = False
    encoding: str = "utf-8"
    errors: str = "strict"  # "replace" to accept bytes that are not valid in `encoding`
    # ((file, start, end, every, first), ...): read these parts instead of every file: the bytes
    # start:end (end None: to the end), of which the lines first, first + every, ... (every 1: all)
    parts: tuple = None

    def __post_init__(self):
        try:
            known_text_encoding = codecs.lookup(self.encoding)._is_text_encoding
        except LookupError:
            known_text_encoding = False
        if not known_text_encoding:
            # no parameter names: renaming would turn "text encoding" into "text --encoding"
            raise ParameterError(f"encoding {self.encoding!r} is not a known text encoding "
                                 "(e.g. utf-8, latin-1, cp1252)")

    def files(self):
        """The files of the corpus: the path itself, or the text files in the directory, sorted.
        A file that is not text (vectors, a checkpoint, JSON, binary data) is an error; in a
        directory it is skipped, with a W2VWarning naming what was read and what skipped."""
        if self.path == STDIN:
            return [STDIN]
        if not os.path.exists(self.path):
            raise W2VError(f"corpus {self.path} does not exist")
        if os.path.isfile(self.path):
            kind = self._kind(self.path)
            if kind != "text":
                hint = (f"; to continue its run: w2v train --resume {self.path}"
                        if kind == "checkpoint" else
                        f"; to query them: w2v neighbors {self.path} WORD" if "vectors" in kind
                        else "")
                raise W2VError(f"{self.path} is {FILE_KINDS[kind]}, not a text corpus (plain "
                               f"text, one sentence or paragraph per line){hint}")
            return [self.path]
        if not os.path.isdir(self.path):
            raise W2VError(f"corpus {self.path} is neither a file nor a directory")
        found = sorted(
            os.path.join(root, name)
            for root, _, names in os.walk(self.path)
            for name in names
            if not name.startswith(".")
        )
        if not found:
            raise W2VError(f"corpus directory {self.path} contains no files")
        kinds = {path: self._kind(path) for path in found}
        texts = [path for path in found if kinds[path] == "text"]
        skipped = [f"{os.path.relpath(p, self.path)} ({FILE_KINDS[kinds[p]]})" for p in found
                   if p not in texts]
        if not texts:
            raise W2VError(f"corpus directory {self.path} holds no text file: "
                           f"{', '.join(skipped)}")
        if skipped:
            taken = ", ".join(os.path.relpath(p, self.path) for p in texts)
            warnings.warn(W2VWarning(f"corpus directory {self.path}: reading {taken}; skipping "
                                     f"what is not text: {', '.join(skipped)}"), stacklevel=2)
        return texts

    def _kind(self, path):
        kind = file_kind(path)
        # NUL bytes are ordinary in UTF-16/32 text: "binary" means something only in encodings
        # that write ASCII as ASCII
        if kind == "binary" and "\n".encode(self.encoding) != b"\n":
            return "text"
        return kind

    def blocks(self):
        """The corpus re-encoded as UTF-8 (lowercased if asked), in blocks of bytes that end
        between words; None after the last block of each file (a line never spans files)."""
        for part in self.parts or [(path, 0, None, 1, 0) for path in self.files()]:
            yield from self._file_blocks(*part)
            yield None

    def _file_blocks(self, path, start=0, end=None, every=1, first=0):
        decoder = codecs.getincrementaldecoder(self.encoding)(self.errors)
        carry, at_start, lines_before = "", start == 0, 0
        left = math.inf if end is None else end - start
        try:
            with _open_text(path) as handle:
                if start:
                    handle.seek(start)
                while True:
                    raw = handle.read(min(_BLOCK_BYTES, left))
                    left -= len(raw)
                    text = carry + decoder.decode(raw, final=not raw)
                    if at_start and text:  # a byte-order mark (Notepad's) is not part of a word
                        text, at_start = text.removeprefix("\ufeff"), False
                    ends = text.rfind("\n") if every > 1 else max(text.rfind(" "), text.rfind("\n"))
                    cut = ends + 1 if raw else len(text)
                    text, carry = text[:cut], text[cut:]
                    if every > 1:
                        text, lines_before = _every_nth_line(text, every, first, lines_before)
                    if text:
                        text = _ascii_spaces(text.lower() if self.lowercase else text)
                        yield text.encode("utf-8", "surrogatepass")
                    if not raw:
                        return
        except UnicodeError as exc:
            line = self._first_undecodable_line(path)
            reason = getattr(exc, "reason", exc)
            raise W2VError(
                f"{path}{f', line {line}' if line else ''}: bytes that are not valid "
                f"{self.encoding} ({reason}); pass --encoding or --errors replace"
            ) from None
        except IsADirectoryError:
            raise W2VError(f"{path} is a directory, expected a text file") from None
        except OSError as exc:
            if exc.errno is None and compression_of_path(path):  # the decompressor's complaint
                raise W2VError(f"{path}: compressed file is truncated or corrupt ({exc})") from None
            raise W2VError(f"cannot read {path}: {os_error_reason(exc)}") from None
        except _DECOMPRESSION_ERRORS as exc:
            raise W2VError(f"{path}: compressed file is truncated or corrupt ({exc})") from None

    def shards(self, n):
        """`n` sources that together read the corpus once: plain files cut into byte ranges of
        about equal size after a line break (when `encoding` writes "\\n" as that byte), other
        files (compressed: they cannot be cut) shared by lines, shard k reading lines k, k + n,
        ... of each. A shard with nothing to read is left out, so fewer may come back."""
        files = self.files()
        check_parameter(files != [STDIN], "standard input (-) cannot be shared between "
                        "workers: give the corpus as a file", "workers")
        cuttable = [path for path in files if self._can_cut(path)]
        ranges = _byte_ranges(cuttable, n)
        shared = [path for path in files if path not in cuttable]
        shards = [ranges[k] + [(path, 0, None, n, k) for path in shared] for k in range(n)]
        return [dataclasses.replace(self, parts=tuple(parts)) for parts in shards if parts]

    def _can_cut(self, path):
        return compression_of_path(path) is None and "a\n".encode(self.encoding) == b"a\n"

    def _first_undecodable_line(self, path):
        """The decoder reads ahead in blocks, so find the failing line by decoding line by line;
        None if no single line fails (a multi-byte encoding split at newline bytes) or the text
        cannot be read again (standard input)."""
        if path == STDIN:
            return None
        try:
            with open_compressed(path, "rb") as handle:
                for lineno, raw in enumerate(handle, 1):
                    try:
                        raw.decode(self.encoding)
                    except UnicodeError:
                        return lineno
        except (OSError, *_DECOMPRESSION_ERRORS):
            pass
        return None


class SentenceSource:
    """An iterable of sentences read once, as `TextSource` reads a file holding them one per
    line: each sentence a list of tokens or a string (a line of text, split at white space). A
    generator works; the sentences are streamed, never held."""

    def __init__(self, sentences, lowercase=False):
        self.sentences, self.lowercase = sentences, lowercase

    def blocks(self):
        yield from sentence_blocks(self.sentences, self.lowercase)
        yield None


def sentence_blocks(sentences, lowercase=False, strings=True, name="corpus"):
    """`sentences` as blocks of UTF-8 text, a sentence per line, as `TextSource.blocks` reads
    them from a file. `strings`: whether a sentence may be a string (a line of text) rather than
    a list of tokens; `name`: the parameter that errors name."""
    lines, size = [], 0
    for number, sentence in enumerate(sentences, 1):
        line = _sentence_line(sentence, number, strings, name)
        lines.append(line)
        size += len(line) + 1
        if size >= _BLOCK_BYTES:
            yield _lines_block(lines, lowercase)
            lines, size = [], 0
    if lines:
        yield _lines_block(lines, lowercase)


def _sentence_line(sentence, number, strings, name):
    if isinstance(sentence, str):
        check_parameter(strings, f"{name} must hold lists of tokens, got the string "
                        f"{sentence[:40]!r}", name)
        return sentence
    try:
        tokens = sentence if isinstance(sentence, (list, tuple)) else list(sentence)
        line = " ".join(tokens)
    except TypeError:
        kinds = "a list of str tokens" + (" or a string" if strings else "")
        raise ParameterError(f"{name}: sentence {number} must be {kinds}, got "
                             f"{repr(sentence)[:60]}", (name,)) from None
    check_parameter(len(line.split()) == len(tokens), f"{name}: sentence {number}: tokens must "
                    f"be non-empty and hold no white space, got {tokens[:8]!r}", name)
    return line


def _lines_block(lines, lowercase):
    text = "\n".join(lines) + "\n"
    text = _ascii_spaces(text.lower() if lowercase else text)
    return text.encode("utf-8", "surrogatepass")


def _open_text(path):
    """The corpus file `path` opened for reading bytes (standard input for STDIN, left open)."""
    if path == STDIN:
        return contextlib.nullcontext(sys.stdin.buffer)
    return open_compressed(path, "rb")


@dataclasses.dataclass
class Corpus:
    """Token ids (int32) in a cache file read batch by batch, so the token array is never
    resident (and a corpus larger than memory trains). In memory: where each batch starts and
    each sentence's length (uint16), unless `lengths_at` (a byte offset) says the cache file
    holds the lengths after the tokens: then they are read per batch too (10 MB at 5M lines).

    Sentences are never empty. Batch i is sentences batch_sentences[i]:batch_sentences[i + 1],
    tokens batch_tokens[i]:batch_tokens[i + 1]: whole sentences, about `batch_words` tokens.
    """

    path: str
    lengths: np.ndarray  # uint16 tokens per sentence, 1..MAX_SENTENCE_LENGTH; None if on disk
    batch_words: int = BATCH_WORDS
    lengths_at: int = None  # where the cache file holds the lengths, if it does

    def __post_init__(self):
        from .tokenize import batch_cuts

        lengths = self.lengths_of(0, None)
        self.batch_sentences, self.batch_tokens = batch_cuts(lengths, self.batch_words)
        self.n_sentences, self.longest = len(lengths), int(lengths.max(initial=0))
        if self.lengths_at is not None:
            self.lengths = None

    def read(self, start, end):
        """Token ids start:end, int32."""
        return np.fromfile(self.path, np.int32, end - start, offset=4 * start)

    def lengths_of(self, first, last):
        """The lengths of sentences first:last (last None: to the end), uint16."""
        if self.lengths is not None:
            return self.lengths[first:last]
        count = -1 if last is None else last - first
        return np.fromfile(self.path, np.uint16, count, offset=self.lengths_at + 2 * first)

    def batch(self, index):
        """(token ids, int64 offsets of its sentences and their end) of batch `index`."""
        first, last = self.batch_sentences[index : index + 2]
        starts = np.zeros(last - first + 1, np.int64)
        np.cumsum(self.lengths_of(first, last), dtype=np.int64, out=starts[1:])
        return self.read(*self.batch_tokens[index : index + 2]), starts

    @property
    def n_batches(self):
        return len(self.batch_tokens) - 1

    @property
    def tokens(self):
        return self.read(0, self.n_tokens)

    @property
    def offsets(self):
        """int64 start of every sentence and the end (8 bytes a sentence: for small corpora)."""
        return np.concatenate(([0], np.cumsum(self.lengths_of(0, None), dtype=np.int64)))

    @property
    def n_tokens(self):
        return int(self.batch_tokens[-1])


class _WordTable:
    """The growing arrays of the tokenizer's hash table: distinct words as bytes in a pool."""

    def __init__(self):
        capacity, pool_bytes = _TABLE_SLOTS, _POOL_BYTES
        self.slots = np.full(capacity, -1, np.int32)  # open addressing, at most half full
        self.hashes = np.zeros(capacity // 2, np.uint64)
        self.word_start = np.zeros(capacity // 2, np.int64)
        self.word_length = np.zeros(capacity // 2, np.int32)
        self.counts = np.zeros(capacity // 2, np.int64)
        self.pool = np.zeros(pool_bytes, np.uint8)

    @property
    def arrays(self):
        return (self.slots, self.hashes, self.word_start, self.word_length, self.counts, self.pool)

    def grow(self, n_words, pool_used, block_bytes):
        """Room for more words: double the slots if half full, else enlarge the pool."""
        from .tokenize import rehash

        if n_words >= len(self.slots) // 2:
            self.slots = rehash(self.hashes, n_words, 2 * len(self.slots))
            for name in ("hashes", "word_start", "word_length", "counts"):
                old = getattr(self, name)
                setattr(self, name, np.concatenate((old, np.zeros_like(old))))
        else:
            extra = max(len(self.pool), pool_used + block_bytes - len(self.pool))
            self.pool = np.concatenate((self.pool, np.zeros(extra, np.uint8)))


class Words(collections.abc.Sequence):
    """The distinct words of a scan, by id, decoded from the pool only when asked for."""

    def __init__(self, table, n_words):
        self.table, self.n_words = table, n_words

    def __len__(self):
        return self.n_words

    def __getitem__(self, i):
        if not 0 <= i < self.n_words:
            raise IndexError(i)
        start = self.table.word_start[i]
        return self.table.pool[start : start + self.table.word_length[i]].tobytes().decode(
            "utf-8", "surrogatepass")


@dataclasses.dataclass
class Scan:
    """One pass over the text: each token's word id (numbered in order of first appearance) in
    the cache file at `path`, the distinct words and their counts, the tokens of each non-empty
    line. `encode` turns it into a `Corpus` of vocabulary ids."""

    path: str
    table: _WordTable
    n_words: int
    line_lengths: np.ndarray  # int32, tokens per non-empty line

    @property
    def words(self):
        return Words(self.table, self.n_words)

    @property
    def counts(self):
        return self.table.counts[: self.n_words]

    def encode(self, index):
        """Rewrite the cache (in place) with the ids of `index` (word -> id), dropping other words
        before windows are formed, as word2vec C and gensim do; lines longer than
        MAX_SENTENCE_LENGTH kept tokens are split. Returns the `Corpus`. Consumes the scan: its
        word table and line lengths are let go on the way (the largest things it holds)."""
        from .tokenize import remap, sentence_lengths

        new_id = self._new_ids(index)
        self.table = None
        line_lengths, self.line_lengths = self.line_lengths, None
        state = np.array([-1, 0, 0], np.int64)
        read = kept = 0
        total = int(line_lengths.sum(dtype=np.int64))
        try:
            with open(self.path, "r+b") as cache:
                while read < total:
                    cache.seek(4 * read)
                    ids = np.frombuffer(bytearray(cache.read(4 * min(_REMAP_TOKENS, total - read))),
                                        np.int32)
                    n_kept = remap(ids, new_id, line_lengths, state)
                    cache.seek(4 * kept)
                    cache.write(ids[:n_kept].tobytes())
                    read, kept = read + len(ids), kept + n_kept
                cache.truncate(4 * kept)
                lengths = sentence_lengths(line_lengths, MAX_SENTENCE_LENGTH)
                del line_lengths
                cache.write(lengths.tobytes())
        except OSError as exc:
            raise _cache_error(self.path, exc) from None
        return Corpus(self.path, lengths, lengths_at=4 * kept)

    def _new_ids(self, index):
        """scan id -> id in `index` (-1: dropped)."""
        new_id = np.full(self.n_words, -1, np.int32)
        found = self.ids_of(list(index))
        ids = np.fromiter(index.values(), np.int32, len(index))
        new_id[found[found >= 0]] = ids[found >= 0]
        return new_id

    def ids_of(self, words):
        """The scan id of each of `words` (a list), -1 for a word the text lacks; int64."""
        from .tokenize import find_words

        if words:
            text = "\n".join(words).encode("utf-8", "surrogatepass")
            found = find_words(np.frombuffer(text, np.uint8), self.table.arrays)
            if len(found) == len(words):  # else a word holds white space: it cannot occur
                return found.astype(np.int64)
        return np.full(len(words), -1, np.int64)


def scan(source, cache_path):
    """Read the corpus once: count its words and write every token's word id to `cache_path`."""
    table = _WordTable()
    state = np.zeros(5, np.int64)  # ids and lines written, tokens on this line, words, pool used
    line_lengths = []
    try:
        with open(cache_path, "wb") as cache:
            for block in source.blocks():
                if block is None:  # end of a file: its last line ends even without "\n"
                    if state[2]:
                        line_lengths.append(_as_int32(state[2:3]))
                        state[2] = 0
                    continue
                ids, lines = tokenize_block(block, table, state)
                cache.write(ids.tobytes())
                line_lengths.append(_as_int32(lines))
    except OSError as exc:  # reading errors are W2VErrors already: this is the cache's folder
        raise _cache_error(cache_path, exc) from None
    lengths = np.concatenate(line_lengths) if line_lengths else np.zeros(0, np.int32)
    return Scan(cache_path, table, int(state[3]), lengths)


def tokenize_block(block, table, state):
    """(word ids of the tokens, token counts of the lines finished) of one block of UTF-8 bytes,
    counting the words in `table` (a _WordTable, grown as needed); `state` as `tokenize` takes it
    (the tokens of an unfinished line carry over to the next block)."""
    from .tokenize import tokenize

    buf = np.frombuffer(block, np.uint8)
    ids = np.empty(len(buf) // 2 + 1, np.int32)
    lines = np.empty(len(buf) // 2 + 1, np.int64)
    state[:2] = 0
    position = 0
    while (position := tokenize(buf, position, table.arrays, ids, lines, state)) < len(buf):
        table.grow(int(state[3]), int(state[4]), len(buf))
    return ids[: state[0]], lines[: state[1]]


def _byte_ranges(paths, n):
    """`n` lists of (path, start, end, 1, 0) parts of about equal size covering the files, cut
    after line breaks (a list may be empty)."""
    sizes = [os.path.getsize(path) for path in paths]
    cuts = [sum(sizes) * i // n for i in range(1, n)]
    shards, current, offset = [], [], 0
    for path, size in zip(paths, sizes):
        start = 0
        while cuts and cuts[0] < offset + size:
            cut = _line_end_after(path, cuts.pop(0) - offset)
            if cut > start:
                current.append((path, start, cut, 1, 0))
                start = cut
            shards.append(current)
            current = []
        if start < size:
            current.append((path, start, size, 1, 0))
        offset += size
    shards.append(current)
    return shards + [[] for _ in range(n - len(shards))]


def _every_nth_line(text, every, first, lines_before):
    """The lines of `text` (whole lines) whose number, counted from 0 after `lines_before`
    earlier ones, is first, first + every, ...; and the number of lines counted so far."""
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    kept = lines[(first - lines_before) % every :: every]
    return "".join(line + "\n" for line in kept), lines_before + len(lines)


def _line_end_after(path, offset):
    """The offset just after the first "\\n" at or after `offset` in the file (its size if none)."""
    with open(path, "rb") as handle:
        handle.seek(offset)
        while block := handle.read(1 << 16):
            found = block.find(b"\n")
            if found >= 0:
                return offset + found + 1
            offset += len(block)
    return offset


def _cache_error(path, exc):
    return W2VError(f"cannot write the token cache {path}: {os_error_reason(exc)} "
                    "(set TMPDIR to a folder with room for 4 bytes per token)")


def _ascii_spaces(text):
    """`text` with every non-ASCII white space character replaced by a space."""
    for space in UNICODE_SPACES:
        if space in text:
            text = text.replace(space, " ")
    return text


def _as_int32(line_lengths):
    """int32 copy of a block's line lengths (half the memory of int64 for many short lines)."""
    if line_lengths.max(initial=0) > np.iinfo(np.int32).max:
        raise W2VError(f"a line of {line_lengths.max():,} tokens: put line breaks in the text")
    return line_lengths.astype(np.int32)


assert MAX_SENTENCE_LENGTH <= np.iinfo(np.uint16).max  # Corpus.lengths are uint16
