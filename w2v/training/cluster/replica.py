"""The replica of one shard, held by a Dask actor on a worker: its token ids, the weights it
trains, and its copy of the merged model."""

import concurrent.futures
import math
import shutil
import time

import numpy as np

from ..local import batch_function, batch_seed
from ..options import TrainConfig
from ..vocab import Vocab
from .codec import add_packed, changes_since, no_change, pack, set_rows, unpack
from .counting import take_scan
from .merge import nbytes


class ShardTrainer:
    """A shard's token ids and a replica of the weights, on one worker.

    `merged` is the worker's copy of the merged model, updated by the same additions as the
    client's, so both hold the same bits. Before each round the replica is set to the merged
    model (synchronous merges), or to the merged model plus its own change of the last round,
    which the client merges while this round trains (overlapped merges, `overlap`). Either way
    the replica's state is a function of what the client has: the merged model and, overlapped,
    the shard's pending change."""

    def __init__(self, source, words, counts, config, W_in, W_out, overlap=False, pending=None,
                 first_round=0):
        self.config = TrainConfig(**config)
        vocab = Vocab(words, counts)
        self.folder, scanned = take_scan(source)
        self.corpus = scanned.encode(vocab.index)
        self.step = batch_function(self.config, vocab)
        self.merged = [np.array(W_in), np.array(W_out)]
        self.W = [M.copy() for M in self.merged]
        self.overlap = overlap
        self.last = pending or [no_change(M) for M in self.merged]  # the last round's change
        self.next_round = first_round
        self.kept = {}  # round -> its change, kept here for the workers' merge (`take_change`)
        # one pool for the replica's life: a new pool each round started threads every round,
        # and a thread start once hung a worker (Thread.start never returned)
        self.pool = concurrent.futures.ThreadPoolExecutor(self.config.threads)

    def close(self):
        """Remove the token cache and stop the threads (the run is over)."""
        self.corpus = None
        shutil.rmtree(getattr(self, "folder", ""), ignore_errors=True)
        if getattr(self, "pool", None) is not None:
            self.pool.shutdown(wait=False)
            self.pool = None

    __del__ = close

    def longest(self):
        """The longest sentence of the shard, in tokens."""
        return self.corpus.longest

    def batch_starts(self):
        """The word offset of each batch and the shard's size: for planning rounds."""
        return self.corpus.batch_tokens

    def train(self, merged_change, sequence, epoch, first, last, lr_of_word, seed, values=False,
              keep=False):
        """Add `merged_change` (None: nothing new) to the merged model and set the replica from
        it, train batches first..last-1 of the plan as the client's round number `sequence`
        (refused with OutOfOrder if the round before it has not run here yet, with RoundDone
        if it has run), and return the
        rows that changed with their change (with `values`, their new values: a lone shard is
        the model; with `keep`, the change stays here for the workers' merge and its bytes
        come instead), the loss, predictions and words, and the seconds spent training and
        spent on the rest (updating the replica, finding and packing its changes)."""
        if sequence < self.next_round:  # Dask recomputing a merge lost with a worker
            raise RoundDone(f"round {sequence} was trained here already")
        if sequence != self.next_round:
            raise OutOfOrder(f"round {sequence} came before round {self.next_round}")
        called = time.perf_counter()
        own = self.last if self.overlap else [no_change(M) for M in self.merged]
        for W, M, change, own_change in zip(self.W, self.merged, merged_change or [None] * 2,
                                            own):
            if change is not None:
                add_packed(M, change[0], change[1], W)
            set_rows(W, M, own_change[0], unpack(own_change[1]))
        W_in, W_out = self.W
        starts = self.corpus.batch_tokens

        def run(index):
            return self.step(*self.corpus.batch(index), W_in, W_out,
                             lr_of_word(starts[index]), lr_of_word(starts[index + 1]),
                             batch_seed(seed, epoch, index))

        t0 = time.perf_counter()
        results = list(self.pool.map(run, range(first, last)))
        seconds = time.perf_counter() - t0
        loss = math.fsum(loss for loss, _ in results)
        pairs = sum(pairs for _, pairs in results)
        words = int(starts[last] - starts[first]) if last > first else 0
        self.last = [changes_since(W, M, own_change[0], unpack(own_change[1]), values)
                     for W, M, own_change in zip(self.W, self.merged, own)]
        if values:  # the client's model takes them as they are
            for M, (rows, new) in zip(self.merged, self.last):
                M[rows] = new
        else:
            self.last = [(rows, pack(change)) for rows, change in self.last]
        self.next_round += 1
        if keep:  # the rounds before the last two are merged: their changes are not needed
            self.kept = {r: c for r, c in self.kept.items() if r >= sequence - 1}
            self.kept[sequence] = self.last
        return ((nbytes(self.last) if keep else self.last), loss, pairs, words, seconds,
                time.perf_counter() - called - seconds)

    def take_change(self, sequence, matrix=None, _trained=None):
        """The change of round `sequence` (of one `matrix` if given: 0 input, 1 output), kept
        by `train` for the workers' merge (`_trained`: the round's result, which the task
        waited for)."""
        return self.kept[sequence] if matrix is None else self.kept[sequence][matrix]


def on_replica(key, method, *args):
    """A Dask task: `method(*args)` of the replica held by the actor `key` on this worker
    (ReplicaLost if it is not here: its worker was lost and the task ran elsewhere)."""
    replica = local_replica(key)
    if replica is None:
        raise ReplicaLost(f"the replica {key} is not on this worker")
    return getattr(replica, method)(*args)


def local_replica(key):
    """The object of the actor `key` if it lives in this worker (None off a worker)."""
    from distributed import get_worker

    try:
        return get_worker().state.actors.get(key)
    except ValueError:  # not on a worker
        return None


class ReplicaLost(OSError):
    """A replica's task ran on a worker without the replica (its worker was lost)."""


class RoundDone(ReplicaLost):
    """A round asked of a replica that has trained it: Dask recomputes a result lost with a
    worker (a merge, and the rounds it came from). What needed it is lost too."""


class OutOfOrder(Exception):
    """A round reached its replica before the round ahead of it: it is sent again."""
