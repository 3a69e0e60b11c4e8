"""A cluster run's rounds, driven by the client. Each shard trains on a replica held by a Dask
actor, `sync_words` words per round; after every round the client merges the rows that changed
and sends the merged change back with the next round, so each replica starts a round as the
merged model. With `overlap` the client merges round r while the replicas train round r + 1,
and the merged change travels with round r + 2. Either way a replica's state before a round is
a function of what the client holds (the merged model; overlapped, also the shard's pending
change): a worker lost mid-round is replaced from it and its round redone, giving the same bits;
a checkpoint stores it; with one thread per worker the whole run is bit-reproducible.
"""

import collections
import concurrent.futures
import functools
import math
import pickle
import time

import numpy as np

from ..local import lr_at
from ..preparation import return_freed_memory
from .codec import add_packed
from .config import averaged_rows
from .merge import merge_changes, nbytes
from .pool import Replicas
from .reduction import submit_merge
from .replica import ReplicaLost


def round_lr(word, local_start, global_start, speed_ratio, scale, start_lr, total_words):
    """The lr at a shard's word offset `word` in a round: the global word count is estimated as
    every shard progressing at the same pace through its share of the round."""
    return scale * lr_at(start_lr, total_words, global_start + (word - local_start) * speed_ratio)


def plan_round(batch_starts, round_index, n_rounds):
    """(first, last) batches of a shard in a round: those starting in its r-th 1/n of words."""
    size = batch_starts[-1]
    bounds = [size * round_index // n_rounds, size * (round_index + 1) // n_rounds]
    first, last = np.searchsorted(batch_starts[:-1], bounds, side="left")
    return int(first), int(last)


class Rounds:
    """The epoch loop in rounds. Synchronous: after round r the client merges it and sends the
    merged change with round r + 1, so every replica starts a round as the merged model.
    Overlapped (`overlap`), two rounds in flight: each replica has round r + 1 queued while it
    trains round r, the client merges round r while the replicas train round r + 1, and the
    merged change travels with round r + 2: a replica trains round r + 1 on the merged model up
    to round r - 1 plus its own round r, and never waits for the client.

    The client keeps the merged model and each shard's pending change (its last collected round,
    not merged yet): a replica's state before a round is a function of those, so a lost replica
    is restarted from them and redoes its round to the same bits, and a checkpoint stores them."""

    def __init__(self, client, sources, vocab, config, settings, position, W_in, W_out,
                 pending=None):
        self.config = config
        self.merged = [W_in, W_out]  # the merged model, updated in place
        self.pending = pending  # per shard: its last collected round's changes, not merged yet
        self.undo = None  # per matrix: rows and their values before the last merged change
        self.lone = len(sources) == 1  # one replica is the model: it sends values, not changes
        self.n_shards = len(sources)
        self.n_averaged = averaged_rows(vocab.counts, vocab.n_tokens, settings.sync_words,
                                        settings.merge)
        self.stats = {"rounds": 0, "bytes_per_merge": 0, "client_bytes_per_round": 0,
                      "merge_seconds": 0.0,
                      "rounds_seconds": 0.0, "replicas_training_seconds": 0.0,
                      "replicas_updating_seconds": 0.0, "replicas_waiting_seconds": 0.0,
                      "client_seconds": 0.0, "averaged_rows": self.n_averaged}
        self.collected_at = None
        self.submitted = 0  # rounds sent to the replicas by this process; the first collected is 0
        self.lr_scale = settings.lr_scale
        self.mean = settings.merge == "mean"
        self.overlap = settings.overlap and not self.lone
        # synchronous merges of several shards: on the workers (`reduction`); the client
        # fetches the merged change once a round, for its own model
        self.on_workers = not self.overlap and not self.lone
        self.merging = None  # on_workers: (round, its calls) collected, not merged yet
        self.merge_future = None  # of `merging`
        self.merge_value = None  # the last merge fetched: (its futures, its value, its round)
        self.early_merge = None  # on_workers: (round, futures), submitted with the round
        self.shards_bytes = 0  # on_workers: the bytes of the changes `merging` sums
        self.client_bytes = 0  # sent and received by the client since the last collect
        if not self.overlap:  # a checkpoint's pending changes: merged before the replicas start
            self.apply(self.merge_pending())
            self.pending = None
        self.client = client
        self.replicas = Replicas(client, sources, vocab, config, self.overlap, self.redo_state,
                                 self.on_workers, self.value_of)
        self.starts = [np.asarray(s) for s in self.replicas.call("batch_starts")]
        self.sizes = [int(s[-1]) for s in self.starts]
        self.epoch_words = sum(self.sizes)
        self.total_words = self.epoch_words * config.epochs
        self.n_rounds = max(1, -(-max(self.sizes) // settings.sync_words))
        self.in_flight = collections.deque()  # (calls, futures) per round, oldest first
        self.next_round = position.epoch * self.n_rounds + position.batch  # of the whole run

    def redo_state(self, k):
        """Where shard k's replica was before the oldest round in flight, and that round: the
        merged model; overlapped, without the last merged change, plus the shard's pending
        change."""
        if not self.overlap:  # a round collected and not merged yet is redone from the model
            return (*self.merged, None, self.stats["rounds"] - (self.merging is not None))
        merged = self.merged
        if self.undo is not None:
            merged = [M.copy() for M in merged]
            for M, (rows, values) in zip(merged, self.undo):
                M[rows] = values
        return (*merged, self.pending[k] if self.pending else None, self.stats["rounds"])

    def advance(self):
        """Merge the pending changes into the model and send them with the next round."""
        if self.on_workers:
            self.submit(self.merged_future())  # the replicas take it from the workers
            merged_change = self.merged_change()
            moved = self.shards_bytes + nbytes(merged_change) * self.n_shards
            self.merging = None
        else:
            merged_change = self.merge_pending()
            moved = nbytes(self.pending) + nbytes(merged_change) * self.n_shards
            self.submit(merged_change)  # first: the replicas wait for it, not the client's model
        self.stats["bytes_per_merge"] = max(self.stats["bytes_per_merge"], moved)
        self.apply(merged_change)
        if not self.overlap:
            self.pending = None
        if self.collected_at is not None:
            self.stats["client_seconds"] += time.perf_counter() - self.collected_at

    def merged_future(self):
        """The futures (per matrix) of the merged change of the round collected last, reduced
        on the workers (submitted with the round; submitted again after the replicas lost
        meanwhile redo their round)."""
        import distributed

        while self.merge_future is None:
            sequence, calls = self.merging
            t0 = time.perf_counter()
            early = self.early_merge is not None and self.early_merge[0] == sequence
            futures = self.early_merge[1] if early else self.start_merge(sequence)
            if early:
                self.early_merge = None
            distributed.wait(futures)
            self.stats["merge_seconds"] += time.perf_counter() - t0
            failed = [f for f in futures if f.status == "error"]
            if failed and early:  # its round was sent again: merged anew
                continue
            if failed:  # a lost replica (else the error is raised)
                error = failed[0].exception()
                if not self.replicas.revive(calls) and not isinstance(error, ReplicaLost):
                    raise error
            else:
                self.merge_future = futures
        return self.merge_future

    def start_merge(self, sequence, trained=None):
        """The futures (per matrix) of round `sequence`'s merged change, reduced on the workers
        once the round's `trained` futures (if given) are done."""
        actors = self.replicas.actors
        futures, sent = submit_merge(
            self.client, actors, [getattr(a, "_address", None) for a in actors], sequence,
            (self.lr_scale, self.mean, self.n_averaged), trained)
        self.client_bytes += sent
        return futures

    def merged_change(self):
        """The merged change of the round collected last, fetched from the workers once."""
        while self.merge_value is None or self.merge_value[0] is not self.merge_future:
            futures = self.merged_future()
            try:
                value = self.client.gather(futures, direct=True)
            except self.replicas.lost_errors:  # lost with its worker: merged again
                self.merge_future = None
                continue
            self.client_bytes += nbytes(value)
            self.merge_value = futures, value, self.merging[0]
        return self.merge_value[1]

    def value_of(self, merged, sequence):
        """The value of a merged change sent as futures with round `sequence` (the client has
        fetched it: the merge of the round before; those futures may be lost since, and the
        round merged again to the same bits)."""
        if self.merge_value is not None and sequence == self.merge_value[2] + 1:
            return self.merge_value[1]
        return merged

    def merge_last(self):
        """The merged change of the round collected last (None: nothing to merge)."""
        if self.on_workers:
            return self.merged_change() if self.merging is not None else None
        return self.merge_pending()

    def pending_changes(self):
        """The shards' changes collected and not merged yet (None: none), from the replicas
        if they merge on the workers."""
        if self.on_workers and self.merging is not None:
            return self.replicas.call("take_change", self.merging[0])
        return self.pending

    def merge_pending(self):
        """The merged change of the shards' pending changes (None if there are none)."""
        if not self.pending:
            return None
        t0 = time.perf_counter()
        merged_change = per_matrix(
            lambda m: merge_changes([shard[m] for shard in self.pending], self.merged[m].shape,
                                    self.lr_scale, self.mean, self.n_averaged))
        self.stats["merge_seconds"] += time.perf_counter() - t0
        return merged_change

    def apply(self, merged_change):
        """Add a merged change to the model, keeping what it replaced (overlapped merges)."""
        self.undo = None
        if merged_change is None:
            return
        if self.overlap:
            self.undo = [(rows, M[rows]) for M, (rows, _) in zip(self.merged, merged_change)]
        # as each replica adds it: the same bits
        per_matrix(lambda m: add_packed(self.merged[m], *merged_change[m], self.merged[m]))

    def submit(self, merged_change):
        """Queue the next round on every replica, with the merged change to apply first."""
        if self.next_round >= self.n_rounds * self.config.epochs:
            return
        epoch, batch = divmod(self.next_round, self.n_rounds)
        plans = [plan_round(s, batch, self.n_rounds) for s in self.starts]
        local = [int(s[first]) for s, (first, _) in zip(self.starts, plans)]
        words = [int(s[last]) - int(s[first]) for s, (first, last) in zip(self.starts, plans)]
        global_start = epoch * self.epoch_words + sum(local)
        calls = []
        for k, (first, last) in enumerate(plans):
            lr_of_word = functools.partial(
                round_lr, local_start=local[k], global_start=global_start,
                speed_ratio=sum(words) / max(words[k], 1), scale=self.lr_scale,
                start_lr=self.config.start_lr, total_words=self.total_words)
            calls.append((merged_change, self.submitted, epoch, first, last, lr_of_word,
                          shard_seed(self.config.seed, k), self.lone, self.on_workers))
        self.client_bytes += sum(map(sent_bytes, calls))
        trained = self.replicas.submit("train", calls)
        self.in_flight.append((calls, trained))
        if self.on_workers:  # the merge starts on the workers as the round ends
            self.early_merge = self.submitted, self.start_merge(self.submitted, trained)
        self.next_round += 1
        self.submitted += 1

    def collect(self, account):
        """Wait for the oldest round in flight and take its results: the shards' changes become
        the pending ones (a lone replica's values go into the model); `account(loss, pairs,
        words)` takes the round's totals."""
        results = [self.replicas.result(k, self.in_flight) for k in range(self.n_shards)]
        calls = self.in_flight.popleft()[0]
        self.client_bytes += sum(map(sent_bytes, results))
        self.stats["client_bytes_per_round"] = max(self.stats["client_bytes_per_round"],
                                                   self.client_bytes)
        self.client_bytes = 0
        if self.lone:  # its values are the model
            for M, (rows, values) in zip(self.merged, results[0][0]):
                M[rows] = values
            self.stats["bytes_per_merge"] = max(self.stats["bytes_per_merge"],
                                                nbytes(results[0][0]))
        elif self.on_workers:  # their changes stay on the workers
            self.merging, self.merge_future = (self.stats["rounds"], calls), None
            self.shards_bytes = sum(r[0] for r in results)
        else:
            self.pending = [r[0] for r in results]
        self.stats["rounds"] += 1
        now = time.perf_counter()
        if self.collected_at is not None:  # the time from one round's end to the next
            self.stats["rounds_seconds"] += now - self.collected_at
            slowest = max(results, key=lambda r: r[4] + r[5])
            self.stats["replicas_training_seconds"] += slowest[4]
            self.stats["replicas_updating_seconds"] += slowest[5]
            busy = [r[4] + r[5] for r in results]  # idle while the slowest finishes: imbalance
            self.stats["replicas_waiting_seconds"] += max(busy) - sum(busy) / len(busy)
        self.collected_at = now
        totals = (math.fsum(r[1] for r in results), sum(r[2] for r in results),
                  sum(r[3] for r in results))
        del results  # the replicas' rows: hand their memory back before the next round's
        return_freed_memory()
        account(*totals)

    def words_at(self, epoch, round_index):
        """Words of the run before round `round_index` of epoch `epoch` (from 0)."""
        within = sum(int(s[plan_round(s, round_index, self.n_rounds)[0]])
                     if round_index < self.n_rounds else int(s[-1]) for s in self.starts)
        return epoch * self.epoch_words + within


def sent_bytes(message):
    """The bytes of a round's call or result as they travel: its arrays (a change: (rows,
    values) per matrix), and the rest pickled (futures: their keys)."""
    head = message[0]
    is_change = isinstance(head, (list, tuple)) and all(isinstance(m, tuple) for m in head)
    arrays = nbytes(head) if is_change else 0
    return arrays + len(pickle.dumps((None if arrays else head, *message[1:])))


def per_matrix(work):
    """[work(0), work(1)]: the input and the output matrix at once, in two threads (the Numba
    parts release the GIL; while the client merges, the replicas wait and leave the cores free)."""
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        return list(pool.map(work, range(2)))


def shard_seed(seed, shard):
    """Shard 0 uses the run's seed, so a one-shard cluster run equals a one-process run."""
    return (seed + shard * 0x9E3779B97F4A7C15) % (1 << 64)
