"""Training on a Dask cluster (a LocalCluster on loopback): the same vocabulary as one process,
bit-reproducible, a killed worker changes nothing, checkpoints resume exactly, one-line errors."""

import gzip
import logging
import os
from pathlib import Path
import signal
import subprocess
import sys

import numpy as np
import pytest

distributed = pytest.importorskip("distributed", reason="the cluster extra (w2v[dask]) is not installed")

from w2v import train  # noqa: E402
from w2v import synthetic  # noqa: E402
from w2v.errors import W2VError  # noqa: E402
from w2v.text.corpus import scan  # noqa: E402
from w2v.text.sources import TextSource  # noqa: E402
from w2v.training import checkpoint  # noqa: E402
from w2v.training.cluster import counting  # noqa: E402
from w2v.training.cluster.codec import pack, unpack  # noqa: E402
from w2v.training.cluster.counting import count_on_cluster  # noqa: E402
from w2v.training.cluster.merge import merge_changes  # noqa: E402
from w2v.training.run import TrainingInterrupted  # noqa: E402

CONFIG = dict(threads=1, epochs=2, dim=24)
SYNC_WORDS = 15_000


def train_on_cluster(client, corpus, config=CONFIG, sync_words=SYNC_WORDS, after_round=None,
                     **options):
    """train on the cluster of `client`; after_round(epoch, round) is called (as a
    callback) after each round but an epoch's last, with the round's number in its epoch from 1."""
    callbacks = [RoundCounter(after_round)] if after_round else []
    return train(corpus, scheduler=client, sync_words=sync_words, progress=False,
                     callbacks=callbacks, callback_words=1 if callbacks else None, **config,
                     **options)


class RoundCounter:
    """A callback called between every two rounds (callback_words=1) calling `function(epoch,
    round)`: the epoch from 0, the rounds collected in it so far."""

    def __init__(self, function):
        self.function, self.epoch, self.rounds = function, None, 0

    def __call__(self, progress):
        if progress.end_of_epoch:
            return
        if progress.epoch != self.epoch:
            self.epoch, self.rounds = progress.epoch, 0
        self.rounds += 1
        self.function(progress.epoch - 1, self.rounds)


def start_cluster(n_workers=2, scratch=None):
    """A local cluster; with `scratch`, its workers' temporary folder (TMPDIR) is scratch/tmp and
    their Dask local directories are under scratch/dask."""
    folders = {}
    if scratch:
        (scratch / "tmp").mkdir()
        folders = {"env": {"TMPDIR": str(scratch / "tmp")},
                   "local_directory": str(scratch / "dask")}
    return distributed.LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                    host="127.0.0.1", dashboard_address="127.0.0.1:0",
                                    silence_logs=logging.CRITICAL, **folders)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("workers")


@pytest.fixture(scope="module")
def client(scratch):
    with start_cluster(scratch=scratch) as cluster, distributed.Client(cluster) as client:
        client.wait_for_workers(2, timeout=120)  # as connect() does: a busy machine is slow
        yield client


def caches_left(scratch):
    return sorted(str(p.relative_to(scratch)) for p in scratch.rglob("w2v-*") if p.is_dir())


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("cluster") / "planted.txt"
    path.write_text("".join(f"{line}\n" for line in synthetic.generate_corpus(6000, seed=5)))
    return str(path)


@pytest.fixture(scope="module")
def fault_free(client, corpus):
    return train_on_cluster(client, corpus)


def same_vectors(a, b):
    return (a.wv.words == b.wv.words and np.array_equal(a.wv.vectors, b.wv.vectors)
            and np.array_equal(a.output_weights, b.output_weights))


def word_counts(source, tmp_path):
    scanned = scan(source, str(tmp_path / "ids"))
    return dict(zip(scanned.words, scanned.counts.tolist()))


