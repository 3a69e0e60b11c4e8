"""Words held as one block of UTF-8 bytes, not as a Python str each: 3 million words take
about 11 bytes each here against about 60 as a list of str. What a mapped .npz stores, and what
the streaming readers keep while a large file loads."""

import collections.abc

import numpy as np


class PackedWords(collections.abc.Sequence):
    """A read-only sequence of str (as `KeyedVectors.words`), decoded when asked for from
    `data`: newline-separated UTF-8 words (a uint8 array, possibly memory-mapped)."""

    def __init__(self, data):
        self._data = data
        # word i is data[bounds[i] : bounds[i + 1] - 1]
        self._bounds = np.concatenate([[0], np.flatnonzero(data == 10) + 1, [len(data) + 1]])

    def __len__(self):
        return len(self._bounds) - 1

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                return [self[i] for i in range(start, stop, step)]
            return self._decoded(start, stop) if start < stop else []
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("word index out of range")
        return self._data[self._bounds[index] : self._bounds[index + 1] - 1].tobytes().decode()

    def _decoded(self, start, stop):
        raw = self._data[self._bounds[start] : self._bounds[stop] - 1].tobytes()
        return raw.decode("utf-8").split("\n")

    def __iter__(self, rows_per_block=65536):
        for first in range(0, len(self), rows_per_block):
            yield from self._decoded(first, min(first + rows_per_block, len(self)))

    def __eq__(self, other):
        if not isinstance(other, collections.abc.Sequence) or isinstance(other, (str, bytes)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    __hash__ = None

    def __repr__(self):
        shown = ", ".join(repr(word) for word in self[:5])
        return f"PackedWords([{shown}{', ...' if len(self) > 5 else ''}], {len(self):,} words)"
