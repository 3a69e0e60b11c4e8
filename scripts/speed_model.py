"""A speed model of cluster training, its inputs measured on the machine at hand.

    python scripts/speed_model.py                                   # measure, check, predict
    python scripts/speed_model.py --check-workers 1,2,4 --max-lines 200000 --epochs 1
    python scripts/speed_model.py --predict 8x16,0x16 --tokens 3e9 --bandwidth-gbit 10,1

Measured here: one thread's skip-gram words/s and 2 threads' (the scaling of T threads is
taken as s1 x T x e^log2(T), e the 2-thread efficiency), the kernels a merge runs (the
replica's scan for changed rows and its packing, the workers' pairwise sums) in seconds per row
x dimension, the bytes/s Dask moves between two local workers, what a round costs besides
its bytes (tiny runs of 2 and 4 workers, many rounds of a few rows: tasks, scheduling, the
client's part) and a cluster's start-up. Rows changed in a round come from the
corpus's word counts: the distinct words of w tokens and of their negative samples (expected
counts under the unigram and unigram^0.75 distributions). A round then costs

    train w / speed(T) + update (scan V x dim, pack and add R(w) x dim)
    + merge: ceil(log2 N) levels of (sum R(k w) x dim, move its bytes) + merged change to N
      workers (ceil(log2 N) hops) + the round's overhead

and a run `epochs x ceil(C / (N w))` rounds plus start-up and counting (C / counting speed /
N). With more workers' threads than cores here, training and the replicas' updates share the
cores (N T > cores). The
check runs `w2v train --dask-workers N --threads 1` with the defaults on the corpus and
compares wall time. Every timed run, measured or checked, is the fastest of --repeats runs: a
shared machine slows runs now and then, never speeds them up (docs/benchmarks.md); the
prediction for other machines assumes their per-thread speed equals
this machine's and the network's bandwidth given (a flag), vocabulary and counts of the
corpus measured (or Zipf-distributed, --vocab).
"""

import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402

NEGATIVE, WINDOW, DIM = 5, 5, 100
CONTEXTS = 2 * (WINDOW + 1) / 2  # a token's contexts: both sides of a window drawn in 1..5


def parse_args(argv):
    p = bench.corpus_parser(__doc__)
    p.set_defaults(max_lines=200_000)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--check-workers", type=bench.comma_ints, default=[1, 2, 4])
    p.add_argument("--predict", default="8x16,0x16",
                   help="workers x threads, comma-separated (0 workers: one process)")
    p.add_argument("--tokens", type=float, default=3e9, help="corpus size to predict for")
    p.add_argument("--vocab", type=int, default=0,
                   help="vocabulary of the predicted corpus, Zipf-distributed (0: the measured "
                        "corpus's counts)")
    p.add_argument("--bandwidth-gbit", default="10,1", help="network, Gbit/s, comma-separated")
    p.add_argument("--repeats", type=int, default=2,
                   help="runs of each timed run, the fastest kept (2)")
    p.add_argument("--json", type=Path, help="save measurements and predictions")
    return p.parse_args(argv)


def fastest_log(repeats, *args, **kwargs):
    """The log of the fastest (by wall time) of `repeats` runs of `train_log`."""
    return min((train_log(*args, **kwargs) for _ in range(repeats)), key=lambda log: log["wall"])


def train_log(corpus, out, threads, workers=None, epochs=1, extra=()):
    """Run w2v train; its JSON log, with the wall time added."""
    settings = {"arch": "skipgram", "loss": "neg", "dim": DIM, "window": WINDOW,
                "negative": NEGATIVE, "sample": 1e-3, "min_count": 5, "epochs": epochs,
                "alpha": 0.025, "seed": 1}
    command = bench.w2v_command(corpus, out, settings, threads) + list(extra) + (
        ["--dask-workers", str(workers)] if workers else [])
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    log = json.loads(Path(f"{out}.json").read_text())
    log["wall"] = time.perf_counter() - started
    log["train_seconds"] = sum(epoch["seconds"] for epoch in log["epochs"])
    return log


def counts_of(corpus):
    """Word counts (min count 5) of a text file, most frequent first."""
    counts = {}
    with open(corpus, encoding="utf-8") as lines:
        for line in lines:
            for word in line.split():
                counts[word] = counts.get(word, 0) + 1
    return np.array(sorted((c for c in counts.values() if c >= 5), reverse=True), np.float64)


def distinct(p, draws):
    """Expected distinct rows among `draws` samples of the distribution p."""
    return float(np.sum(-np.expm1(draws * np.log1p(-np.minimum(p, 1 - 1e-12)))))


