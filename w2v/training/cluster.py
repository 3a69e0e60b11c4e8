"""Training on a Dask cluster: one replica of the weights per worker, averaged every few words.

The corpus is cut into one shard per worker (`TextSource.shards`); every worker reads its own
shard (a shared filesystem: the client never ships text). Words are counted by Dask tasks and the
counts merged by a tree reduction, so the vocabulary equals the one-process vocabulary. Each shard
then trains on a replica held by a Dask actor, `sync_words` words per round; after every round the
client averages the rows that changed and sends them back with the next round's request, so after
a merge every replica equals the merged model. That makes a round a pure function of (merged
model, shard, round): a worker lost mid-round is replaced and its round redone from the merged
model, giving the same bits; with one thread per worker the whole run is bit-reproducible.

Averaging K replicas divides every row's progress by K, so each replica trains at s times the
learning rate, s = min(K, MAX_LR_SCALE), and a row's merged change is the sum of the replicas'
changes over max(s, the replicas that changed it) (`average_changes`): for K <= 4 the mean of the
replicas. The measurements behind these choices are in BENCHMARKS.md.
"""

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
from .corpus import TextSource, scan
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
        if progress:
            where = f", dashboard {client.dashboard_link}" if _has_dashboard(client) else ""
            print(f"Dask cluster: {len(client.scheduler_info()['workers'])} workers{where}",
                  file=sys.stderr)
        yield client


def check_settings(workers=None, sync_words=1, lr_scale=None):
    check_parameter(workers is None or workers >= 1, f"workers must be >= 1, got {workers}",
                    "workers")
    check_parameter(sync_words >= 1, f"sync_words must be >= 1, got {sync_words}", "sync_words")
    check_parameter(lr_scale is None or (math.isfinite(lr_scale) and lr_scale > 0),
                    f"lr_scale must be > 0 and finite, got {lr_scale}", "lr_scale")


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


# --- the vocabulary: counted shard by shard on the workers, merged by a tree reduction ---------


def count_words(source):
    """The words of one shard and their counts (runs on a worker), as `WordCounts`."""
    with tempfile.TemporaryDirectory(prefix="w2v-count-") as folder:
        try:
            scanned = scan(source, os.path.join(folder, "tokens.int32"))
        except W2VError as exc:
            raise on_worker(exc) from None
        return WordCounts.of(list(scanned.words), scanned.counts)


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


def count_on_cluster(client, shards, fan_in=4):
    """The corpus's {word: count}: one task per shard, merged `fan_in` at a time."""
    level = client.map(count_words, shards, pure=False)
    while len(level) > 1:
        level = [client.submit(add_counts, *level[i : i + fan_in], pure=False)
                 for i in range(0, len(level), fan_in)]
    counted = level[0].result()
    return dict(zip(counted.words(), counted.counts.tolist()))


# --- the replica of one shard, held by a Dask actor --------------------------------------------


class ShardTrainer:
    """A shard's token ids and a replica of the weights, on one worker."""

    def __init__(self, source, words, counts, config, W_in, W_out):
        from .trainer import TrainConfig

        self.config = TrainConfig(**config)
        vocab = Vocab(words, counts)
        self.folder = tempfile.mkdtemp(prefix="w2v-shard-")
        try:
            scanned = scan(source, os.path.join(self.folder, "tokens.int32"))
        except W2VError as exc:
            raise on_worker(exc) from None
        self.corpus = scanned.encode(vocab.index)
        self.step = batch_function(self.config, vocab)
        self.W_in, self.W_out = np.array(W_in), np.array(W_out)
        self.merged_in, self.merged_out = np.array(W_in), np.array(W_out)

    def __del__(self):
        shutil.rmtree(getattr(self, "folder", ""), ignore_errors=True)

    def batch_starts(self):
        """The word offset of each batch and the shard's size: for planning rounds."""
        return self.corpus.batch_tokens

    def train(self, merge, epoch, first, last, lr_of_word, seed):
        """Apply the last merge, train batches first..last-1 of the plan, and return the rows that
        changed (indices and values) with the loss, predictions and words."""
        if merge is not None:
            self._apply(merge)
        starts = self.corpus.batch_tokens

        def run(index):
            return self.step(*self.corpus.batch(index), self.W_in, self.W_out,
                             lr_of_word(starts[index]), lr_of_word(starts[index + 1]),
                             batch_seed(seed, epoch, index))

        with concurrent.futures.ThreadPoolExecutor(self.config.threads) as pool:
            results = list(pool.map(run, range(first, last)))
        loss = math.fsum(loss for loss, _ in results)
        pairs = sum(pairs for _, pairs in results)
        words = int(starts[last] - starts[first]) if last > first else 0
        changed = _changed(self.W_in, self.merged_in), _changed(self.W_out, self.merged_out)
        return changed, loss, pairs, words

    def _apply(self, merge):
        for (rows, values), W, merged in zip(merge, (self.W_in, self.W_out),
                                             (self.merged_in, self.merged_out)):
            W[rows] = values
            merged[rows] = values


