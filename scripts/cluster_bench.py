"""Training on a local Dask cluster against one process: quality and speed, back to back.

    python scripts/cluster_bench.py                                  # 1 process (2 threads) vs 2 workers x 1 thread
    python scripts/cluster_bench.py --workers 1,2,4,8,16 --sync-words 20000
    python scripts/cluster_bench.py --configs cbow-neg --workers 2
    python scripts/cluster_bench.py --workers 8 --merge sum --sync-words 62500 --no-baseline
    python scripts/cluster_bench.py --overlap                        # merge while the next round trains
    python scripts/cluster_bench.py --max-lines 100000 --epochs 1    # a quick look on a slice
    python scripts/cluster_bench.py --repeats 2        # 1 process, 2 workers, 2 workers, 1 process
    python scripts/cluster_bench.py --seeds 1,2,3      # quality as a mean over seeds

Every run is `w2v train` in its own process (the cluster's workers are its children), with
word2vec C's defaults; the one-process run uses --threads 2, cluster runs --threads 1 per worker.
Each vectors file is scored by `w2v eval` (Google analogies over the 30,000 most frequent words,
WordSim-353 Spearman), as in scripts/bench.py, whose helpers this script uses. On a 2-core machine
more than 2 workers are oversubscribed: those rows measure quality, not speed.
"""

import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402


def parse_args(argv):
    p = bench.corpus_parser(__doc__)
    p.add_argument("--configs", type=bench.comma_list(bench.CONFIGS), default=["skipgram-neg"],
                   help="comma-separated, from " + ",".join(bench.CONFIGS) + " (skipgram-neg)")
    p.add_argument("--workers", type=bench.comma_ints, default=[2],
                   help="worker counts, comma-separated (2)")
    p.add_argument("--sync-words", type=bench.comma_ints, default=[0],
                   help="words per worker between merges, comma-separated (0: w2v's default, "
                        "2,000,000 / workers on up to 2 workers, else 160,000 / workers)")
    p.add_argument("--lr-scale", type=str, default="workers",
                   help="comma-separated lr multipliers per worker; 'workers': w2v's default "
                        "(min(workers, 4); 1 with --merge split)")
    p.add_argument("--merge", choices=("mean", "sum", "split"),
                   help="w2v train --merge (w2v's default: split for CBOW on 2 workers, "
                        "sum on more than 4, else mean)")
    p.add_argument("--overlap", action="store_true", help="w2v train --overlap")
    p.add_argument("--no-baseline", action="store_true", help="skip the one-process run")
    p.add_argument("--repeats", type=int, default=1,
                   help="run the plan this many times, every other time in reverse order, so "
                        "that one-process and cluster runs alternate (1)")
    p.add_argument("--seeds", type=bench.comma_ints, default=[1],
                   help="training seeds, comma-separated: the plan runs once per seed, and a "
                        "second table gives each mode's mean scores over them and the gaps to "
                        "one process's mean (1)")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--out-dir", type=Path, help="keep vectors and logs here")
    p.add_argument("--json", type=Path, help="save the raw results as JSON")
    args = p.parse_args(argv)
    args.dim, args.window, args.negative, args.sample, args.min_count = 100, 5, 5, 1e-3, 5
    return args


def plan(args):
    """(config, workers, sync_words, lr_scale) per run; workers 0: the one-process baseline."""
    runs = []
    for config in args.configs:
        if not args.no_baseline:
            runs.append((config, 0, None, None))
        for workers in args.workers:
            for sync in args.sync_words:
                for scale in args.lr_scale.split(","):
                    runs.append((config, workers, sync, None if scale == "workers" else float(scale)))
    rounds = [(repeat, seed) for repeat in range(args.repeats) for seed in args.seeds]
    return [(repeat, seed, *run) for i, (repeat, seed) in enumerate(rounds)
            for run in (runs if i % 2 == 0 else runs[::-1])]


def command(corpus, out, settings, workers, sync, scale, merge=None, overlap=False):
    if not workers:
        return bench.w2v_command(corpus, out, settings, 2)
    extra = ["--dask-workers", str(workers)] + (["--sync-words", str(sync)] if sync else [])
    return bench.w2v_command(corpus, out, settings, 1) + extra + (
        ["--lr-scale", str(scale)] if scale else []) + (["--merge", merge] if merge else []) + (
        ["--overlap"] if overlap else [])


