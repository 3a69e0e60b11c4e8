"""The cluster engine: rounds over replicas on Dask, behind the same interface as the
one-process engine (`local.LocalEngine`), so the pipeline runs both.

The corpus is cut into one shard per worker (`TextSource.shards`, phrases joined on the worker);
every worker reads its own shard (a shared filesystem: the client never ships text). Words are
counted by Dask tasks (`counting`), so the vocabulary equals the one-process vocabulary; then
each shard trains on a replica (`replica`, `pool`), round after round (`rounds`).
"""

import contextlib
import warnings

from ...errors import W2VWarning
from ..preparation import Counted
from .config import ClusterConfig
from .codec import add_packed
from .connection import connect
from .counting import count_on_cluster, drop_kept_scans, home_workers
from .merge import pending_as_arrays, pending_from_arrays
from .rounds import Rounds

SETTINGS = ("sync_words", "lr_scale", "merge", "overlap")  # what a checkpoint keeps


class ClusterEngine:
    """Rounds over replicas on the Dask cluster that `cluster` (a ClusterConfig) names; a
    resumed run passes its checkpoint's settings as `resumed` (shards and SETTINGS)."""

    name = "cluster"

    def __init__(self, config, cluster, resumed=None):
        self.config, self.cluster, self.resumed = config, cluster, resumed
        self.rounds, self.unmerged = None, False

    @contextlib.contextmanager
    def opened(self, progress):
        workers = self.cluster.dask_workers
        if workers is None and self.cluster.scheduler is None:  # resumed: as many as before
            workers = self.resumed["shards"]
        with connect(workers, self.cluster.scheduler, self.config.threads, progress) as client:
            self.client = client
            try:
                yield self
            finally:
                self.close()

    def read(self, source, count):
        """Cut `source` into shards; with `count`, count their words on the workers (each
        keeping its scan for its replica) and return them as a Counted."""
        workers = len(self.client.scheduler_info()["workers"])
        wanted = self.resumed["shards"] if self.resumed else workers
        self.sources = source.shards(wanted)
        if self.resumed:
            self.settings = ClusterConfig(**{k: self.resumed[k] for k in SETTINGS})
        else:
            self.settings = self.cluster.settled(self.config, len(self.sources))
        if len(self.sources) < wanted:
            warnings.warn(W2VWarning(f"the corpus has too few lines for {wanted} shards: "
                                     f"{len(self.sources)} train"), stacklevel=2)
        if not count:
            return None
        return Counted(count_on_cluster(self.client, self.sources,
                                        keep_on=home_workers(self.client, len(self.sources))))

    def describe(self):
        return (f"{len(self.sources)} shards, merged every {self.settings.sync_words:,} words "
                "per shard")

    def encode(self, vocab):
        """Nothing here: each replica encodes its shard when it starts."""

    def start(self, vocab, W_in, W_out, position, resume):
        """Start a replica per shard from W_in and W_out (and a checkpoint's pending changes);
        the weights are the merged model, updated in place."""
        pending = pending_from_arrays(resume.arrays, len(self.sources)) if resume else None
        try:
            self.rounds = Rounds(self.client, self.sources, vocab, self.config, self.settings,
                                 position, W_in, W_out, pending)
        finally:
            with contextlib.suppress(Exception):  # a lost worker took its scans with it
                self.client.run(drop_kept_scans)
        rounds = self.rounds
        self.epoch_words, self.total_words = rounds.epoch_words, rounds.total_words
        self.units = rounds.n_rounds
        self.longest_sentence = max(rounds.replicas.call("longest"))
        rounds.submit(None)
        if rounds.overlap:
            rounds.advance()  # the second round in flight

    def words_at(self, epoch, round_index):
        return self.rounds.words_at(epoch, round_index)

    def train_until(self, position, pause, boundary, account):
        """Collect rounds of `position.epoch` until the epoch ends or `pause()` asks for a stop
        after one. A round is merged (and the next one sent) only when the run goes on, so a
        pause sees the client's state right after a round: what a checkpoint stores."""
        while position.batch < self.units:
            if self.unmerged:
                self.rounds.advance()
            self.rounds.collect(account)
            self.unmerged = True
            if pause():
                return

    def weights(self):
        """The merged model (without the last round's changes while they wait to be merged)."""
        return tuple(self.rounds.merged)

    def current_input_vectors(self):
        """The input vectors with every collected round merged: a copy, for callbacks."""
        rounds = self.rounds
        W_in = rounds.merged[0].copy()
        change = rounds.merge_last() if self.unmerged else None
        if change is not None:
            add_packed(W_in, *change[0], W_in)
        return W_in

    def settings_kept(self):
        """The shards and the round settings, as a checkpoint and the log keep them."""
        return {"shards": len(self.sources), **{k: getattr(self.settings, k) for k in SETTINGS}}

    def checkpoint_state(self):
        return {"cluster": self.settings_kept()}, pending_as_arrays(self.rounds.pending_changes())

    def finish(self):
        """Merge the last collected round into the model."""
        if self.unmerged:
            self.rounds.apply(self.rounds.merge_last())
            self.rounds.pending, self.rounds.merging, self.unmerged = None, None, False

    def log(self):
        rounds = self.rounds
        return {"cluster": {"workers": len(self.client.scheduler_info()["workers"]),
                            **self.settings_kept(),
                            **rounds.stats, "workers_lost": rounds.replicas.failures,
                            "rounds_sent_again": rounds.replicas.resent}}

    def close(self):
        if self.rounds is not None:
            self.rounds.replicas.close()
