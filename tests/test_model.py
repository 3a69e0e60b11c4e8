"""Training from Python: the model `train` hands back, its `save`, the epoch loop on its own, and
errors that name parameters as Python callers know them."""

import json

import numpy as np
import pytest

from w2v.errors import ParameterError, W2VError
from w2v.text.sources import TextSource
from w2v import train
from w2v.training.local import LocalEngine
from w2v.training.options import TrainConfig
from w2v.training.preparation import initial_weights
from w2v.training.run import Position, Run
from w2v.training.vocab import build_vocab
from w2v.vectors import KeyedVectors

CONFIG = dict(epochs=2, dim=8, threads=1, min_count=1, seed=4)


@pytest.fixture(scope="module")
def corpus(planted_corpus):
    return planted_corpus(300, 1)


def test_the_run_loop_runs_with_an_engine_alone_and_gives_train_s_vectors(corpus):
    config = TrainConfig(**CONFIG).validate()
    engine = LocalEngine(config)
    with engine.opened(progress=False):
        scanned = engine.read(TextSource(corpus))
        vocab = build_vocab(scanned.words, scanned.counts, config.min_count)
        W_in, W_out = initial_weights(len(vocab), config)
        position = Position()
        engine.encode(vocab)
        engine.start(vocab, W_in, W_out, position, None)
        Run(engine, config, position, vocab).train()
    assert position.epoch == 2 and len(position.history) == 2
    model = train(corpus, **CONFIG, progress=False)
    assert np.array_equal(W_in, model.wv.vectors) and np.array_equal(W_out, model.output_weights)


@pytest.mark.parametrize("loss", ["neg", "hs"])
def test_saved_model_loads_back_with_its_log(corpus, tmp_path, loss):
    model = train(corpus, loss=loss, **CONFIG, progress=False)
    output = tmp_path / "v.npz"
    model.save(output)
    loaded = KeyedVectors.load(output)
    assert loaded.words == model.wv.words and np.array_equal(loaded.vectors, model.wv.vectors)
    assert loaded.counts.tolist() == model.wv.counts.tolist() and loaded.config["loss"] == loss
    if loss == "hs":  # inner-node rows, one fewer than the words: not output vectors
        assert loaded.output_vectors is None and len(model.output_weights) == len(model.wv) - 1
    else:
        assert np.array_equal(loaded.output_vectors, model.output_weights)
    with open(f"{output}.json", encoding="utf-8") as handle:
        assert json.load(handle) == model.log


def test_errors_name_parameters_as_python_callers_know_them(corpus):
    with pytest.raises(ValueError, match=r"^lr must be > 0 and finite, got -0.1$"):
        TrainConfig(lr=-0.1).validate()
    with pytest.raises(W2VError, match="no word reaches min_count 100000:") as caught:
        train(corpus, **{**CONFIG, "min_count": 100_000}, progress=False)
    assert caught.value.parameters == ("min_count",)
    with pytest.raises(ParameterError, match=r"\(or choose loss hs / softmax\)$") as caught:
        TrainConfig(loss="neg", negative=0).validate()
    assert caught.value.parameters == ("loss", "negative")
