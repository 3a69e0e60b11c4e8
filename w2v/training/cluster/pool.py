"""The replicas' actors: started on the cluster's workers, called round after round, and
replaced from the client's state when a worker is lost."""

import collections
import concurrent.futures
import contextlib
import dataclasses
import time

from ...errors import W2VError
from .counting import home_workers
from .replica import OutOfOrder, ShardTrainer, on_replica


class Replicas:
    """The shards' actors, created on the cluster's workers, replaced when a worker is lost.
    state(k) gives (W_in, W_out, pending change, round) to start shard k's actor from. With
    `as_tasks`, rounds run as Dask tasks on the actors' workers (`replica.on_replica`), so that
    they can take the merged change from the workers (futures); `resolve(futures, round)` gives
    its value, to send a round again if those futures are lost."""

    def __init__(self, client, shards, vocab, config, overlap, state, as_tasks=False,
                 resolve=None):
        self.client, self.shards, self.vocab, self.config = client, shards, vocab, config
        self.overlap, self.state, self.as_tasks, self.resolve = overlap, state, as_tasks, resolve
        self.lost_errors = lost_worker_errors()
        self.allowed_failures = allowed_failures()
        self.failures = self.resent = 0
        homes = home_workers(client, len(shards))
        W_in, W_out = state(0)[:2]
        weights = client.scatter([W_in, W_out], broadcast=True, hash=False)
        starting = [self._submit(k, weights, *state(k)[2:], homes[k]) for k in range(len(shards))]
        self.actors = [self._started(k, future) for k, future in enumerate(starting)]

    def _submit(self, k, weights, pending, first_round, worker):
        """Start the actor of shard k on `worker` (if it is still there) from `weights` plus the
        shard's `pending` change, to train `first_round` next."""
        return self.client.submit(ShardTrainer, self.shards[k], self.vocab.words,
                                  self.vocab.counts, dataclasses.asdict(self.config), *weights,
                                  self.overlap, pending, first_round, actor=True, pure=False,
                                  **near(worker))

    def _started(self, k, future):
        """The actor of `future`; started again from `state(k)` while workers are lost."""
        while True:
            try:
                return future.result(timeout=STARTING_SECONDS)
            except TimeoutError:  # placed on a worker the scheduler has not yet seen is lost
                future.cancel()
            except self.lost_errors as lost:
                self._count_failure(lost)
            W_in, W_out, *rest = self.state(k)
            future = self._submit(k, self._scatter(W_in, W_out), *rest, None)

    def call(self, method, *args):
        """The results of `method(*args)` on every shard's actor (methods that change nothing)."""
        futures = [self._call(k, method, *args) for k in range(len(self.actors))]
        return [self.result(k, collections.deque([([args] * len(futures), futures)]), method)
                for k in range(len(futures))]

    def submit(self, method, args_per_shard):
        """Call `method` on every shard's actor; returns the futures."""
        return [self._call(k, method, *args) for k, args in enumerate(args_per_shard)]

    def _call(self, k, method, *args):
        """The future of `method(*args)` on shard k's actor. An actor whose worker Dask already
        knows is lost refuses calls (RuntimeError); its call then fails as a lost worker's
        would, so `result` replaces it. Rounds (`train`) with `as_tasks`: a Dask task on the
        actor's worker."""
        if self.as_tasks and method == "train":
            actor = self.actors[k]
            return self.client.submit(on_replica, actor.key, method, *args, pure=False,
                                      **near(getattr(actor, "_address", None)))
        try:
            return getattr(self.actors[k], method)(*args)
        except RuntimeError as refused:  # "Worker holding Actor was lost"
            failed = concurrent.futures.Future()
            failed.set_exception(OSError(str(refused)))
            return failed

    def result(self, k, in_flight, method="train"):
        """Shard k's result of the oldest call in `in_flight` ((args per shard, futures) per
        call, oldest first). A call that reached the actor before the one ahead of it is
        refused and sent again. If the worker is lost, the shard gets a new actor started from
        `state(k)` (where the lost replica was before the oldest call), which is called again
        without its first argument (the merged change: `state` includes it), and the later
        calls are sent to it again."""
        args, futures = in_flight[0]
        while True:
            try:
                return futures[k].result()
            except W2VError:
                raise
            except OutOfOrder:
                self.resent += 1
                futures[k] = self._call(k, method, *args[k])
            except self.lost_errors as lost:  # "Unable to contact Actor's worker"
                if self.as_tasks and method == "train" and self.alive(k):
                    # the task, not the replica, failed (its merged change was lost with a
                    # worker): again, with the merged change from the client
                    self.resent += 1
                    merged, *rest = args[k]
                    futures[k] = self._call(k, method, self.resolve(merged, rest[0]), *rest)
                    continue
                self._count_failure(lost)
                self._replace(k)
                futures[k] = self._call(k, method, *(args[k] and (None, *args[k][1:])))
                for later_args, later_futures in list(in_flight)[1:]:
                    later_futures[k] = self._call(k, method, *later_args[k])

    def alive(self, k):
        """Whether shard k's actor answers."""
        try:
            self._call(k, "longest").result()
            return True
        except self.lost_errors:
            return False

    def revive(self, calls):
        """After a merge failed: replace the shards' actors that are lost and redo their last
        round (`calls`: its arguments per shard, sent without the merged change: the new actor
        starts from the state that includes it). Returns the shards replaced."""
        revived = [k for k in range(len(self.actors)) if not self.alive(k)]
        for k in revived:
            self._count_failure(f"shard {k}'s worker was lost during a merge")
            self._replace(k)
            futures = [None] * len(self.actors)
            futures[k] = self._call(k, "train", None, *calls[k][1:])
            self.result(k, collections.deque([(calls, futures)]))
        return revived

    def close(self):
        """Have every replica remove its token cache now (a lost one's went with its worker)."""
        futures = []
        for actor in self.actors:
            with contextlib.suppress(Exception):  # a failed clean-up is no reason to fail
                futures.append(actor.close())
        for future in futures:
            with contextlib.suppress(Exception):
                future.result()

    def _count_failure(self, lost):
        self.failures += 1
        if self.failures > self.allowed_failures:
            raise W2VError(f"workers were lost {self.failures} times, more than Dask's "
                           f"allowed failures ({self.allowed_failures}; "
                           f"distributed.scheduler.allowed-failures): {lost}")

    def _replace(self, k):
        self.client.wait_for_workers(1, timeout=120)
        busy = {getattr(actor, "_address", None) for actor in self.actors}  # k's: lost
        deadline = time.monotonic() + STARTING_SECONDS
        while True:  # a worker without a replica: the lost one's replacement, once it is up
            workers = sorted(self.client.run_on_scheduler(workers_now))
            idle = [w for w in workers if w not in busy]
            if idle or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        idle = idle or workers
        W_in, W_out, *rest = self.state(k)
        self.actors[k] = self._started(k, self._submit(k, self._scatter(W_in, W_out), *rest,
                                                       idle[0]))

    def _scatter(self, W_in, W_out, tries=10):
        """The weights on a worker, for a new actor. Right after a worker is lost the scheduler
        may still pick it: try again after a moment."""
        for attempt in range(tries):
            try:
                return self.client.scatter([W_in, W_out], hash=False)
            except self.lost_errors:
                if attempt == tries - 1:
                    raise
                time.sleep(0.5)


STARTING_SECONDS = 60  # a replica started on a new worker (the token ids read again) in time


def workers_now(dask_scheduler):
    """On the scheduler: the workers' addresses (the client's copy of the list can be late)."""
    return list(dask_scheduler.workers)


def near(worker):
    """Submit options: on `worker` if it is there (None: anywhere)."""
    return {"workers": [worker], "allow_other_workers": True} if worker else {}


def lost_worker_errors():
    """What a call or task raises when its worker is lost (KilledWorker: a task's workers died
    more often than the scheduler allows)."""
    from distributed.scheduler import KilledWorker

    return OSError, concurrent.futures.CancelledError, KilledWorker


def allowed_failures():
    import dask

    return int(dask.config.get("distributed.scheduler.allowed-failures", 3))
