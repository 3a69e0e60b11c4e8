"""Text -> token ids: stream a corpus once to count words, once to encode it as int32 ids.

A corpus is a plain-text file (one sentence or paragraph per line, tokens separated by white
space), a `.gz`/`.bz2`/`.xz` file, or a directory of such files. Encoded, it is a `Corpus`: one
int32 array of token ids (out-of-vocabulary words dropped, as word2vec does) written to a cache
file and memory-mapped, so a corpus larger than memory trains, plus int64 sentence offsets.
"""

import bz2
import codecs
import collections
import dataclasses
import gzip
import itertools
import lzma
import os
import zlib

import numpy as np

from .errors import UsageError, W2VError, os_error_reason

MAX_SENTENCE_LENGTH = 10_000  # longer lines are split into pieces of this many tokens (as gensim)
_ENCODE_CHUNK_WORDS = 1 << 17  # words held as Python strings at once while encoding
_OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
_DECOMPRESSION_ERRORS = (EOFError, lzma.LZMAError, zlib.error)  # OSError: see _file_lines


@dataclasses.dataclass(frozen=True)
class TextSource:
    """Where to read text from and how to decode and normalize it."""

    path: str
    lowercase: bool = False
    encoding: str = "utf-8"
    errors: str = "strict"  # "replace" to accept bytes that are not valid in `encoding`

    def __post_init__(self):
        try:
            known_text_encoding = codecs.lookup(self.encoding)._is_text_encoding
        except LookupError:
            known_text_encoding = False
        if not known_text_encoding:
            raise UsageError(f"--encoding {self.encoding!r} is not a known text encoding "
                             "(e.g. utf-8, latin-1, cp1252)")

    def files(self):
        """The files of the corpus: the path itself, or the files in the directory, sorted."""
        if not os.path.exists(self.path):
            raise W2VError(f"corpus {self.path} does not exist")
        if os.path.isfile(self.path):
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
        return found

    def lines(self):
        """Yield each line of the corpus, lowercased if asked; errors name file and line."""
        for path in self.files():
            yield from self._file_lines(path)

    def _file_lines(self, path):
        opener = _OPENERS.get(os.path.splitext(path)[1].lower(), open)
        lineno = 0
        try:
            with opener(path, "rt", encoding=self.encoding, errors=self.errors) as handle:
                for lineno, line in enumerate(handle, 1):
                    if lineno == 1:  # a byte-order mark (Notepad's) is not part of the first word
                        line = line.removeprefix("\ufeff")
                    yield line.lower() if self.lowercase else line
        except UnicodeError as exc:
            line = self._first_undecodable_line(path, opener) or lineno + 1
            reason = getattr(exc, "reason", exc)
            raise W2VError(
                f"{path}, line {line}: bytes that are not valid {self.encoding} ({reason}); "
                "pass --encoding or --errors replace"
            ) from None
        except IsADirectoryError:
            raise W2VError(f"{path} is a directory, expected a text file") from None
        except OSError as exc:
            if exc.errno is None and opener is not open:  # the decompressor's complaint
                raise W2VError(f"{path}: compressed file is truncated or corrupt ({exc})") from None
            raise W2VError(f"cannot read {path}: {os_error_reason(exc)}") from None
        except _DECOMPRESSION_ERRORS as exc:
            raise W2VError(f"{path}: compressed file is truncated or corrupt ({exc})") from None

    def _first_undecodable_line(self, path, opener):
        """The decoder reads ahead in blocks, so find the failing line by decoding line by line;
        None if no single line fails (a multi-byte encoding split at newline bytes)."""
        try:
            with opener(path, "rb") as handle:
                for lineno, raw in enumerate(handle, 1):
                    try:
                        raw.decode(self.encoding)
                    except UnicodeError:
                        return lineno
        except (OSError, *_DECOMPRESSION_ERRORS):
            pass
        return None


def count_words(source):
    """Pass 1: a Counter of every token in the corpus."""
    counts = collections.Counter()
    for line in source.lines():
        counts.update(line.split())
    return counts


@dataclasses.dataclass
class Corpus:
    """Sentence offsets (int64) in memory, token ids (int32) in a cache file read batch by batch,
    so the whole token array is never resident (and a corpus larger than memory trains).

    Sentence i is tokens offsets[i]:offsets[i + 1]; empty sentences are dropped.
    """

    path: str
    offsets: np.ndarray

    def read(self, start, end):
        """Token ids start:end, int32."""
        return np.fromfile(self.path, np.int32, end - start, offset=4 * start)

    @property
    def tokens(self):
        return self.read(0, self.n_tokens)

    @property
    def n_tokens(self):
        return int(self.offsets[-1])

    @property
    def n_sentences(self):
        return len(self.offsets) - 1


def encode(source, index, cache_path):
    """Pass 2: write the ids of in-vocabulary tokens to `cache_path`; return the `Corpus`.

    `index` maps word -> id. Out-of-vocabulary tokens are removed before windows are formed, as in
    word2vec C and gensim; lines longer than MAX_SENTENCE_LENGTH kept tokens are split.
    """
    line_lengths = []
    try:
        with open(cache_path, "wb") as cache:
            for words, lengths in _chunks(source.lines()):
                ids = np.fromiter(map(index.get, words, itertools.repeat(-1)), np.int32, len(words))
                kept = ids >= 0
                cache.write(ids[kept].tobytes())
                line_lengths.append(_kept_per_line(kept, lengths))
    except OSError as exc:  # reading errors are W2VErrors already: this is the cache's folder
        raise W2VError(f"cannot write the token cache {cache_path}: {os_error_reason(exc)} "
                       "(set TMPDIR to a folder with room for 4 bytes per token)") from None
    lengths = np.concatenate(line_lengths) if line_lengths else np.zeros(0, np.int64)
    offsets = _sentence_offsets(lengths)
    return Corpus(cache_path, offsets)


def _chunks(lines):
    """Group lines into chunks of about _ENCODE_CHUNK_WORDS words: (words, tokens per line)."""
    words, lengths = [], []
    for line in lines:
        line_words = line.split()
        words.extend(line_words)
        lengths.append(len(line_words))
        if len(words) >= _ENCODE_CHUNK_WORDS:
            yield words, lengths
            words, lengths = [], []
    if lengths:
        yield words, lengths


def _kept_per_line(kept, lengths):
    """Number of kept tokens on each line, from the chunk's keep mask and line lengths."""
    ends = np.cumsum(lengths, dtype=np.int64)
    kept_before = np.concatenate(([0], np.cumsum(kept, dtype=np.int64)))
    return np.diff(kept_before[ends], prepend=0)


def _sentence_offsets(line_lengths):
    """Offsets of non-empty sentences, lines longer than MAX_SENTENCE_LENGTH cut into pieces."""
    pieces = -(-line_lengths // MAX_SENTENCE_LENGTH)  # ceil: pieces per line (0 for empty lines)
    sizes = np.full(int(pieces.sum()), MAX_SENTENCE_LENGTH, np.int64)
    last_piece = np.cumsum(pieces)[pieces > 0] - 1
    sizes[last_piece] = line_lengths[pieces > 0] - (pieces[pieces > 0] - 1) * MAX_SENTENCE_LENGTH
    return np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