def _changed(W, merged):
    """The rows of W that differ from the last merge, and their values."""
    rows = _differing_rows(W, merged)
    return rows, W[rows]


@numba.njit(nogil=True, cache=True)
def _differing_rows(A, B):
    rows = np.empty(A.shape[0], np.int64)
    n = 0
    for r in range(A.shape[0]):
        for t in range(A.shape[1]):
            if A[r, t] != B[r, t]:
                rows[n] = r
                n += 1
                break
    return rows[:n]


# --- the client: rounds, merges, faults, checkpoints -------------------------------------------


class Replicas:
    """The shards' actors, created on the cluster's workers, replaced when a worker is lost."""

    def __init__(self, client, shards, vocab, config, W_in, W_out):
        self.client, self.shards, self.vocab, self.config = client, shards, vocab, config
        self.allowed_failures = _allowed_failures()
        self.failures = 0
        workers = sorted(client.scheduler_info()["workers"])
        weights = client.scatter([W_in, W_out], broadcast=True, hash=False)
        starting = [self._submit(k, weights, workers[k % len(workers)]) for k in range(len(shards))]
        self.actors = [self._started(k, future, W_in, W_out) for k, future in enumerate(starting)]

    def _submit(self, k, weights, worker):
        """Start the actor of shard k on `worker` (if it is still there) from `weights`."""
        return self.client.submit(ShardTrainer, self.shards[k], self.vocab.words,
                                  self.vocab.counts, dataclasses.asdict(self.config), *weights,
                                  actor=True, workers=worker and [worker], allow_other_workers=True,
                                  pure=False)

    def _started(self, k, future, W_in, W_out):
        """The actor of `future`; started again from (W_in, W_out) while workers are lost."""
        while True:
            try:
                return future.result()
            except _LOST_WORKER as lost:
                self._count_failure(lost)
                future = self._submit(k, self.client.scatter([W_in, W_out], hash=False), None)

    def call(self, method, args_per_shard, W_in, W_out):
        """Call `method` on every shard's actor; a shard whose worker is lost gets a new actor
        started from (W_in, W_out) and is called again without its merge argument (the new
        replica already equals the merged model)."""
        pending = [getattr(actor, method)(*args) for actor, args in zip(self.actors, args_per_shard)]
        results = []
        for k, future in enumerate(pending):
            while True:
                try:
                    results.append(future.result())
                    break
                except W2VError:
                    raise
                except _LOST_WORKER as lost:  # "Unable to contact Actor's worker"
                    self._count_failure(lost)
                    self._replace(k, W_in, W_out)
                    args = args_per_shard[k]
                    future = getattr(self.actors[k], method)(*(args and (None, *args[1:])))
        return results

    def _count_failure(self, lost):
        self.failures += 1
        if self.failures > self.allowed_failures:
            raise W2VError(f"workers were lost {self.failures} times, more than Dask's "
                           f"allowed failures ({self.allowed_failures}; "
                           f"distributed.scheduler.allowed-failures): {lost}")

    def _replace(self, k, W_in, W_out):
        self.client.wait_for_workers(1, timeout=120)
        busy = {getattr(actor, "_address", None) for i, actor in enumerate(self.actors) if i != k}
        workers = sorted(self.client.scheduler_info()["workers"])
        idle = [w for w in workers if w not in busy] or workers
        weights = self.client.scatter([W_in, W_out], hash=False)
        self.actors[k] = self._started(k, self._submit(k, weights, idle[0]), W_in, W_out)


# an actor's worker gone (CommClosedError is an OSError), or the data scattered to it
_LOST_WORKER = (OSError, concurrent.futures.CancelledError)


def _allowed_failures():
    import dask

    return int(dask.config.get("distributed.scheduler.allowed-failures", 3))