def test_shards_read_every_line_once(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    lines = list(synthetic.generate_corpus(900, seed=2))
    (folder / "a.txt").write_text("".join(f"{line}\n" for line in lines[:500]))
    (folder / "b.txt").write_text("".join(f"{line}\n" for line in lines[500:800]))
    with gzip.open(folder / "c.txt.gz", "wt") as compressed:  # cannot be cut: shared by lines
        compressed.write("".join(f"{line}\n" for line in lines[800:]))
    source = TextSource(str(folder))
    whole = word_counts(source, tmp_path)
    for n in (1, 2, 3, 7):
        shards = source.shards(n)
        assert len(shards) == n
        for shard in shards:
            for path, start, end, every, first in shard.parts:
                assert start == 0 or Path(path).read_bytes()[start - 1 : start] == b"\n"
                assert every == (n if path.endswith(".gz") else 1)
        merged = {}
        for shard in shards:
            for word, count in word_counts(shard, tmp_path).items():
                merged[word] = merged.get(word, 0) + count
        assert merged == whole, f"{n} shards count other words than the whole corpus"


def test_vocabulary_from_shards_equals_one_process(client, corpus, tmp_path):
    source = TextSource(corpus)
    assert count_on_cluster(client, source.shards(5), fan_in=2) == word_counts(source, tmp_path)


def test_counted_shards_are_kept_for_their_replicas_until_dropped(client, corpus, scratch):
    shards = TextSource(corpus).shards(3)
    homes = counting.home_workers(client, 3)
    count_on_cluster(client, shards, keep_on=homes)
    kept = client.run(lambda: sorted(counting.kept_scans))
    assert {worker: len(keys) for worker, keys in kept.items()} == {
        worker: homes.count(worker) for worker in homes}
    assert sorted(key for keys in kept.values() for key in keys) == sorted(map(repr, shards))
    assert len(caches_left(scratch)) == 3
    client.run(counting.drop_kept_scans)
    assert caches_left(scratch) == [] and all(not keys for keys in client.run(
        lambda: list(counting.kept_scans)).values())


def test_one_shard_equals_one_process_bit_for_bit(corpus):
    one_process = train(corpus, **CONFIG, progress=False)
    on_one_worker = train(corpus, **CONFIG, dask_workers=1, sync_words=SYNC_WORDS,
                              progress=False)
    assert on_one_worker.log["cluster"]["shards"] == 1
    assert same_vectors(on_one_worker, one_process)


def test_two_runs_give_identical_vectors(client, corpus, fault_free):
    again = train_on_cluster(client, corpus)
    assert same_vectors(again, fault_free)
    cluster_log = fault_free.log["cluster"]
    assert cluster_log["shards"] == 2 and cluster_log["rounds"] >= 2 * CONFIG["epochs"]


@pytest.fixture(scope="module")
def overlapped(client, corpus):
    return train_on_cluster(client, corpus, overlap=True)


def test_overlapped_merges_are_reproducible_and_survive_a_killed_worker(client, corpus,
                                                                        overlapped, fault_free):
    assert not same_vectors(overlapped, fault_free)  # the replicas train on other states
    assert same_vectors(train_on_cluster(client, corpus, overlap=True), overlapped)
    killed = kill_a_worker_at(client, epoch=0, batch=1)
    again = train_on_cluster(client, corpus, overlap=True, after_round=killed.during_round)
    assert killed and again.log["cluster"]["workers_lost"] == 1
    assert same_vectors(again, overlapped)


@pytest.mark.parametrize("merge", ["mean", "sum", "split"])
def test_planted_groups_are_learned_as_in_one_process(client, corpus, merge):
    config = dict(threads=1, epochs=5)
    scores = {}
    on_cluster = train_on_cluster(client, corpus, config, 50_000, merge=merge)
    settings = on_cluster.log["cluster"]
    # the replicas train at the run's lr with split; with sum and split the most frequent
    # rows are averaged
    assert settings["lr_scale"] == (1 if merge == "split" else 2), settings
    assert (settings["averaged_rows"] > 0) == (merge != "mean"), settings
    for name, model in (("one process", train(corpus, **config, progress=False)),
                        ("cluster", on_cluster)):
        precision = synthetic.group_precision(
            lambda word, k, kv=model.wv: [w for w, _ in kv.most_similar(word, topn=k)], k=5)
        scores[name] = sum(precision.values()) / len(precision)
    assert scores["cluster"] >= 0.9, scores
    assert scores["cluster"] >= scores["one process"] - 0.05, scores


class kill_a_worker_at(list):
    """after_round(epoch, batch) killing the second worker at that merge boundary, once: the next
    round (overlapped: the rounds in flight) is lost with it (the rounds of this small corpus
    take milliseconds: a kill timed to land within one could come after the run)."""

    def __init__(self, client, epoch, batch):
        super().__init__()
        client.wait_for_workers(2)
        self.pids, self.epoch, self.batch = client.run(os.getpid), epoch, batch

    def during_round(self, epoch, batch):
        if (epoch, batch) == (self.epoch, self.batch) and not self:
            victim = sorted(self.pids)[1]
            os.kill(self.pids[victim], signal.SIGKILL)
            self.append(victim)


def test_a_killed_worker_changes_nothing_and_leaves_nothing_behind(client, corpus, fault_free,
                                                                  scratch):
    killed = kill_a_worker_at(client, epoch=0, batch=2)
    again = train_on_cluster(client, corpus, after_round=killed.during_round)
    assert killed and again.log["cluster"]["workers_lost"] == 1
    assert same_vectors(again, fault_free)
    client.wait_for_workers(2)  # the killed worker's replacement has purged its folder
    assert caches_left(scratch) == []


def test_workers_write_their_token_caches_in_their_own_folders(client, corpus, scratch):
    workers = client.run(lambda dask_worker: dask_worker.local_directory)
    seen = []
    train_on_cluster(client, corpus, after_round=lambda *_: seen.extend(caches_left(scratch)))
    assert seen and all(any(str(scratch / folder).startswith(w) for w in workers.values())
                        for folder in seen), (seen, workers)
    assert caches_left(scratch) == []


@pytest.mark.parametrize("overlap", [False, True])
def test_interrupted_run_resumes_to_the_same_vectors(client, corpus, fault_free, overlapped,
                                                     tmp_path, overlap):
    client.wait_for_workers(2)
    saved = str(tmp_path / "run.checkpoint.npz")

    def interrupt(epoch, batch):
        if (epoch, batch) == (1, 1):
            os.kill(os.getpid(), signal.SIGINT)  # as Ctrl-C: stop at this merge and save

    with pytest.raises(TrainingInterrupted):
        train_on_cluster(client, corpus, checkpoint=saved, after_round=interrupt,
                         overlap=overlap)
    resume = checkpoint.load(saved)
    assert resume.extra["cluster"]["shards"] == 2 and resume.position["epoch"] == 1
    assert resume.arrays["pending_1_out"].shape[1] == CONFIG["dim"]  # the round being merged
    resumed = train(resume=saved, scheduler=client, progress=False)
    assert same_vectors(resumed, overlapped if overlap else fault_free)


def test_workers_lost_too_often_is_an_error(corpus):
    import dask

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            start_cluster() as cluster, distributed.Client(cluster) as client:
        client.wait_for_workers(2, timeout=120)
        pids = client.run(os.getpid)

        def kill(epoch, batch):
            os.kill(pids[sorted(pids)[0]], signal.SIGKILL)

        with pytest.raises(W2VError, match=r"workers were lost 1 times, more than Dask's allowed "
                                           r"failures \(0; distributed.scheduler.allowed-failures\)"):
            train_on_cluster(client, corpus, after_round=kill)


def test_rows_changed_by_more_replicas_than_the_divisor_take_their_mean():
    changes = [(np.array([0, 1]), np.full((2, 2), 4, np.float32)),
               (np.array([1]), np.full((1, 2), 8, np.float32)),
               (np.array([1, 2]), np.full((2, 2), 6, np.float32))]
    rows, change = merge_changes(changes, (4, 2), 2)
    assert rows.tolist() == [0, 1, 2]
    np.testing.assert_array_equal(unpack(change)[:, 0], [2, 6, 3])  # 4 / 2; (4 + 8 + 6) / 3; 6 / 2
    rows, change = merge_changes(changes, (4, 2), 2, mean=False)
    np.testing.assert_array_equal(unpack(change)[:, 0], [2, 9, 3])  # every row: the sum over 2


def test_the_sum_of_many_replicas_is_at_most_twice_their_mean():
    for replicas, expected in ((8, 2), (16, 2), (3, 0.75)):  # the sum over 4; 16 / 8; 3 / 4
        changes = [(np.array([0]), np.ones((1, 2), np.float32))] * replicas
        _, change = merge_changes(changes, (1, 2), 4, mean=False)
        np.testing.assert_array_equal(unpack(change)[0], [expected, expected])


def test_split_merge_averages_the_frequent_rows_and_adds_up_the_others():
    changes = [(np.array([0, 1, 3]), np.full((3, 2), 4, np.float32)),
               (np.array([0, 2, 3]), np.full((3, 2), 6, np.float32))]
    rows, change = merge_changes(changes, (4, 2), 1, mean=False, n_averaged=2)
    assert rows.tolist() == [0, 1, 2, 3]
    # rows 0 and 1 (the most frequent words): the mean of the replicas that changed them;
    # rows 2 and 3: the sum
    np.testing.assert_array_equal(unpack(change)[:, 0], [5, 4, 6, 10])


def test_sum_merges_average_the_words_seen_often_in_a_round():
    from w2v.training.cluster.config import AVERAGED_OCCURRENCES, averaged_rows

    counts = np.array([5000, 3000, 2999, 10])  # 11,009 tokens
    assert averaged_rows(counts, 11009, 11009 / 20, "split") == 0  # 250 times or fewer a round
    assert averaged_rows(counts, 11009, 11009, "split") == 3  # the whole corpus each round
    split = AVERAGED_OCCURRENCES["split"]
    assert averaged_rows(counts, counts.sum(), counts.sum() * split / 3000, "split") == 2
    seen = AVERAGED_OCCURRENCES["sum"]
    assert averaged_rows(counts, counts.sum(), counts.sum() * seen / 3000, "sum") == 2
    assert averaged_rows(counts, 11009, 11009, "mean") == 0  # the mean averages them already


def test_merged_change_does_not_depend_on_who_finished_first():
    first = (np.array([0, 2]), np.array([[1, 1, 1], [5, 5, 5]], np.float32))
    second = (np.array([2, 3]), np.array([[7, 7, 7], [0, 0, 0]], np.float32))
    rows, change = merge_changes([first, second], (5, 3), 2)
    assert rows.tolist() == [0, 2, 3]  # rows 1 and 4: no replica changed them
    np.testing.assert_array_equal(unpack(change), [[0.5] * 3, [6] * 3, [0] * 3])
    again = merge_changes([(first[0], pack(first[1])), (second[0], pack(second[1]))], (5, 3), 2)
    np.testing.assert_array_equal(again[1], change)  # packed changes: the same


def test_changes_travel_as_bfloat16_within_half_a_unit_in_the_last_place():
    values = np.random.default_rng(0).normal(0, 1e-3, (200, 50)).astype(np.float32)
    values[0, :4] = [1.0, -0.5, 0.0, 1 + 2**-8]  # exact in bfloat16; half-way: rounds to even
    packed = pack(values)
    assert packed.dtype == np.uint16 and packed.nbytes * 2 == values.nbytes
    back = unpack(packed)
    np.testing.assert_array_equal(back[0, :4], [1.0, -0.5, 0.0, 1.0])
    assert np.all(np.abs(back - values) <= np.abs(values) * 2**-8)


# --- the command line --------------------------------------------------------------------------


def w2v(*args, env=None):
    done = subprocess.run([sys.executable, "-m", "w2v", "train", *args], capture_output=True,
                          text=True, timeout=300, env=env)
    return done.returncode, done.stdout, done.stderr


def test_train_command_on_a_local_cluster(corpus, tmp_path):
    out = tmp_path / "v.bin"
    code, stdout, stderr = w2v(corpus, "-o", str(out), "--dask-workers", "2", "--epochs", "1",
                               "--sync-words", "20000", "--merge", "sum", "--overlap", "--quiet")
    assert code == 0, stderr
    assert out.exists() and "wrote" in stdout
    import json

    log = json.loads((tmp_path / "v.bin.json").read_text())
    assert log["cluster"]["workers"] == 2 and log["cluster"]["sync_words"] == 20000
    assert log["cluster"]["merge"] == "sum" and log["cluster"]["overlap"] is True
    timings = ("rounds_seconds", "replicas_training_seconds", "replicas_updating_seconds",
               "client_seconds", "merge_seconds")
    assert all(log["cluster"][name] > 0 for name in timings), log["cluster"]


@pytest.mark.parametrize("flags,message", [
    (["--dask-workers", "0"], "--dask-workers must be >= 1, got 0"),
    (["--dask-workers", "2", "--sync-words", "0"], "--sync-words must be >= 1, got 0"),
    (["--scheduler", "tcp://127.0.0.1:9"], "cannot reach the Dask scheduler at tcp://127.0.0.1:9"),
    (["--scheduler", "nonsense"], "cannot reach the Dask scheduler at nonsense (missing port"),
    (["--sync-words", "100"], "--sync-words applies to a cluster run: give --dask-workers or "
                              "--scheduler too"),
    (["--dask-workers", "1", "--scheduler", "tcp://127.0.0.1:9"], "not both"),
    (["--dask-workers", "3", "--merge", "split"], "--merge split holds quality on up to 2 workers"),
])
def test_cluster_mistakes_are_one_line(corpus, tmp_path, flags, message):
    code, _, stderr = w2v(corpus, "-o", str(tmp_path / "v.bin"), *flags)
    assert code != 0 and message in stderr, stderr
    assert len(stderr.strip().splitlines()) == 1, stderr


def test_unreadable_shard_names_the_file_and_the_worker(tmp_path):
    bad = tmp_path / "latin1.txt"
    bad.write_bytes(b"a b c\n" * 100 + b"caf\xe9 au lait\n")
    code, _, stderr = w2v(str(bad), "-o", str(tmp_path / "v.bin"), "--dask-workers", "2", "--quiet")
    assert code == 1
    assert "worker tcp://127.0.0.1:" in stderr and "latin1.txt, line 101" in stderr, stderr


def test_workers_without_dask_installed_say_what_to_install(corpus, tmp_path):
    blocker = tmp_path / "site"
    blocker.mkdir()
    (blocker / "distributed.py").write_text("raise ImportError('not installed')\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(blocker), os.environ.get("PYTHONPATH")])))
    code, _, stderr = w2v(corpus, "-o", str(tmp_path / "v.bin"), "--dask-workers", "2", env=env)
    assert code == 1 and "pip install 'w2v[dask]'" in stderr, stderr
