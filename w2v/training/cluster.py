"""Training on a Dask cluster: one replica of the weights per worker, averaged every few words.

The corpus is cut into one shard per worker (`TextSource.shards`); every worker reads its own
shard (a shared filesystem: the client never ships text). Words are counted by Dask tasks and the
counts merged by a tree reduction, so the vocabulary equals the one-process vocabulary. Each shard
then trains on a replica held by a Dask actor, `sync_words` words per round; after every round
the client merges the rows that changed and sends the merged change back with the next round, so
each replica starts a round as the merged model (`ShardTrainer`, `_ClusterRun`). With `overlap`
the client merges round r while the replicas train round r + 1 (two rounds in flight per
replica), and the merged change travels with round r + 2: a replica trains on the merged model
up to round r - 1 plus its own round r. Either way a replica's state before a round is a
function of what the client holds (the merged model; overlapped, also the shard's pending
change): a worker lost mid-round is replaced from it and its round redone, giving the same bits;
a checkpoint stores it; with one thread per worker the whole run is bit-reproducible. Changes
travel as bfloat16 (`pack`), half the bytes of float32; client and replicas add the same rounded
numbers, so their merged models stay bit-identical.

Averaging K replicas divides every row's progress by K, so each replica trains at s times the
learning rate, s = min(K, MAX_LR_SCALE), and a row's merged change is the sum of the replicas'
changes over max(s, the replicas that changed it) (merge "mean", the default but for CBOW on 2
workers; for K <= 4 the mean of the replicas) or over s (merge "sum") (`merge_changes`). Merge
"split", CBOW's default on 2 workers (refused on more), keeps the run's learning rate (s = 1)
and adds up the replicas' changes, but averages the rows of the words a replica sees so often
in a round that its change is a step to where the row settles (`averaged_rows`). The
measurements behind these choices are in BENCHMARKS.md.
"""

import collections
import concurrent.futures
import contextlib
import dataclasses
import functools
import logging
import math
import os
import shutil
import sys
import tempfile
import time

import numba
import numpy as np

from ..errors import W2VError, check_parameter
from ..text.corpus import scan
from ..text.sources import TextSource
from . import checkpoint
from .model import Word2VecModel
from .trainer import (Position, TrainingInterrupted, _check_finite, _check_weights_finite, _lr_at,
                      _progress_bar, _return_freed_memory, _say, _training_log, _write_checkpoint,
                      batch_function, batch_seed, end_epoch, initial_weights)
from .vocab import Vocab, build_vocab

WORDS_PER_MERGE = 2_000_000  # words trained by all workers together between merges (BENCHMARKS.md)
MAX_LR_SCALE = 4  # replicas at lr x 8 diverged on mix17m (skip-gram, lr 0.2); x 4 held


