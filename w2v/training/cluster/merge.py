"""Merging the replicas' changes into one, in a fixed order (the result does not depend on who
finished first), and the changes not merged yet as checkpoint arrays."""

import numba
import numpy as np

from .codec import bfloat16_bits, pack, unpack


SUM_AT_MOST = 2  # merge "sum": at most twice the replicas' mean (16 workers x lr 4 diverged)


def merge_changes(changes, shape, divisor, mean=True, n_averaged=0):
    """The merged change of the replicas' `changes` (each: rows and their change, for a matrix
    of `shape`): a row changed by c replicas gets the sum of their changes divided by `divisor`
    (the replicas' lr multiplier s, so that a row one replica changed moves as one process
    would move it) and by at least c / SUM_AT_MOST, or with `mean` by max(divisor, c): at most
    the mean of the replicas' changes; the first `n_averaged` rows by c: the mean. Summed
    pairwise in a fixed tree (`in_tree`), the one the workers reduce in (`reduction`), so the
    result does not depend on who finished first nor on where it is merged. Returns the rows
    changed and their change."""
    if not changes:
        return np.empty(0, np.int64), np.empty((0, shape[1]), np.uint16)
    return finish(in_tree([partial_of(change) for change in changes], add_partials),
                  divisor, mean, n_averaged)


def in_tree(items, combine):
    """items combined pairwise, level by level ((0 1) (2 3) (4)...): the sums' fixed order."""
    while len(items) > 1:
        items = [combine(*items[i : i + 2]) if i + 1 < len(items) else items[i]
                 for i in range(0, len(items), 2)]
    return items[0]


def partial_of(change):
    """A replica's change (rows, bfloat16 or float32 values) as a partial sum: rows, float32
    sums (the bfloat16 values, exactly), how many replicas changed each row (1)."""
    rows, values = change
    packed = values if values.dtype == np.uint16 else pack(values)
    return np.asarray(rows, np.int64), unpack(packed), np.ones(len(rows), np.int32)


def add_partials(a, b):
    """The partial sum of two partial sums (rows: the union; float32 additions, a's first)."""
    return _add_partials(*a, *b)


@numba.njit(nogil=True, cache=True)
def _add_partials(rows_a, sums_a, counts_a, rows_b, sums_b, counts_b):
    """One pass over two sorted row lists. Each sum starts from +0.0 as an array of zeros
    added to would (0.0 + -0.0 is +0.0): the bits of (0 + a) + b."""
    n, i, j = 0, 0, 0
    while i < len(rows_a) or j < len(rows_b):
        take_a = j == len(rows_b) or (i < len(rows_a) and rows_a[i] <= rows_b[j])
        take_b = i == len(rows_a) or (j < len(rows_b) and rows_b[j] <= rows_a[i])
        i, j, n = i + take_a, j + take_b, n + 1
    rows = np.empty(n, np.int64)
    sums = np.empty((n, sums_a.shape[1]), np.float32)
    counts = np.empty(n, np.int32)
    zero = np.float32(0.0)
    i, j = 0, 0
    for k in range(n):
        take_a = j == len(rows_b) or (i < len(rows_a) and rows_a[i] <= rows_b[j])
        take_b = i == len(rows_a) or (j < len(rows_b) and rows_b[j] <= rows_a[i])
        counts[k] = 0
        for t in range(sums.shape[1]):
            sums[k, t] = zero
        if take_a:
            _add_row(rows, sums, counts, k, rows_a, sums_a, counts_a, i)
            i += 1
        if take_b:
            _add_row(rows, sums, counts, k, rows_b, sums_b, counts_b, j)
            j += 1
    return rows, sums, counts


@numba.njit(nogil=True, cache=True, inline="always")
def _add_row(rows, sums, counts, k, part_rows, part_sums, part_counts, i):
    rows[k] = part_rows[i]
    counts[k] += part_counts[i]
    for t in range(sums.shape[1]):
        sums[k, t] += part_sums[i, t]


def finish(partial, divisor, mean=True, n_averaged=0):
    """The merged change (rows, bfloat16) of the partial sum of all the replicas' changes."""
    rows, sums, counts = partial
    return rows, _divide_and_pack(sums, counts, divisor, mean, np.searchsorted(rows, n_averaged))


@numba.njit(nogil=True, cache=True)
def _divide_and_pack(total, replicas, divisor, mean, n_averaged):
    """Row i of `total` over replicas[i] (i < n_averaged), max(divisor, replicas[i]) (`mean`) or
    max(divisor, replicas[i] / SUM_AT_MOST), as bfloat16."""
    out = np.empty(total.shape, np.uint16)
    quotient = np.empty(total.shape[1], np.float32)
    bits = quotient.view(np.uint32)
    for i in range(total.shape[0]):
        if i < n_averaged:
            d = np.float32(replicas[i])
        else:
            d = np.float32(max(divisor, replicas[i] if mean else replicas[i] / SUM_AT_MOST))
        for t in range(total.shape[1]):
            quotient[t] = total[i, t] / d
        for t in range(total.shape[1]):
            out[i, t] = bfloat16_bits(bits[t])
    return out


def nbytes(changes):
    """Bytes of (rows, values) pairs, nested in lists."""
    if changes is None:
        return 0
    if isinstance(changes, tuple) and isinstance(changes[0], np.ndarray):
        return sum(a.nbytes for a in changes)
    return sum(nbytes(c) for c in changes)


def pending_as_arrays(pending):
    """The shards' changes not merged yet, as named arrays for a checkpoint."""
    arrays = {}
    for k, shard in enumerate(pending or []):
        for name, (rows, change) in zip(("in", "out"), shard):
            arrays[f"pending_{k}_{name}_rows"], arrays[f"pending_{k}_{name}"] = rows, change
    return arrays


def pending_from_arrays(arrays, shards):
    if "pending_0_in_rows" not in arrays:
        return None
    return [[(arrays[f"pending_{k}_{name}_rows"], arrays[f"pending_{k}_{name}"])
             for name in ("in", "out")] for k in range(shards)]
