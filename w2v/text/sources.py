"""Where text comes from: blocks of UTF-8 bytes for the tokenizer (`corpus.scan`).

A corpus is a plain-text file (one sentence or paragraph per line, tokens separated by white
space), a `.gz`/`.bz2`/`.xz` file, a directory of such files, standard input (`-`), or, from
Python, an iterable of sentences (`SentenceSource`). Each gives `blocks()`: bytes of whole lines
(None marks the end of a file), and `shards(n)`: n sources, one per cluster worker.
"""

import codecs
import contextlib
import dataclasses
import lzma
import math
import os
import sys
import warnings
import zlib

from ..errors import (ParameterError, W2VError, W2VWarning, check_parameter, hint,
                      os_error_reason)
from ..files import FILE_KINDS, compression_of_path, file_kind, open_compressed

STDIN = "-"  # the corpus path that means standard input, as shells pipe text


def describe_corpus(corpus):
    """How messages name a corpus (a path, a TextSource, sentences): "the corpus PATH",
    "standard input" or "the sentences given"."""
    path = getattr(corpus, "path", corpus)
    if isinstance(path, (str, os.PathLike)):
        path = os.fspath(path)
        return "standard input" if path == STDIN else f"the corpus {path}"
    return "the sentences given"
_BLOCK_BYTES = 1 << 20  # compressed or plain bytes read at once
# white space to str.split() beyond ASCII (the tokenizer knows only ASCII's): U+0085, U+00A0,
# U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000
UNICODE_SPACES = tuple(c for c in map(chr, range(128, 0x3001)) if c.isspace())
_DECOMPRESSION_ERRORS = (EOFError, lzma.LZMAError, zlib.error)  # OSError: see _file_blocks


