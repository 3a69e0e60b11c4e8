"""Memory-mapped vectors: the matrices of an uncompressed .npz (what `np.savez` and our writer
store) mapped where they lie in the file, not read (gensim's `KeyedVectors.load(path,
mmap="r")`): opening takes no time whatever the size, pages are read when a query touches them
and are shared by every process that maps the file. The words stay bytes until asked for
(`PackedWords`).
"""

import struct
import zipfile

import numpy as np

from ..errors import W2VError, hint
from .packed_words import PackedWords

MMAP_MODES = ("r", "c")  # read-only, copy-on-write (as numpy.memmap names them)
_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")  # a zip member's local header, 30 bytes


def read_npz_mapped(vectors_class, path, mode):
    """A `vectors_class` whose matrices are mapped from the .npz at `path` (mode "r" or "c")."""
    if mode not in MMAP_MODES:
        raise W2VError(f"{{mmap}} must be one of {', '.join(MMAP_MODES)} or None, got {mode!r}",
                       parameters=("mmap",))
    try:
        with zipfile.ZipFile(path) as archive:
            members = {info.filename.removesuffix(".npy"): info for info in archive.infolist()}
            small = {name: np.lib.format.read_array(archive.open(members[name]))
                     for name in ("counts", "config_json") if name in members}
    except FileNotFoundError:
        raise W2VError(f"vectors file {path} does not exist") from None
    except (OSError, zipfile.BadZipFile, ValueError) as exc:
        raise W2VError(
            f"{path} cannot be memory-mapped: only an uncompressed .npz written by w2v can "
            f"({type(exc).__name__}: {exc})",
            hint=hint("to write one", "convert", path, "vectors.npz"),
        ) from None
    for required in ("vectors", "words"):
        if required not in members:
            raise W2VError(f"{path}: .npz archive has no {required!r} array (not written by w2v?)")
    with open(path, "rb") as handle:
        arrays = {name: _mapped_member(handle, path, members[name], mode)
                  for name in ("vectors", "words", "output_vectors") if name in members}
    vectors = arrays["vectors"]
    if vectors.ndim != 2 or vectors.dtype != np.float32:
        raise W2VError(f"{path}: vectors must be a 2-D float32 matrix to be mapped, got "
                       f"{vectors.dtype} {vectors.shape}")
    words = PackedWords(arrays["words"])
    if len(words) != len(vectors):
        raise W2VError(f"{path}: {len(words)} words for {len(vectors)} vectors in the .npz archive")
    config = small.get("config_json")
    return vectors_class(
        words, vectors, counts=small.get("counts"), output_vectors=arrays.get("output_vectors"),
        config=None if config is None else _config(config, path), validate=False)


def _config(array, path):
    import json

    try:
        return json.loads(array.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise W2VError(f"{path}: config is not valid JSON ({exc})") from None


def _mapped_member(handle, path, info, mode):
    """The array of a stored (uncompressed) zip member, mapped from the file."""
    if info.compress_type != zipfile.ZIP_STORED:
        raise W2VError(f"{path}: {info.filename} is compressed in the archive and cannot be "
                       "memory-mapped", hint=hint("to write one", "convert", path, "vectors.npz"))
    handle.seek(info.header_offset)
    fields = _LOCAL_HEADER.unpack(handle.read(_LOCAL_HEADER.size))
    handle.seek(info.header_offset + _LOCAL_HEADER.size + fields[9] + fields[10])
    version = np.lib.format.read_magic(handle)
    read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                   (2, 0): np.lib.format.read_array_header_2_0}.get(version)
    if read_header is None:
        raise W2VError(f"{path}: {info.filename} has .npy version {version}, cannot be mapped")
    shape, fortran, dtype = read_header(handle)
    if dtype.hasobject:
        raise W2VError(f"{path}: {info.filename} holds Python objects, not numbers")
    return np.memmap(path, dtype=dtype, mode=mode, offset=handle.tell(), shape=shape,
                     order="F" if fortran else "C")