def rows_changed(counts, words):
    """Expected rows of W_in and W_out changed by training `words` tokens: the distinct words
    (inputs and outputs), and the outputs' negatives (unigram^0.75)."""
    p = counts / counts.sum()
    noise = counts**0.75 / np.sum(counts**0.75)
    draws_in, draws_neg = words, words * CONTEXTS * NEGATIVE
    seen = -np.expm1(draws_in * np.log1p(-np.minimum(p, 1 - 1e-12)))
    hit = -np.expm1(draws_neg * np.log1p(-np.minimum(noise, 1 - 1e-12)))
    return float(seen.sum()), float((1 - (1 - seen) * (1 - hit)).sum())


def measure_kernels(vocab, dim=DIM, rows=20_000):
    """Seconds per row x dimension of a replica's update (scan of the whole matrix, pack, add)
    and of a pairwise sum on a worker."""
    from w2v.training.cluster.codec import add_packed, changes_since, no_change, pack
    from w2v.training.cluster.merge import add_partials, finish, partial_of

    rng = np.random.default_rng(0)
    M = rng.normal(0, 0.1, (vocab, dim)).astype(np.float32)
    W = M.copy()
    changed = np.sort(rng.choice(vocab, min(rows, vocab), replace=False))
    W[changed] += 1e-3
    own = no_change(M)

    def best(work, n=5):
        work()  # compiled
        return min(timed(work) for _ in range(n))

    scan = best(lambda: changes_since(W, M, own[0], own[1].astype(np.float32), False))
    change = changes_since(W, M, own[0], own[1].astype(np.float32), False)[1]
    packed = pack(change)
    per_row = (best(lambda: pack(change)) + best(lambda: add_packed(M.copy(), changed, packed,
                                                                    W.copy()))) / change.size
    a, b = partial_of((changed, packed)), partial_of((changed[::2], packed[::2]))
    add = best(lambda: finish(add_partials(a, b), 4)) / change.size
    return {"scan_per_cell": scan / M.size, "update_per_cell": per_row, "sum_per_cell": add}


def timed(work):
    t0 = time.perf_counter()
    work()
    return time.perf_counter() - t0


def measure_transfer(megabytes=64):
    """Bytes/s Dask moves between two local workers (a task on one taking an array held by the
    other), and a round's fixed latency (2 tiny tasks, a merge task and the wait)."""
    import logging

    import distributed

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None,
                                  silence_logs=logging.CRITICAL) as cluster, \
            distributed.Client(cluster) as client:
        a, b = sorted(client.scheduler_info()["workers"])
        size = megabytes * 2**20 // 2
        moves, latencies = [], []
        for i in range(4):
            held = client.submit(np.ones, size, np.uint16, workers=[a], pure=False)
            distributed.wait(held)
            t0 = time.perf_counter()
            client.submit(np.sum, held, workers=[b], pure=False).result()
            moves.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            tiny = [client.submit(int, k, workers=[w], pure=False) for k, w in enumerate((a, b))]
            client.submit(sum, tiny, pure=False).result()
            latencies.append(time.perf_counter() - t0)
    return {"bytes_per_second": size * 2 / min(moves), "round_latency": min(latencies)}


def change_bytes(rows, dim):
    return rows * (dim * 2 + 8)  # bfloat16 values and an int64 row number


def predict(m, tokens, workers, threads, epochs, counts, bandwidth, cores=None):
    """Predicted (wall seconds, training seconds) of a run; `m`: the measurements."""
    from w2v.training.cluster.config import default_sync_words

    vocab, dim = len(counts), DIM
    speed = m["words_per_sec_1"] * threads * m["thread_efficiency"] ** math.log2(threads)
    if cores and workers * threads > cores:  # here: workers share the cores
        speed *= cores / (workers * threads)
    if not workers:  # one process: no rounds, no cluster to start
        train = tokens * epochs / speed
        return train + tokens / m["count_words_per_sec"], train
    words = default_sync_words(workers)
    rounds = epochs * math.ceil(tokens / (workers * words))
    r_in, r_out = rows_changed(counts, words)
    update = m["scan_per_cell"] * 2 * vocab * dim + m["update_per_cell"] * (r_in + r_out) * dim * 2
    if workers == 1:  # a lone shard sends its rows' values (float32) to the client
        merge = change_bytes(r_in + r_out, 2 * dim) / bandwidth + m["round_latency"]
    else:
        levels = math.ceil(math.log2(workers))
        merge = round_overhead(m, levels)
        for level in range(1, levels + 1):
            together = rows_changed(counts, words * 2**level)
            cells = sum(together) * dim
            merge += cells * m["sum_per_cell"] + change_bytes(sum(together), 2 * dim) / bandwidth
        merge += levels * change_bytes(sum(rows_changed(counts, words * workers)), dim) / bandwidth
    train = tokens * epochs / (workers * speed)
    if cores and workers * threads > cores:  # the replicas' updates share the cores too
        update *= workers * threads / cores
    per_round = update + merge
    counting = tokens / m["count_words_per_sec"] / workers
    return train + rounds * per_round + m["startup"] + counting, train + rounds * per_round


