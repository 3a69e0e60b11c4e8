"""Stopping a real `w2v train` process with SIGINT, resuming it, and checkpoint files."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from w2v.training import checkpoint
from w2v.cli import main
from w2v.errors import hint
from w2v import synthetic
from w2v.synthetic import default_corpus_path
from w2v.vectors import KeyedVectors

TRAIN = [sys.executable, "-m", "w2v", "train", "--threads", "1", "--seed", "5", "--epochs", "3",
         "--dim", "32"]


# `w2v train` in a process that sends itself SIGINT, as Ctrl-C would, once batch 3 of epoch 2
# is trained: a position, not a delay, so the test holds on machines of any speed
INTERRUPTED_AT_A_BATCH = """
import os, signal, sys
from w2v.cli import main
from w2v.training.run import Run

account = Run.account

def account_then_interrupt(run, *result):
    account(run, *result)
    if (run.position.epoch, run.position.batch) == (1, 3):
        os.kill(os.getpid(), signal.SIGINT)

Run.account = account_then_interrupt
sys.exit(main(sys.argv[1:]))
"""


def run_until_interrupted(corpus, output):
    """Train, stopped by SIGINT in epoch 2; return (exit code, stderr)."""
    process = subprocess.run([sys.executable, "-c", INTERRUPTED_AT_A_BATCH, *TRAIN[3:], corpus,
                              "-o", output], capture_output=True, text=True, timeout=300)
    return process.returncode, process.stderr


def test_interrupted_and_resumed_run_equals_uninterrupted_run(tmp_path):
    corpus = default_corpus_path()
    reference = tmp_path / "reference.bin"
    subprocess.run([*TRAIN, corpus, "-o", str(reference), "--quiet"], check=True)

    output = tmp_path / "resumed.bin"
    code, err = run_until_interrupted(corpus, str(output))
    assert code == 130, f"expected a stop on SIGINT (exit 130), got {code}: {err[-500:]}"
    saved = str(output) + ".checkpoint.npz"
    assert f"resume with: w2v train --resume {saved}" in err
    assert not output.exists(), "an interrupted run must not write the vectors file"
    stopped_at = checkpoint.load(saved).position
    # the stop lands after the batches already in flight (at most 2 per thread) finish
    assert stopped_at["epoch"] == 1 and 3 <= stopped_at["batch"] <= 3 + 2

    resumed = subprocess.run([sys.executable, "-m", "w2v", "train", "--resume", saved, "--quiet"],
                             capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert not os.path.exists(saved), "a finished run removes its checkpoint"
    expected, got = KeyedVectors.load(str(reference)), KeyedVectors.load(str(output))
    assert got.words == expected.words
    assert np.array_equal(got.vectors, expected.vectors), "resumed run differs from uninterrupted"


def test_checkpoint_round_trip(tmp_path):
    original = checkpoint.Checkpoint(
        {"dim": 2}, "/corpus.txt", ["a", "b"], np.array([3, 1]), np.ones((2, 2), np.float32),
        np.zeros((2, 2), np.float32), {"epoch": 1, "batch": 7}, {"output": "/v.bin"})
    checkpoint.save(tmp_path / "c.npz", original)
    loaded = checkpoint.load(tmp_path / "c.npz")
    assert loaded.words == ["a", "b"] and loaded.position == original.position
    assert loaded.extra == original.extra and np.array_equal(loaded.W_in, original.W_in)


@pytest.mark.parametrize("content", [b"", b"not a checkpoint", b"PK\x03\x04broken zip"])
def test_damaged_checkpoint_is_a_clear_error(tmp_path, content, capsys):
    path = tmp_path / "c.npz"
    path.write_bytes(content)
    assert main(["train", "--resume", str(path)]) == 1
    err = capsys.readouterr().err
    assert "not a w2v checkpoint" in err and len(err.strip().splitlines()) == 1


def test_missing_checkpoint_is_a_clear_error(tmp_path, capsys):
    assert main(["train", "--resume", str(tmp_path / "nope.npz")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_periodic_checkpoints_are_written(tmp_path, monkeypatch):
    from w2v.training import pipeline
    from w2v.training.options import RunOptions

    saved_positions = []
    real_save = checkpoint.save
    monkeypatch.setattr(checkpoint, "save", lambda path, c: saved_positions.append(c.position)
                        or real_save(path, c))
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c d e f g h\n" * 3000)
    config = dict(epochs=2, threads=1, min_count=1, dim=8)
    checkpointing = checkpoint.Checkpointing(str(tmp_path / "ck.npz"), every_seconds=0.0)
    result = pipeline.train(str(corpus), config, RunOptions(progress=False),
                            checkpointing=checkpointing)
    assert len(saved_positions) >= 2 and len(result.log["epochs"]) == 2


def test_weights_survive_a_failed_write_and_resume_writes_them(tmp_path, monkeypatch, capsys):
    from w2v.errors import W2VError

    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c d e f g h\n" * 500)
    output = tmp_path / "v.bin"
    args = ["train", str(corpus), "-o", str(output), "--min-count", "1", "--dim", "8",
            "--epochs", "1", "--threads", "1", "--quiet", "--sample", "0"]

    def full_disk(self, path, format=None):
        raise W2VError(f"cannot write {path}: disk full")

    monkeypatch.setattr(KeyedVectors, "save", full_disk)
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "disk full; the trained weights are saved in" in err and len(err.splitlines()) == 1
    monkeypatch.undo()

    saved = str(output) + ".checkpoint.npz"
    assert main(["train", "--resume", saved, "--quiet"]) == 0
    assert not os.path.exists(saved)
    assert main([*args, "-o", str(tmp_path / "again.bin")]) == 0  # same seed, one thread
    again = KeyedVectors.load(str(tmp_path / "again.bin"))
    assert np.array_equal(KeyedVectors.load(str(output)).vectors, again.vectors)


def test_vectors_larger_than_memory_are_refused_before_training(tmp_path, capsys):
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c\n" * 10)
    assert main(["train", str(corpus), "--min-count", "1", "--dim", "100000000000",
                 "-o", str(tmp_path / "v.bin")]) == 2
    assert "GiB for the vectors" in capsys.readouterr().err


# ----- a double Ctrl-C (or `timeout -s INT`, which signals the process and its group) ----------


def interrupt_twice(argv, after, gap=0.02):
    """Run `w2v train ARGV`, and once a stderr line starts with `after`, send SIGINT twice,
    `gap` seconds apart: the second arrives while the first is handled, the checkpoint being
    written; return (exit code, last stderr line)."""
    process = subprocess.Popen([sys.executable, "-m", "w2v", "train", *argv],
                               stderr=subprocess.PIPE, text=True)
    for line in process.stderr:
        if line.startswith(after):
            break
    process.send_signal(signal.SIGINT)
    time.sleep(gap)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    # a second SIGINT arriving after the run has stopped and said so ends the process by the
    # signal (returncode -2): a shell shows 130 either way
    code = 130 if process.returncode == -signal.SIGINT else process.returncode
    return code, (err.strip().splitlines() or [""])[-1]


def test_two_quick_interrupts_keep_the_checkpoint_of_a_fresh_and_a_resumed_run(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("".join(f"{line}\n" for line in synthetic.generate_corpus(20_000, seed=2)))
    output = tmp_path / "v.bin"
    saved = f"{output}.checkpoint.npz"
    resume_hint = f"resume with: w2v train --resume {saved}"

    code, last = interrupt_twice([str(corpus), "-o", str(output), "--epochs", "4", "--dim", "16",
                                  "--threads", "1"], after="epoch 1/")
    assert code == 130 and "checkpoint saved to" in last and resume_hint in last, last
    first_stop = checkpoint.load(saved).position
    assert first_stop["epoch"] >= 1

    code, last = interrupt_twice(["--resume", saved], after=f"epoch {first_stop['epoch'] + 1}/")
    assert code == 130 and "checkpoint saved to" in last and resume_hint in last, last
    second_stop = checkpoint.load(saved).position
    assert (second_stop["epoch"], second_stop["batch"]) > (first_stop["epoch"],
                                                           first_stop["batch"])

    finished = subprocess.run([sys.executable, "-m", "w2v", "train", "--resume", saved, "--quiet"],
                              capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    assert len(KeyedVectors.load(str(output))) > 100 and not os.path.exists(saved)


def test_a_signal_during_a_checkpoint_write_waits_for_the_file(tmp_path, monkeypatch):
    real_savez = np.savez

    def interrupted_savez(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while the checkpoint is being written
        time.sleep(0.05)
        real_savez(*args, **kwargs)

    monkeypatch.setattr(checkpoint.np, "savez", interrupted_savez)
    checkpointing = checkpoint.Checkpointing(str(tmp_path / "c.npz"))
    position = {"epoch": 1, "batch": 7}
    with pytest.raises(KeyboardInterrupt):  # delivered once the file is complete
        checkpointing.write({"dim": 2}, "/corpus.txt", ["a", "b"], np.array([3, 1]),
                            np.ones((2, 2), np.float32), np.zeros((2, 2), np.float32), position)
    assert checkpoint.load(tmp_path / "c.npz").position == position
    assert os.listdir(tmp_path) == ["c.npz"]


def test_a_run_interrupted_at_once_says_what_its_checkpoint_holds(tmp_path):
    checkpointing = checkpoint.Checkpointing(str(tmp_path / "c.npz"))
    assert checkpointing.what_was_kept() == (
        "interrupted before a checkpoint was saved: nothing of this run is kept")
    assert checkpointing.resume_hint() is None
    checkpointing.write({"dim": 2}, "/corpus.txt", ["a", "b"], np.array([3, 1]),
                        np.ones((2, 2), np.float32), np.zeros((2, 2), np.float32),
                        {"epoch": 1, "batch": 7})
    assert checkpointing.what_was_kept() == (
        f"interrupted; checkpoint saved to {tmp_path / 'c.npz'} (epoch 2, batch 7)")
    assert checkpointing.resume_hint() == hint("resume with", "train", resume=checkpointing.path)
    resumed = checkpoint.Checkpointing(str(tmp_path / "c.npz"))  # a resumed run, not saved yet
    assert "still holds the run as it was before" in resumed.what_was_kept()
    assert resumed.resume_hint() == hint("resume with", "train", resume=resumed.path)
