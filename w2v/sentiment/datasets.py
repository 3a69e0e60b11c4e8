"""Labelled sentences for the sentiment task: the train/dev/test `Dataset`, loaded and checked.

`load_dataset` finds the split files (`split_discovery`), reads each (`readers`: SST trees,
`label sentence` lines, TSV/CSV, class folders) and checks that they agree (one format, one label
set), or splits one file or class folder into train/dev/test; `load_all` gives every sentence
for cross-validation. `Tokenizer` (`tokenizer`) turns a sentence into the tokens the word vectors
know.

Every problem with the data (a missing file included) is a `W2VError` naming the file and line;
`paths` that do not say which file is which split are a `UsageError`.
"""

import os
import re
import warnings
from dataclasses import dataclass

import numpy as np

from ..errors import UsageError, W2VError, W2VWarning
from .readers import FORMAT_NAMES, Split, read_labelled, read_split
from .split_discovery import find_split_files, unsplit_source

# what sentiment labels 0..4 (SST's five classes) and 0/1 (its binary version) mean
CLASS_MEANINGS = {
    ("0", "1"): ("negative", "positive"),
    ("0", "1", "2", "3", "4"): ("very negative", "negative", "neutral", "positive",
                                "very positive"),
}


@dataclass(frozen=True)
class Dataset:
    """Train/dev/test splits sharing one label set; `classes` sorted (numerically if integers)."""

    train: Split
    dev: Split
    test: Split
    classes: tuple
    dev_held_out: bool = False  # True when dev was carved out of train (no dev file given)
    split_note: str = "train/dev/test as given"  # how the splits were made, for the report

    @property
    def splits(self):
        return (self.train, self.dev, self.test)

    def targets(self, split):
        """Class indices (int64) of `split`'s labels, positions in `classes`."""
        index = {label: i for i, label in enumerate(self.classes)}
        return np.array([index[label] for label in split.labels], dtype=np.int64)


def class_names(classes):
    """Names for pictures and tables: SST's numeric labels by their meaning ("very negative"
    for 0 of 5), other labels as they are."""
    return list(CLASS_MEANINGS.get(tuple(classes), classes))


def load_dataset(paths, *, dev_fraction=0.1, test_fraction=0.1, seed=0):
    """Read train/dev/test from a folder, a file prefix, or files, and check they agree.

    `paths`: one folder (holding train/dev/test files, or a `trees/` folder that does), one prefix
    (``.../stsa.fine`` for ``stsa.fine.train``, ...), or files whose names say their split
    (``train.tsv``, ``stsa.fine.dev``) or written ``split=PATH``. Without a dev file, a stratified
    `dev_fraction` of train (seeded) becomes dev.
    One file, or one folder with a file or subfolder per class (see `read_class_folder`), holds
    all the data: it is split into train/dev/test, stratified by class, `test_fraction` and
    `dev_fraction` of it for test and dev (scikit-learn's train_test_split with `seed`).
    """
    source = unsplit_source(paths)
    if source is not None:
        return split_three(read_labelled(source), dev_fraction, test_fraction, seed)
    files = find_split_files(paths)
    warn_repeated_files(files)
    splits = {name: read_split(path, name) for name, path in files.items()}
    _check_same_format(splits)
    dev_held_out = "dev" not in splits
    note = "train/dev/test files as given"
    if dev_held_out:
        splits["train"], splits["dev"] = hold_out(splits["train"], dev_fraction, seed)
        note = f"train and test files as given; dev: {dev_fraction:.0%} of train held out " \
            f"(stratified, seed {seed})"
    classes = _check_labels(splits)
    return Dataset(splits["train"], splits["dev"], splits["test"], classes, dev_held_out, note)


def load_all(paths, seed=0):
    """(Split named "all", classes, note): every labelled sentence `paths` hold, for k-fold
    cross-validation; train, dev and test files are concatenated."""
    source = unsplit_source(paths)
    if source is not None:
        whole = read_labelled(source)
        return whole, _check_labels({"train": whole}), f"all {len(whole)} sentences of {source}"
    data = load_dataset(paths, seed=seed)
    parts = data.splits
    whole = Split(
        "all",
        ", ".join(dict.fromkeys(s.path for s in parts)),
        data.train.format,
        [x for s in parts for x in s.sentences],
        [x for s in parts for x in s.labels],
        [x for s in parts for x in s.line_numbers],
    )
    return whole, data.classes, f"train, dev and test concatenated ({len(whole)} sentences)"


