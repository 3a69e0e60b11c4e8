"""Writing vectors files: word2vec binary and text, our .npz, and the TensorFlow Embedding
Projector's `vectors.tsv` + `metadata.tsv` (for `w2v export`). Each writer streams into an open
binary stream; `formats.write_vectors` opens it atomically, compressed or not.
"""

import json
import os
import struct
import zipfile

import numpy as np

from ..errors import W2VError
from ..files import atomic_write

NPZ_FORMAT_VERSION = 1
NPY_ALIGNMENT = 64
_PADDING_EXTRA_ID = 0xD935  # the id Android's zipalign pads with; readers skip it


def _encoded_words(kv, start, stop):
    """The UTF-8 bytes of words start:stop (a slice at a time: all of a large vocabulary's at
    once would cost tens of MB while the file is written)."""
    words = kv.words[start:stop]
    try:
        return [w.encode("utf-8") for w in words]
    except UnicodeEncodeError:
        bad = next(w for w in words if not _encodable(w))
        raise W2VError(f"cannot save: word {bad!r} cannot be encoded as UTF-8") from None


def _encodable(word):
    try:
        word.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def write_binary(kv, stream, rows_per_write=4096):
    stream.write(f"{len(kv)} {kv.dim}\n".encode("ascii"))
    little_endian = kv.vectors.astype("<f4", copy=False)
    for start in range(0, len(kv), rows_per_write):
        words = _encoded_words(kv, start, start + rows_per_write)
        stream.write(b"".join(word + b" " + little_endian[start + i].tobytes() + b"\n"
                              for i, word in enumerate(words)))


def write_text(kv, stream, rows_per_write=4096):
    # %.9g: nine significant digits are enough for every float32 to read back bit-exact
    stream.write(f"{len(kv)} {kv.dim}\n".encode("ascii"))
    row_format = " ".join(["%.9g"] * kv.dim)
    for start in range(0, len(kv), rows_per_write):
        rows = kv.vectors[start : start + rows_per_write].tolist()
        words = _encoded_words(kv, start, start + rows_per_write)
        stream.write(b"".join(word + b" " + (row_format % tuple(row)).encode("ascii") + b"\n"
                              for word, row in zip(words, rows)))


def write_projector(kv, folder, limit=None):
    """The TensorFlow Embedding Projector's files in `folder`, each written atomically:
    vectors.tsv (one vector per line, tab-separated, no header) and metadata.tsv (one word per
    line; with counts a `word<TAB>count` header then both columns, as the projector wants a
    header exactly when there are several columns), for the first `limit` words (all if None).
    Returns the two paths."""
    rows = len(kv) if limit is None else min(limit, len(kv))
    vectors_path = os.path.join(folder, "vectors.tsv")
    metadata_path = os.path.join(folder, "metadata.tsv")
    row_format = "\t".join(["%.9g"] * kv.dim) + "\n"
    with atomic_write(vectors_path, "w", encoding="utf-8") as stream:
        for start in range(0, rows, 4096):
            block = kv.vectors[start : min(start + 4096, rows)].tolist()
            stream.write("".join(row_format % tuple(row) for row in block))
    if kv.counts is None:
        metadata = [f"{word}\n" for word in kv.words[:rows]]
    else:
        metadata = ["word\tcount\n"] + [
            f"{word}\t{count}\n" for word, count in zip(kv.words[:rows], kv.counts[:rows].tolist())
        ]
    with atomic_write(metadata_path, "w", encoding="utf-8") as stream:
        stream.write("".join(metadata))
    return vectors_path, metadata_path


def write_npz(kv, stream):
    arrays = {
        "format_version": np.array(NPZ_FORMAT_VERSION),
        "vectors": kv.vectors,
        "words": np.frombuffer(b"\n".join(_encoded_words(kv, 0, len(kv))), dtype=np.uint8),
    }
    if kv.counts is not None:
        arrays["counts"] = kv.counts
    if kv.output_vectors is not None:
        arrays["output_vectors"] = kv.output_vectors
    if kv.config is not None:
        config = json.dumps(kv.config, default=_json_default, sort_keys=True)
        arrays["config_json"] = np.frombuffer(config.encode("utf-8"), dtype=np.uint8)
    with zipfile.ZipFile(stream, mode="w", compression=zipfile.ZIP_STORED) as archive:
        for name, array in arrays.items():
            _write_aligned_member(archive, name + ".npy", array)


def _write_aligned_member(archive, name, array):
    """A stored .npy member whose data starts at a multiple of 64 bytes in the file, as
    `np.savez` would write it but padded (a zip extra field) so that `mmap="r"` maps aligned
    rows. The .npy header is itself padded to 64 bytes, so the member's start is aligned."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    start = archive.start_dir + 30 + len(name.encode("utf-8")) + 20  # + zip64 extra field
    padding = (-(start + 4)) % NPY_ALIGNMENT
    info.extra = struct.pack("<HH", _PADDING_EXTRA_ID, padding) + bytes(padding)
    with archive.open(info, "w", force_zip64=True) as member:
        np.lib.format.write_array(member, np.asanyarray(array), allow_pickle=False)


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)
