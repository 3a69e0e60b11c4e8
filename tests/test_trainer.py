"""Training end to end: learning on real and planted text, determinism, the train command."""

import json
import os
from pathlib import Path

import numpy as np
import pytest

from w2v import synthetic
from w2v.cli import main
from w2v.text.corpus import Corpus
from w2v import train
from w2v.vectors import KeyedVectors

SHARED = os.environ.get("W2V_SHARED_DATA")
needs_shared = pytest.mark.skipif(not SHARED, reason="W2V_SHARED_DATA is not set")


def write_planted(tmp_path_factory, n_sentences):
    path = tmp_path_factory.mktemp("planted") / f"planted{n_sentences}.txt"
    path.write_text("".join(f"{line}\n" for line in synthetic.generate_corpus(n_sentences, seed=3)))
    return str(path)


@pytest.fixture(scope="module")
def planted_corpus(tmp_path_factory):
    return write_planted(tmp_path_factory, 8000)


@pytest.fixture(scope="module")
def small_planted_corpus(tmp_path_factory):
    return write_planted(tmp_path_factory, 2500)


def mean_group_precision(result):
    scores = synthetic.group_precision(neighbours_of(result), k=5)
    return sum(scores.values()) / len(scores)


def neighbours_of(result):
    vectors = result.wv

    def lookup(word, k):
        return [w for w, _ in vectors.most_similar(word, topn=k)] if word in vectors else None

    return lookup


@pytest.mark.parametrize("arch,loss", [("skipgram", "neg"), ("cbow", "neg"), ("skipgram", "hs"),
                                       ("cbow", "hs"), ("skipgram", "softmax"), ("cbow", "softmax")])
def test_planted_groups_are_nearest_neighbours(planted_corpus, small_planted_corpus, arch, loss):
    softmax = loss == "softmax"  # full softmax costs V exp() per prediction: a smaller run
    lr = {"skipgram": 0.1, "cbow": 0.2}[arch] if softmax else None  # its gradients are smaller
    config = dict(arch=arch, loss=loss, dim=16 if softmax else 100, epochs=5, threads=1, lr=lr)
    result = train(small_planted_corpus if softmax else planted_corpus, **config, progress=False)
    precision = mean_group_precision(result)
    assert precision >= 0.9, f"{arch}/{loss}: within-group precision@5 {precision:.2f} < 0.9"


@needs_shared
def test_loss_goes_down_epoch_over_epoch_on_sst_sentences(tmp_path):
    corpus = tmp_path / "sst.txt"
    lines = Path(SHARED, "sst-stsa", "stsa.fine.train").read_text(encoding="utf-8").splitlines(True)
    corpus.write_text("".join(line.split(" ", 1)[1] for line in lines), encoding="utf-8")
    result = train(str(corpus), epochs=4, threads=1, min_count=3, progress=False)
    losses = [epoch["loss"] for epoch in result.log["epochs"]]
    assert all(a > b for a, b in zip(losses, losses[1:])), f"loss did not decrease: {losses}"


def test_one_thread_and_a_seed_give_bit_identical_vectors(planted_corpus):
    config = dict(epochs=1, threads=1, seed=11)
    first = train(planted_corpus, **config, progress=False)
    second = train(planted_corpus, **config, progress=False)
    assert np.array_equal(first.wv.vectors, second.wv.vectors) and np.array_equal(
        first.output_weights, second.output_weights)
    other = train(planted_corpus, epochs=1, threads=1, seed=12, progress=False)
    assert not np.array_equal(first.wv.vectors, other.wv.vectors)


def test_two_threads_train_as_well(planted_corpus):
    result = train(planted_corpus, epochs=5, threads=2, progress=False)
    assert mean_group_precision(result) >= 0.9