def average_changes(W, changes, divisor):
    """Merge the replicas' changes into W (the merged model, in place): `changes` holds each
    replica's changed (rows, values); its other rows equal W. A row changed by c replicas gets
    the sum of their changes divided by max(divisor, c): with `divisor` the number of replicas
    that is their mean; with `divisor` the lr multiplier s of the replicas, a row only one
    replica changed moves as one process would move it, and a row many changed moves by the mean
    of their changes. Summed in a fixed order, so the result does not depend on who finished
    first (one replica gives its own values exactly). Returns the rows changed and their values."""
    total = np.zeros((len(W), W.shape[1]), W.dtype)
    replicas = np.zeros(len(W), np.int32)
    for rows, values in changes:
        _accumulate(total, replicas, rows, values)
    rows = np.flatnonzero(replicas)
    _merge_rows(W, total, replicas, rows, divisor)
    return rows, W[rows]


@numba.njit(nogil=True, cache=True)
def _accumulate(total, replicas, rows, values):
    for i in range(rows.shape[0]):
        replicas[rows[i]] += 1
        for t in range(values.shape[1]):
            total[rows[i], t] += values[i, t]


@numba.njit(nogil=True, cache=True)
def _merge_rows(W, total, replicas, rows, divisor):
    """W[r] = (sum of the c replicas' values + (d - c) * W[r]) / d, d = max(divisor, c): W[r]
    plus the sum of the changes over d."""
    for r in rows:
        d = max(divisor, replicas[r])
        unchanged = W.dtype.type(d - replicas[r])
        for t in range(W.shape[1]):
            W[r, t] = (total[r, t] + unchanged * W[r, t]) / d


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
                     after_round=None):
    """Train on the Dask cluster of `client`; returns a Word2VecModel like `trainer.train`.

    shards: how many parts the corpus is cut into (default: one per worker; a resumed run keeps
    its own). sync_words: words per shard between merges (default: `default_sync_words`).
    lr_scale: each replica's lr multiplier, also the divisor of the merge (default: the number
    of shards, at most MAX_LR_SCALE).
    after_round(position): called at each merge boundary (tests use it to kill a worker).
    """
    config.validate()
    check_settings(sync_words=sync_words or 1, lr_scale=lr_scale)
    started = time.perf_counter()
    n_shards = shards or len(client.scheduler_info()["workers"])
    settings = resume.extra["cluster"] if resume else {
        "shards": n_shards, "sync_words": sync_words or default_sync_words(n_shards)}
    source = TextSource(corpus_path, config.lowercase, config.encoding, config.errors)
    sources = source.shards(settings["shards"])
    settings["lr_scale"] = settings.get("lr_scale") or lr_scale or min(len(sources), MAX_LR_SCALE)
    if len(sources) < settings["shards"] and progress:
        print(f"warning: the corpus has too few lines for {settings['shards']} shards: "
              f"{len(sources)} train", file=sys.stderr)
    if resume:
        vocab = Vocab(resume.words, resume.counts)
        W_in, W_out, position = resume.W_in, resume.W_out, Position(**resume.position)
    else:
        counts = count_on_cluster(client, sources)
        vocab = build_vocab(list(counts), list(counts.values()), config.min_count,
                            config.max_vocab or None)
        W_in, W_out, position = *initial_weights(len(vocab), config), Position()
    _say(progress, f"vocabulary: {len(vocab):,} words, {vocab.n_tokens:,} tokens; "
                   f"{len(sources)} shards, merged every {settings['sync_words']:,} words per shard")
    replicas = Replicas(client, sources, vocab, config, W_in, W_out)
    run = _ClusterRun(replicas, config, settings, position, W_in, W_out)
    save = None
    if checkpointing:
        checkpointing.extra["cluster"] = settings
        save = functools.partial(_write_checkpoint, checkpointing, corpus_path, config, vocab,
                                 W_in, W_out)
    try:
        run.train(progress, save,
                  checkpointing.every_seconds if checkpointing else None, after_round)
    except TrainingInterrupted as stopped:
        raise TrainingInterrupted(f"{stopped}; checkpoint saved to {checkpointing.path}; "
                                  f"resume with: w2v train --resume {checkpointing.path}")
    log = _training_log(config, vocab, position.history, time.perf_counter() - started)
    log["cluster"] = {"workers": len(client.scheduler_info()["workers"]), **settings, **run.stats}
    return Word2VecModel.from_weights(vocab.words, vocab.counts, W_in, W_out, log, position,
                                      corpus_path)


