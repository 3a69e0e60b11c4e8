"""A cluster run's settings, declared once (`ClusterConfig`), and the defaults that held
quality in the measurements of BENCHMARKS.md.

Averaging K replicas divides every row's progress by K, so each replica trains at s times the
learning rate, s = min(K, MAX_LR_SCALE), and a row's merged change is the sum of the replicas'
changes over max(s, the replicas that changed it) (merge "mean", the default on up to 4 workers
but for CBOW on 2; for K <= 4 the mean of the replicas) or over s, at most twice the mean of
the replicas that changed it (merge "sum", the default on more: a plain sum over 4 diverged on
16 workers) (`merge.merge_changes`). Replicas merge every `words_per_merge(K)` words trained
together.
A rare row changes a little in a round, and one process would add the replicas' changes up; a
row a replica sees often in a round settles there, and its change is a step to where it
settles, which adding up overshoots. So "sum" averages the rows of the words a worker sees at
least AVERAGED_OCCURRENCES["sum"] times a round (`averaged_rows`). Merge "split", CBOW's
default on 2 workers (refused on more), is "sum" at the run's learning rate (s = 1), averaging
the words a worker sees at least AVERAGED_OCCURRENCES["split"] times a round.
"""

import dataclasses
import typing

import numpy as np

from ...errors import check_parameter
from ..options import POSITIVE_FINITE, at_least, option, validate

MERGE_RULES = ("mean", "sum", "split")
# merges that add changes up average the rows of words a worker sees this often a round:
# CBOW on 2 workers at lr x 1 (split), skip-gram on 8 at lr x 4 (sum) held best (BENCHMARKS.md)
AVERAGED_OCCURRENCES = {"split": 300, "sum": 5}
SPLIT_MAX_SHARDS = 2  # CBOW on 4 workers with "split": analogy 0.04-0.07 (0.30-0.31 with "mean")


WORDS_PER_MERGE = 2_000_000  # words all workers train between merges, on up to 2 workers
MANY_WORDS_PER_MERGE = 160_000  # ... on more: held on 4 workers, 8 at the edge (-0.010)
MAX_LR_SCALE = 4  # replicas at lr x 8 diverged on mix17m (skip-gram, lr 0.2); x 4 held


def words_per_merge(shards):
    """Words all the replicas train together between two merges (docs/benchmarks.md): 2,000,000
    held quality on 2 workers, but on 4 lost 0.030 of analogy accuracy where 160,000 held
    (-0.005); on 8, 160,000 lost 0.010 (and 80,000 did no better)."""
    return WORDS_PER_MERGE if shards <= 2 else MANY_WORDS_PER_MERGE


