"""Token ids from text: `scan` reads a source once (a Numba tokenizer: no Python string per
token) into a `Scan`: word counts and every token's id in a cache file. With the vocabulary
chosen, `Scan.encode` rewrites that file in place into a `Corpus`: vocabulary ids (other words
dropped, as word2vec does) read batch by batch, so a corpus larger than memory trains, plus each
sentence's length. The sources themselves (files, standard input, Python sentences) are in
`sources`.
"""

import collections.abc
import dataclasses

import numpy as np

from ..errors import W2VError, os_error_reason

MAX_SENTENCE_LENGTH = 10_000  # longer lines are split into pieces of this many tokens (as gensim)
BATCH_WORDS = 10_000  # words per kernel call: small enough for a smooth lr decay and progress
_REMAP_TOKENS = 1 << 20  # token ids rewritten at once by Scan.encode
_TABLE_SLOTS, _POOL_BYTES = 1 << 16, 1 << 20  # the word table's first size (it grows)


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


class WordTable:
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
    table: WordTable
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
    table = WordTable()
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
    counting the words in `table` (a WordTable, grown as needed); `state` as `tokenize` takes it
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


def _cache_error(path, exc):
    return W2VError(f"cannot write the token cache {path}: {os_error_reason(exc)} "
                    "(set TMPDIR to a folder with room for 4 bytes per token)")


def _as_int32(line_lengths):
    """int32 copy of a block's line lengths (half the memory of int64 for many short lines)."""
    if line_lengths.max(initial=0) > np.iinfo(np.int32).max:
        raise W2VError(f"a line of {line_lengths.max():,} tokens: put line breaks in the text")
    return line_lengths.astype(np.int32)


assert MAX_SENTENCE_LENGTH <= np.iinfo(np.uint16).max  # Corpus.lengths are uint16
