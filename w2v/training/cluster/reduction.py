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


def submit_merge(client, actors, addresses, sequence, settings, trained=None):
    """The future of round `sequence`'s merged change of the `actors`' replicas (`addresses`:
    their workers), reduced pairwise on the workers; `settings`: (divisor, mean, n_averaged) of
    `merge.finish`. Each replica's change is taken by a task on its worker (a task that lands
    elsewhere, its worker lost, fails at once: `replica.on_replica`), once the future of its
    round in `trained` (if given) is done: a merge submitted with its round starts on the
    workers as soon as the round ends. Returns the future and the bytes the client sent."""
    sent = 0

    def submit(function, *args, **where):
        nonlocal sent
        sent += len(pickle.dumps(args))
        return client.submit(function, *args, pure=False, **where)

    level = [submit(on_replica, actor.key, "take_change", sequence, after, **near(address))
             for actor, address, after in zip(actors, addresses, trained or [None] * len(actors))]
    combine = merge_shards  # the first level makes every change a partial sum, a lone one too
    while True:
        final = len(level) <= 2
        level = [submit(combine, level[i : i + 2], settings if final else None)
                 if i + 1 < len(level) or combine is merge_shards else level[i]
                 for i in range(0, len(level), 2)]
        if final:
            return level[0], sent
        combine = merge_two


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
