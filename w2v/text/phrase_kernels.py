"""Numba kernels of phrase detection: counting candidate phrases, joining phrases in text.

A candidate is a word, any connector words, then a word, on one line ("bank of america"). The
connector words are words 0..n_connectors-1 of the word table (entered first), so "is a
connector" is one comparison. Candidates live in a table of rows (key, part, value), int64, found
by open addressing on (key, part), a row empty while its value is 0:
- candidates: key = first word << 32 | last word, part = the run of connectors between them,
  value = count;
- runs of connectors, a tree: key = the run without its last connector (0: the empty run),
  part = that connector, value = the run's id (1, 2, ...).
One probe reads one row, so counting pays about one cache miss per token.
"""

import numba
import numpy as np

from .tokenize import IS_SPACE, lookup_word, token_end

FULL = -2  # count_candidates stopped: a table needs room
_MIX1, _MIX2 = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9)
_SPACE, _NEWLINE, _JOINER = 32, 10, 95  # " ", "\n", "_"


@numba.njit(cache=True, nogil=True, inline="always")
def _slot(rows, key, part):
    """The row of `rows` holding (key, part), or the empty row where it goes."""
    h = (numba.uint64(key) * _MIX1) ^ numba.uint64(part)
    h = (h ^ (h >> numba.uint64(31))) * _MIX2
    mask = len(rows) - 1
    slot = numba.int64((h ^ (h >> numba.uint64(29))) & numba.uint64(mask))
    while rows[slot, 2] != 0 and (rows[slot, 0] != key or rows[slot, 1] != part):
        slot = (slot + 1) & mask
    return slot


@numba.njit(cache=True, nogil=True)
def rebuilt(rows, capacity, keep_above):
    """(a table of `capacity` rows, a power of 2, holding the rows of `rows` whose value is above
    `keep_above`; how many)."""
    table = np.zeros((capacity, 3), np.int64)
    n = 0
    for row in range(len(rows)):
        if rows[row, 2] > keep_above:
            slot = _slot(table, rows[row, 0], rows[row, 1])
            for column in range(3):
                table[slot, column] = rows[row, column]
            n += 1
    return table, n


@numba.njit(cache=True, nogil=True)
def count_candidates(ids, line_ends, n_connectors, candidates, runs, state):
    """Count the candidates of the token stream `ids` (word ids) in the table `candidates`, adding
    new ones (and new runs of connectors to `runs`). Lines end before the positions `line_ends`,
    and a candidate never spans them.

    state: int64 [position, start of the open candidate (-1: none), its run of connectors, lines
    passed, candidates, runs]. Returns FULL when a table is half full (grow it and call again),
    else the start of the candidate still open at the end of the stream (-1: none), where the
    stream of the next block goes on.
    """
    pos, first, run, line = state[0], state[1], state[2], state[3]
    while pos < len(ids):
        if 2 * state[4] >= len(candidates) or 2 * state[5] >= len(runs):
            state[0], state[1], state[2], state[3] = pos, first, run, line
            return FULL
        while line < len(line_ends) and line_ends[line] <= pos:
            first = -1
            line += 1
        word = ids[pos]
        if word >= n_connectors:
            if first >= 0:
                key = numba.int64(ids[first]) << 32 | word
                slot = _slot(candidates, key, run)
                if candidates[slot, 2] == 0:
                    candidates[slot, 0], candidates[slot, 1] = key, run
                    state[4] += 1
                candidates[slot, 2] += 1
            first, run = pos, 0
        elif first >= 0:
            slot = _slot(runs, run, word)
            if runs[slot, 2] == 0:
                state[5] += 1
                runs[slot, 0], runs[slot, 1], runs[slot, 2] = run, word, state[5]
            run = runs[slot, 2]
        pos += 1
    while line < len(line_ends) and line_ends[line] <= pos:
        first = -1
        line += 1
    state[0], state[1], state[2], state[3] = pos, first, run, line
    return first


