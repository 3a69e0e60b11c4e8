"""A gensim Word2Vec model continues training here (`--init g.model`, `init=`): its vectors, its
output weights (negative sampling), its counts and the settings that map onto ours are taken, and
the vocabulary grows as gensim's `build_vocab(update=True)` grows it."""

import collections

import numpy as np
import pytest

import w2v
from w2v import synthetic
from w2v.cli import main
from w2v.errors import ParameterError, W2VError

gensim_models = pytest.importorskip("gensim.models")

TINY_LR = 1e-7  # so small that a continued run leaves the weights where the model had them


def sentences(n, seed):
    return [line.split() for line in synthetic.generate_corpus(n, seed=seed)]


@pytest.fixture(scope="module", params=["cbow-neg", "skipgram-hs"])
def gensim_model(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("gensim-continue")
    loss = {"sg": 0, "hs": 0, "negative": 7} if request.param == "cbow-neg" else \
        {"sg": 1, "hs": 1, "negative": 0}
    model = gensim_models.Word2Vec(sentences(1500, seed=1), vector_size=16, window=3,
                                   min_count=3, workers=1, seed=1, epochs=1, **loss)
    model.save(str(folder / "g.model"))
    new_text = ["zebra crossing " + " ".join(s) for s in sentences(500, seed=2)]
    (folder / "new.txt").write_text("".join(line + "\n" for line in new_text))
    return model, folder


def test_the_command_line_continues_a_gensim_model_from_its_weights(gensim_model, capsys):
    model, folder = gensim_model
    output = folder / "continued.npz"
    assert main(["train", str(folder / "new.txt"), "--init", str(folder / "g.model"), "-o",
                 str(output), "--lr", str(TINY_LR), "--quiet"]) == 0, capsys.readouterr().err
    continued = w2v.load(output)
    config = continued.log["config"]
    assert (config["arch"], config["loss"]) == (("cbow", "neg") if model.negative else
                                                ("skipgram", "hs"))
    assert (config["dim"], config["window"], config["min_count"], config["epochs"]) == (16, 3, 3, 1)
    if model.negative:
        assert config["negative"] == 7
    rows = [continued.wv.key_to_index[word] for word in model.wv.index_to_key]
    np.testing.assert_allclose(continued.wv.vectors[rows], model.wv.vectors, atol=1e-4)
    if model.negative:  # the output weights go on from gensim's syn1neg
        np.testing.assert_allclose(continued.wv.output_vectors[rows], model.syn1neg, atol=1e-4)
        assert np.abs(model.syn1neg).max() > 1e-2


def test_the_vocabulary_grows_as_gensims_update_grows_it(gensim_model):
    model, folder = gensim_model
    new = [line.split() for line in (folder / "new.txt").read_text().splitlines()]
    continued = w2v.train(str(folder / "new.txt"), init=model, progress=False)  # the object
    theirs = gensim_models.Word2Vec.load(str(folder / "g.model"))
    theirs.build_vocab(new, update=True)
    expected = {word: theirs.wv.get_vecattr(word, "count") for word in theirs.wv.index_to_key}
    ours = dict(zip(continued.wv.words, continued.wv.counts.tolist()))
    assert ours == expected and {"zebra", "crossing"} <= set(ours)
    counted = collections.Counter(token for sentence in new for token in sentence)
    assert ours["horse"] == model.wv.get_vecattr("horse", "count") + counted["horse"]


def test_gensim_keyed_vectors_alone_cannot_continue(gensim_model, tmp_path):
    model, _ = gensim_model
    model.wv.save(str(tmp_path / "g.kv"))
    with pytest.raises((ParameterError, W2VError),
                       match="no output weights per word|no word counts") as refused:
        w2v.train(sentences(50, seed=3), init=str(tmp_path / "g.kv"), progress=False)
    assert "gensim Word2Vec .model" in str(refused.value)
