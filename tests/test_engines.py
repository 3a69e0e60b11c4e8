"""What the one training pipeline gives both engines: each test runs in one process and on a
2-worker Dask LocalCluster (loopback), under the same name."""

import collections
import logging
import os
import signal

import numpy as np
import pytest

from w2v import STOP, synthetic, train
from w2v.text.phrases import detect
from w2v.training import checkpoint
from w2v.training.run import TrainingInterrupted
from w2v.training.vocab import write_vocab_file, Vocab

CONFIG = dict(threads=1, epochs=2, dim=16, min_count=3, seed=7)
SYNC_WORDS = 20_000


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip(
        "distributed", reason="the cluster extra (w2v[dask]) is not installed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address="127.0.0.1:0",
                                  silence_logs=logging.CRITICAL) as cluster, \
            distributed.Client(cluster) as client:
        yield client


@pytest.fixture(params=["one process", "cluster"])
def engine(request):
    """The options that choose the engine."""
    if request.param == "one process":
        return {}
    return {"scheduler": request.getfixturevalue("dask_client"), "sync_words": SYNC_WORDS}


def write_lines(path, lines):
    path.write_text("".join(f"{line}\n" for line in lines))
    return str(path)


@pytest.fixture(scope="module")
def text(tmp_path_factory):
    """Planted sentences, every third ending in "new york" and every fifth in "united states"."""
    lines = [line + (" new york" if i % 3 == 0 else "") + (" united states" if i % 5 == 0 else "")
             for i, line in enumerate(synthetic.generate_corpus(4000, seed=2))]
    return write_lines(tmp_path_factory.mktemp("engines") / "text.txt", lines)


def read_sentences(path):
    with open(path, encoding="utf-8") as handle:
        return [line.split() for line in handle]


def test_phrases_are_joined_while_reading(engine, text, tmp_path):
    model = detect(text, min_count=5, threshold=10.0)
    assert {"new_york", "united_states"} <= {p.text for p in model.passes[0].phrases}
    saved = str(tmp_path / "phrases.json")
    model.save(saved)
    trained = train(text, phrases=saved, **CONFIG, **engine, progress=False)
    counts = collections.Counter(token for sentence in read_sentences(text)
                                 for token in model.apply(sentence))
    expected = {word for word, count in counts.items() if count >= CONFIG["min_count"]}
    assert set(trained.wv.words) == expected
    assert trained.wv.get_vecattr("new_york", "count") == counts["new_york"]


def test_a_callback_stops_the_run_early_with_the_vectors_so_far(engine, text):
    calls = []

    def stop_after_a_while(progress):
        calls.append((progress.words, progress.end_of_epoch, progress.wv.vectors.copy()))
        return STOP if progress.words >= 60_000 else None

    model = train(text, **CONFIG, **engine, callbacks=[stop_after_a_while],
                  callback_words=30_000, progress=False)
    assert model.log["stopped_early"] and len(calls) >= 2
    words, end_of_epoch, seen = calls[-1]
    assert 60_000 <= words < model.log["corpus_tokens"] * CONFIG["epochs"] and not end_of_epoch
    assert sum(epoch["words"] for epoch in model.log["epochs"]) == words
    assert np.array_equal(seen, model.wv.vectors), "the callback saw the vectors returned"
    assert not np.array_equal(calls[0][2], seen), "the vectors moved between two calls"


def test_init_continues_a_model_on_new_text(engine, text, tmp_path):
    old = train(text, **CONFIG, progress=False)
    new_text = write_lines(tmp_path / "new.txt", ["zebra crossing " + line for line in
                                                  synthetic.generate_corpus(1500, seed=9)])
    continued = train(new_text, init=old, epochs=1, **engine, progress=False)
    new_counts = collections.Counter(t for sentence in read_sentences(new_text) for t in sentence)
    assert continued.log["config"]["dim"] == CONFIG["dim"]  # the init model's options
    assert {"zebra", "crossing"} <= set(continued.wv.words) and set(old.wv.words) <= set(
        continued.wv.words)
    for word in ("horse", "violin", "zebra"):
        assert continued.wv.get_vecattr(word, "count") == new_counts[word] + (
            old.wv.get_vecattr(word, "count") if word in old.wv else 0)


