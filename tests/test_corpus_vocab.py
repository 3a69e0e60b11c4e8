"""Corpus reading/encoding and the vocabulary tables."""

import bz2
import collections
import gzip
import lzma

import numpy as np
import pytest

from w2v import corpus as corpus_module
from w2v.corpus import TextSource, count_words, encode
from w2v.errors import W2VError
from w2v.vocab import alias_table, build_vocab, huffman_tree, keep_probabilities


def write(path, text, opener=open):
    with opener(path, "wt", encoding="utf-8") as handle:
        handle.write(text)
    return str(path)


@pytest.mark.parametrize("suffix,opener", [(".txt", open), (".gz", gzip.open),
                                           (".bz2", bz2.open), (".xz", lzma.open)])
def test_reads_plain_and_compressed_files(tmp_path, suffix, opener):
    path = write(tmp_path / f"c{suffix}", "a b a\n\nc a\n", opener)
    assert count_words(TextSource(path)) == collections.Counter({"a": 3, "b": 1, "c": 1})


def test_directory_reads_every_file_sorted_and_lowercases(tmp_path):
    write(tmp_path / "2.txt", "B c\n")
    write(tmp_path / "1.txt", "A b\n")
    assert list(TextSource(str(tmp_path), lowercase=True).lines()) == ["a b\n", "b c\n"]


def test_encode_drops_unknown_words_and_empty_lines(tmp_path):
    path = write(tmp_path / "c.txt", "x a y b\n\nzz\nb a\n")
    result = encode(TextSource(path), {"a": 0, "b": 1}, str(tmp_path / "ids"))
    assert result.tokens.tolist() == [0, 1, 1, 0]
    assert result.offsets.tolist() == [0, 2, 4]


def test_long_lines_are_split_not_truncated(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus_module, "MAX_SENTENCE_LENGTH", 4)
    monkeypatch.setattr(corpus_module, "_ENCODE_CHUNK_WORDS", 3)  # chunks cut across lines
    path = write(tmp_path / "c.txt", "a " * 10 + "\nb b\n" + "a " * 8 + "\n")
    result = encode(TextSource(path), {"a": 0, "b": 1}, str(tmp_path / "ids"))
    assert np.diff(result.offsets).tolist() == [4, 4, 2, 2, 4, 4]
    assert result.n_tokens == 20


def test_bad_bytes_name_the_file_and_line(tmp_path):
    path = tmp_path / "c.txt"
    path.write_bytes(b"fine line\nbad \xff byte\n")
    with pytest.raises(W2VError, match=r"c\.txt, line 2: .*--encoding or --errors replace"):
        count_words(TextSource(str(path)))
    assert count_words(TextSource(str(path), errors="replace"))["fine"] == 1


def test_truncated_compressed_file_is_a_clear_error(tmp_path):
    good = tmp_path / "good.gz"
    write(good, "word " * 5000, gzip.open)
    bad = tmp_path / "bad.gz"
    bad.write_bytes(good.read_bytes()[:-30])
    with pytest.raises(W2VError, match="truncated or corrupt"):
        count_words(TextSource(str(bad)))


def test_vocabulary_order_min_count_and_max_vocab():
    counts = collections.Counter({"b": 5, "a": 5, "c": 9, "rare": 1})
    vocab = build_vocab(counts, min_count=2)
    assert vocab.words == ["c", "a", "b"]  # descending count, ties by the word
    assert vocab.counts.tolist() == [9, 5, 5]
    assert build_vocab(counts, min_count=2, max_vocab=2).words == ["c", "a"]


def test_no_word_reaching_min_count_says_what_was_there():
    with pytest.raises(W2VError, match=r"3 distinct words.*'c', occurs 3 times"):
        build_vocab(collections.Counter({"a": 1, "b": 2, "c": 3}), min_count=10)
    with pytest.raises(W2VError, match="empty"):
        build_vocab(collections.Counter())


def test_keep_probabilities_follow_word2vec():
    counts = np.array([10_000, 10, 1], np.int64)
    threshold = 1e-3 * counts.sum()
    keep = keep_probabilities(counts, 1e-3)
    expected = (np.sqrt(counts / threshold) + 1) * threshold / counts
    np.testing.assert_allclose(keep, np.minimum(expected, 1), rtol=1e-6)
    assert keep[0] < keep[1] == keep[2] == 1.0
    assert keep_probabilities(counts, 0).tolist() == [1, 1, 1]


def test_alias_table_reproduces_probabilities_exactly():
    probabilities = np.array([0.4, 0.3, 0.2, 0.05, 0.05])
    accept, alias = alias_table(probabilities)
    recovered = accept.astype(np.float64) / len(probabilities)
    np.add.at(recovered, alias, (1 - accept.astype(np.float64)) / len(probabilities))
    np.testing.assert_allclose(recovered, probabilities, atol=1e-7)


def test_huffman_codes_are_prefix_free_and_optimal():
    counts = np.array([45, 13, 12, 16, 9, 5])
    codes, points, depth = huffman_tree(counts)
    words = ["".join(map(str, codes[w, : depth[w]])) for w in range(len(counts))]
    assert not any(a != b and b.startswith(a) for a in words for b in words)
    assert sum(c * d for c, d in zip(counts, depth)) == 224  # the textbook optimum for these counts
    assert all(0 <= p < len(counts) - 1 for w in range(6) for p in points[w, : depth[w]])
    assert all(points[w, 0] == len(counts) - 2 for w in range(6))  # every path starts at the root