def test_batches_cover_every_sentence_once():
    lengths = np.array([3, 7, 9995, 5, 14990, 1], np.uint16)
    corpus = Corpus("unused", lengths, batch_words=5000)
    sentences, tokens = corpus.batch_sentences, corpus.batch_tokens
    assert sentences[0] == 0 and sentences[-1] == len(lengths) and tokens[-1] == lengths.sum()
    assert all(np.diff(sentences) > 0)
    assert tokens.tolist() == corpus.offsets[sentences].tolist()


@pytest.mark.parametrize("batch_words", [1, 7, 50, 1000])
def test_batches_end_at_the_first_sentence_start_after_each_multiple(batch_words):
    lengths = np.random.default_rng(batch_words).integers(1, 40, 300).astype(np.uint16)
    offsets = Corpus("unused", lengths).offsets
    # each multiple m of batch_words below the total ends a batch at the first start >= m
    multiples = np.arange(batch_words, offsets[-1], batch_words)
    cuts = np.unique(np.searchsorted(offsets, multiples, side="left"))
    expected = [0, *cuts[(cuts > 0) & (cuts < len(lengths))].tolist(), len(lengths)]
    assert Corpus("unused", lengths, batch_words).batch_sentences.tolist() == expected


@pytest.mark.parametrize("extension", [".bin", ".txt", ".npz"])
def test_train_command_writes_vectors_and_log(planted_corpus, tmp_path, extension, capsys):
    output = tmp_path / f"vectors{extension}"
    code = main(["train", planted_corpus, "-o", str(output), "--epochs", "1", "--dim", "16",
                 "--threads", "1", "--quiet"])
    assert code == 0
    vectors = KeyedVectors.load(str(output))
    assert vectors.dim == 16 and vectors.words[0] == "the"
    log = json.loads((tmp_path / f"vectors{extension}.json").read_text())
    assert log["vocab_size"] == len(vectors) and len(log["epochs"]) == 1
    assert log["config"]["dim"] == 16 and log["epochs"][0]["loss"] > 0
    assert "wrote" in capsys.readouterr().out


def test_gensim_loads_trained_vectors(planted_corpus, tmp_path):
    gensim_models = pytest.importorskip("gensim.models")
    for extension, binary in ((".bin", True), (".txt", False)):
        output = tmp_path / f"v{extension}"
        assert main(["train", planted_corpus, "-o", str(output), "--epochs", "1", "--dim", "8",
                     "--threads", "1", "--quiet"]) == 0
        ours = KeyedVectors.load(str(output))
        theirs = gensim_models.KeyedVectors.load_word2vec_format(str(output), binary=binary)
        assert theirs.index_to_key == ours.words
        np.testing.assert_allclose(theirs.vectors, ours.vectors, rtol=1e-6 if binary else 1e-5)


@pytest.mark.parametrize("flags,message", [
    (["--dim", "0"], "dim must be >= 1, got 0"),
    (["--window", "0"], "window must be >= 1"),
    (["--epochs", "0"], "epochs must be >= 1"),
    (["--threads", "0"], "threads must be >= 1"),
    (["--negative", "-1"], "negative must be >= 0"),
    (["--negative", "0"], "needs --negative >= 1"),
    (["--lr", "0"], "lr must be > 0"),
    (["--lr", "nan"], "lr must be > 0 and finite"),
    (["--sample", "-1"], "sample must be >= 0"),
    (["-o", "vectors.csv"], "--output must end with"),
])
def test_impossible_options_are_usage_errors(planted_corpus, flags, message, capsys):
    assert main(["train", planted_corpus, *flags]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_softmax_on_a_huge_vocabulary_is_refused_without_force(tmp_path, capsys):
    corpus = tmp_path / "big.txt"
    words = [f"w{i}" for i in range(30_000)]
    corpus.write_text((" ".join(words) + "\n") * 40)
    assert main(["train", str(corpus), "--loss", "softmax", "-o", str(tmp_path / "v.bin")]) == 2
    assert "--force" in capsys.readouterr().err
