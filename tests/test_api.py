"""w2v.train from Python: iterables of sentences, keyword options, callbacks, save and load."""

import numpy as np
import pytest

import w2v
from w2v import synthetic
from w2v.cli import main
from w2v.errors import ParameterError

OPTIONS = dict(dim=20, epochs=2, min_count=2, threads=1, seed=7)
FLAGS = ["--dim", "20", "--epochs", "2", "--min-count", "2", "--threads", "1", "--seed", "7",
         "--quiet"]


@pytest.fixture(scope="module")
def lines():
    return list(synthetic.generate_corpus(1500, seed=3))


@pytest.fixture(scope="module")
def cli_model(lines, tmp_path_factory):
    """`w2v train` on the lines written to a file."""
    folder = tmp_path_factory.mktemp("cli")
    (folder / "corpus.txt").write_text("".join(f"{line}\n" for line in lines))
    assert main(["train", str(folder / "corpus.txt"), "-o", str(folder / "m.npz"), *FLAGS]) == 0
    return w2v.load(folder / "m.npz")


def assert_same_model(a, b):
    assert a.wv.words == b.wv.words
    assert np.array_equal(a.wv.counts, b.wv.counts)
    assert np.array_equal(a.wv.vectors, b.wv.vectors)
    assert np.array_equal(a.wv.output_vectors, b.wv.output_vectors)


@pytest.mark.parametrize("form", ["list of token lists", "one-shot generator", "strings",
                                  "lowercased strings"])
def test_sentences_from_python_train_as_the_same_text_in_a_file(lines, cli_model, form):
    sentences, options = {
        "list of token lists": ([line.split() for line in lines], {}),
        "one-shot generator": ((line.split() for line in lines), {}),
        "strings": (lines, {}),
        "lowercased strings": ([line.upper() for line in lines], {"lowercase": True}),
    }[form]
    model = w2v.train(sentences, progress=False, **OPTIONS, **options)
    assert_same_model(model, cli_model)
    assert model.log["config"]["threads"] == 1


def test_save_and_load_keep_everything(lines, tmp_path):
    model = w2v.train([line.split() for line in lines], progress=False, **OPTIONS)
    model.save(tmp_path / "model.npz")
    loaded = w2v.load(tmp_path / "model.npz")
    assert_same_model(loaded, model)
    assert loaded.wv.config == model.wv.config
    assert loaded.log["epochs"] == model.log["epochs"]


def test_callbacks_are_called_after_every_epoch_with_read_only_vectors(lines):
    seen = []

    def record(progress):
        with pytest.raises(ValueError):
            progress.wv.vectors[0, 0] = 1.0
        seen.append((progress.epoch, progress.end_of_epoch, progress.words, progress.loss,
                     progress.wv.vectors.copy()))

    model = w2v.train([line.split() for line in lines], progress=False, callbacks=[record],
                      **{**OPTIONS, "epochs": 4})
    assert [epoch for epoch, *_ in seen] == [1, 2, 3, 4]
    assert all(end for _, end, *_ in seen)
    words = [done for _, _, done, *_ in seen]
    assert words == [model.log["corpus_tokens"] * e for e in (1, 2, 3, 4)]
    losses = [loss for *_, loss, _ in seen]
    assert losses == [epoch["loss"] for epoch in model.log["epochs"]]
    assert losses[-1] < losses[0]
    assert np.array_equal(seen[-1][-1], model.wv.vectors)
    assert not model.log["stopped_early"]


@pytest.mark.parametrize("signal", [w2v.STOP, True])
def test_a_callback_stops_the_run_with_the_vectors_so_far(lines, signal):
    snapshots = []

    def stop_after_two(progress):
        snapshots.append(progress.wv.vectors.copy())
        return signal if progress.epoch == 2 else None

    model = w2v.train([line.split() for line in lines], progress=False,
                      callbacks=[stop_after_two], **{**OPTIONS, "epochs": 5})
    assert len(snapshots) == 2
    assert [epoch["epoch"] for epoch in model.log["epochs"]] == [1, 2]
    assert model.log["stopped_early"]
    assert np.array_equal(model.wv.vectors, snapshots[-1])


def test_callbacks_every_n_words_run_between_batches(lines):
    calls = []

    def check_still(progress):
        before = progress.wv.vectors.copy()
        np.linalg.norm(progress.wv.vectors @ progress.wv.vectors.T)  # time for a racing kernel
        assert np.array_equal(before, progress.wv.vectors), "training ran during the callback"
        calls.append((progress.epoch, progress.end_of_epoch, progress.words))
        return w2v.STOP if len(calls) == 3 else None

    corpus = [line.split() for line in lines] * 4  # several batches per epoch
    model = w2v.train(corpus, progress=False, callbacks=[check_still], callback_words=12_000,
                      **{**OPTIONS, "threads": 2, "epochs": 3})
    assert [end for _, end, _ in calls] == [False, False, False]
    assert [epoch for epoch, _, _ in calls] == [1, 1, 1]
    assert [words >= 12_000 * (i + 1) for i, (_, _, words) in enumerate(calls)] == [True] * 3
    (epoch,) = model.log["epochs"]  # the unfinished epoch, logged with the words it trained
    assert epoch["words"] == calls[-1][2] < model.log["corpus_tokens"]
    assert model.log["stopped_early"]


@pytest.mark.parametrize("options,message", [
    ({"dims": 10}, r"unknown keyword 'dims' \(did you mean 'dim'\?\)"),
    ({"vector_size": 10}, r"unknown keyword 'vector_size' \(gensim's name; here: 'dim'\)"),
    ({"min_count": 0}, "min_count must be >= 1, got 0"),
    ({"dim": "100"}, "dim must be an integer, got '100'"),
    ({"lr": "fast"}, "lr must be a number, got 'fast'"),
    ({"epochs": True}, "epochs must be an integer, got True"),
    ({"arch": "skip-gram"}, "arch must be one of"),
    ({"callbacks": [42]}, "callbacks must be functions or objects with gensim's callback "
                           r"methods \(on_train_begin, .*\), got 42"),
    ({"callback_words": 0}, "callback_words must be >= 1, got 0"),
])
def test_keyword_errors_are_one_line_and_name_the_keyword(options, message):
    with pytest.raises(ParameterError, match=message) as failure:
        w2v.train([["a", "b"]] * 10, progress=False, **{"min_count": 1, **options})
    assert "\n" not in str(failure.value) and "--" not in str(failure.value)


@pytest.mark.parametrize("sentences,message", [
    ([["a", "b"], ["c", 3]], "corpus: sentence 2 must be a list of str tokens or a string"),
    ([["a", "b"], 7], "corpus: sentence 2 must be a list of str tokens or a string, got 7"),
    ([["new york", "city"]], "corpus: sentence 1: tokens must be non-empty and hold no white"),
    ([["a", ""]], "tokens must be non-empty"),
])
def test_sentences_that_are_not_token_lists_are_refused(sentences, message):
    with pytest.raises(ParameterError, match=message):
        w2v.train(sentences, progress=False, min_count=1)