def run_one(args, corpus, tokens, out_dir, repeat, seed, config, workers, sync, scale):
    settings = dict(bench.training_settings(args, config), seed=seed)
    name = f"{config}-w{workers}-s{sync}-l{scale}-seed{seed}-r{repeat}"
    out = out_dir / f"{name}.bin"
    bench.say(f"[run] {name} ...")
    run = {"config": config, "workers": workers, "sync_words": sync, "lr_scale": scale,
           "seed": seed, "merge": args.merge,
           "log": str(out.with_suffix(".log")),
           **bench.run_measured(command(corpus, out, settings, workers, sync, scale, args.merge,
                                        args.overlap),
                                out.with_suffix(".log"))}
    if run["exit_code"] == 0:
        log = json.loads(Path(f"{out}.json").read_text())
        run["train_seconds"] = sum(epoch["seconds"] for epoch in log["epochs"])
        run["words_per_sec"] = tokens * args.epochs / run["train_seconds"]
        run["words_per_sec_whole"] = tokens * args.epochs / run["wall_seconds"]
        run["cluster"] = log.get("cluster")
        run.update(bench.evaluate(out))
    bench.say(f"      {bench.describe_run(dict(run, tool='w2v', repeat=1, threads=workers))}")
    return run


def table(runs):
    header = ["arch/loss", "mode", "seed", "sync words", "lr x", "merge", "wall s", "words/s (train)",
              "words/s (whole)", "vs 1 process", "analogy", "WS-353", "rounds",
              "MB per merge", "merge s", "s per round outside training"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for i, run in enumerate(runs):
        base, cluster = nearest_baseline(runs, i), run.get("cluster") or {}
        ratio = (run["words_per_sec_whole"] / base["words_per_sec_whole"]
                 if base and run.get("words_per_sec_whole") else None)
        mode = f"{run['workers']} workers x 1 thread" if run["workers"] else "1 process, 2 threads"
        asked = {"sync_words": run["sync_words"] or None, "lr_scale": run["lr_scale"],
                 "merge": run.get("merge") or "-"} if run["workers"] else {}
        cluster = cluster or asked  # a failed run has no log: what it was asked to do
        cells = [run["config"].replace("-", "/"), mode, str(run["seed"]),
                 bench.fmt(cluster.get("sync_words"), ",d"),
                 bench.fmt(cluster.get("lr_scale"), "g"),
                 ("overlapped " if cluster.get("overlap") else "") + cluster.get("merge", "-"),
                 bench.fmt(run["wall_seconds"], ".1f"),
                 bench.fmt(run.get("words_per_sec"), ",.0f"),
                 bench.fmt(run.get("words_per_sec_whole"), ",.0f"), bench.fmt(ratio, ".2f", "x"),
                 bench.fmt(run.get("analogy"), ".3f"), bench.fmt(run.get("ws353"), ".3f"),
                 bench.fmt(cluster.get("rounds"), "d"),
                 bench.fmt(cluster["bytes_per_merge"] / 2**20
                           if "bytes_per_merge" in cluster else None, ".1f"),
                 bench.fmt(cluster.get("merge_seconds"), ".1f"),
                 bench.fmt(outside_training(cluster), ".3f")]
        if run["exit_code"] != 0:
            cells[6:] = ["failed"] + ["-"] * (len(cells) - 7)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def mode_of(run):
    return (run["config"], run["workers"], run["sync_words"], run["lr_scale"])


def seed_means(runs):
    """Per mode: the mean analogy and WS-353 over its runs (seeds and repeats) and their gaps to
    the one-process mean of its config: a deterministic cluster run carries its seed's luck."""
    scored = [run for run in runs if run["exit_code"] == 0 and run.get("analogy") is not None]
    modes = list(dict.fromkeys(mode_of(run) for run in scored))
    means = {mode: {key: statistics.mean(run[key] for run in scored if mode_of(run) == mode)
                    for key in ("analogy", "ws353")} for mode in modes}
    lines = ["| arch/loss | mode | sync words | lr x | runs (seeds) | analogy | gap | WS-353 | gap |",
             "|" + "---|" * 9]
    for mode in modes:
        config, workers = mode[:2]
        seeds = sorted({run["seed"] for run in scored if mode_of(run) == mode})
        logged = next(run.get("cluster") or {} for run in scored if mode_of(run) == mode)
        base = means.get((config, 0, None, None))
        gaps = {key: means[mode][key] - base[key] if base else None for key in means[mode]}
        lines.append("| " + " | ".join([
            config.replace("-", "/"),
            f"{workers} workers x 1 thread" if workers else "1 process, 2 threads",
            bench.fmt(logged.get("sync_words"), ",d"), bench.fmt(logged.get("lr_scale"), "g"),
            f"{sum(mode_of(run) == mode for run in scored)} ({','.join(map(str, seeds))})",
            f"{means[mode]['analogy']:.3f}", bench.fmt(gaps["analogy"], "+.3f"),
            f"{means[mode]['ws353']:.3f}", bench.fmt(gaps["ws353"], "+.3f")]) + " |")
    return "\n".join(lines)


def nearest_baseline(runs, i):
    """The one-process run of runs[i]'s config nearest to it in the order they ran (the earlier
    one of two as near), or None."""
    near = [(abs(j - i), j) for j, run in enumerate(runs) if not run["workers"]
            and run["config"] == runs[i]["config"] and run["exit_code"] == 0]
    return runs[min(near)[1]] if near else None


def outside_training(cluster):
    """Seconds per round between two rounds' ends not spent training (the first round has no
    start in the log: rounds - 1 intervals)."""
    if not cluster or cluster.get("rounds", 0) < 2 or "rounds_seconds" not in cluster:
        return None
    return ((cluster["rounds_seconds"] - cluster["replicas_training_seconds"])
            / (cluster["rounds"] - 1))


def warm_up_cluster(args, out_dir):
    """One untimed 2-worker run on bench.warm_up's slice, so the cluster's Numba functions are
    in the on-disk cache before the timed runs."""
    settings = dict(bench.training_settings(args, args.configs[0]), epochs=1)
    out = out_dir / "warmup-cluster.bin"
    bench.say("[warm-up] w2v --dask-workers 2 on the warm-up slice (untimed) ...")
    measured = bench.run_measured(command(out_dir / "warmup.txt", out, settings, 2, 20_000, None),
                                  out.with_suffix(".log"))
    if measured["exit_code"] != 0:
        sys.exit(f"cluster_bench.py: the cluster warm-up failed; its log ends:\n"
                 f"{bench.log_tail(out.with_suffix('.log'))}")


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    meta = bench.machine_and_versions(args)
    meta["command"] = " ".join(["python", "scripts/cluster_bench.py"] + sys.argv[1:])
    with tempfile.TemporaryDirectory(prefix="w2v-cluster-bench-") as scratch:
        out_dir = args.out_dir or Path(scratch)
        out_dir.mkdir(parents=True, exist_ok=True)
        corpus, tokens, note = bench.prepare_corpus(args, out_dir)
        args.threads = [2]
        args.tools = ["w2v"]
        bench.warm_up(args, corpus, out_dir)
        warm_up_cluster(args, out_dir)
        runs = [run_one(args, corpus, tokens, out_dir, *planned) for planned in plan(args)]
    text = (f"{table(runs)}\n\n" + (f"{seed_means(runs)}\n\n" if len(args.seeds) > 1 else "")
            + f"- CPU: {meta['cpu']} ({meta['cores']} cores); w2v "
            f"{meta['w2v_commit']}; corpus {args.corpus.name}, {tokens:,} tokens, {args.epochs} "
            f"epochs, word2vec C's defaults; {meta['command']}\n"
            f"- {bench.contention_note([dict(r, tool='w2v', threads=r['workers'], repeat=1) for r in runs])}\n"
            + (f"- {note}\n" if note else ""))
    print(text, end="")
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "runs": runs}, indent=1))
    return 1 if any(run["exit_code"] != 0 for run in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