def default_sync_words(shards):
    """Words per worker between merges: a fixed amount of training between merges whatever the
    number of workers (with lr x workers, longer rounds of many workers diverge)."""
    return max(10_000, WORDS_PER_MERGE // shards)


def default_merge(config, shards):
    """"split" for CBOW on 2 workers, else "mean": what held quality (BENCHMARKS.md, mean
    analogy accuracy over three seeds). On 2 workers CBOW scored 0.354 with "mean" (replicas at
    lr x 2, whatever the round length) and 0.363 with "split", one process 0.367-0.368;
    skip-gram 0.384 with "mean" and 0.376 with "split", one process 0.390-0.391. On 4 workers
    "split" broke CBOW (SPLIT_MAX_SHARDS)."""
    return "split" if config.arch == "cbow" and shards == 2 else "mean"


def default_lr_scale(merge, shards):
    """Each replica's lr multiplier: "split" adds up the changes of all but the most frequent
    rows, so the replicas train at the run's lr; "mean" and "sum" divide them by the multiplier,
    so the replicas train faster, at most MAX_LR_SCALE times."""
    return 1 if merge == "split" else min(shards, MAX_LR_SCALE)


def averaged_rows(counts, n_tokens, sync_words):
    """Merge "split": how many of the most frequent words (the first rows) a worker sees at least
    AVERAGED_OCCURRENCES times a round. Their rows settle within a round (each replica's change
    is its step towards where they settle), so the replicas' changes are averaged; the others'
    changes add up, as one process would add them."""
    seen_per_round = np.asarray(counts, np.float64) * sync_words / max(n_tokens, 1)
    return int(np.count_nonzero(seen_per_round >= AVERAGED_OCCURRENCES))


def import_distributed():
    try:
        import distributed
    except ImportError:
        raise W2VError("training on a cluster needs Dask: pip install 'w2v[dask]'") from None
    return distributed


@contextlib.contextmanager
def connect(workers=None, scheduler=None, threads=1, progress=True):
    """A Dask client: of the scheduler at `scheduler`, or of a new local cluster of `workers`
    processes with `threads` threads each (loopback only)."""
    distributed = import_distributed()
    check_settings(workers=workers)
    with contextlib.ExitStack() as stack:
        if scheduler:
            try:
                client = stack.enter_context(distributed.Client(scheduler, timeout="10s"))
            except (OSError, TimeoutError) as exc:
                raise W2VError(f"cannot reach the Dask scheduler at {scheduler} ({exc})") from None
        else:
            cluster = stack.enter_context(distributed.LocalCluster(
                n_workers=workers, threads_per_worker=threads, processes=True, host="127.0.0.1",
                dashboard_address="127.0.0.1:0", silence_logs=logging.CRITICAL))
            client = stack.enter_context(distributed.Client(cluster))
        _wait_for_workers(client, workers or 1, scheduler)
        if progress:
            where = f", dashboard {client.dashboard_link}" if _has_dashboard(client) else ""
            print(f"Dask cluster: {len(client.scheduler_info()['workers'])} workers{where}",
                  file=sys.stderr)
        yield client


MERGE_RULES = ("mean", "sum", "split")
AVERAGED_OCCURRENCES = 300  # merge "split": words seen this often per worker and round (BENCHMARKS.md)
SPLIT_MAX_SHARDS = 2  # CBOW on 4 workers with "split": analogy 0.04-0.07 (0.30-0.31 with "mean")


def check_settings(workers=None, sync_words=1, lr_scale=None, merge=None):
    check_parameter(workers is None or workers >= 1, f"workers must be >= 1, got {workers}",
                    "workers")
    check_parameter(sync_words >= 1, f"sync_words must be >= 1, got {sync_words}", "sync_words")
    check_parameter(lr_scale is None or (math.isfinite(lr_scale) and lr_scale > 0),
                    f"lr_scale must be > 0 and finite, got {lr_scale}", "lr_scale")
    check_parameter(merge in (None, *MERGE_RULES),
                    f"merge must be one of {', '.join(MERGE_RULES)}, got {merge!r}", "merge")
    check_parameter(merge != "split" or workers is None or workers <= SPLIT_MAX_SHARDS,
                    f"merge split holds quality on up to {SPLIT_MAX_SHARDS} workers and broke "
                    f"CBOW on 4 (BENCHMARKS.md); with {workers}, use mean or sum", "merge")


def _wait_for_workers(client, n, scheduler, seconds=120):
    """Wait until n workers are connected (a loaded machine starts them slowly)."""
    try:
        client.wait_for_workers(n, timeout=seconds)
    except TimeoutError:
        where = f"the Dask scheduler at {scheduler}" if scheduler else "the local cluster"
        raise W2VError(f"{where} has fewer than {n} workers after {seconds} s") from None


def _has_dashboard(client):
    try:
        return bool(client.scheduler_info().get("services", {}).get("dashboard"))
    except Exception:  # noqa: BLE001 - a missing link is no reason to fail
        return False


def on_worker(error):
    """`error` with the address of the worker it happened on."""
    from distributed import get_worker

    try:
        where = get_worker().address
    except ValueError:  # not on a worker
        return error
    return W2VError(f"worker {where}: {error}", error.parameters)


def scratch_directory():
    """Where a task's files go: the Dask worker's own `local_directory` (None, the system's
    temporary folder, off a worker). Dask removes it when the worker closes and purges the
    folders of killed workers when their replacement starts, so a killed worker leaves no token
    cache behind."""
    from distributed import get_worker

    try:
        return get_worker().local_directory
    except ValueError:  # not on a worker
        return None


# --- the vocabulary: counted shard by shard on the workers, merged by a tree reduction ---------


def count_words(source, keep=False):
    """The words of one shard and their counts (runs on a worker), as `WordCounts`. With
    `keep`, the scan (its token cache) stays on the worker for the shard's replica to take
    (`take_scan`), so the replica does not read the text again."""
    folder, scanned = scan_shard(source)
    if keep:
        _kept_scans[repr(source)] = folder, scanned
    try:
        return WordCounts.of(list(scanned.words), scanned.counts)
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


def scan_shard(source):
    """(a new folder in the worker's scratch directory, the scan of `source` cached in it)."""
    folder = tempfile.mkdtemp(prefix="w2v-shard-", dir=scratch_directory())
    try:
        return folder, scan(source, os.path.join(folder, "tokens.int32"))
    except BaseException as exc:
        shutil.rmtree(folder, ignore_errors=True)
        if isinstance(exc, W2VError):
            raise on_worker(exc) from None
        raise


_kept_scans = {}  # on a worker: repr(shard) -> (folder, scan) counted here, not yet taken


def take_scan(source):
    """The scan of `source` counted on this worker with `keep` (and its folder), or a new one."""
    return _kept_scans.pop(repr(source), None) or scan_shard(source)


def drop_kept_scans():
    """Remove the scans no replica took (its worker was lost, or it started elsewhere)."""
    while _kept_scans:
        shutil.rmtree(_kept_scans.popitem()[1][0], ignore_errors=True)


@dataclasses.dataclass
class WordCounts:
    """Words as one UTF-8 text (one word a line) and their counts: Dask moves bytes and arrays
    fast, where a dict of a shard's words took it 20 s."""

    text: bytes
    counts: np.ndarray

    @classmethod
    def of(cls, words, counts):
        return cls("\n".join(words).encode("utf-8", "surrogatepass"), np.asarray(counts, np.int64))

    def words(self):
        return self.text.decode("utf-8", "surrogatepass").split("\n") if self.text else []


def add_counts(*shards):
    """The WordCounts of several shards together."""
    total = {}
    for shard in shards:
        for word, count in zip(shard.words(), shard.counts.tolist()):
            total[word] = total.get(word, 0) + count
    return WordCounts.of(list(total), list(total.values()))


def count_on_cluster(client, shards, fan_in=4, keep_on=None):
    """The corpus's {word: count}: one task per shard, merged `fan_in` at a time. With
    `keep_on` (a worker address per shard), shard k is counted on keep_on[k] if it can be and
    its scan kept there for its replica (`count_words`)."""
    def placed(k):
        return {"workers": [keep_on[k]], "allow_other_workers": True} if keep_on else {}

    level = [client.submit(count_words, shard, keep_on is not None, pure=False, **placed(k))
             for k, shard in enumerate(shards)]
    while len(level) > 1:
        level = [client.submit(add_counts, *level[i : i + fan_in], pure=False)
                 for i in range(0, len(level), fan_in)]
    counted = level[0].result()
    return dict(zip(counted.words(), counted.counts.tolist()))


# --- the replica of one shard, held by a Dask actor --------------------------------------------


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
        from .trainer import TrainConfig

        self.config = TrainConfig(**config)
        vocab = Vocab(words, counts)
        self.folder, scanned = take_scan(source)
        self.corpus = scanned.encode(vocab.index)
        self.step = batch_function(self.config, vocab)
        self.merged = [np.array(W_in), np.array(W_out)]
        self.W = [M.copy() for M in self.merged]
        self.overlap = overlap
        self.last = pending or [_no_change(M) for M in self.merged]  # the last round's change
        self.next_round = first_round

    def close(self):
        """Remove the token cache (the run is over)."""
        self.corpus = None
        shutil.rmtree(getattr(self, "folder", ""), ignore_errors=True)

    __del__ = close

    def batch_starts(self):
        """The word offset of each batch and the shard's size: for planning rounds."""
        return self.corpus.batch_tokens

    def train(self, merged_change, sequence, epoch, first, last, lr_of_word, seed, values=False):
        """Add `merged_change` (None: nothing new) to the merged model and set the replica from
        it, train batches first..last-1 of the plan as the client's round number `sequence`
        (refused with OutOfOrder if the round before it has not run here yet), and return the
        rows that changed with their change (with `values`, their new values: a lone shard is
        the model), the loss, predictions and words, and the seconds spent training and spent
        on the rest (updating the replica, finding and packing its changes)."""
        if sequence != self.next_round:
            raise OutOfOrder(f"round {sequence} came before round {self.next_round}")
        called = time.perf_counter()
        own = self.last if self.overlap else [_no_change(M) for M in self.merged]
        for W, M, change, own_change in zip(self.W, self.merged, merged_change or [None] * 2,
                                            own):
            if change is not None:
                add_packed(M, change[0], change[1], W)
            _set_rows(W, M, own_change[0], unpack(own_change[1]))
        W_in, W_out = self.W
        starts = self.corpus.batch_tokens

        def run(index):
            return self.step(*self.corpus.batch(index), W_in, W_out,
                             lr_of_word(starts[index]), lr_of_word(starts[index + 1]),
                             batch_seed(seed, epoch, index))

        t0 = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(self.config.threads) as pool:
            results = list(pool.map(run, range(first, last)))
        seconds = time.perf_counter() - t0
        loss = math.fsum(loss for loss, _ in results)
        pairs = sum(pairs for _, pairs in results)
        words = int(starts[last] - starts[first]) if last > first else 0
        self.last = [_changes(W, M, own_change[0], unpack(own_change[1]), values)
                     for W, M, own_change in zip(self.W, self.merged, own)]
        if values:  # the client's model takes them as they are
            for M, (rows, new) in zip(self.merged, self.last):
                M[rows] = new
        else:
            self.last = [(rows, pack(change)) for rows, change in self.last]
        self.next_round += 1
        return self.last, loss, pairs, words, seconds, time.perf_counter() - called - seconds


def _no_change(W):
    return np.empty(0, np.int64), np.empty((0, W.shape[1]), np.uint16)


@numba.njit(nogil=True, cache=True)
def pack(values):
    """float32 -> bfloat16 (the upper 16 bits, rounded to nearest even), as uint16: changes
    travel at half the bytes, with 8 significant bits (a change is off by at most 0.4%)."""
    bits = values.view(np.uint32)
    out = np.empty(values.shape, np.uint16)
    for i in range(values.shape[0]):
        for t in range(values.shape[1]):
            out[i, t] = _bfloat16(bits[i, t])
    return out


@numba.njit(nogil=True, cache=True, inline="always")
def _bfloat16(b):
    """The bits of a float32 (uint32) rounded to bfloat16's (uint16), to nearest even."""
    return (b + np.uint32(0x7FFF) + ((b >> np.uint32(16)) & np.uint32(1))) >> np.uint32(16)


def unpack(packed):
    """bfloat16 as uint16 -> float32 (exact); float32 as it is."""
    if packed.dtype == np.float32:
        return packed
    bits = packed.astype(np.uint32)
    bits <<= 16
    return bits.view(np.float32)


@numba.njit(nogil=True, cache=True)
def add_packed(M, rows, packed, W):
    """M[rows] += the bfloat16 `packed` (float32 additions: the client and every replica add
    the same numbers to the same bits); W[rows] = M[rows] (W may be M)."""
    bits = np.empty(packed.shape[1], np.uint32)
    change = bits.view(np.float32)
    for i in range(rows.shape[0]):
        r = rows[i]
        _float32_bits_of_row(packed, i, bits)
        for t in range(packed.shape[1]):
            M[r, t] += change[t]
            W[r, t] = M[r, t]


@numba.njit(nogil=True, cache=True, inline="always")
def _float32_bits_of_row(packed, i, bits):
    """bits = the float32 bits of the bfloat16 row packed[i] (exact)."""
    for t in range(packed.shape[1]):
        bits[t] = np.uint32(packed[i, t]) << np.uint32(16)


@numba.njit(nogil=True, cache=True)
def _set_rows(W, M, rows, change):
    """W[rows] = M[rows] + change."""
    for i in range(rows.shape[0]):
        for t in range(M.shape[1]):
            W[rows[i], t] = M[rows[i], t] + change[i, t]


@numba.njit(nogil=True, cache=True)
def _changes(W, M, own_rows, own_change, values):
    """The rows where W differs from where the round started (M, plus `own_change` on
    `own_rows`), and their change (or, with `values`, their values)."""
    own = np.full(M.shape[0], -1, np.int64)
    for i in range(own_rows.shape[0]):
        own[own_rows[i]] = i
    rows = np.empty(M.shape[0], np.int64)
    n = 0
    for r in range(M.shape[0]):
        if _row_differs(W, M, r, own_change, own[r]):
            rows[n] = r
            n += 1
    out = np.empty((n, M.shape[1]), M.dtype)
    for j in range(n):
        r, i = rows[j], own[rows[j]]
        for t in range(M.shape[1]):
            start = M[r, t] + own_change[i, t] if i >= 0 else M[r, t]
            out[j, t] = W[r, t] if values else W[r, t] - start
    return rows[:n].copy(), out


@numba.njit(nogil=True, cache=True, inline="always")
def _row_differs(W, M, r, own_change, i):
    """Whether row r of W differs from M's plus, if i >= 0, own_change[i]. No early exit: the
    comparison of a whole row vectorises, twice as fast as stopping at the first difference."""
    differs = False
    if i >= 0:
        for t in range(M.shape[1]):
            differs |= W[r, t] != M[r, t] + own_change[i, t]
    else:
        for t in range(M.shape[1]):
            differs |= W[r, t] != M[r, t]
    return differs


# --- the client: rounds, merges, faults, checkpoints -------------------------------------------


class Replicas:
    """The shards' actors, created on the cluster's workers, replaced when a worker is lost.
    state(k) gives (W_in, W_out, pending change, round) to start shard k's actor from."""

    def __init__(self, client, shards, vocab, config, overlap, state):
        self.client, self.shards, self.vocab, self.config = client, shards, vocab, config
        self.overlap, self.state = overlap, state
        self.allowed_failures = _allowed_failures()
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
                                  self.overlap, pending, first_round, actor=True,
                                  workers=worker and [worker], allow_other_workers=True, pure=False)

    def _started(self, k, future):
        """The actor of `future`; started again from `state(k)` while workers are lost."""
        while True:
            try:
                return future.result()
            except _LOST_WORKER as lost:
                self._count_failure(lost)
                W_in, W_out, *rest = self.state(k)
                future = self._submit(k, self._scatter(W_in, W_out), *rest, None)

    def call(self, method):
        """The results of `method()` on every shard's actor (no arguments: nothing to redo)."""
        futures = [self._call(k, method) for k in range(len(self.actors))]
        return [self.result(k, collections.deque([([()] * len(futures), futures)]), method)
                for k in range(len(futures))]

    def submit(self, method, args_per_shard):
        """Call `method` on every shard's actor; returns the futures."""
        return [self._call(k, method, *args) for k, args in enumerate(args_per_shard)]

    def _call(self, k, method, *args):
        """The future of `method(*args)` on shard k's actor. An actor whose worker Dask already
        knows is lost refuses calls (RuntimeError); its call then fails as a lost worker's
        would, so `result` replaces it."""
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
            except _LOST_WORKER as lost:  # "Unable to contact Actor's worker"
                self._count_failure(lost)
                self._replace(k)
                futures[k] = self._call(k, method, *(args[k] and (None, *args[k][1:])))
                for later_args, later_futures in list(in_flight)[1:]:
                    later_futures[k] = self._call(k, method, *later_args[k])

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
        busy = {getattr(actor, "_address", None) for i, actor in enumerate(self.actors) if i != k}
        workers = sorted(self.client.scheduler_info()["workers"])
        idle = [w for w in workers if w not in busy] or workers
        W_in, W_out, *rest = self.state(k)
        self.actors[k] = self._started(k, self._submit(k, self._scatter(W_in, W_out), *rest,
                                                       idle[0]))

    def _scatter(self, W_in, W_out, tries=10):
        """The weights on a worker, for a new actor. Right after a worker is lost the scheduler
        may still pick it: try again after a moment."""
        for attempt in range(tries):
            try:
                return self.client.scatter([W_in, W_out], hash=False)
            except _LOST_WORKER:
                if attempt == tries - 1:
                    raise
                time.sleep(0.5)