def measure(args, corpus, tokens, out):
    bench.say("[measure] one process, 1 and 2 threads ...")
    one, two = (fastest_log(args.repeats, corpus, out / f"t{t}.bin", t, epochs=args.epochs)
                for t in (1, 2))
    m = {"words_per_sec_1": tokens * args.epochs / one["train_seconds"],
         "words_per_sec_2": tokens * args.epochs / two["train_seconds"]}
    m["thread_efficiency"] = min(1.0, m["words_per_sec_2"] / (2 * m["words_per_sec_1"]))
    m["count_words_per_sec"] = tokens / max(one["wall"] - one["train_seconds"], 1e-3)
    bench.say("[measure] merge kernels, transfers, a cluster's start-up ...")
    counts = counts_of(corpus)
    m.update(measure_kernels(len(counts)))
    m.update(measure_transfer())
    tiny = out / "tiny.txt"
    tiny.write_text("".join(open(corpus, encoding="utf-8").readlines()[:2000]))
    m["startup"] = fastest_log(args.repeats, tiny, out / "tiny.bin", 1, workers=2)["wall"]
    for workers in (2, 4):  # many rounds of a few rows: what a round costs besides its bytes
        cluster = fastest_log(args.repeats, tiny, out / "tiny.bin", 1, workers=workers,
                              extra=["--sync-words", str(1000 // workers)])["cluster"]
        m[f"round_overhead_{workers}"] = (cluster["rounds_seconds"] - cluster[
            "replicas_training_seconds"] - cluster["replicas_updating_seconds"]) / cluster["rounds"]
    return m, counts


def round_overhead(m, levels):
    """A round's cost besides training, the replicas' updates and bytes: measured on 2 and 4
    workers (1 and 2 levels of the merge tree) on a tiny corpus, and for more levels that growth
    per level (on a 2-core machine 4 workers share the cores: pessimistic for real nodes)."""
    per_level = max(m["round_overhead_4"] - m["round_overhead_2"], 0.0)
    return m["round_overhead_2"] + (levels - 1) * per_level


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    with tempfile.TemporaryDirectory(prefix="w2v-speed-model-") as scratch:
        out = Path(scratch)
        args.dim, args.window, args.negative, args.sample, args.min_count = DIM, WINDOW, 5, 1e-3, 5
        corpus, tokens, _ = bench.prepare_corpus(args, out)
        m, counts = measure(args, corpus, tokens, out)
        print(json.dumps(m, indent=1))
        checks = []
        for workers in args.check_workers:
            bench.say(f"[check] {workers} workers x 1 thread ...")
            log = fastest_log(args.repeats, corpus, out / f"w{workers}.bin", 1, workers,
                              args.epochs)
            wall, train = predict(m, tokens, workers, 1, args.epochs, counts,
                                  m["bytes_per_second"], cores=os.cpu_count())
            checks.append({"workers": workers, "wall": log["wall"], "predicted_wall": wall,
                           "train": log["train_seconds"], "predicted_train": train,
                           "rounds": log["cluster"]["rounds"]})
    print("| workers x threads | rounds | wall s | predicted | error | epochs s | predicted | "
          "error |\n|---|---|---|---|---|---|---|---|")
    for c in checks:
        print(f"| {c['workers']} x 1 | {c['rounds']} | {c['wall']:.1f} | "
              f"{c['predicted_wall']:.1f} | {c['predicted_wall'] / c['wall'] - 1:+.0%} | "
              f"{c['train']:.1f} | "
              f"{c['predicted_train']:.1f} | {c['predicted_train'] / c['train'] - 1:+.0%} |")
    big = counts if not args.vocab else 1.0 / np.arange(1, args.vocab + 1)
    big = big / big.sum() * args.tokens
    predictions = []
    print(f"\nPredicted for {args.tokens:.3g} tokens, 5 epochs, vocabulary {len(big):,} "
          f"(per-thread speed and kernels as measured here):")
    for gbit in map(float, args.bandwidth_gbit.split(",")):
        for plan in args.predict.split(","):
            workers, threads = map(int, plan.split("x"))
            wall, train = predict(m, args.tokens, workers, threads, 5, big, gbit * 1e9 / 8)
            predictions.append({"workers": workers, "threads": threads, "gbit": gbit,
                                "hours": wall / 3600})
            what = f"{workers} workers x {threads} threads" if workers else \
                f"one process, {threads} threads"
            print(f"- {what}, {gbit:g} Gbit/s: {wall / 3600:.2f} h "
                  f"({train / 3600:.2f} h training and merging)")
    if args.json:
        args.json.write_text(json.dumps({"measured": m, "checks": checks,
                                         "predictions": predictions}, indent=1))


if __name__ == "__main__":
    sys.exit(main())
