"""What training hands back: the word vectors, the output weights as trained, the training log,
and the end of the run; `save` writes the vectors file and the log beside it."""

import contextlib
import dataclasses
import json
import os

import numpy as np

from ..errors import W2VError, hint
from ..files import atomic_write
from ..vectors import KeyedVectors


@dataclasses.dataclass
class Word2VecModel:
    wv: KeyedVectors  # the word vectors with their counts, config and per-word output vectors
    output_weights: np.ndarray  # W_out as trained: float32 (V, dim), or (V-1, dim) for "hs"
    log: dict  # config, vocab size, per-epoch loss and speed, wall time
    position: object  # run.Position: the end of the run, for a checkpoint of the weights
    corpus: str  # the corpus path it was trained on

    @classmethod
    def from_weights(cls, words, counts, W_in, W_out, log, position, corpus):
        # hierarchical softmax trains V-1 inner-node rows, not one output vector per word
        per_word = W_out.shape == W_in.shape
        wv = KeyedVectors(words, W_in, counts=counts, output_vectors=W_out if per_word else None,
                          config=log["config"], validate=False)  # the tokenizer's words
        return cls(wv, W_out, log, position, corpus)

    @classmethod
    def load(cls, path):
        """What `save` wrote to `path` (a .npz keeps the counts, output vectors and config; a
        .bin/.txt only the vectors), with the training log of `path + ".json"` if there is one."""
        path = os.fspath(path)
        wv = KeyedVectors.load(path)
        log = {}
        if os.path.exists(path + ".json"):
            try:
                with open(path + ".json", encoding="utf-8") as handle:
                    log = json.load(handle)
            except (OSError, ValueError) as exc:
                raise W2VError(f"cannot read the training log {path}.json ({exc})") from None
        return cls(wv, wv.output_vectors, log, None, None)

    def __repr__(self):
        return f"Word2VecModel({len(self.wv):,} words, dim {self.wv.dim})"

    def save(self, path, checkpointing=None):
        """Write the vectors to `path` (the format follows its extension) and the log to
        `path + ".json"`, each atomically.

        With `checkpointing` (a checkpoint.Checkpointing), a failed or interrupted write keeps the
        weights in its checkpoint, so that resuming writes them without training again; once
        both files are written, that checkpoint has served and is removed.
        """
        path = os.fspath(path)
        try:
            self.wv.save(path)
            _write_json(path + ".json", self.log)
        except (W2VError, KeyboardInterrupt) as failed:
            if checkpointing is not None:
                self._keep_weights(failed, checkpointing)
            raise
        if checkpointing is not None and os.path.exists(checkpointing.path):
            os.remove(checkpointing.path)

    def _keep_weights(self, failed, checkpointing):
        """Raise `failed` with where the weights are kept; return if they cannot be kept either."""
        position = dataclasses.asdict(self.position)
        # a Ctrl-C during the write takes effect after it: the file is complete, say where it is
        with contextlib.suppress(W2VError, KeyboardInterrupt):
            checkpointing.write(self.wv.config, self.corpus, self.wv.words, self.wv.counts,
                                self.wv.vectors, self.output_weights, position)
        if checkpointing.written is not position:
            return
        path = checkpointing.path
        raise W2VError(f"{failed or 'interrupted'}; the trained weights are saved in {path}",
                       hint=hint("to write the vectors again", "train", resume=path)) from None


def _write_json(path, data):
    with atomic_write(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)
        handle.write("\n")