@dataclasses.dataclass(frozen=True)
class TextSource:
    """Where to read text from and how to decode and normalize it."""

    path: str
    lowercase: bool = False
    encoding: str = "utf-8"
    errors: str = "strict"  # "replace" to accept bytes that are not valid in `encoding`
    # ((file, start, end, every, first), ...): read these parts instead of every file: the bytes
    # start:end (end None: to the end), of which the lines first, first + every, ... (every 1: all)
    parts: tuple = None

    def __post_init__(self):
        try:
            known_text_encoding = codecs.lookup(self.encoding)._is_text_encoding
        except LookupError:
            known_text_encoding = False
        if not known_text_encoding:
            raise ParameterError(f"{{encoding}} {self.encoding!r} is not a known text encoding "
                                 "(e.g. utf-8, latin-1, cp1252)", ("encoding",))

    def files(self):
        """The files of the corpus: the path itself, or the text files in the directory, sorted.
        A file that is not text (vectors, a checkpoint, JSON, binary data) is an error; in a
        directory it is skipped, with a W2VWarning naming what was read and what skipped."""
        if self.path == STDIN:
            return [STDIN]
        if not os.path.exists(self.path):
            raise W2VError(f"corpus {self.path} does not exist")
        if os.path.isfile(self.path):
            kind = self._kind(self.path)
            if kind != "text":
                what_next = (hint("to continue its run", "train", resume=self.path)
                             if kind == "checkpoint" else
                             hint("to query them", "KeyedVectors.load", self.path)
                             if "vectors" in kind else None)
                raise W2VError(f"{self.path} is {FILE_KINDS[kind]}, not a text corpus (plain "
                               "text, one sentence or paragraph per line)", hint=what_next)
            return [self.path]
        if not os.path.isdir(self.path):
            raise W2VError(f"corpus {self.path} is neither a file nor a directory")
        found = sorted(
            os.path.join(root, name)
            for root, _, names in os.walk(self.path)
            for name in names
            if not name.startswith(".")
        )
        if not found:
            raise W2VError(f"corpus directory {self.path} contains no files")
        kinds = {path: self._kind(path) for path in found}
        texts = [path for path in found if kinds[path] == "text"]
        skipped = [f"{os.path.relpath(p, self.path)} ({FILE_KINDS[kinds[p]]})" for p in found
                   if p not in texts]
        if not texts:
            raise W2VError(f"corpus directory {self.path} holds no text file: "
                           f"{', '.join(skipped)}")
        if skipped:
            taken = ", ".join(os.path.relpath(p, self.path) for p in texts)
            warnings.warn(W2VWarning(f"corpus directory {self.path}: reading {taken}; skipping "
                                     f"what is not text: {', '.join(skipped)}"), stacklevel=2)
        return texts

    def _kind(self, path):
        kind = file_kind(path)
        # NUL bytes are ordinary in UTF-16/32 text: "binary" means something only in encodings
        # that write ASCII as ASCII
        if kind == "binary" and "\n".encode(self.encoding) != b"\n":
            return "text"
        return kind

    def blocks(self):
        """The corpus re-encoded as UTF-8 (lowercased if asked), in blocks of bytes that end
        between words; None after the last block of each file (a line never spans files)."""
        for part in self.parts or [(path, 0, None, 1, 0) for path in self.files()]:
            yield from self._file_blocks(*part)
            yield None

    def _file_blocks(self, path, start=0, end=None, every=1, first=0):
        decoder = codecs.getincrementaldecoder(self.encoding)(self.errors)
        carry, at_start, lines_before = "", start == 0, 0
        left = math.inf if end is None else end - start
        try:
            with _open_text(path) as handle:
                if start:
                    handle.seek(start)
                while True:
                    raw = handle.read(min(_BLOCK_BYTES, left))
                    left -= len(raw)
                    text = carry + decoder.decode(raw, final=not raw)
                    if at_start and text:  # a byte-order mark (Notepad's) is not part of a word
                        text, at_start = text.removeprefix("\ufeff"), False
                    ends = text.rfind("\n") if every > 1 else max(text.rfind(" "), text.rfind("\n"))
                    cut = ends + 1 if raw else len(text)
                    text, carry = text[:cut], text[cut:]
                    if every > 1:
                        text, lines_before = _every_nth_line(text, every, first, lines_before)
                    if text:
                        text = _ascii_spaces(text.lower() if self.lowercase else text)
                        yield text.encode("utf-8", "surrogatepass")
                    if not raw:
                        return
        except UnicodeError as exc:
            line = self._first_undecodable_line(path)
            reason = getattr(exc, "reason", exc)
            raise W2VError(
                f"{path}{f', line {line}' if line else ''}: bytes that are not valid "
                f"{self.encoding} ({reason}); pass {{encoding}} or {{errors}} replace",
                ("encoding", "errors"),
            ) from None
        except IsADirectoryError:
            raise W2VError(f"{path} is a directory, expected a text file") from None
        except OSError as exc:
            if exc.errno is None and compression_of_path(path):  # the decompressor's complaint
                raise W2VError(f"{path}: compressed file is truncated or corrupt ({exc})") from None
            raise W2VError(f"cannot read {path}: {os_error_reason(exc)}") from None
        except _DECOMPRESSION_ERRORS as exc:
            raise W2VError(f"{path}: compressed file is truncated or corrupt ({exc})") from None

    def shards(self, n):
        """`n` sources that together read the corpus once: plain files cut into byte ranges of
        about equal size after a line break (when `encoding` writes "\\n" as that byte), other
        files (compressed: they cannot be cut) shared by lines, shard k reading lines k, k + n,
        ... of each. A shard with nothing to read is left out, so fewer may come back."""
        files = self.files()
        check_parameter(files != [STDIN], "standard input (-) cannot be shared between "
                        "workers: give the corpus as a file")
        cuttable = [path for path in files if self._can_cut(path)]
        ranges = _byte_ranges(cuttable, n)
        shared = [path for path in files if path not in cuttable]
        shards = [ranges[k] + [(path, 0, None, n, k) for path in shared] for k in range(n)]
        return [dataclasses.replace(self, parts=tuple(parts)) for parts in shards if parts]

    def _can_cut(self, path):
        return compression_of_path(path) is None and "a\n".encode(self.encoding) == b"a\n"

    def _first_undecodable_line(self, path):
        """The decoder reads ahead in blocks, so find the failing line by decoding line by line;
        None if no single line fails (a multi-byte encoding split at newline bytes) or the text
        cannot be read again (standard input)."""
        if path == STDIN:
            return None
        try:
            with open_compressed(path, "rb") as handle:
                for lineno, raw in enumerate(handle, 1):
                    try:
                        raw.decode(self.encoding)
                    except UnicodeError:
                        return lineno
        except (OSError, *_DECOMPRESSION_ERRORS):
            pass
        return None


