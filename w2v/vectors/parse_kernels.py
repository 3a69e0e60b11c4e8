"""Numba kernels that turn a block of a vectors file's bytes into rows of the matrix: word2vec
text lines (a word and its numbers) and word2vec binary records (a word, a space, the float32
bytes). Each fills `out` from row `first_row` on, copies each word into `words` (a byte buffer,
each word followed by a newline), its 64-bit FNV-1a hash into `hashes` (duplicates are found by
sorting them) and its line or record number into `origins`; it stops at the first line it cannot
read quickly (TROUBLE: the caller reads that line in Python and says what is wrong with it), at
the end of the bytes it was given (NEED_MORE), or after `max_rows` rows (DONE).

The numbers are parsed exactly as `float()` then float32 would: a decimal mantissa of at most
2**53 scaled by a power of ten at most 10**22 is one correctly rounded double operation
(Clinger's fast path); anything else (more digits, larger exponents, nan, inf) is TROUBLE.
"""

import numba
import numpy as np

DONE, NEED_MORE, TROUBLE, BAD_WORD, ENDS_BEFORE_WORD, ENDS_INSIDE_VECTOR = range(6)
_FNV_OFFSET = np.uint64(14695981039346656037)
_FNV_PRIME = np.uint64(1099511628211)
_POWERS = np.array([10.0**k for k in range(23)])
_EXACT_MANTISSA = 2**53


@numba.njit(cache=True, inline="always")
def _is_space(byte):
    return byte == 32 or 9 <= byte <= 13  # space, \t \n \v \f \r: what bytes.split() splits on


@numba.njit(cache=True)
def word_hash(word):
    """FNV-1a, 64 bits, of a uint8 array."""
    h = _FNV_OFFSET
    for byte in word:
        h = (h ^ np.uint64(byte)) * _FNV_PRIME
    return h


@numba.njit(cache=True)
def _number(buf, p, end):
    """(value, position after it, ok) of the number starting at buf[p]; ok is False for what
    the fast path does not read exactly (then the line is TROUBLE)."""
    negative = False
    if buf[p] == 45 or buf[p] == 43:  # - +
        negative = buf[p] == 45
        p += 1
    mantissa, digits, scale, exact = 0, 0, 0, True
    while p < end and 48 <= buf[p] <= 57:
        if mantissa < _EXACT_MANTISSA // 10:
            mantissa = mantissa * 10 + (buf[p] - 48)
        else:
            exact = False
        digits += 1
        p += 1
    if p < end and buf[p] == 46:  # .
        p += 1
        while p < end and 48 <= buf[p] <= 57:
            if mantissa < _EXACT_MANTISSA // 10:
                mantissa = mantissa * 10 + (buf[p] - 48)
                scale -= 1
            elif buf[p] != 48:
                exact = False
            digits += 1
            p += 1
    if digits == 0:
        return 0.0, p, False
    if p < end and (buf[p] == 101 or buf[p] == 69):  # e E
        p += 1
        sign = 1
        if p < end and (buf[p] == 45 or buf[p] == 43):
            sign = -1 if buf[p] == 45 else 1
            p += 1
        exponent, exponent_digits = 0, 0
        while p < end and 48 <= buf[p] <= 57:
            if exponent < 10000:
                exponent = exponent * 10 + (buf[p] - 48)
            exponent_digits += 1
            p += 1
        if exponent_digits == 0:
            return 0.0, p, False
        scale += sign * exponent
    if p < end and not _is_space(buf[p]):
        return 0.0, p, False
    value = float(mantissa)
    if mantissa != 0:
        if not exact or scale > 22 or scale < -22:
            return 0.0, p, False
        value = value * _POWERS[scale] if scale >= 0 else value / _POWERS[-scale]
    return -value if negative else value, p, True


@numba.njit(cache=True)
def _keep_word(buf, start, stop, words, words_len, hashes, row):
    h = _FNV_OFFSET
    for i in range(start, stop):
        words[words_len] = buf[i]
        words_len += 1
        h = (h ^ np.uint64(buf[i])) * _FNV_PRIME
    words[words_len] = 10
    hashes[row] = h
    return words_len + 1


@numba.njit(cache=True, nogil=True)
def parse_text(buf, pos, end, dim, out, first_row, max_rows, words, words_len, hashes,
               origins, line):
    """Text lines of buf[pos:end] (whole lines; blank ones skipped) into out[first_row:].
    Returns (rows, position, line number of that position, words_len, status)."""
    rows = 0
    while pos < end and rows < max_rows:
        line_end = pos
        while line_end < end and buf[line_end] != 10:
            line_end += 1
        p = pos
        while p < line_end and _is_space(buf[p]):
            p += 1
        if p == line_end:
            pos, line = line_end + 1, line + 1
            continue
        word_start = p
        while p < line_end and not _is_space(buf[p]):
            p += 1
        word_end = p
        row = first_row + rows
        count = 0
        while True:
            while p < line_end and _is_space(buf[p]):
                p += 1
            if p >= line_end:
                break
            if count == dim:
                return rows, pos, line, words_len, TROUBLE
            value, p, ok = _number(buf, p, line_end)
            if not ok:
                return rows, pos, line, words_len, TROUBLE
            out[row, count] = value
            count += 1
        if count != dim:
            return rows, pos, line, words_len, TROUBLE
        words_len = _keep_word(buf, word_start, word_end, words, words_len, hashes, row)
        origins[row] = line
        rows += 1
        pos, line = line_end + 1, line + 1
    return rows, min(pos, end), line, words_len, DONE


@numba.njit(cache=True, nogil=True)
def parse_binary(buf, pos, end, at_end, out_bytes, first_row, max_rows, words, words_len,
                 hashes, origins, record):
    """word2vec binary records of buf[pos:end] into out_bytes[first_row:] (the matrix's rows as
    bytes); `at_end`: no bytes follow buf[end]. Returns (rows, position, record number, words_len,
    status); on a bad record the position is its first byte."""
    row_bytes = out_bytes.shape[1]
    rows = 0
    while rows < max_rows:
        while pos < end and buf[pos] == 10:
            pos += 1
        space = pos
        while space < end and buf[space] != 32:
            space += 1
        if space >= end:
            status = ENDS_BEFORE_WORD if at_end else NEED_MORE
            return rows, pos, record, words_len, status
        if space == pos:
            return rows, pos, record, words_len, BAD_WORD
        for i in range(pos, space):
            if _is_space(buf[i]):
                return rows, pos, record, words_len, BAD_WORD
        if space + 1 + row_bytes > end:
            status = ENDS_INSIDE_VECTOR if at_end else NEED_MORE
            return rows, pos, record, words_len, status
        row = first_row + rows
        # the word first: the row may be the same memory as buf (a WholeFile), and the floats
        # moved down into their place may cover the word
        words_len = _keep_word(buf, pos, space, words, words_len, hashes, row)
        out_bytes[row, :] = buf[space + 1 : space + 1 + row_bytes]
        origins[row] = record
        record += 1
        rows += 1
        pos = space + 1 + row_bytes
    return rows, pos, record, words_len, DONE


def load_parse_binary():
    """Have Numba load parse_binary's compiled code now (a call that parses nothing). Loading
    it reads files, which waits long behind a large read of the disk already under way."""
    nothing = np.zeros(0, dtype=np.uint8)
    parse_binary(nothing, 0, 0, True, np.zeros((0, 4), dtype=np.uint8), 0, 0, nothing, 0,
                 np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64), 1)
