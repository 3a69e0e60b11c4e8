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
_IS_SPACE = np.zeros(256, np.uint8)
_IS_SPACE[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = 1


@numba.njit(cache=True, nogil=True, inline="always")
def _token_end(buf, start):
    """The end of the token starting at buf[start] and its FNV-1a hash."""
    h = _FNV_OFFSET
    end = start
    while end < len(buf) and not _IS_SPACE[buf[end]]:
        h = (h ^ numba.uint64(buf[end])) * _FNV_PRIME
        end += 1
    return end, h


@numba.njit(cache=True, nogil=True)
def _find(buf, start, end, h, slots, hashes, word_start, word_length, pool):
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
        if _IS_SPACE[b]:
            pos += 1
            continue
        end, h = _token_end(buf, pos)
        slot, word = _find(buf, pos, end, h, slots, hashes, word_start, word_length, pool)
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
        if _IS_SPACE[buf[pos]]:
            pos += 1
            continue
        end, h = _token_end(buf, pos)
        found[n] = _find(buf, pos, end, h, slots, hashes, word_start, word_length, pool)[1]
        n += 1
        pos = end
    return found[:n]