@pytest.mark.filterwarnings("ignore:the vectors are barely trained")
def test_a_vocabulary_file_is_read_instead_of_counting_and_written(engine, text, tmp_path):
    listed = Vocab(["horse", "violin", "paris", "missing"], np.array([900, 800, 700, 600]))
    vocab_file = tmp_path / "listed.vocab"
    write_vocab_file(str(vocab_file), listed)
    saved = tmp_path / "saved.vocab"
    model = train(text, read_vocab=str(vocab_file), save_vocab=str(saved), **CONFIG, sample=0,
                  **engine, progress=False)
    assert model.wv.words == listed.words and model.wv.counts.tolist() == [900, 800, 700, 600]
    assert saved.read_text() == vocab_file.read_text()


def test_an_interrupted_run_resumes_to_the_vectors_of_an_uninterrupted_one(engine, text,
                                                                           tmp_path):
    reference = train(text, **CONFIG, **engine, progress=False)
    saved = str(tmp_path / "run.checkpoint.npz")

    def interrupt_once(progress):  # as Ctrl-C in the second epoch, at a unit's boundary
        if progress.epoch == 2 and not progress.end_of_epoch and not os.path.exists(saved):
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(TrainingInterrupted) as stopped:
        train(text, **CONFIG, **engine, checkpoint=saved, callbacks=[interrupt_once],
              callback_words=25_000, progress=False)
    assert stopped.value.hint.options == (("resume", saved),)
    position = checkpoint.load(saved).position
    assert position["epoch"] == 1 and position["batch"] > 0
    cluster = {"scheduler": engine["scheduler"]} if engine else {}
    resumed = train(resume=saved, **cluster, progress=False)
    assert resumed.wv.words == reference.wv.words
    assert np.array_equal(resumed.wv.vectors, reference.wv.vectors)
    assert np.array_equal(resumed.output_weights, reference.output_weights)


@pytest.mark.parametrize("corpus", [[["a", "b"]] * 10, "-"], ids=["sentences", "stdin"])
def test_what_a_cluster_cannot_read_is_refused_before_it_starts(corpus, monkeypatch):
    from w2v.errors import ParameterError
    from w2v.training.cluster import engine

    monkeypatch.setattr(engine, "connect", None)  # starting a cluster would fail here
    with pytest.raises(ParameterError, match="a cluster reads the corpus on every worker"):
        train(corpus, dask_workers=2, progress=False)


def test_gensim_callback_objects_are_called_as_gensim_calls_them(engine, text):
    callbacks = pytest.importorskip("gensim.models.callbacks")

    class Recorder(callbacks.CallbackAny2Vec):  # what gensim users write
        def __init__(self):
            self.calls, self.losses = [], []

        def on_train_begin(self, model):
            self.calls.append("train_begin")

        def on_epoch_begin(self, model):
            self.calls.append("epoch_begin")

        def on_epoch_end(self, model):
            self.calls.append("epoch_end")
            self.losses.append(model.get_latest_training_loss())
            assert model.wv.most_similar("horse", topn=1) and model.epochs == CONFIG["epochs"]

        def on_train_end(self, model):
            self.calls.append("train_end")

    recorder = Recorder()
    model = train(text, **CONFIG, **engine, callbacks=[recorder], progress=False)
    assert recorder.calls == ["train_begin"] + ["epoch_begin", "epoch_end"] * 2 + ["train_end"]
    epochs = model.log["epochs"]  # gensim's loss: summed since training began
    expected = np.cumsum([epoch["loss"] * epoch["pairs"] for epoch in epochs])
    np.testing.assert_allclose(recorder.losses, expected, rtol=1e-9)