def split_three(whole, dev_fraction, test_fraction, seed):
    """Dataset from one Split: stratified test and dev parts drawn with `seed`."""
    from sklearn.model_selection import train_test_split

    for fraction, what in ((dev_fraction, "dev"), (test_fraction, "test")):
        if not 0 < fraction < 1:
            raise UsageError(f"{what} fraction must be in (0, 1), got {fraction}")
    rows = np.arange(len(whole))
    try:
        rest, test = train_test_split(
            rows, test_size=round(test_fraction * len(rows)), stratify=whole.labels,
            random_state=seed,
        )
        train, dev = train_test_split(
            rest,
            test_size=round(dev_fraction * len(rows)),  # counts: fractions of fractions round up
            stratify=[whole.labels[i] for i in rest],
            random_state=seed,
        )
    except ValueError as exc:
        raise W2VError(
            f"{whole.path}: too few sentences per class to split into train/dev/test "
            f"({exc}); give more data or separate files"
        ) from None
    splits = {
        name: _subset(whole, np.isin(rows, part), name)
        for name, part in (("train", train), ("dev", dev), ("test", test))
    }
    classes = _check_labels(splits)
    shares = "/".join(f"{100 * x:.0f}" for x in (1 - dev_fraction - test_fraction, dev_fraction,
                                                    test_fraction))
    note = f"{whole.path} split {shares} into train/dev/test, stratified by class, seed {seed}"
    return Dataset(splits["train"], splits["dev"], splits["test"], classes, True, note)


def warn_repeated_files(files):
    """A W2VWarning when one file is given as two splits (test would measure memorization)."""
    seen = {}
    for split, path in files.items():
        key = os.path.realpath(path)
        if key in seen:
            warnings.warn(
                W2VWarning(
                    f"{path} is both the {seen[key]} and the {split} file: its {split} "
                    "accuracy does not measure anything new"
                ),
                stacklevel=3,
            )
        seen.setdefault(key, split)


def _check_same_format(splits):
    formats = {split.format for split in splits.values()}
    if len(formats) > 1:
        described = "; ".join(f"{s.path} is {FORMAT_NAMES[s.format]}" for s in splits.values())
        raise W2VError(f"mismatched files: {described} (all splits must share one format)")


def _check_labels(splits):
    """The sorted label set; every dev/test label must be a train label and every class must
    appear in every split (otherwise the files do not belong together, e.g. binary vs fine)."""
    train = splits["train"]
    train_labels = set(train.labels)
    if len(train_labels) < 2:
        raise W2VError(
            f"{train.path}: only one label ({next(iter(train_labels))!r}) in the "
            "train split; a classifier needs at least two"
        )
    for split in (split for name, split in splits.items() if name != "train"):
        for label, number in zip(split.labels, split.line_numbers):
            if label not in train_labels:
                raise W2VError(
                    f"{split.path}:{number}: unknown label {label!r}: not among the "
                    f"train labels {_label_list(train_labels)} of {train.path} "
                    "(mismatched files?)"
                )
        absent = train_labels - set(split.labels)
        if absent:
            raise W2VError(
                f"{split.path}: no sentence with label {_label_list(absent)}, which "
                f"{train.path} has (mismatched files? every split needs every class)"
            )
    return tuple(sort_labels(train_labels))


def sort_labels(labels):
    """Numeric order when every label is an integer ('2' < '10'), text order otherwise."""
    labels = list(labels)
    if all(re.fullmatch(r"-?\d+", label) for label in labels):
        return sorted(labels, key=int)
    return sorted(labels)


def _label_list(labels):
    return "{" + ", ".join(sort_labels(labels)) + "}"


def hold_out(train, fraction, seed):
    """(train without dev, dev): a stratified `fraction` of train, chosen with `seed`."""
    if not 0 < fraction < 1:
        raise UsageError(f"dev fraction must be in (0, 1), got {fraction}")
    rng = np.random.default_rng(seed)
    labels = np.array(train.labels)
    dev_rows = []
    for label in sort_labels(set(train.labels)):
        rows = np.flatnonzero(labels == label)
        count = int(round(fraction * len(rows)))
        if len(rows) >= 2 and count == 0:
            count = 1
        dev_rows.extend(rng.permutation(rows)[:count].tolist())
    is_dev = np.zeros(len(train), dtype=bool)
    is_dev[dev_rows] = True
    return _subset(train, ~is_dev, "train"), _subset(train, is_dev, "dev")


def _subset(split, mask, name):
    rows = np.flatnonzero(mask)

    def pick(values):
        return [values[i] for i in rows]

    return Split(
        name,
        split.path,
        split.format,
        pick(split.sentences),
        pick(split.labels),
        pick(split.line_numbers),
    )
