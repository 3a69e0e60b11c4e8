"""The vocabulary of a cluster run: words counted shard by shard on the workers (each keeps
its scan for its replica) and the counts merged by a tree reduction, so the vocabulary equals
the one-process vocabulary."""

import dataclasses
import os
import shutil
import tempfile

import numpy as np

from ...errors import W2VError
from ...text.corpus import scan
from .connection import on_worker, scratch_directory


def count_words(source, keep=False):
    """The words of one shard and their counts (runs on a worker), as `WordCounts`. With
    `keep`, the scan (its token cache) stays on the worker for the shard's replica to take
    (`take_scan`), so the replica does not read the text again."""
    folder, scanned = scan_shard(source)
    if keep:
        kept_scans[repr(source)] = folder, scanned
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


kept_scans = {}  # on a worker: repr(shard) -> (folder, scan) counted here, not yet taken


def take_scan(source):
    """The scan of `source` counted on this worker with `keep` (and its folder), or a new one."""
    return kept_scans.pop(repr(source), None) or scan_shard(source)


def drop_kept_scans():
    """Remove the scans no replica took (its worker was lost, or it started elsewhere)."""
    while kept_scans:
        shutil.rmtree(kept_scans.popitem()[1][0], ignore_errors=True)


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


def home_workers(client, shards):
    """The worker each shard is counted and trained on (if it stays): in turn, by address."""
    workers = sorted(client.scheduler_info()["workers"])
    return [workers[k % len(workers)] for k in range(shards)]