@numba.njit(cache=True, nogil=True, inline="always")
def _is_phrase(phrases, first, run, last):
    """Whether (first word, run of connectors, last word) is in the table; run -1: no run."""
    return run >= 0 and phrases[_slot(phrases, first << 32 | last, run), 2] != 0


@numba.njit(cache=True, nogil=True, inline="always")
def _put(buf, start, end, out, state, separator):
    """Write the token buf[start:end] to out, after `separator` unless it starts the line."""
    o = state[0]
    if state[1] > 0:
        out[o] = separator
        o += 1
    for k in range(start, end):  # a loop: faster than a slice copy for words this short
        out[o] = buf[k]
        o += 1
    state[0] = o
    state[1] += 1


@numba.njit(cache=True, nogil=True)
def _put_all(buf, starts, ends, n, out, state, joiner):
    """Write tokens 0..n-1 of (starts, ends), joined by `joiner` (the first after a space)."""
    for k in range(n):
        _put(buf, starts[k], ends[k], out, state, joiner if k > 0 else _SPACE)


@numba.njit(cache=True, nogil=True)
def join_phrases(buf, words, n_connectors, phrases, runs, out, state, final):
    """Copy the UTF-8 text `buf` to `out`, tokens separated by one space, lines ended by "\\n"
    (from "\\n", "\\r" or "\\r\\n"), the words of each phrase in the table `phrases` (with its
    `runs` of connectors) joined by "_". Words not in the table `words` are in no phrase.

    Greedy from the left, as word2phrase and gensim: a candidate that is a phrase is joined and
    the next token starts afresh; one that is not is written as it is and its last word opens the
    next candidate.

    state: int64 [bytes written to out, tokens written on the current line, phrases joined].
    Returns where the text of the candidate still open at the end of `buf` starts (len(buf) if
    none, or if `final`: the end of a file, where the last line ends): the caller reads buf[that:]
    again in front of the next block.
    """
    w_slots, w_hashes, w_start, w_length, _, w_pool = words
    starts = np.empty(len(buf) // 2 + 1, np.int64)  # the tokens of the open candidate
    ends = np.empty(len(buf) // 2 + 1, np.int64)
    n = 0
    first = run = 0  # the open candidate's first word and run of connectors (-1: in no phrase)
    pos = 0
    while pos < len(buf):
        b = buf[pos]
        if b == 10 or b == 13:
            _put_all(buf, starts, ends, n, out, state, _SPACE)
            n = 0
            out[state[0]] = _NEWLINE
            state[0] += 1
            state[1] = 0
            pos += 2 if b == 13 and pos + 1 < len(buf) and buf[pos + 1] == 10 else 1
            continue
        if IS_SPACE[b]:
            pos += 1
            continue
        end, h = token_end(buf, pos)
        word = lookup_word(buf, pos, end, h, w_slots, w_hashes, w_start, w_length, w_pool)[1]
        if n > 0 and 0 <= word < n_connectors:
            starts[n], ends[n] = pos, end
            n += 1
            if run >= 0:
                slot = _slot(runs, run, word)
                run = runs[slot, 2] if runs[slot, 2] else -1
        elif n > 0 and word >= 0 and _is_phrase(phrases, first, run, word):
            starts[n], ends[n] = pos, end
            _put_all(buf, starts, ends, n + 1, out, state, _JOINER)
            state[2] += 1
            n = 0
        else:
            _put_all(buf, starts, ends, n, out, state, _SPACE)
            n = 0
            if word >= n_connectors:  # it opens the next candidate
                starts[0], ends[0] = pos, end
                n, first, run = 1, numba.int64(word), 0
            else:
                _put(buf, pos, end, out, state, _SPACE)
        pos = end
    if n > 0 and not final:
        return starts[0]
    _put_all(buf, starts, ends, n, out, state, _SPACE)
    if final and state[1] > 0:
        out[state[0]] = _NEWLINE
        state[0] += 1
        state[1] = 0
    return len(buf)
