"""Checkpoints of a training run, and turning Ctrl-C / SIGTERM into a clean stop request.

A checkpoint holds everything a run needs to continue exactly where it stopped: the weights, the
vocabulary, the config, the corpus path and the position (epoch, next batch, the epoch's loss so
far). Random numbers are derived from (seed, epoch, batch), so no generator state is needed:
with one thread, a resumed run gives the same vectors as an uninterrupted one.
"""

import contextlib
import dataclasses
import json
import os
import signal
import threading
import zipfile

import numpy as np

from ..files import atomic_write
from ..errors import W2VError

FORMAT_VERSION = 1


@dataclasses.dataclass
class Checkpoint:
    config: dict  # TrainConfig fields
    corpus: str  # the corpus path the run trains on
    words: list
    counts: np.ndarray  # int64 (V,)
    W_in: np.ndarray  # float32 (V, dim)
    W_out: np.ndarray  # float32
    position: dict  # trainer.Position fields
    extra: dict = dataclasses.field(default_factory=dict)  # caller's data, e.g. the output path


@dataclasses.dataclass
class Checkpointing:
    """Where (and how often) a run saves its checkpoint."""

    path: str  # where to write the checkpoint (atomically)
    every_seconds: float = None  # also save this often (None: only when stopped by a signal)
    extra: dict = dataclasses.field(default_factory=dict)  # stored as is, e.g. the output path

    def write(self, config, corpus, words, counts, W_in, W_out, position):
        """Save a run (`config` and `position` as dicts) to `path`."""
        save(self.path, Checkpoint(config, os.path.abspath(corpus), words, counts, W_in, W_out,
                                   position, self.extra))


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
                 counts=checkpoint.counts, W_in=checkpoint.W_in, W_out=checkpoint.W_out)


def load(path):
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            arrays = {name: data[name] for name in ("words", "counts", "W_in", "W_out")}
    except FileNotFoundError:
        raise W2VError(f"checkpoint {path} does not exist") from None
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        raise W2VError(f"{path} is not a w2v checkpoint or is damaged ({exc})") from None
    if meta.get("format_version") != FORMAT_VERSION:
        raise W2VError(f"{path}: checkpoint format {meta.get('format_version')} is not supported")
    return Checkpoint(meta["config"], meta["corpus"], arrays["words"].tolist(), arrays["counts"],
                      np.ascontiguousarray(arrays["W_in"]), np.ascontiguousarray(arrays["W_out"]),
                      meta["position"], meta.get("extra", {}))


@contextlib.contextmanager
def stop_requests():
    """Yield an Event set by the first SIGINT or SIGTERM; a second one interrupts at once.

    Outside the main thread (where handlers cannot be installed) the Event is never set.
    """
    requested = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield requested
        return

    def handler(signum, frame):
        if requested.is_set():
            raise KeyboardInterrupt
        requested.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield requested
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
