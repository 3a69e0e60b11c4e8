"""Continued training (`init=` / `--init`): old words keep their vectors and counts, new words
join, the tables come from the merged counts; incompatible init models are refused clearly."""

import collections
import json

import numpy as np
import pytest

import w2v
from w2v import synthetic
from w2v.cli import main
from w2v.errors import W2VError
from w2v.training.run import Run
from w2v.training.vocab import Vocab, extend_vocab

NEW_WORD = "donkey"  # an animal the first corpus never mentions


@pytest.fixture(scope="module")
def old_text():
    return [s.split() for s in synthetic.generate_corpus(6000, seed=3) if NEW_WORD not in s.split()]


@pytest.fixture(scope="module")
def new_text():
    return [s.split() for s in synthetic.generate_corpus(3000, seed=4)]


@pytest.fixture(scope="module")
def old_model(old_text):
    return w2v.train(old_text, dim=50, epochs=5, progress=False)


@pytest.fixture(scope="module")
def saved_old_model(old_model, tmp_path_factory):
    path = tmp_path_factory.mktemp("old") / "old.npz"
    old_model.save(path)
    return path


def test_extend_vocab_keeps_old_words_merges_counts_and_adds_frequent_new_words():
    old = Vocab(["the", "cat", "rare"], np.array([10, 4, 5]))  # "rare" is below min_count now
    words = ["cat", "dog", "the", "emu", "yak"]
    counts = np.array([3, 9, 1, 2, 5])
    old_ids = np.array([2, 0, -1])  # "the", "cat", "rare" in `words`
    vocab, old_rows = extend_vocab(old, counts, old_ids, words, min_count=5)
    assert vocab.words == ["the", "dog", "cat", "rare", "yak"]  # by count, ties by word
    assert vocab.counts.tolist() == [11, 9, 7, 5, 5]
    assert old_rows.tolist() == [0, -1, 1, 2, -1]
    capped, _ = extend_vocab(old, counts, old_ids, words, min_count=5, max_vocab=4)
    assert capped.words == ["the", "dog", "cat", "rare"]  # old words all stay


def weights_at_start(monkeypatch, new_text, init):
    """(W_in, W_out, vocab) of a run continuing `init` on `new_text`, as training would start."""
    class Started(Exception):
        pass

    def capture(run, save, every_seconds):
        raise Started(*(W.copy() for W in run.engine.weights()), run.vocab)

    monkeypatch.setattr(Run, "train", capture)
    with pytest.raises(Started) as started:
        w2v.train(new_text, init=init, progress=False)
    return started.value.args


def test_old_words_keep_their_input_and_output_rows_before_training(old_model, new_text,
                                                                     monkeypatch):
    W_in, W_out, vocab = weights_at_start(monkeypatch, new_text, old_model)
    old = old_model.wv
    rows = [vocab.index[word] for word in old.words]
    assert np.array_equal(W_in[rows], old.vectors)
    assert np.array_equal(W_out[rows], old.output_vectors)
    fresh = vocab.index[NEW_WORD]
    assert not W_out[fresh].any()  # a new word starts as word2vec starts every word
    assert 0 < np.abs(W_in[fresh]).max() <= 0.5 / old.dim


def test_a_word_only_the_new_text_has_joins_its_planted_group(old_model, old_text, new_text):
    model = w2v.train(new_text, init=old_model, progress=False)
    assert NEW_WORD not in old_model.wv
    animals = set(synthetic.planted_groups()["animals"])
    neighbours = [word for word, _ in model.wv.most_similar(NEW_WORD, topn=5)]
    assert sum(word in animals for word in neighbours) >= 4, neighbours
    new_counts = collections.Counter(token for sentence in new_text for token in sentence)
    old = old_model.wv
    for word in ("dog", "the", NEW_WORD):
        old_count = old.counts[old.index_of(word)] if word in old else 0
        assert model.wv.counts[model.wv.index_of(word)] == old_count + new_counts[word]
    assert set(old.words) <= set(model.wv.words)
    assert list(model.wv.counts) == sorted(model.wv.counts, reverse=True)
    assert model.log["config"]["dim"] == 50  # the init model's, not the default 100
    assert model.log["epochs"][0]["words"] == sum(
        count for word, count in new_counts.items() if word in model.wv)


def test_the_command_line_continues_from_a_npz_with_the_models_options(saved_old_model, new_text,
                                                                       tmp_path):
    corpus = tmp_path / "new.txt"
    corpus.write_text("".join(" ".join(sentence) + "\n" for sentence in new_text))
    output = tmp_path / "continued.npz"
    assert main(["train", str(corpus), "--init", str(saved_old_model), "-o", str(output),
                 "--epochs", "1", "--threads", "1", "--quiet"]) == 0
    config = json.loads((tmp_path / "continued.npz.json").read_text())["config"]
    assert (config["dim"], config["epochs"], config["threads"]) == (50, 1, 1)
    assert NEW_WORD in w2v.load(output).wv


@pytest.mark.parametrize("make_init,flags,message", [
    ("bin", [], "error: the --init vectors hold no word counts (a word2vec .bin/.txt file keeps "
                "only the vectors): continue from a .npz model"),
    ("npz", ["--dim", "30"], "error: --dim 30 differs from the --init model's 50"),
    ("npz", ["--loss", "softmax"], "error: --loss softmax differs from the --init model's neg"),
    ("npz", ["--read-vocab", "vocab.txt"], "error: --init cannot go with --read-vocab"),
])
def test_an_init_model_that_cannot_continue_is_refused_on_one_line(
        make_init, flags, message, saved_old_model, old_model, tmp_path, capsys):
    init = {"npz": saved_old_model, "bin": tmp_path / "old.bin"}
    if make_init == "bin":
        old_model.save(init["bin"])
    corpus = tmp_path / "new.txt"
    corpus.write_text("a b c\n" * 100)
    code = main(["train", str(corpus), "--init", str(init[make_init]), "-o",
                 str(tmp_path / "out.npz"), "--quiet", *flags])
    err = capsys.readouterr().err
    assert code != 0 and err.count("\n") == 1, err
    assert message in err


def test_hs_carries_the_word_vectors_and_restarts_the_inner_nodes(old_text, new_text,
                                                                   monkeypatch):
    old = w2v.train(old_text, loss="hs", dim=20, epochs=1, progress=False).wv
    assert old.output_vectors is None  # V-1 inner nodes of the old tree: not saved per word

    W_in, W_out, vocab = weights_at_start(monkeypatch, new_text, old)
    assert np.array_equal(W_in[[vocab.index[word] for word in old.words]], old.vectors)
    assert W_out.shape == (len(vocab) - 1, 20) and not W_out.any()


def test_init_in_python_names_the_keyword(old_model):
    with pytest.raises(W2VError, match="dim 30 differs from the init model's 50"):
        w2v.train([["a", "b"]] * 10, init=old_model, dim=30, progress=False)
    with pytest.raises(W2VError, match="init must be a Word2VecModel, KeyedVectors .*or a path"):
        w2v.train([["a", "b"]] * 10, init=42, progress=False)