def home_workers(client, shards):
    """The worker each shard is counted and trained on (if it stays): in turn, by address."""
    workers = sorted(client.scheduler_info()["workers"])
    return [workers[k % len(workers)] for k in range(shards)]


class OutOfOrder(Exception):
    """A round reached its replica before the round ahead of it: it is sent again."""


# an actor's worker gone (CommClosedError is an OSError), or the data scattered to it
_LOST_WORKER = (OSError, concurrent.futures.CancelledError)


def _allowed_failures():
    import dask

    return int(dask.config.get("distributed.scheduler.allowed-failures", 3))


def merge_changes(changes, shape, divisor, mean=True, n_averaged=0):
    """The merged change of the replicas' `changes` (each: rows and their change, for a matrix
    of `shape`): a row changed by c replicas gets the sum of their changes divided by `divisor`
    (the replicas' lr multiplier s, so that a row one replica changed moves as one process
    would move it), or with `mean` by max(divisor, c): at most the mean of the replicas' changes;
    the first `n_averaged` rows by c: the mean. Summed in a fixed order, so the result does not
    depend on who finished first. Returns the rows changed and their change."""
    replicas = np.zeros(shape[0], np.int32)
    for rows, _ in changes:
        replicas[rows] += 1  # a replica's rows are distinct
    rows = np.flatnonzero(replicas)
    slot = np.empty(shape[0], np.int64)
    slot[rows] = np.arange(len(rows))
    total = np.zeros((len(rows), shape[1]), np.float32)
    for shard_rows, change in changes:
        _accumulate(total, slot[shard_rows], change if change.dtype == np.uint16 else pack(change))
    return rows, _divide_and_pack(total, replicas[rows], divisor, mean,
                                  np.searchsorted(rows, n_averaged))


