"""Checkpoints of a training run, and turning Ctrl-C / SIGTERM into a clean stop request.

A checkpoint holds everything a run needs to continue exactly where it stopped: the weights, the
vocabulary, the config, the corpus path and the position (epoch, next batch, the epoch's loss so
far). Random numbers are derived from (seed, epoch, batch), so no generator state is needed:
with one thread, a resumed run gives the same vectors as an uninterrupted one.

Ctrl-C (SIGINT) and SIGTERM ask a run to stop at the next batch and save; a second one interrupts
at once, except while a checkpoint is being written (it waits until the file is complete) and
within SAME_REQUEST_SECONDS of the first (the same request twice).
"""

import contextlib
import dataclasses
import json
import math
import os
import signal
import threading
import time
import zipfile

import numpy as np

from ..files import FILE_KINDS, atomic_write, file_kind
from ..errors import W2VError, hint
from ..text.sources import STDIN

FORMAT_VERSION = 1
ARRAY_PREFIX = "extra_"  # the npz names of a Checkpoint's `arrays`
# A repeat this soon after the first stop request is the same request: an impatient double
# Ctrl-C, or `timeout -s INT`, which signals the process and then its whole process group.
SAME_REQUEST_SECONDS = 1.0
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_requested_at = -math.inf  # monotonic time of the last stop request stop_requests() took


@dataclasses.dataclass
class Checkpoint:
    config: dict  # TrainConfig fields
    corpus: str  # the corpus path the run trains on
    words: list
    counts: np.ndarray  # int64 (V,)
    W_in: np.ndarray  # float32 (V, dim)
    W_out: np.ndarray  # float32
    position: dict  # run.Position fields
    extra: dict = dataclasses.field(default_factory=dict)  # caller's data, e.g. the output path
    arrays: dict = dataclasses.field(default_factory=dict)  # caller's arrays by name


@dataclasses.dataclass
class Checkpointing:
    """Where (and how often) a run saves its checkpoint."""

    path: str  # where to write the checkpoint (atomically)
    every_seconds: float = None  # also save this often (None: only when stopped by a signal)
    extra: dict = dataclasses.field(default_factory=dict)  # stored as is, e.g. the output path
    arrays: dict = dataclasses.field(default_factory=dict)  # stored as is, e.g. a cluster's state
    written: dict = None  # the position of the last checkpoint this process wrote

    def write(self, config, corpus, words, counts, W_in, W_out, position):
        """Save a run (`config` and `position` as dicts) to `path`; a SIGINT or SIGTERM arriving
        meanwhile takes effect once the file is complete."""
        with signals_held():
            corpus = corpus if corpus == STDIN else os.path.abspath(corpus)
            save(self.path, Checkpoint(config, corpus, words, counts, W_in, W_out, position,
                                       self.extra, self.arrays))
            self.written = position

    def what_was_kept(self):
        """For a run interrupted at once: what its checkpoint holds; `resume_hint()` says how to
        go on."""
        if self.written is not None:
            where = f"epoch {self.written['epoch'] + 1}, batch {self.written['batch']}"
            return f"interrupted; checkpoint saved to {self.path} ({where})"
        if os.path.exists(self.path):
            return (f"interrupted before a new checkpoint was saved; {self.path} still holds the "
                    "run as it was before")
        return "interrupted before a checkpoint was saved: nothing of this run is kept"

    def resume_hint(self):
        """The Hint to resume the run from this checkpoint, None if nothing of it is kept."""
        if self.written is None and not os.path.exists(self.path):
            return None
        return hint("resume with", "train", resume=self.path)


def save(path, checkpoint):
    meta = {
        "format_version": FORMAT_VERSION,
        "config": checkpoint.config,
        "corpus": checkpoint.corpus,
        "position": checkpoint.position,
        "extra": checkpoint.extra,
    }
    with atomic_write(path, "wb") as handle:
        np.savez(handle, meta=np.array(json.dumps(meta)), words=np.array(checkpoint.words),
                 counts=checkpoint.counts, W_in=checkpoint.W_in, W_out=checkpoint.W_out,
                 **{ARRAY_PREFIX + name: array for name, array in checkpoint.arrays.items()})


def load(path):
    kind = file_kind(path) if os.path.isfile(path) else "checkpoint"
    if kind != "checkpoint":
        raise W2VError(f"{path} is {FILE_KINDS[kind]}, not a w2v checkpoint (a stopped run saves "
                       "its checkpoint as OUTPUT.checkpoint.npz)")
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            arrays = {name: data[name] for name in ("words", "counts", "W_in", "W_out")}
            extra_arrays = {name[len(ARRAY_PREFIX):]: data[name] for name in data.files
                            if name.startswith(ARRAY_PREFIX)}
    except FileNotFoundError:
        raise W2VError(f"checkpoint {path} does not exist") from None
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        raise W2VError(f"{path} is not a w2v checkpoint or is damaged ({exc})") from None
    if meta.get("format_version") != FORMAT_VERSION:
        raise W2VError(f"{path}: checkpoint format {meta.get('format_version')} is not supported")
    return Checkpoint(meta["config"], meta["corpus"], arrays["words"].tolist(), arrays["counts"],
                      np.ascontiguousarray(arrays["W_in"]), np.ascontiguousarray(arrays["W_out"]),
                      meta["position"], meta.get("extra", {}), extra_arrays)


@contextlib.contextmanager
def stop_requests():
    """Yield an Event set by the first SIGINT or SIGTERM; a second one raises KeyboardInterrupt
    unless it comes within SAME_REQUEST_SECONDS of the first.

    Outside the main thread (where handlers cannot be installed) the Event is never set.
    """
    requested = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield requested
        return

    def handler(signum, frame):
        global _requested_at
        if not requested.is_set():
            requested.set()
            _requested_at = time.monotonic()
        elif not repeats_a_stop_request():
            raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, handler) for sig in _STOP_SIGNALS}
    try:
        yield requested
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def repeats_a_stop_request():
    """Whether a signal arriving now repeats a stop request made within SAME_REQUEST_SECONDS:
    the run is stopping already (and will say so), whoever handles the signal."""
    return time.monotonic() - _requested_at < SAME_REQUEST_SECONDS


@contextlib.contextmanager
def signals_held():
    """Run the block (writing a file) with SIGINT and SIGTERM held back: each one arriving
    meanwhile is delivered when the block is over, to the handler in force before it, so that a
    second Ctrl-C cannot cut a checkpoint short. Outside the main thread the block just runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = []
    previous = {sig: signal.signal(sig, lambda signum, frame: held.append(signum))
                for sig in _STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
        for signum in held:
            signal.raise_signal(signum)
