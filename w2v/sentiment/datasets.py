"""Labelled sentences for the sentiment task: readers, split discovery and tokenization.

Three file formats, detected per file:

- ``sst-tree``: the Stanford Sentiment Treebank PTB trees (``train.txt``/``dev.txt``/``test.txt``),
  one tree per line; the root label (0..4) is the sentence label, the leaves are the tokens.
- ``label-sentence``: ``<integer label> <tokens...>`` per line (``stsa.fine.*``, ``stsa.binary.*``).
- ``tsv`` / ``csv``: ``label<TAB>text`` (or ``label,text``) for the user's own data; any non-empty
  label string; an optional header row naming the ``label`` and ``text`` columns.

Readers return the sentence text with PTB escapes undone (``-LRB-`` -> ``(``, ``\\/`` -> ``/``,
```` ``/'' ```` -> ``"``) and tokens joined by single spaces; `Tokenizer` then turns a sentence into
the tokens the word vectors know (whitespace tokens, optional lowercase, optional splitting at every
character outside [a-z0-9] as in the normalized training corpora).

Every problem with the data (a missing file included) is a `W2VError` naming the file and line;
`paths` that do not say which file is which split are a `UsageError`.
"""

import csv
import io
import os
import re
import warnings
from dataclasses import dataclass

import numpy as np

from ..errors import UsageError, W2VError, W2VWarning, check_parameter
from ..files import ReadMessages, read_text_lines

SPLITS = ("train", "dev", "test")
SST_LABELS = frozenset("01234")
# what sentiment labels 0..4 (SST's five classes) and 0/1 (its binary version) mean
CLASS_MEANINGS = {
    ("0", "1"): ("negative", "positive"),
    ("0", "1", "2", "3", "4"): ("very negative", "negative", "neutral", "positive",
                                "very positive"),
}
FORMAT_NAMES = {
    "sst-tree": "SST PTB trees",
    "label-sentence": "`label sentence` lines",
    "tsv": "label<TAB>text",
    "csv": "label,text CSV",
    "class-folder": "a folder with one file or subfolder per class",
}

# Token-level PTB escapes, matched case-insensitively (stsa.* files are lowercased: -lrb-).
_PTB_TOKENS = {
    "-lrb-": "(",
    "-rrb-": ")",
    "-lsb-": "[",
    "-rsb-": "]",
    "-lcb-": "{",
    "-rcb-": "}",
    "``": '"',
    "''": '"',
}
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
_HEADER_LABELS = {"label", "labels", "sentiment", "class", "target", "y", "polarity"}
_HEADER_TEXTS = {"text", "sentence", "review", "document", "tweet", "phrase", "content"}


@dataclass(frozen=True)
class Split:
    """One file of labelled sentences (label strings as written; line numbers for messages)."""

    name: str
    path: str
    format: str
    sentences: list
    labels: list
    line_numbers: list

    def __len__(self):
        return len(self.sentences)


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


# ----------------------------------------------------------------------------------------------
# Tokenization


class Tokenizer:
    """Sentence text -> tokens, matching how the word vectors were trained.

    lowercase: lowercase the text first.
    alnum: split at every run of characters outside [a-z0-9] ([A-Za-z0-9] if not lowercase),
        which is how the normalized training corpora (e.g. mix17m) were made; PTB-split
        clitics ("does n't", "film 's") are first glued back to their word ("doesn't") so they
        split as the running text of the corpus did ("doesn t").
    """

    _CLITIC = re.compile(r" (?=(?:n't|'s|'re|'ve|'ll|'d|'m)(?: |$))", re.IGNORECASE)

    def __init__(self, *, lowercase=True, alnum=False):
        self.lowercase = lowercase
        self.alnum = alnum
        self._non_word = re.compile(r"[^a-z0-9]+" if lowercase else r"[^A-Za-z0-9]+")

    def __call__(self, sentence):
        if self.lowercase:
            sentence = sentence.lower()
        if not self.alnum:
            return sentence.split()
        sentence = self._CLITIC.sub("", sentence)
        return self._non_word.sub(" ", sentence).split()

    def __repr__(self):
        return f"Tokenizer(lowercase={self.lowercase}, alnum={self.alnum})"

    @classmethod
    def for_vocabulary(cls, words, *, lowercase=None, alnum=None):
        """A tokenizer matching a vocabulary: options left as None are inferred from `words`.

        lowercase when no word has an uppercase letter; alnum when every word is made only of
        [a-z0-9] (or [A-Za-z0-9]) characters, i.e. the training text was normalized that way.
        """
        if lowercase is None:
            lowercase = not any(word != word.lower() for word in words)
        if alnum is None:
            pattern = re.compile(r"[a-z0-9]+" if lowercase else r"[A-Za-z0-9]+")
            alnum = len(words) > 0 and all(pattern.fullmatch(word) for word in words)
        return cls(lowercase=lowercase, alnum=alnum)


