"""Word vectors: `KeyedVectors` (queries), their file formats, and the analogy/similarity benchmarks."""

from .keyed import KeyedVectors

__all__ = ["KeyedVectors"]
