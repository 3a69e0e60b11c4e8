"""Merging on the workers (`cluster.reduction`): the same bits as the client's merge, and the
client's bytes per round flat in the number of workers."""

import numpy as np
import pytest

distributed = pytest.importorskip("distributed", reason="the cluster extra (w2v[dask]) is not installed")

from w2v import train  # noqa: E402
from w2v.training.cluster.merge import merge_changes  # noqa: E402
from w2v.training.cluster.reduction import merge_shards, merge_two  # noqa: E402
from w2v.training.cluster.replica import ReplicaLost, on_replica  # noqa: E402


def random_change(rng, n_rows, dim):
    rows = np.sort(rng.choice(n_rows, rng.integers(1, n_rows), replace=False))
    return rows, rng.normal(0, 1e-2, (len(rows), dim)).astype(np.float32)


@pytest.mark.parametrize("shards", [2, 3, 5])
def test_the_workers_tree_gives_the_clients_bits(shards):
    rng = np.random.default_rng(shards)
    changes = [[random_change(rng, 40, 6), random_change(rng, 40, 6)] for _ in range(shards)]
    settings = (4, True, 3)
    # as reduction.submit_merge submits them: shards in pairs, then the sums pairwise
    level = [merge_shards(changes[i : i + 2], settings if shards <= 2 else None)
             for i in range(0, shards, 2)]
    while len(level) > 1:
        final = len(level) <= 2
        level = [merge_two(level[i : i + 2], settings if final else None)
                 if i + 1 < len(level) else level[i] for i in range(0, len(level), 2)]
    for m in range(2):
        rows, change = merge_changes([c[m] for c in changes], (40, 6), *settings)
        assert np.array_equal(level[0][m][0], rows)
        assert np.array_equal(level[0][m][1], change), f"matrix {m}: other bits on the workers"


def test_a_task_landing_where_its_replica_is_not_says_the_replica_is_lost():
    with pytest.raises(ReplicaLost, match="not on this worker"):
        on_replica("ShardTrainer-1", "take_change", 3)


@pytest.fixture(scope="module")
def corpus(planted_corpus):
    return planted_corpus(3000, 5)


def test_client_bytes_per_round_do_not_grow_with_the_workers(corpus):
    """The same words together per round on 2 and 4 workers; nearly every row changes, so the
    merged change is the same size: the client sends and receives as much (before the merges
    moved to the workers, it received every worker's change and sent each the merged one: 2x)."""
    logs = {n: train(corpus, threads=1, epochs=1, dim=24, dask_workers=n, sync_words=16_000 // n,
                     progress=False).log["cluster"] for n in (2, 4)}
    two, four = logs[2]["client_bytes_per_round"], logs[4]["client_bytes_per_round"]
    assert 0 < four < 1.2 * two, logs
    # what moved among the workers did grow: every worker's change, and the merge to each
    assert logs[4]["bytes_per_merge"] > 1.6 * logs[2]["bytes_per_merge"], logs