def default_sync_words(shards):
    """Words per worker between merges: `words_per_merge` shared by the workers."""
    return max(1_000, words_per_merge(shards) // shards)


def default_merge(config, shards):
    """"split" for CBOW on 2 workers, "sum" on more than MAX_LR_SCALE workers, else "mean":
    what held quality (BENCHMARKS.md, mean analogy accuracy over three seeds). On 2 workers CBOW
    scored 0.354 with "mean" (replicas at lr x 2, whatever the round length) and 0.363 with
    "split", one process 0.367-0.368; skip-gram 0.384 with "mean" and 0.376 with "split", one
    process 0.390-0.391. On 4 workers "split" broke CBOW (SPLIT_MAX_SHARDS). On 8 workers the
    replicas train at lr x MAX_LR_SCALE, not x 8, and the mean divided their progress by up to
    8: "sum" (divided by 4) scored 0.372 against 0.369 with "mean" (seed 1)."""
    if config.arch == "cbow" and shards == 2:
        return "split"
    return "sum" if shards > MAX_LR_SCALE else "mean"


def default_lr_scale(merge, shards):
    """Each replica's lr multiplier: "split" adds up the changes of all but the most frequent
    rows, so the replicas train at the run's lr; "mean" and "sum" divide them by the multiplier,
    so the replicas train faster, at most MAX_LR_SCALE times."""
    return 1 if merge == "split" else min(shards, MAX_LR_SCALE)


def averaged_rows(counts, n_tokens, sync_words, merge):
    """How many of the most frequent words (the first rows) a worker sees at least
    AVERAGED_OCCURRENCES[merge] times a round (none with "mean": it averages the rows many
    replicas change already). Their rows settle within a round (each replica's change is its
    step towards where they settle), so the replicas' changes are averaged; the others' changes
    add up, as one process would add them."""
    if merge not in AVERAGED_OCCURRENCES:
        return 0
    seen_per_round = np.asarray(counts, np.float64) * sync_words / max(n_tokens, 1)
    return int(np.count_nonzero(seen_per_round >= AVERAGED_OCCURRENCES[merge]))


@dataclasses.dataclass
class ClusterConfig:
    """How a run trains on Dask: where the workers are, how often replicas merge and how."""

    dask_workers: typing.Optional[int] = option(
        None, "train on a local Dask cluster of this many worker processes, {threads} threads "
        "each (needs pip install 'w2v[dask]')", check=at_least(1), metavar="N", table="")
    scheduler: typing.Any = option(
        None, "train on the Dask cluster at this address (tcp://HOST:8786; from Python also a "
        "distributed.Client); the corpus must be readable at the same path on every worker",
        metavar="ADDRESS", table="")
    sync_words: typing.Optional[int] = option(
        None, "cluster: words each worker trains between merges of the replicas (default: "
        f"{WORDS_PER_MERGE:,} / workers on up to 2 workers, else {MANY_WORDS_PER_MERGE:,} / "
        "workers)", check=at_least(1), metavar="N",
        table=f"{WORDS_PER_MERGE:,} / workers (more than 2: {MANY_WORDS_PER_MERGE:,} / workers)")
    lr_scale: typing.Optional[float] = option(
        None, "cluster: each worker's learning rate multiplier, since averaging the replicas "
        f"divides their progress (default: 1 with {{merge}} split, else the workers, at most "
        f"{MAX_LR_SCALE})", check=POSITIVE_FINITE, metavar="X", table="workers, at most 4")
    merge: typing.Optional[str] = option(
        None, "cluster: a row's merged change is the sum of the workers' changes over max(lr "
        "scale, workers that changed it) (mean, the default on up to 4 workers but for CBOW on "
        "2) or over the lr scale, at most twice the workers' mean, and the workers' mean for "
        f"the words each worker sees at least {AVERAGED_OCCURRENCES['sum']} times a round (sum, "
        f"the default on more than {MAX_LR_SCALE}; split: sum at lr scale 1 averaging the words "
        f"seen {AVERAGED_OCCURRENCES['split']} times, CBOW's default on 2 workers, refused on "
        "more)",
        choices=MERGE_RULES,
        table=f"mean (CBOW on 2 workers: split; more than {MAX_LR_SCALE} workers: sum)")
    overlap: bool = option(False, "cluster: merge while the workers train the next round (they "
                           "train on the merge of the round before; the same bits run to run)",
                           table="off")

    @property
    def wanted(self):
        """Whether these settings ask for a cluster at all."""
        return self.dask_workers is not None or self.scheduler is not None

    def validate(self):
        validate(self)
        check_parameter(self.dask_workers is None or self.scheduler is None,
                        "give {dask_workers} (a local cluster) or {scheduler} (an existing one), "
                        "not both", "dask_workers", "scheduler")
        for name in self.given() if not self.wanted else ():
            check_parameter(False, f"{{{name}}} applies to a cluster run: give {{dask_workers}} "
                            "or {scheduler} too", name, "dask_workers", "scheduler")
        _refuse_split(self.merge, self.dask_workers)
        return self

    def given(self):
        """The round settings given (not None / False), by name."""
        return {name: getattr(self, name) for name in ("sync_words", "lr_scale", "merge",
                                                       "overlap") if getattr(self, name)}

    def settled(self, config, shards):
        """A copy with every round setting decided for `shards` replicas of a `config` run."""
        merge = self.merge or default_merge(config, shards)
        _refuse_split(merge, shards)
        return dataclasses.replace(
            self, merge=merge, sync_words=self.sync_words or default_sync_words(shards),
            lr_scale=self.lr_scale or default_lr_scale(merge, shards))


def _refuse_split(merge, workers):
    check_parameter(merge != "split" or workers is None or workers <= SPLIT_MAX_SHARDS,
                    f"{{merge}} split holds quality on up to {SPLIT_MAX_SHARDS} workers and "
                    f"broke CBOW on 4 (BENCHMARKS.md); with {workers}, use mean or sum", "merge")
