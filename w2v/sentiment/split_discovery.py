"""Which file is which split: from a folder, a file prefix (``.../stsa.fine``) or files whose
names say their split (``train.tsv``) or written ``split=PATH``; or one file or class folder that
holds all the data (`unsplit_source`). `paths` that do not say which file is which split are a
`UsageError`.
"""

import os
import re

from ..errors import UsageError, W2VError, check_parameter

SPLITS = ("train", "dev", "test")
_SPLIT_ALIASES = {
    "train": "train",
    "training": "train",
    "dev": "dev",
    "valid": "dev",
    "validation": "dev",
    "val": "dev",
    "test": "test",
    "testing": "test",
}


def unsplit_source(paths):
    """The path when `paths` is one file or one class folder (data without splits), else None."""
    paths = [os.fspath(p) for p in ([paths] if isinstance(paths, (str, os.PathLike)) else paths)]
    if len(paths) != 1:
        return None
    path = paths[0]
    if os.path.isfile(path):
        return path
    if os.path.isdir(path) and not _split_files_in_folder(path):
        return path
    return None


def _split_files_in_folder(folder):
    entries = [os.path.join(folder, entry) for entry in os.listdir(folder)]
    return any(_split_of(p) for p in entries) or os.path.isdir(os.path.join(folder, "trees"))


def find_split_files(paths):
    """{'train': path, 'dev': path (optional), 'test': path} from `paths` (see load_dataset)."""
    paths = [os.fspath(p) for p in ([paths] if isinstance(paths, (str, os.PathLike)) else paths)]
    check_parameter(
        len(paths) >= 1, "{paths} needs a folder, a file prefix or the train/dev/test files",
        "paths",
    )
    if len(paths) == 1 and os.path.isdir(paths[0]):
        return _splits_in_folder(paths[0])
    if len(paths) == 1 and not os.path.exists(paths[0]) and "=" not in paths[0]:
        return _splits_with_prefix(paths[0])
    return _splits_from_files(paths)


def _splits_in_folder(folder):
    found = _classify(os.path.join(folder, entry) for entry in sorted(os.listdir(folder)))
    if "train" not in found and os.path.isdir(os.path.join(folder, "trees")):
        return _splits_in_folder(os.path.join(folder, "trees"))
    return _one_file_per_split(found, f"folder {folder}")


def _splits_with_prefix(prefix):
    folder = os.path.dirname(prefix) or "."
    if not os.path.isdir(folder):
        raise W2VError(f"{prefix}: no such file or folder")
    base = os.path.basename(prefix)
    candidates = [
        os.path.join(folder, entry)
        for entry in sorted(os.listdir(folder))
        if entry.startswith(base + ".") or entry.startswith(base + "_")
    ]
    if not candidates:
        raise W2VError(f"{prefix}: no such file or folder (nor files {prefix}.train, ...)")
    return _one_file_per_split(_classify(candidates), f"prefix {prefix}")


def _splits_from_files(paths):
    found = {}
    for path in paths:
        name, _, explicit = path.partition("=") if "=" in path else ("", "", path)
        path = explicit
        if not os.path.exists(path):
            raise W2VError(f"{path}: no such file")
        if os.path.isdir(path):
            raise UsageError(f"{path}: is a folder; give one folder alone, or files")
        if name:
            split = _SPLIT_ALIASES.get(name.lower())
            if split is None:
                raise UsageError(f"{name}={path}: unknown split {name!r} (train, dev or test)")
        else:
            split = _split_of(path)
            if split is None:
                raise UsageError(
                    f"{path}: cannot tell which split this is; name it after "
                    f"train/dev/test (e.g. train.tsv) or write train={path}"
                )
        found.setdefault(split, []).append(path)
    return _one_file_per_split(found, "{paths}", parameters=("paths",))


def _classify(paths):
    found = {}
    for path in paths:
        split = _split_of(path)
        if split and os.path.exists(path):  # a folder: a class folder (IMDb's train/, test/)
            found.setdefault(split, []).append(path)
    return found


def _split_of(path):
    """'train' for train.txt, stsa.fine.train, sst_train.tsv, ...; None if the name says nothing."""
    parts = re.split(r"[._\-]", os.path.basename(path).lower())
    splits = {_SPLIT_ALIASES[part] for part in parts if part in _SPLIT_ALIASES}
    return splits.pop() if len(splits) == 1 else None


def _one_file_per_split(found, where, parameters=()):
    """`found` ({split: [paths]}) with one path per split; `where` and the parameters it names
    (if any) say where the files came from."""
    for split, paths in found.items():
        if len(paths) > 1:
            raise UsageError(
                f"{where}: several {split} files ({', '.join(paths)}); "
                "give the files (or a prefix such as .../stsa.fine) instead",
                parameters,
            )
    missing = [split for split in ("train", "test") if split not in found]
    if missing:
        raise UsageError(
            f"{where}: no {' or '.join(missing)} file found (names must contain "
            "train/dev/test, e.g. train.txt, stsa.fine.test, dev.tsv)",
            parameters,
        )
    return {split: found[split][0] for split in SPLITS if split in found}
