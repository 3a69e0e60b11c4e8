"""Changes as they travel: float32 rows as bfloat16 (half the bytes), added back exactly the same
way on the client and on every replica, so that their merged models stay bit-identical."""

import numba
import numpy as np


def no_change(W):
    return np.empty(0, np.int64), np.empty((0, W.shape[1]), np.uint16)


@numba.njit(nogil=True, cache=True)
def pack(values):
    """float32 -> bfloat16 (the upper 16 bits, rounded to nearest even), as uint16: changes
    travel at half the bytes, with 8 significant bits (a change is off by at most 0.4%)."""
    bits = values.view(np.uint32)
    out = np.empty(values.shape, np.uint16)
    for i in range(values.shape[0]):
        for t in range(values.shape[1]):
            out[i, t] = bfloat16_bits(bits[i, t])
    return out


@numba.njit(nogil=True, cache=True, inline="always")
def bfloat16_bits(b):
    """The bits of a float32 (uint32) rounded to bfloat16's (uint16), to nearest even."""
    return (b + np.uint32(0x7FFF) + ((b >> np.uint32(16)) & np.uint32(1))) >> np.uint32(16)


def unpack(packed):
    """bfloat16 as uint16 -> float32 (exact); float32 as it is."""
    if packed.dtype == np.float32:
        return packed
    bits = packed.astype(np.uint32)
    bits <<= 16
    return bits.view(np.float32)


@numba.njit(nogil=True, cache=True)
def add_packed(M, rows, packed, W):
    """M[rows] += the bfloat16 `packed` (float32 additions: the client and every replica add
    the same numbers to the same bits); W[rows] = M[rows] (W may be M)."""
    bits = np.empty(packed.shape[1], np.uint32)
    change = bits.view(np.float32)
    for i in range(rows.shape[0]):
        r = rows[i]
        float32_bits_of_row(packed, i, bits)
        for t in range(packed.shape[1]):
            M[r, t] += change[t]
            W[r, t] = M[r, t]


@numba.njit(nogil=True, cache=True, inline="always")
def float32_bits_of_row(packed, i, bits):
    """bits = the float32 bits of the bfloat16 row packed[i] (exact)."""
    for t in range(packed.shape[1]):
        bits[t] = np.uint32(packed[i, t]) << np.uint32(16)


@numba.njit(nogil=True, cache=True)
def set_rows(W, M, rows, change):
    """W[rows] = M[rows] + change."""
    for i in range(rows.shape[0]):
        for t in range(M.shape[1]):
            W[rows[i], t] = M[rows[i], t] + change[i, t]


@numba.njit(nogil=True, cache=True)
def changes_since(W, M, own_rows, own_change, values):
    """The rows where W differs from where the round started (M, plus `own_change` on
    `own_rows`), and their change (or, with `values`, their values)."""
    own = np.full(M.shape[0], -1, np.int64)
    for i in range(own_rows.shape[0]):
        own[own_rows[i]] = i
    rows = np.empty(M.shape[0], np.int64)
    n = 0
    for r in range(M.shape[0]):
        if _row_differs(W, M, r, own_change, own[r]):
            rows[n] = r
            n += 1
    out = np.empty((n, M.shape[1]), M.dtype)
    for j in range(n):
        r, i = rows[j], own[rows[j]]
        for t in range(M.shape[1]):
            start = M[r, t] + own_change[i, t] if i >= 0 else M[r, t]
            out[j, t] = W[r, t] if values else W[r, t] - start
    return rows[:n].copy(), out


@numba.njit(nogil=True, cache=True, inline="always")
def _row_differs(W, M, r, own_change, i):
    """Whether row r of W differs from M's plus, if i >= 0, own_change[i]. No early exit: the
    comparison of a whole row vectorises, twice as fast as stopping at the first difference."""
    differs = False
    if i >= 0:
        for t in range(M.shape[1]):
            differs |= W[r, t] != M[r, t] + own_change[i, t]
    else:
        for t in range(M.shape[1]):
            differs |= W[r, t] != M[r, t]
    return differs
