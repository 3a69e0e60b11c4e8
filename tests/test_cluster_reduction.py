"""Merging on the workers (`cluster.reduction`): the same bits as the client's merge, and the
client's bytes per round flat in the number of workers."""

import types

import numpy as np
import pytest

distributed = pytest.importorskip("distributed", reason="the cluster extra (w2v[dask]) is not installed")

from w2v import train  # noqa: E402
from w2v.training.cluster.merge import merge_changes  # noqa: E402
from w2v.training.cluster import reduction  # noqa: E402
from w2v.training.cluster.replica import ReplicaLost, ShardTrainer, on_replica  # noqa: E402


# the last row's first value per shard: summed (0 1) (2 3) they make 1 + 2**-8 + 2**-23,
# bfloat16's 1 + 2**-7; summed in a row, 1 + 2**-8 (each 2**-24 a tie, to even), bfloat16's 1.0
ORDER_TELLS = [1.0, 2**-8, 2**-24, 2**-24]


def random_change(rng, n_rows, dim, shard):
    """Values of magnitudes far apart; the last row tells the order of the sum (ORDER_TELLS)."""
    rows = np.union1d([n_rows - 1], rng.choice(n_rows, rng.integers(1, n_rows), replace=False))
    scales = 10.0 ** rng.integers(-6, 2, (len(rows), dim))
    values = (rng.normal(0, 1, (len(rows), dim)) * scales).astype(np.float32)
    values[-1, 0] = ORDER_TELLS[shard] if shard < len(ORDER_TELLS) else 0.0
    return rows, values


class EagerClient:
    """Runs each submitted task at once, where it is submitted (its result is the "future")."""

    def submit(self, function, *args, pure=True, **where):
        return function(*args)


@pytest.mark.parametrize("shards", [2, 3, 5])
def test_the_workers_tree_gives_the_clients_bits(shards, monkeypatch):
    rng = np.random.default_rng(shards)
    changes = [[random_change(rng, 40, 6, k), random_change(rng, 40, 6, k)]
               for k in range(shards)]
    replicas = {f"replica-{k}": types.SimpleNamespace(kept={7: change})
                for k, change in enumerate(changes)}
    monkeypatch.setattr(reduction, "on_replica", lambda key, method, *args: getattr(
        ShardTrainer, method)(replicas[key], *args))
    settings = (8, True, 3)  # the last row over 8: the sum's bits as they are
    actors = [types.SimpleNamespace(key=key) for key in replicas]
    merged, sent = reduction.submit_merge(EagerClient(), actors, [None] * shards, 7, settings)
    assert sent > 0
    for m in range(2):
        rows, change = merge_changes([c[m] for c in changes], (40, 6), *settings)
        assert np.array_equal(merged[m][0], rows)
        assert np.array_equal(merged[m][1], change), f"matrix {m}: other bits on the workers"


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
