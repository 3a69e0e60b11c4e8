"""word2vec C's vocabulary files (--save-vocab, --read-vocab), `w2v vocab`, and a corpus read
from standard input (`w2v train -`)."""

import io
import sys

import numpy as np
import pytest

import w2v
from w2v import synthetic
from w2v.cli import main

FLAGS = ["--dim", "20", "--epochs", "2", "--min-count", "3", "--threads", "1", "--quiet"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("corpus") / "corpus.txt"
    path.write_text("".join(f"{line}\n" for line in synthetic.generate_corpus(1500, seed=5)))
    return path


@pytest.fixture(scope="module")
def trained(corpus, tmp_path_factory):
    """(model, vocabulary file) of `w2v train --save-vocab`."""
    folder = tmp_path_factory.mktemp("trained")
    vocab = folder / "vocab.txt"
    assert main(["train", str(corpus), "-o", str(folder / "m.npz"), "--save-vocab", str(vocab),
                 *FLAGS]) == 0
    return w2v.load(folder / "m.npz"), vocab


def test_save_vocab_writes_word2vec_c_format(trained):
    model, vocab = trained
    expected = "".join(f"{word} {count}\n" for word, count in zip(model.wv.words,
                                                                  model.wv.counts.tolist()))
    assert vocab.read_text() == expected
    counts = [int(line.split()[1]) for line in vocab.read_text().splitlines()]
    assert counts == sorted(counts, reverse=True) and min(counts) >= 3


def test_read_vocab_of_the_same_corpus_trains_the_same_vectors(corpus, trained, tmp_path):
    model, vocab = trained
    output = tmp_path / "again.npz"
    assert main(["train", str(corpus), "-o", str(output), "--read-vocab", str(vocab),
                 *FLAGS]) == 0
    again = w2v.load(output)
    assert again.wv.words == model.wv.words
    assert np.array_equal(again.wv.vectors, model.wv.vectors)


def test_read_vocab_words_and_counts_replace_the_corpus_counts(corpus, trained, tmp_path):
    model, _ = trained
    chosen = tmp_path / "chosen.txt"  # made-up counts; "zebra" is not in the corpus
    chosen.write_text("dog 50\ncat 40\nthe 30\nhorse 20\nzebra 10\nrare 2\n")
    output = tmp_path / "chosen.npz"
    assert main(["train", str(corpus), "-o", str(output), "--read-vocab", str(chosen),
                 *FLAGS]) == 0
    read = w2v.load(output).wv
    assert read.words == ["dog", "cat", "the", "horse", "zebra"]  # "rare" is below --min-count
    assert read.counts.tolist() == [50, 40, 30, 20, 10]
    assert w2v.load(output).log["epochs"][0]["words"] == sum(
        model.wv.counts[model.wv.index_of(word)] for word in ("dog", "cat", "the", "horse"))


@pytest.mark.parametrize("content,message", [
    ("dog 5\ncat five\n", "vocab.txt, line 2: expected `word count`"),
    ("dog 5\ncat 3\ndog 1\n", "vocab.txt, line 3: 'dog' is listed twice (first on line 1)"),
    ("\n", "lists no words"),
])
def test_a_bad_vocabulary_file_is_refused_on_one_line(corpus, tmp_path, capsys, content, message):
    (tmp_path / "vocab.txt").write_text(content)
    code = main(["train", str(corpus), "-o", str(tmp_path / "m.npz"), "--read-vocab",
                 str(tmp_path / "vocab.txt"), *FLAGS])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and message in err, err


def test_vocab_command_lists_what_save_vocab_wrote(trained, tmp_path, capsys):
    model, vocab = trained
    model.save(tmp_path / "m.npz")
    assert main(["vocab", str(tmp_path / "m.npz")]) == 0
    assert capsys.readouterr().out == vocab.read_text()
    assert main(["vocab", str(tmp_path / "m.npz"), "--head", "3"]) == 0
    assert capsys.readouterr().out == "".join(vocab.read_text().splitlines(True)[:3])


def test_vocab_command_on_a_file_without_counts_lists_the_words_and_says_so(trained, tmp_path,
                                                                             capsys):
    model, _ = trained
    model.save(tmp_path / "m.bin")
    assert main(["vocab", str(tmp_path / "m.bin"), "--head", "2"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "".join(f"{word}\n" for word in model.wv.words[:2])
    assert "holds no word counts" in captured.err


def test_a_corpus_piped_to_standard_input_trains_as_the_file(corpus, trained, tmp_path,
                                                              monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(corpus.read_bytes())))
    assert main(["train", "-", "-o", str(tmp_path / "piped.npz"), *FLAGS]) == 0
    piped, (model, _) = w2v.load(tmp_path / "piped.npz"), trained
    assert piped.wv.words == model.wv.words
    assert np.array_equal(piped.wv.vectors, model.wv.vectors)