class _ClusterRun:
    """The epoch loop in rounds: every shard trains its share of a round, then the client
    averages what changed and sends it back with the next round."""

    def __init__(self, replicas, config, settings, position, W_in, W_out):
        self.replicas, self.config, self.position = replicas, config, position
        self.W_in, self.W_out = W_in, W_out  # the merged model
        no_arguments = [()] * len(replicas.actors)
        self.starts = [np.asarray(s) for s in replicas.call("batch_starts", no_arguments, W_in, W_out)]
        self.sizes = [int(s[-1]) for s in self.starts]
        self.total_words = sum(self.sizes) * config.epochs
        self.n_rounds = max(1, -(-max(self.sizes) // settings["sync_words"]))
        self.lr_scale = settings["lr_scale"]
        self.stats = {"rounds": 0, "bytes_per_merge": 0, "merge_seconds": 0.0}

    def train(self, progress, save, every_seconds, after_round):
        position, merge = self.position, None
        bar = _progress_bar(self.total_words, progress, initial=self.words_done())
        last_save = time.monotonic()
        with checkpoint.stop_requests() as stop:
            while position.epoch < self.config.epochs:
                t0 = time.perf_counter()
                while position.batch < self.n_rounds:
                    merge = self.run_round(merge, bar)
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
                self.finish_epoch(time.perf_counter() - t0, bar, progress)
        bar.close()

    def run_round(self, merge, bar):
        position = self.position
        plans = [plan_round(s, position.batch, self.n_rounds) for s in self.starts]
        local = [int(s[first]) for s, (first, _) in zip(self.starts, plans)]
        words = [int(s[last]) - int(s[first]) for s, (first, last) in zip(self.starts, plans)]
        global_start = position.epoch * sum(self.sizes) + sum(local)
        calls = []
        for k, (first, last) in enumerate(plans):
            lr_of_word = functools.partial(
                round_lr, local_start=local[k], global_start=global_start,
                speed_ratio=sum(words) / max(words[k], 1), scale=self.lr_scale,
                start_lr=self.config.start_lr, total_words=self.total_words)
            calls.append((merge, position.epoch, first, last, lr_of_word, shard_seed(self.config.seed, k)))
        results = self.replicas.call("train", calls, self.W_in, self.W_out)
        merged_at = time.perf_counter()
        n = len(results)
        # replicas at lr x s: a row's changes over max(s, c), the mean of the replicas if s = n
        merge = (average_changes(self.W_in, [r[0][0] for r in results], self.lr_scale),
                 average_changes(self.W_out, [r[0][1] for r in results], self.lr_scale))
        loss = math.fsum(r[1] for r in results)
        _check_finite(loss, position.epoch)
        position.loss += loss
        position.pairs += sum(r[2] for r in results)
        position.batch += 1
        self.stats["rounds"] += 1
        self.stats["merge_seconds"] += time.perf_counter() - merged_at
        words_trained = sum(r[3] for r in results)
        sent = sum(rows.nbytes + values.nbytes for rows, values in merge)
        received = sum(rows.nbytes + values.nbytes for r in results for rows, values in r[0])
        self.stats["bytes_per_merge"] = max(self.stats["bytes_per_merge"], sent * n + received)
        del results  # the replicas' rows: hand their memory back before the next round's
        _return_freed_memory()
        bar.update(words_trained)
        bar.set_postfix(lr=f"{self.lr_at(self.words_done()):.5f}",
                        loss=f"{position.loss / max(position.pairs, 1):.4f}", refresh=False)
        return merge

    def lr_at(self, words_done):
        return _lr_at(self.config.start_lr, self.total_words, words_done)

    def words_done(self):
        position = self.position
        within = sum(int(s[plan_round(s, position.batch, self.n_rounds)[0]])
                     if position.batch < self.n_rounds else int(s[-1]) for s in self.starts)
        return position.epoch * sum(self.sizes) + within

    def finish_epoch(self, seconds, bar, progress):
        _check_weights_finite(self.W_in, self.W_out, self.position.epoch)
        end_epoch(self.position, sum(self.sizes), seconds, self.config.epochs, bar, progress)


def shard_seed(seed, shard):
    """Shard 0 uses the run's seed, so a one-shard cluster run equals a one-process run."""
    return (seed + shard * 0x9E3779B97F4A7C15) % (1 << 64)