# ----------------------------------------------------------------------------------------------
# Reading one file


def class_names(classes):
    """Names for pictures and tables: SST's numeric labels by their meaning ("very negative"
    for 0 of 5), other labels as they are."""
    return list(CLASS_MEANINGS.get(tuple(classes), classes))


def undo_ptb_escapes(tokens):
    """PTB-escaped tokens -> plain tokens (-LRB- -> '(', `` -> '"', \\/ -> '/', \\* -> '*')."""
    plain = []
    for token in tokens:
        token = _PTB_TOKENS.get(token.lower(), token)
        if "\\" in token:
            token = token.replace("\\/", "/").replace("\\*", "*")
        plain.append(_fix_mojibake(token))
    return plain


def _fix_mojibake(token):
    """Undo UTF-8 text that was decoded as Latin-1 and re-encoded (stsa.*: 'AndrÃ©' -> 'André')."""
    if token.isascii():
        return token
    try:
        return token.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return token


def read_split(path, name):
    """Read one file of labelled sentences in any supported format, or a class folder (see
    read_class_folder), as the split `name`."""
    path = os.fspath(path)
    if os.path.isdir(path):
        return read_class_folder(path, name)
    lines = read_text_lines(path, _LABELLED_SENTENCES_FILE)
    fmt = detect_format(path, lines)
    if fmt == "sst-tree":
        records = _parse_sst_trees(path, lines)
    elif fmt == "label-sentence":
        records = _parse_label_sentence(path, lines)
    else:
        records = _parse_delimited(path, lines, delimiter="\t" if fmt == "tsv" else ",")
    if not records:
        raise W2VError(f"{path}: no sentences in the {name} split (the file is empty)")
    labels, sentences, line_numbers = (list(column) for column in zip(*records))
    return Split(name, path, fmt, sentences, labels, line_numbers)


def detect_format(path, lines):
    """'csv'/'tsv' by extension; otherwise from the first non-blank line."""
    extension = os.path.splitext(path)[1].lower()
    if extension == ".csv":
        return "csv"
    if extension == ".tsv":
        return "tsv"
    first = next((line for line in lines if line.strip()), "")
    if first.lstrip().startswith("("):
        return "sst-tree"
    if "\t" in first:
        return "tsv"
    return "label-sentence"


_LABELLED_SENTENCES_FILE = ReadMessages(
    missing="{path}: no such file",
    folder="{path}: is a folder, expected a file of labelled sentences",
    unreadable="{path}: cannot read: {reason}",
    undecodable="{path}:{line}: bytes that are not UTF-8 (byte 0x{byte:02x}); "
    "convert the file to UTF-8",
)


_TREE_TOKEN = re.compile(r"\(|\)|[^\s()]+")


def _parse_sst_trees(path, lines):
    records = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        label, words = _parse_tree(line, f"{path}:{number}")
        if label not in SST_LABELS:
            raise W2VError(f"{path}:{number}: unknown label {label!r} (SST labels are 0..4)")
        if not words:
            raise W2VError(f"{path}:{number}: tree without words")
        records.append((label, " ".join(undo_ptb_escapes(words)), number))
    return records


def _parse_tree(line, where):
    """'(3 (2 a) (3 b))' -> ('3', ['a', 'b']); checks that the brackets balance."""
    tokens = _TREE_TOKEN.findall(line)
    if len(tokens) < 4 or tokens[0] != "(":
        raise W2VError(f"{where}: not an SST tree (expected '(label ...)'): {line[:40]!r}")
    root_label = tokens[1]
    words, depth, after_open = [], 0, False
    for token in tokens:
        if token == "(":
            if depth == 0 and words:
                raise W2VError(f"{where}: more than one tree on the line")
            depth, after_open = depth + 1, True
        elif token == ")":
            depth, after_open = depth - 1, False
            if depth < 0:
                raise W2VError(f"{where}: unbalanced ')' in the tree")
        elif after_open:
            after_open = False  # the node's label
        else:
            words.append(token)
    if depth != 0:
        raise W2VError(f"{where}: unbalanced brackets: {depth} '(' not closed (truncated line?)")
    return root_label, words


def _parse_label_sentence(path, lines):
    records = []
    for number, line in enumerate(lines, 1):
        fields = line.split()
        if not fields:
            continue
        label = fields[0]
        if not re.fullmatch(r"-?\d+", label):
            raise W2VError(
                f"{path}:{number}: unknown label {label!r}: `label sentence` lines start "
                "with an integer label (use label<TAB>text in a .tsv for other labels)"
            )
        if len(fields) == 1:
            raise W2VError(f"{path}:{number}: label {label} without a sentence")
        records.append((str(int(label)), " ".join(undo_ptb_escapes(fields[1:])), number))
    return records