@numba.njit(nogil=True, cache=True)
def _accumulate(total, slots, packed):
    """total[slots] += the bfloat16 `packed`."""
    bits = np.empty(packed.shape[1], np.uint32)
    change = bits.view(np.float32)
    for i in range(slots.shape[0]):
        _float32_bits_of_row(packed, i, bits)
        for t in range(packed.shape[1]):
            total[slots[i], t] += change[t]


@numba.njit(nogil=True, cache=True)
def _divide_and_pack(total, replicas, divisor, mean, n_averaged):
    """Row i of `total` over replicas[i] (i < n_averaged), max(divisor, replicas[i]) (`mean`) or
    divisor, as bfloat16."""
    out = np.empty(total.shape, np.uint16)
    quotient = np.empty(total.shape[1], np.float32)
    bits = quotient.view(np.uint32)
    for i in range(total.shape[0]):
        if i < n_averaged:
            d = np.float32(replicas[i])
        else:
            d = np.float32(max(divisor, replicas[i]) if mean else divisor)
        for t in range(total.shape[1]):
            quotient[t] = total[i, t] / d
        for t in range(total.shape[1]):
            out[i, t] = _bfloat16(bits[t])
    return out


def round_lr(word, local_start, global_start, speed_ratio, scale, start_lr, total_words):
    """The lr at a shard's word offset `word` in a round: the global word count is estimated as
    every shard progressing at the same pace through its share of the round."""
    return scale * _lr_at(start_lr, total_words, global_start + (word - local_start) * speed_ratio)


