"""Property tests of the corpus reader (TextSource, scan, Scan.encode).

Arbitrary bytes, plain or wrapped in gzip/bz2/xz, whole, truncated or damaged, under any name and
encoding, raise nothing but a one-line W2VError. Valid text round-trips: the encoded ids decode
back to the in-vocabulary tokens of each line, one sentence per line that keeps a token (long
lines cut into pieces), whatever the white space, line endings, compression and number of files.

W2V_FUZZ_EXAMPLES=10000 for a long fuzz run (as in test_vectors); the default keeps the suite quick.
"""

import bz2
import collections
import gzip
import lzma
import os
import tempfile
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from w2v.text import corpus as corpus_module
from w2v.text import sources as sources_module
from w2v.text.corpus import scan
from w2v.text.sources import TextSource
from w2v.errors import W2VError
from w2v.files import file_kind

FUZZ_EXAMPLES = int(os.environ.get("W2V_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=FUZZ_EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

COMPRESSORS = {".txt": None, ".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress}
SUFFIXES = sorted(COMPRESSORS)
ENCODINGS = ["utf-8", "latin-1", "cp1252", "ascii", "utf-16", "shift_jis"]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """One folder for all examples (hypothesis reruns the test body; each example gets a
    subfolder that is removed after it)."""
    return tmp_path_factory.mktemp("corpus-fuzz")


def compressed(data, suffix):
    return COMPRESSORS[suffix](data) if COMPRESSORS[suffix] else data


def read_corpus(path, index, **options):
    """Scan and encode the corpus at `path`: (Counter of words, sentences as lists of ids)."""
    source = TextSource(str(path), **options)
    with tempfile.TemporaryDirectory(dir=os.path.dirname(path)) as cache_dir:
        scanned = scan(source, os.path.join(cache_dir, "ids"))
        counts = collections.Counter(dict(zip(scanned.words, scanned.counts.tolist())))
        encoded = scanned.encode(index)
        tokens, offsets = encoded.tokens.tolist(), encoded.offsets.tolist()
    return counts, [tokens[a:b] for a, b in zip(offsets, offsets[1:])]


# ----- arbitrary bytes: a clear W2VError or nothing -----------------------------------------------


@st.composite
def damaged_files(draw):
    """(file name, bytes): any bytes or text, maybe compressed, maybe cut short, maybe with bytes
    overwritten, under a name that usually (not always) matches the compression."""
    text = draw(st.binary(max_size=600) | st.text(max_size=300).map(str.encode))
    wrapper = draw(st.sampled_from(SUFFIXES))
    data = compressed(text, wrapper)
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    for _ in range(draw(st.integers(0, 3))):
        if data:
            position = draw(st.integers(0, len(data) - 1))
            data = data[:position] + bytes([draw(st.integers(0, 255))]) + data[position + 1 :]
    suffix = wrapper if draw(st.integers(0, 3)) else draw(st.sampled_from(SUFFIXES))
    return "corpus" + suffix, data


@FUZZ
@given(damaged_files(), st.sampled_from(ENCODINGS), st.sampled_from(["strict", "replace"]),
       st.booleans())
def test_any_bytes_give_words_or_one_clear_error(scratch, file, encoding, errors, lowercase):
    name, data = file
    with tempfile.TemporaryDirectory(dir=scratch) as folder:
        path = os.path.join(folder, name)
        with open(path, "wb") as handle:
            handle.write(data)
        try:
            read_corpus(path, {"a": 0, "the": 1}, encoding=encoding, errors=errors,
                        lowercase=lowercase)
        except W2VError as exc:
            message = str(exc)
            assert "\n" not in message and path in message, message


@FUZZ
@given(st.binary(max_size=2000))
def test_plain_bytes_with_errors_replace_are_read_unless_they_are_not_text(scratch, data):
    with tempfile.TemporaryDirectory(dir=scratch) as folder:
        path = os.path.join(folder, "corpus.txt")
        with open(path, "wb") as handle:
            handle.write(data)
        if file_kind(path) != "text":  # NUL bytes, vectors, JSON, a pickle: never trained on
            with pytest.raises(W2VError, match=f"{path} is .*, not a text corpus"):
                read_corpus(path, {}, errors="replace")
            return
        counts, _ = read_corpus(path, {}, errors="replace")
    expected = collections.Counter(data.decode("utf-8", "replace").removeprefix("\ufeff").split())
    assert counts == expected


# ----- valid text round-trips -------------------------------------------------------------------

# tokens: no white space of any kind (str.split's idea of it), no surrogates
TOKEN_CHARS = st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc"))
TOKENS = st.sampled_from(["the", "a", "cat", "sat", "The", "Über", "日本"]) | st.text(
    TOKEN_CHARS, min_size=1, max_size=6
).filter(lambda token: len(token.split()) == 1 and token.split()[0] == token
         and not token.startswith("\ufeff"))  # at the start of a file that is a byte-order mark
SEPARATORS = st.text(st.sampled_from(" \t\x0b\x0c\u00a0\u3000\u2028\x1c"), min_size=1, max_size=3)
LINE_ENDS = st.sampled_from(["\n", "\r\n", "\r"])


@st.composite
def corpora(draw):
    """(files as (suffix, text), the lines of tokens they hold, in reading order)."""
    lines = draw(st.lists(st.lists(TOKENS, max_size=12), max_size=25))
    n_files = draw(st.integers(1, 3)) if lines else 1
    cuts = sorted(draw(st.lists(st.integers(0, len(lines)), min_size=n_files - 1,
                                max_size=n_files - 1)))
    files = []
    for first, last in zip([0, *cuts], [*cuts, len(lines)]):
        text = "".join(_render(draw, tokens) for tokens in lines[first:last])
        if text and draw(st.booleans()):
            text = text.rstrip("\r\n")  # the last line without its line end
        files.append((draw(st.sampled_from(SUFFIXES)), "\ufeff" * draw(st.booleans()) + text))
    return files, lines


def _render(draw, tokens):
    """One line: the tokens between white space, maybe some before and after too."""
    before = draw(SEPARATORS) if draw(st.booleans()) else ""
    after = draw(SEPARATORS) if draw(st.booleans()) else ""
    separators = [draw(SEPARATORS) for _ in tokens[1:]]
    middle = tokens[0] if tokens else ""
    for separator, token in zip(separators, tokens[1:]):
        middle += separator + token
    return before + middle + after + draw(LINE_ENDS)


def expected_sentences(lines, index, max_length):
    sentences = []
    for tokens in lines:
        ids = [index[token] for token in tokens if token in index]
        sentences += [ids[i : i + max_length] for i in range(0, len(ids), max_length)]
    return sentences


@FUZZ
@given(corpora(), st.integers(1, 3), st.integers(1, 5), st.integers(1, 8), st.booleans())
def test_valid_text_round_trips(scratch, corpus, min_count, max_length, chunk, lowercase):
    files, lines = corpus
    if lowercase:
        lines = [[token.lower() for token in tokens] for tokens in lines]
    counts = collections.Counter(token for tokens in lines for token in tokens)
    vocabulary = sorted(word for word, count in counts.items() if count >= min_count)
    index = {word: i for i, word in enumerate(vocabulary)}
    with tempfile.TemporaryDirectory(dir=scratch) as folder, \
            mock.patch.object(corpus_module, "MAX_SENTENCE_LENGTH", max_length), \
            mock.patch.object(sources_module, "_BLOCK_BYTES", chunk), \
            mock.patch.multiple(corpus_module, _REMAP_TOKENS=chunk,
                                _TABLE_SLOTS=2, _POOL_BYTES=chunk):
        for number, (suffix, text) in enumerate(files):
            with open(os.path.join(folder, f"part{number}{suffix}"), "wb") as handle:
                handle.write(compressed(text.encode("utf-8"), suffix))
        path = os.path.join(folder, "part0" + files[0][0]) if len(files) == 1 else folder
        read_counts, sentences = read_corpus(path, index, lowercase=lowercase)
    assert read_counts == counts
    assert sentences == expected_sentences(lines, index, max_length)
    words = [[vocabulary[i] for i in sentence] for sentence in sentences]
    assert sum(words, []) == [token for tokens in lines for token in tokens if token in index]