def _parse_delimited(path, lines, delimiter):
    rows = _delimited_rows(path, lines, delimiter)
    if not rows:
        return []
    label_column, text_column, start = _columns_from_header(path, rows[0][1])
    records = []
    for number, fields in rows[start:]:
        if len(fields) <= max(label_column, text_column):
            raise W2VError(
                f"{path}:{number}: expected label{_show(delimiter)}text, "
                f"got {len(fields)} field(s)"
            )
        label = fields[label_column].strip()
        text = fields[text_column]
        if not label:
            raise W2VError(f"{path}:{number}: empty label")
        if not text.strip():
            raise W2VError(f"{path}:{number}: label {label!r} without text")
        records.append((label, " ".join(undo_ptb_escapes(text.split())), number))
    return records


def _delimited_rows(path, lines, delimiter):
    """(line number, fields) per non-blank line; TSV splits at the first tab only."""
    if delimiter == "\t":
        return [(n, line.split("\t", 1)) for n, line in enumerate(lines, 1) if line.strip()]
    rows = []
    reader = csv.reader(io.StringIO("\n".join(lines)))
    try:
        for fields in reader:
            if any(field.strip() for field in fields):
                rows.append((reader.line_num, fields))
    except csv.Error as exc:
        raise W2VError(f"{path}:{reader.line_num}: bad CSV: {exc}") from exc
    return rows


def _columns_from_header(path, first_row):
    """(label column, text column, first data row): a header row is recognised by its names."""
    names = [field.strip().lower() for field in first_row]
    if not names or names[0] not in _HEADER_LABELS | _HEADER_TEXTS:
        return 0, 1, 0
    label_column = next((i for i, n in enumerate(names) if n in _HEADER_LABELS), None)
    text_column = next((i for i, n in enumerate(names) if n in _HEADER_TEXTS), None)
    if label_column is None or text_column is None:
        raise W2VError(
            f"{path}:1: header {first_row} needs a label column "
            f"({'/'.join(sorted(_HEADER_LABELS))}) and a text column "
            f"({'/'.join(sorted(_HEADER_TEXTS))})"
        )
    return label_column, text_column, 1


def _show(delimiter):
    return "<TAB>" if delimiter == "\t" else delimiter


# ----------------------------------------------------------------------------------------------
# Finding and checking the splits


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


def read_labelled(path):
    """All labelled sentences of one file (any format) or one class folder, as a Split."""
    if os.path.isdir(path):
        return read_class_folder(path)
    return read_split(path, "all")


def read_class_folder(folder, name="all"):
    """A folder with one subfolder per class, each file in it one document (scikit-learn's
    load_files, IMDb's pos/ neg/), or else one file per class, one sentence per line
    (rt-polarity.pos / rt-polarity.neg: the class is what differs, `pos`, `neg`)."""
    entries = sorted(e for e in os.listdir(folder) if not e.startswith("."))
    subfolders = [e for e in entries if os.path.isdir(os.path.join(folder, e))]
    records = []
    if subfolders:
        for label in subfolders:
            for entry in sorted(os.listdir(os.path.join(folder, label))):
                path = os.path.join(folder, label, entry)
                if os.path.isfile(path) and not entry.startswith("."):
                    text = " ".join(read_text_lines(path, _LABELLED_SENTENCES_FILE)).split()
                    if text:
                        records.append((label, " ".join(undo_ptb_escapes(text)), path))
    else:
        files = [e for e in entries if os.path.isfile(os.path.join(folder, e))]
        for entry, label in zip(files, class_names_of_files(files)):
            path = os.path.join(folder, entry)
            for number, line in enumerate(read_text_lines(path, _LABELLED_SENTENCES_FILE), 1):
                if line.strip():
                    records.append((label, " ".join(undo_ptb_escapes(line.split())),
                                    f"{path}:{number}"))
    labels = {label for label, _, _ in records}
    if len(labels) < 2:
        raise W2VError(
            f"{folder}: no train/dev/test files, nor one file or subfolder per class (found "
            f"{len(labels)} class{'es' if len(labels) != 1 else ''} with text; a classifier "
            "needs at least two)"
        )
    labels, sentences, where = (list(column) for column in zip(*records))
    return Split(name, folder, "class-folder", sentences, labels, where)


def class_names_of_files(names):
    """Class names from per-class file names: the part after a shared stem (rt-polarity.pos ->
    pos), else the name without its extension (pos.txt -> pos)."""
    stems = {os.path.splitext(name)[0] for name in names}
    if len(stems) == 1 and len(names) > 1:
        return [os.path.splitext(name)[1][1:] for name in names]
    return [os.path.splitext(name)[0] for name in names]


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
