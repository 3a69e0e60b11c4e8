"""Merging on the workers: the replicas' changes of a round are summed pairwise by Dask tasks,
one tree per matrix (shards (0 1) (2 3) ..., then their sums pairwise; the input matrix's pairs
on the first worker of each pair, the output matrix's on the second, so both trees work at
once), the roots divide and pack the merged change, and the next round's tasks take it from
the workers holding it. The client sends a few small task descriptions and fetches the merged
change once, for its own copy of the model: its traffic per round does not grow with the
workers. The tree is the one `merge.merge_changes` sums in, so a merge gives the same bits on
the workers and on the client."""

import pickle

from .merge import add_partials, finish, in_tree, partial_of
from .pool import near
from .replica import on_replica


def submit_merge(client, actors, addresses, sequence, settings, trained=None):
    """The futures (one per matrix) of round `sequence`'s merged change of the `actors`'
    replicas (`addresses`: their workers), reduced pairwise on the workers; `settings`:
    (divisor, mean, n_averaged) of `merge.finish`. Each replica's change is taken by a task on
    its worker (a task that lands elsewhere, its worker lost, fails at once:
    `replica.on_replica`), once the future of its round in `trained` (if given) is done: a
    merge submitted with its round starts on the workers as soon as the round ends. Returns the
    futures and the bytes the client sent."""
    sent = 0

    def submit(function, *args, **where):
        nonlocal sent
        sent += len(pickle.dumps(args))
        return client.submit(function, *args, pure=False, **where)

    n, roots = len(actors), []
    for m in range(2):
        changes = [submit(on_replica, actor.key, "take_change", sequence, m, after, **near(where))
                   for actor, where, after in zip(actors, addresses, trained or [None] * n)]
        # every change becomes a partial sum (a lone one too); pair i on worker i + m
        level = [submit(merge_shards, changes[i : i + 2], settings if n <= 2 else None,
                        **near(addresses[min(i + m, n - 1)])) for i in range(0, n, 2)]
        while len(level) > 1:
            final = len(level) <= 2
            level = [submit(merge_two, level[i : i + 2], settings if final else None)
                     if i + 1 < len(level) else level[i] for i in range(0, len(level), 2)]
        roots.append(level[0])
    return roots, sent


def merge_shards(changes, settings=None):
    """On a worker: the partial sum of one or two replicas' changes of a matrix, or with
    `settings` the merged change."""
    return finished(in_tree([partial_of(change) for change in changes], add_partials), settings)


def merge_two(parts, settings=None):
    """On a worker: the partial sum of two partial sums, or the merged change."""
    return finished(add_partials(*parts), settings)


def finished(part, settings):
    return part if settings is None else finish(part, *settings)
