"""Numba tokenizer: UTF-8 text -> word ids, counting distinct words in a hash table of bytes.

Tokens are split as Python's `str.split()` splits them and lines as text-mode files are (at
"\\n", "\\r" and "\\r\\n"), but without making a Python string per token: a word is a byte
slice of a pool, found by its FNV-1a hash with linear probing.
"""

import numba
import numpy as np

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
# the ASCII characters str.split() splits at (\t \n \v \f \r, \x1c-\x1f, space); the other white
# space characters of Unicode are turned into spaces before the text gets here (corpus.py)
IS_SPACE = np.zeros(256, np.uint8)
IS_SPACE[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = 1


@numba.njit(cache=True, nogil=True, inline="always")
def token_end(buf, start):
    """The end of the token starting at buf[start] and its FNV-1a hash."""
    h = _FNV_OFFSET
    end = start
    while end < len(buf) and not IS_SPACE[buf[end]]:
        h = (h ^ numba.uint64(buf[end])) * _FNV_PRIME
        end += 1
    return end, h


@numba.njit(cache=True, nogil=True)
def lookup_word(buf, start, end, h, slots, hashes, word_start, word_length, pool):
    """(slot, word id or -1 if the word buf[start:end] is not in the table)."""
    mask = len(slots) - 1
    slot = h & mask
    length = end - start
    while True:
        word = slots[slot]
        if word < 0:
            return slot, -1
        if hashes[word] == h and word_length[word] == length:
            offset = word_start[word]
            same = True
            for k in range(length):
                if pool[offset + k] != buf[start + k]:
                    same = False
                    break
            if same:
                return slot, word
        slot = (slot + 1) & mask


@numba.njit(cache=True, nogil=True)
def tokenize(buf, pos, table, ids, lines, state):
    """Read tokens of `buf` from `pos`, adding new words to the table, until the end or the table
    is full. Returns the position reached (where to continue once the table has grown).

    table: (slots, hashes, word_start, word_length, counts, pool); state: int64 array of
    [ids written, non-empty lines written, tokens on the current line, words, pool bytes used].
    `ids` receives each token's word id, `lines` each finished non-empty line's token count.
    """
    slots, hashes, word_start, word_length, counts, pool = table
    max_words = len(slots) // 2
    while pos < len(buf):
        b = buf[pos]
        if b == 10 or b == 13:  # "\n" or "\r" (a "\r\n" ends a line and then an empty one)
            if state[2] > 0:
                lines[state[1]] = state[2]
                state[1] += 1
                state[2] = 0
            pos += 1
            continue
        if IS_SPACE[b]:
            pos += 1
            continue
        end, h = token_end(buf, pos)
        slot, word = lookup_word(buf, pos, end, h, slots, hashes, word_start, word_length, pool)
        if word < 0:
            if state[3] >= max_words or state[4] + end - pos > len(pool):
                return pos  # full: the caller grows the table and calls again from here
            word = state[3]
            slots[slot] = word
            hashes[word], word_start[word], word_length[word] = h, state[4], end - pos
            pool[state[4] : state[4] + end - pos] = buf[pos:end]
            state[3] += 1
            state[4] += end - pos
        counts[word] += 1
        ids[state[0]] = word
        state[0] += 1
        state[2] += 1
        pos = end
    return pos


@numba.njit(cache=True, nogil=True)
def rehash(hashes, n_words, capacity):
    """A slot array of `capacity` (a power of 2) holding words 0..n_words-1."""
    slots = np.full(capacity, -1, np.int32)
    mask = capacity - 1
    for word in range(n_words):
        slot = hashes[word] & mask
        while slots[slot] >= 0:
            slot = (slot + 1) & mask
        slots[slot] = word
    return slots


@numba.njit(cache=True, nogil=True)
def find_words(buf, table):
    """The id of each white-space-separated word of `buf` (-1 for words not in the table)."""
    slots, hashes, word_start, word_length, counts, pool = table
    found = np.empty(len(buf) // 2 + 1, np.int32)
    n = 0
    pos = 0
    while pos < len(buf):
        if IS_SPACE[buf[pos]]:
            pos += 1
            continue
        end, h = token_end(buf, pos)
        found[n] = lookup_word(buf, pos, end, h, slots, hashes, word_start, word_length, pool)[1]
        n += 1
        pos = end
    return found[:n]


@numba.njit(cache=True, nogil=True)
def remap(ids, new_id, line_lengths, state):
    """Map `ids` through `new_id` in place, dropping ids mapped to -1; return how many are kept
    (now ids[:kept]). Lines are counted across calls: `line_lengths` (one entry per non-empty
    line, in order) is overwritten line by line with the tokens kept of each line.
    state: int64 [current line, its tokens still to come, its tokens kept so far], first -1, 0, 0.
    """
    line, left, kept_in_line = state[0], state[1], state[2]
    kept = 0
    for i in range(len(ids)):
        if left == 0:
            line += 1
            left = line_lengths[line]
            kept_in_line = 0
        new = new_id[ids[i]]
        if new >= 0:
            ids[kept] = new
            kept += 1
            kept_in_line += 1
        left -= 1
        if left == 0:
            line_lengths[line] = kept_in_line
    state[0], state[1], state[2] = line, left, kept_in_line
    return kept


@numba.njit(cache=True, nogil=True)
def sentence_lengths(line_lengths, max_length):
    """uint16 lengths of the sentences: each non-empty line, cut into pieces of `max_length`
    (<= 65535) tokens and a shorter last piece."""
    n = 0
    for length in line_lengths:
        n += (length + max_length - 1) // max_length
    lengths = np.empty(n, np.uint16)
    j = 0
    for length in line_lengths:
        while length > 0:
            piece = min(length, max_length)
            lengths[j] = piece
            j += 1
            length -= piece
    return lengths


@numba.njit(cache=True, nogil=True)
def batch_cuts(lengths, batch_words):
    """Where each batch of whole sentences starts, and the end: (sentence indices, token offsets),
    int64. A batch ends at the first sentence start at or after each multiple of `batch_words`."""
    total = 0
    for length in lengths:
        total += length
    sentences = np.empty(total // batch_words + 2, np.int64)
    tokens = np.empty(total // batch_words + 2, np.int64)
    sentences[0], tokens[0] = 0, 0
    n, target, offset = 1, batch_words, 0
    for i in range(len(lengths)):
        if i > 0 and offset >= target:
            sentences[n], tokens[n] = i, offset
            n += 1
            while target <= offset:
                target += batch_words
        offset += lengths[i]
    sentences[n], tokens[n] = len(lengths), offset
    return sentences[: n + 1], tokens[: n + 1]