class SentenceSource:
    """An iterable of sentences read once, as `TextSource` reads a file holding them one per
    line: each sentence a list of tokens or a string (a line of text, split at white space). A
    generator works; the sentences are streamed, never held."""

    def __init__(self, sentences, lowercase=False):
        self.sentences, self.lowercase = sentences, lowercase

    def blocks(self):
        yield from sentence_blocks(self.sentences, self.lowercase)
        yield None


def sentence_blocks(sentences, lowercase=False, strings=True, name="corpus"):
    """`sentences` as blocks of UTF-8 text, a sentence per line, as `TextSource.blocks` reads
    them from a file. `strings`: whether a sentence may be a string (a line of text) rather than
    a list of tokens; `name`: the parameter that errors name."""
    lines, size = [], 0
    for number, sentence in enumerate(sentences, 1):
        line = _sentence_line(sentence, number, strings, name)
        lines.append(line)
        size += len(line) + 1
        if size >= _BLOCK_BYTES:
            yield _lines_block(lines, lowercase)
            lines, size = [], 0
    if lines:
        yield _lines_block(lines, lowercase)


def _sentence_line(sentence, number, strings, name):
    if isinstance(sentence, str):
        check_parameter(strings, f"{{{name}}} must hold lists of tokens, got the string "
                        f"{sentence[:40]!r}", name)
        return sentence
    try:
        tokens = sentence if isinstance(sentence, (list, tuple)) else list(sentence)
        line = " ".join(tokens)
    except TypeError:
        kinds = "a list of str tokens" + (" or a string" if strings else "")
        raise ParameterError(f"{{{name}}}: sentence {number} must be {kinds}, got "
                             f"{repr(sentence)[:60]}", (name,)) from None
    check_parameter(len(line.split()) == len(tokens), f"{{{name}}}: sentence {number}: tokens must "
                    f"be non-empty and hold no white space, got {tokens[:8]!r}", name)
    return line


def _lines_block(lines, lowercase):
    text = "\n".join(lines) + "\n"
    text = _ascii_spaces(text.lower() if lowercase else text)
    return text.encode("utf-8", "surrogatepass")


def _open_text(path):
    """The corpus file `path` opened for reading bytes (standard input for STDIN, left open)."""
    if path == STDIN:
        return contextlib.nullcontext(sys.stdin.buffer)
    return open_compressed(path, "rb")




def _byte_ranges(paths, n):
    """`n` lists of (path, start, end, 1, 0) parts of about equal size covering the files, cut
    after line breaks (a list may be empty)."""
    sizes = [os.path.getsize(path) for path in paths]
    cuts = [sum(sizes) * i // n for i in range(1, n)]
    shards, current, offset = [], [], 0
    for path, size in zip(paths, sizes):
        start = 0
        while cuts and cuts[0] < offset + size:
            cut = _line_end_after(path, cuts.pop(0) - offset)
            if cut > start:
                current.append((path, start, cut, 1, 0))
                start = cut
            shards.append(current)
            current = []
        if start < size:
            current.append((path, start, size, 1, 0))
        offset += size
    shards.append(current)
    return shards + [[] for _ in range(n - len(shards))]


def _every_nth_line(text, every, first, lines_before):
    """The lines of `text` (whole lines) whose number, counted from 0 after `lines_before`
    earlier ones, is first, first + every, ...; and the number of lines counted so far."""
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    kept = lines[(first - lines_before) % every :: every]
    return "".join(line + "\n" for line in kept), lines_before + len(lines)


def _line_end_after(path, offset):
    """The offset just after the first "\\n" at or after `offset` in the file (its size if none)."""
    with open(path, "rb") as handle:
        handle.seek(offset)
        while block := handle.read(1 << 16):
            found = block.find(b"\n")
            if found >= 0:
                return offset + found + 1
            offset += len(block)
    return offset



def _ascii_spaces(text):
    """`text` with every non-ASCII white space character replaced by a space."""
    for space in UNICODE_SPACES:
        if space in text:
            text = text.replace(space, " ")
    return text