def plan_round(batch_starts, round_index, n_rounds):
    """(first, last) batches of a shard in a round: those starting in its r-th 1/n of words."""
    size = batch_starts[-1]
    bounds = [size * round_index // n_rounds, size * (round_index + 1) // n_rounds]
    first, last = np.searchsorted(batch_starts[:-1], bounds, side="left")
    return int(first), int(last)


def train_on_cluster(client, corpus_path, config, sync_words=None, shards=None,
                     lr_scale=None, progress=True, checkpointing=None, resume=None,
                     after_round=None, overlap=None, merge=None):
    """Train on the Dask cluster of `client`; returns a Word2VecModel like `trainer.train`.

    shards: how many parts the corpus is cut into (default: one per worker; a resumed run keeps
    its own, and its other settings). sync_words: words per shard between merges (default:
    `default_sync_words`). lr_scale: each replica's lr multiplier, also the divisor of the merge
    (default: `default_lr_scale`). merge: "mean" (a row's summed changes over max(lr_scale,
    replicas that changed it)), "sum" (over lr_scale) or "split" (the most frequent rows over
    the replicas that changed them, the others over lr_scale); default: `default_merge`; see
    `merge_changes`. overlap: merge while the replicas train the next round (`_ClusterRun`).
    after_round(position): called at each merge boundary (tests use it to kill a worker).
    """
    config.validate()
    check_settings(sync_words=sync_words or 1, lr_scale=lr_scale, merge=merge)
    started = time.perf_counter()
    n_shards = shards or len(client.scheduler_info()["workers"])
    settings = resume.extra["cluster"] if resume else {
        "shards": n_shards, "sync_words": sync_words or default_sync_words(n_shards)}
    source = TextSource(corpus_path, config.lowercase, config.encoding, config.errors)
    sources = source.shards(settings["shards"])
    settings.setdefault("merge", merge or default_merge(config, len(sources)))
    check_settings(len(sources), merge=settings["merge"])
    settings["lr_scale"] = (settings.get("lr_scale") or lr_scale
                            or default_lr_scale(settings["merge"], len(sources)))
    if len(sources) < settings["shards"] and progress:
        print(f"warning: the corpus has too few lines for {settings['shards']} shards: "
              f"{len(sources)} train", file=sys.stderr)
    settings.setdefault("overlap", bool(overlap))
    pending = None
    try:
        if resume:
            vocab = Vocab(resume.words, resume.counts)
            W_in, W_out, position = resume.W_in, resume.W_out, Position(**resume.position)
            pending = _pending_from_arrays(resume.arrays, len(sources))
        else:
            counts = count_on_cluster(client, sources,
                                      keep_on=home_workers(client, len(sources)))
            vocab = build_vocab(list(counts), list(counts.values()), config.min_count,
                                config.max_vocab or None)
            W_in, W_out, position = *initial_weights(len(vocab), config), Position()
        _say(progress, f"vocabulary: {len(vocab):,} words, {vocab.n_tokens:,} tokens; "
                       f"{len(sources)} shards, merged every {settings['sync_words']:,} words "
                       f"per shard")
        run = _ClusterRun(client, sources, vocab, config, settings, position, W_in, W_out,
                          pending)
    finally:
        with contextlib.suppress(Exception):  # a lost worker took its scans with it
            client.run(drop_kept_scans)
    save = None
    if checkpointing:
        checkpointing.extra["cluster"] = settings

        def save(position):
            checkpointing.arrays = _pending_as_arrays(run.pending)
            _write_checkpoint(checkpointing, corpus_path, config, vocab, W_in, W_out, position)
    try:
        run.train(progress, save,
                  checkpointing.every_seconds if checkpointing else None, after_round)
    except TrainingInterrupted as stopped:
        raise TrainingInterrupted(f"{stopped}; checkpoint saved to {checkpointing.path}; "
                                  f"resume with: w2v train --resume {checkpointing.path}")
    finally:
        run.replicas.close()
    log = _training_log(config, vocab, position.history, time.perf_counter() - started)
    log["cluster"] = {"workers": len(client.scheduler_info()["workers"]), **settings, **run.stats,
                      "workers_lost": run.replicas.failures,
                      "rounds_sent_again": run.replicas.resent}
    return Word2VecModel.from_weights(vocab.words, vocab.counts, W_in, W_out, log, position,
                                      corpus_path)


def _nbytes(changes):
    """Bytes of (rows, values) pairs, nested in lists."""
    if changes is None:
        return 0
    if isinstance(changes, tuple) and isinstance(changes[0], np.ndarray):
        return sum(a.nbytes for a in changes)
    return sum(_nbytes(c) for c in changes)


def _pending_as_arrays(pending):
    """The shards' changes not merged yet, as named arrays for a checkpoint."""
    arrays = {}
    for k, shard in enumerate(pending or []):
        for name, (rows, change) in zip(("in", "out"), shard):
            arrays[f"pending_{k}_{name}_rows"], arrays[f"pending_{k}_{name}"] = rows, change
    return arrays


def _pending_from_arrays(arrays, shards):
    if "pending_0_in_rows" not in arrays:
        return None
    return [[(arrays[f"pending_{k}_{name}_rows"], arrays[f"pending_{k}_{name}"])
             for name in ("in", "out")] for k in range(shards)]


class _ClusterRun:
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
        self.config, self.position = config, position
        self.merged = [W_in, W_out]  # the merged model, updated in place
        self.pending = pending  # per shard: its last collected round's changes, not merged yet
        self.undo = None  # per matrix: rows and their values before the last merged change
        self.lone = len(sources) == 1  # one replica is the model: it sends values, not changes
        self.n_shards = len(sources)
        self.n_averaged = (averaged_rows(vocab.counts, vocab.n_tokens, settings["sync_words"])
                           if settings["merge"] == "split" else 0)
        self.stats = {"rounds": 0, "bytes_per_merge": 0, "merge_seconds": 0.0,
                      "rounds_seconds": 0.0, "replicas_training_seconds": 0.0,
                      "replicas_updating_seconds": 0.0, "replicas_waiting_seconds": 0.0,
                      "client_seconds": 0.0, "averaged_rows": self.n_averaged}
        self.collected_at = None
        self.submitted = 0  # rounds sent to the replicas by this process; the first collected is 0
        self.lr_scale = settings["lr_scale"]
        self.mean = settings["merge"] == "mean"
        self.overlap = settings["overlap"] and not self.lone
        if not self.overlap:  # a checkpoint's pending changes: merged before the replicas start
            self.apply(self.merge_pending())
            self.pending = None
        self.replicas = Replicas(client, sources, vocab, config, self.overlap, self.redo_state)
        self.starts = [np.asarray(s) for s in self.replicas.call("batch_starts")]
        self.sizes = [int(s[-1]) for s in self.starts]
        self.total_words = sum(self.sizes) * config.epochs
        self.n_rounds = max(1, -(-max(self.sizes) // settings["sync_words"]))
        self.in_flight = collections.deque()  # (calls, futures) per round, oldest first
        self.next_round = position.epoch * self.n_rounds + position.batch  # of the whole run

    def redo_state(self, k):
        """Where shard k's replica was before the oldest round in flight, and that round: the
        merged model; overlapped, without the last merged change, plus the shard's pending
        change."""
        if not self.overlap:
            return (*self.merged, None, self.stats["rounds"])
        merged = self.merged
        if self.undo is not None:
            merged = [M.copy() for M in merged]
            for M, (rows, values) in zip(merged, self.undo):
                M[rows] = values
        return (*merged, self.pending[k] if self.pending else None, self.stats["rounds"])

    def train(self, progress, save, every_seconds, after_round):
        position = self.position
        bar = _progress_bar(self.total_words, progress, initial=self.words_done())
        last_save = time.monotonic()
        self.submit(None)
        if self.overlap:
            self.advance()  # the second round in flight
        with checkpoint.stop_requests() as stop:
            while position.epoch < self.config.epochs:
                t0 = time.perf_counter()
                while position.batch < self.n_rounds:
                    self.collect(bar)
                    if after_round:
                        after_round(position)
                    due = every_seconds is not None and time.monotonic() - last_save >= every_seconds
                    if save and (stop.is_set() or due):
                        position.seconds += time.perf_counter() - t0
                        save(position)
                        t0, last_save = time.perf_counter(), time.monotonic()
                    if stop.is_set():
                        bar.close()
                        if not save:
                            raise KeyboardInterrupt
                        raise TrainingInterrupted(f"stopped in epoch {position.epoch + 1} "
                                                  f"({self.words_done() / self.total_words:.0%} of the run)")
                    self.advance()
                self.finish_epoch(time.perf_counter() - t0, bar, progress)
        bar.close()

    def advance(self):
        """Merge the pending changes into the model and send them with the next round."""
        merged_change = self.merge_pending()
        moved = _nbytes(self.pending) + _nbytes(merged_change) * self.n_shards
        self.stats["bytes_per_merge"] = max(self.stats["bytes_per_merge"], moved)
        self.submit(merged_change)  # first: the replicas wait for it, the client's model does not
        self.apply(merged_change)
        if not self.overlap:
            self.pending = None
        if self.collected_at is not None:
            self.stats["client_seconds"] += time.perf_counter() - self.collected_at

    def merge_pending(self):
        """The merged change of the shards' pending changes (None if there are none)."""
        if not self.pending:
            return None
        t0 = time.perf_counter()
        merged_change = _per_matrix(
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
        _per_matrix(lambda m: add_packed(self.merged[m], *merged_change[m], self.merged[m]))

    def submit(self, merged_change):
        """Queue the next round on every replica, with the merged change to apply first."""
        if self.next_round >= self.n_rounds * self.config.epochs:
            return
        epoch, batch = divmod(self.next_round, self.n_rounds)
        plans = [plan_round(s, batch, self.n_rounds) for s in self.starts]
        local = [int(s[first]) for s, (first, _) in zip(self.starts, plans)]
        words = [int(s[last]) - int(s[first]) for s, (first, last) in zip(self.starts, plans)]
        global_start = epoch * sum(self.sizes) + sum(local)
        calls = []
        for k, (first, last) in enumerate(plans):
            lr_of_word = functools.partial(
                round_lr, local_start=local[k], global_start=global_start,
                speed_ratio=sum(words) / max(words[k], 1), scale=self.lr_scale,
                start_lr=self.config.start_lr, total_words=self.total_words)
            calls.append((merged_change, self.submitted, epoch, first, last, lr_of_word,
                          shard_seed(self.config.seed, k), self.lone))
        self.in_flight.append((calls, self.replicas.submit("train", calls)))
        self.next_round += 1
        self.submitted += 1

    def collect(self, bar):
        """Wait for the oldest round in flight and take its results: the shards' changes become
        the pending ones (a lone replica's values go into the model)."""
        results = [self.replicas.result(k, self.in_flight) for k in range(self.n_shards)]
        self.in_flight.popleft()
        if self.lone:  # its values are the model
            for M, (rows, values) in zip(self.merged, results[0][0]):
                M[rows] = values
            self.stats["bytes_per_merge"] = max(self.stats["bytes_per_merge"],
                                                _nbytes(results[0][0]))
        else:
            self.pending = [r[0] for r in results]
        position = self.position
        loss = math.fsum(r[1] for r in results)
        _check_finite(loss, position.epoch)
        position.loss += loss
        position.pairs += sum(r[2] for r in results)
        position.batch += 1
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
        words_trained = sum(r[3] for r in results)
        del results  # the replicas' rows: hand their memory back before the next round's
        _return_freed_memory()
        bar.update(words_trained)
        bar.set_postfix(lr=f"{self.lr_at(self.words_done()):.5f}",
                        loss=f"{position.loss / max(position.pairs, 1):.4f}", refresh=False)

    def lr_at(self, words_done):
        return _lr_at(self.config.start_lr, self.total_words, words_done)

    def words_done(self):
        position = self.position
        within = sum(int(s[plan_round(s, position.batch, self.n_rounds)[0]])
                     if position.batch < self.n_rounds else int(s[-1]) for s in self.starts)
        return position.epoch * sum(self.sizes) + within

    def finish_epoch(self, seconds, bar, progress):
        _check_weights_finite(*self.merged, self.position.epoch)
        end_epoch(self.position, sum(self.sizes), seconds, self.config.epochs, bar, progress)


def _per_matrix(work):
    """[work(0), work(1)]: the input and the output matrix at once, in two threads (the Numba
    parts release the GIL; while the client merges, the replicas wait and leave the cores free)."""
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        return list(pool.map(work, range(2)))


def shard_seed(seed, shard):
    """Shard 0 uses the run's seed, so a one-shard cluster run equals a one-process run."""
    return (seed + shard * 0x9E3779B97F4A7C15) % (1 << 64)
