"""Merging on the workers: the replicas' changes of a round are summed pairwise by Dask tasks
(a tree: shards (0 1) (2 3) ..., then their sums pairwise), the root divides and packs the
merged change, and the next round's tasks take it from the worker holding it. The client sends
a few small task descriptions and fetches the merged change once, for its own copy of the
model: its traffic per round does not grow with the workers. The tree is the one
`merge.merge_changes` sums in, so a merge gives the same bits on the workers and on the client."""

import pickle

from .merge import add_partials, finish, in_tree, partial_of
from .pool import near
from .replica import on_replica


def submit_merge(client, actors, addresses, sequence, settings):
    """The future of round `sequence`'s merged change of the `actors`' replicas (`addresses`:
    their workers), reduced pairwise on the workers; `settings`: (divisor, mean, n_averaged) of
    `merge.finish`. Each replica's change is taken by a task on its worker (a task that lands
    elsewhere, its worker lost, fails at once: `replica.on_replica`). Returns the future and
    the bytes of what the client sent."""
    sent, level, n = 0, [], len(actors)
    for actor, address in zip(actors, addresses):
        args = (actor.key, "take_change", sequence)
        sent += len(pickle.dumps(args))
        level.append(client.submit(on_replica, *args, pure=False, **near(address)))
    first = True
    while len(level) > 1 or first:
        final, pairs = len(level) <= 2, []
        for i in range(0, len(level), 2):
            if i + 1 == len(level) and not first:
                pairs.append(level[i])
                continue
            args = (level[i : i + 2], settings if final else None)
            sent += len(pickle.dumps(args))
            pairs.append(client.submit(merge_shards if first else merge_two, *args,
                                       pure=False))
        level, first = pairs, False
    return level[0], sent


def merge_shards(changes, settings=None):
    """On a worker: the partial sums (per matrix) of one or two replicas' changes, or with
    `settings` the merged change."""
    return finished([in_tree([partial_of(change[m]) for change in changes], add_partials)
                     for m in range(2)], settings)


def merge_two(parts, settings=None):
    """On a worker: the partial sums of two partial sums (per matrix), or the merged change."""
    return finished([add_partials(parts[0][m], parts[1][m]) for m in range(2)], settings)


def finished(parts, settings):
    return parts if settings is None else [finish(part, *settings) for part in parts]
