"""Merging the replicas' changes into one, in a fixed order (the result does not depend on who
finished first), and the changes not merged yet as checkpoint arrays."""

import numba
import numpy as np

from .codec import bfloat16_bits, float32_bits_of_row, pack


def merge_changes(changes, shape, divisor, mean=True, n_averaged=0):
    """The merged change of the replicas' `changes` (each: rows and their change, for a matrix
    of `shape`): a row changed by c replicas gets the sum of their changes divided by `divisor`
    (the replicas' lr multiplier s, so that a row one replica changed moves as one process
    would move it), or with `mean` by max(divisor, c): at most the mean of the replicas' changes;
    the first `n_averaged` rows by c: the mean. Summed in a fixed order, so the result does not
    depend on who finished first. Returns the rows changed and their change."""
    replicas = np.zeros(shape[0], np.int32)
    for rows, _ in changes:
        replicas[rows] += 1  # a replica's rows are distinct
    rows = np.flatnonzero(replicas)
    slot = np.empty(shape[0], np.int64)
    slot[rows] = np.arange(len(rows))
    total = np.zeros((len(rows), shape[1]), np.float32)
    for shard_rows, change in changes:
        _accumulate(total, slot[shard_rows], change if change.dtype == np.uint16 else pack(change))
    return rows, _divide_and_pack(total, replicas[rows], divisor, mean,
                                  np.searchsorted(rows, n_averaged))


@numba.njit(nogil=True, cache=True)
def _accumulate(total, slots, packed):
    """total[slots] += the bfloat16 `packed`."""
    bits = np.empty(packed.shape[1], np.uint32)
    change = bits.view(np.float32)
    for i in range(slots.shape[0]):
        float32_bits_of_row(packed, i, bits)
        for t in range(packed.shape[1]):
            total[slots[i], t] += change[t]


@numba.njit(nogil=True, cache=True)
def _divide_and_pack(total, replicas, divisor, mean, n_averaged):
    """Row i of `total` over replicas[i] (i < n_averaged), max(divisor, replicas[i]) (`mean`) or
    divisor, as bfloat16."""
    out = np.empty(total.shape, np.uint16)
    quotient = np.empty(total.shape[1], np.float32)
    bits = quotient.view(np.uint32)
    for i in range(total.shape[0]):
        if i < n_averaged:
            d = np.float32(replicas[i])
        else:
            d = np.float32(max(divisor, replicas[i]) if mean else divisor)
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
