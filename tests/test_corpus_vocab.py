"""Corpus reading/encoding and the vocabulary tables."""

import bz2
import collections
import gzip
import lzma

import numpy as np
import pytest

from w2v.text import corpus as corpus_module
from w2v.text import sources as sources_module
from w2v.text.corpus import scan
from w2v.text.sources import UNICODE_SPACES, TextSource
from w2v.errors import W2VError
from w2v.training.vocab import alias_table, build_vocab, huffman_tree, keep_probabilities


def write(path, text, opener=open):
    with opener(path, "wt", encoding="utf-8") as handle:
        handle.write(text)
    return str(path)


def word_counts(path, **options):
    scanned = scan(TextSource(str(path), **options), str(path) + ".ids")
    return dict(zip(scanned.words, scanned.counts.tolist()))


def encoded(path, index, **options):
    return scan(TextSource(str(path), **options), str(path) + ".ids").encode(index)


@pytest.mark.parametrize("suffix,opener", [(".txt", open), (".gz", gzip.open),
                                           (".bz2", bz2.open), (".xz", lzma.open)])
def test_reads_plain_and_compressed_files(tmp_path, suffix, opener):
    path = write(tmp_path / f"c{suffix}", "a b a\n\nc a\n", opener)
    assert word_counts(path) == {"a": 3, "b": 1, "c": 1}


def test_directory_reads_every_file_sorted_and_lowercases(tmp_path):
    write(tmp_path / "2.txt", "B c\n")
    write(tmp_path / "1.txt", "A b")  # the last line of a file ends with the file
    blocks = TextSource(str(tmp_path), lowercase=True).blocks()
    assert b"".join(block or b"|" for block in blocks) == b"a b|b c\n|"  # None ends a file
    result = encoded(tmp_path, {"a": 0, "b": 1, "c": 2}, lowercase=True)
    assert result.tokens.tolist() == [0, 1, 1, 2] and result.offsets.tolist() == [0, 2, 4]


def test_encode_drops_unknown_words_and_empty_lines(tmp_path):
    path = write(tmp_path / "c.txt", "x a y b\n\nzz\nb a\n")
    result = encoded(path, {"a": 0, "b": 1})
    assert result.tokens.tolist() == [0, 1, 1, 0]
    assert result.offsets.tolist() == [0, 2, 4]


def test_encoded_corpus_reads_sentence_lengths_from_its_cache(tmp_path):
    lines = [" ".join(f"w{(i * 7 + j) % 50}" for j in range(1 + i % 13)) for i in range(400)]
    path = write(tmp_path / "c.txt", "\n".join(lines))
    result = encoded(path, {f"w{i}": i for i in range(50)})
    lengths = np.array([len(line.split()) for line in lines], np.uint16)
    assert result.lengths is None and result.longest == 13 and result.n_sentences == 400
    assert result.offsets.tolist() == [0, *np.cumsum(lengths).tolist()]
    on_disk = corpus_module.Corpus(result.path, None, 100, lengths_at=result.lengths_at)
    in_memory = corpus_module.Corpus(result.path, lengths, 100)
    assert on_disk.n_batches == in_memory.n_batches > 20
    for index in range(on_disk.n_batches):
        tokens, starts = on_disk.batch(index)
        expected_tokens, expected_starts = in_memory.batch(index)
        assert tokens.tolist() == expected_tokens.tolist()
        assert starts.tolist() == expected_starts.tolist()


def test_splits_at_unicode_white_space_as_str_split_does(tmp_path):
    everything = [chr(c) for c in range(128, 0x110000) if chr(c).isspace()]
    assert list(UNICODE_SPACES) == everything
    text = "a" + "a".join(everything) + "\u00e9t\u00e9\r\nb\x1cc\x0bd\re"
    path = write(tmp_path / "c.txt", text)
    assert word_counts(path) == collections.Counter(text.split())
    result = encoded(path, {"a": 0, "b": 1, "c": 2, "d": 3, "e": 4})
    n = len(everything)  # "a" before each white space character, "été" after the last
    assert result.offsets.tolist() == [0, n, n + 3, n + 4]


def test_blocks_and_table_growth_change_nothing(tmp_path, monkeypatch):
    words = [f"w{i % 997}\u00fc" * (1 + i % 3) for i in range(20_000)]
    text = "\n".join(" ".join(words[i : i + 7]) for i in range(0, len(words), 7))
    path = write(tmp_path / "c.txt", text)
    index = {word: i for i, word in enumerate(sorted(set(words)))}
    expected = encoded(path, index)
    monkeypatch.setattr(sources_module, "_BLOCK_BYTES", 37)
    monkeypatch.setattr(corpus_module, "_REMAP_TOKENS", 5)
    monkeypatch.setattr(corpus_module, "_TABLE_SLOTS", 2)
    monkeypatch.setattr(corpus_module, "_POOL_BYTES", 1)
    assert word_counts(path) == collections.Counter(words)
    result = encoded(path, index)
    assert result.tokens.tolist() == expected.tokens.tolist() == [index[w] for w in words]
    assert result.offsets.tolist() == expected.offsets.tolist()


def test_long_lines_are_split_not_truncated(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus_module, "MAX_SENTENCE_LENGTH", 4)
    monkeypatch.setattr(corpus_module, "_REMAP_TOKENS", 3)  # rewritten in pieces cut across lines
    path = write(tmp_path / "c.txt", "a " * 10 + "\nb b\n" + "a " * 8 + "\n")
    result = encoded(path, {"a": 0, "b": 1})
    assert np.diff(result.offsets).tolist() == [4, 4, 2, 2, 4, 4]
    assert result.n_tokens == 20


def test_bad_bytes_name_the_file_and_line(tmp_path):
    path = tmp_path / "c.txt"
    path.write_bytes(b"fine line\nbad \xff byte\n")
    with pytest.raises(W2VError, match=r"c\.txt, line 2: .*pass encoding or errors replace"):
        word_counts(path)
    assert word_counts(path, errors="replace")["fine"] == 1


def test_truncated_compressed_file_is_a_clear_error(tmp_path):
    good = tmp_path / "good.gz"
    write(good, "word " * 5000, gzip.open)
    bad = tmp_path / "bad.gz"
    bad.write_bytes(good.read_bytes()[:-30])
    with pytest.raises(W2VError, match="truncated or corrupt"):
        word_counts(bad)


def test_vocabulary_order_min_count_and_max_vocab():
    words, counts = ["b", "a", "c", "rare"], [5, 5, 9, 1]
    vocab = build_vocab(words, counts, min_count=2)
    assert vocab.words == ["c", "a", "b"]  # descending count, ties by the word
    assert vocab.counts.tolist() == [9, 5, 5]
    assert build_vocab(words, counts, min_count=2, max_vocab=2).words == ["c", "a"]


def test_no_word_reaching_min_count_says_what_was_there():
    with pytest.raises(W2VError, match=r"3 distinct words.*'c', occurs 3 times"):
        build_vocab(["a", "b", "c"], [1, 2, 3], min_count=10)
    with pytest.raises(W2VError, match="empty"):
        build_vocab([], [])


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
