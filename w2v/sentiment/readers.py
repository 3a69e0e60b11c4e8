"""Reading labelled sentences: one file in any of three formats, detected per file, or a folder
with one file or subfolder per class.

- ``sst-tree``: the Stanford Sentiment Treebank PTB trees (``train.txt``/``dev.txt``/``test.txt``),
  one tree per line; the root label (0..4) is the sentence label, the leaves are the tokens.
- ``label-sentence``: ``<integer label> <tokens...>`` per line (``stsa.fine.*``, ``stsa.binary.*``).
- ``tsv`` / ``csv``: ``label<TAB>text`` (or ``label,text``) for the user's own data; any non-empty
  label string; an optional header row naming the ``label`` and ``text`` columns.

Readers return the sentence text with PTB escapes undone (``-LRB-`` -> ``(``, ``\\/`` -> ``/``,
```` ``/'' ```` -> ``"``) and tokens joined by single spaces, as a `Split`. Every problem with the
data (a missing file included) is a `W2VError` naming the file and line.
"""

import csv
import io
import os
import re
from dataclasses import dataclass

from ..errors import W2VError
from ..files import ReadMessages, read_text_lines

SST_LABELS = frozenset("01234")
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
    wanted="a file of labelled sentences",
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
