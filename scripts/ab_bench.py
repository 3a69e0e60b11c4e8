"""Speed before and after a change: scripts/bench.py in two checkouts, back to back, alternating.

    git worktree add ../before <commit>
    python scripts/ab_bench.py ../before . --rounds 3 -- --tools w2v --configs skipgram-neg,cbow-neg --epochs 3
    python scripts/ab_bench.py ../before . --script cluster_bench.py -- --no-baseline

Each round runs each checkout's own bench.py with its own package first on the path; the table
gives, per config, each round's training words/s, the medians and their ratio (after / before).
"""

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile


def parse_args(argv=None):
    """The arguments; those after `--` are bench.py's, the same for both checkouts."""
    argv = list(sys.argv[1:] if argv is None else argv)
    split = argv.index("--") if "--" in argv else len(argv)
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                usage="%(prog)s BEFORE AFTER [--rounds N] -- BENCH_ARGS...")
    p.add_argument("before", type=pathlib.Path, help="checkout of the code before the change")
    p.add_argument("after", type=pathlib.Path, help="checkout of the code after the change")
    p.add_argument("--rounds", type=int, default=3, help="alternating rounds (3)")
    p.add_argument("--script", default="bench.py",
                   help="each checkout's script in scripts/: bench.py or cluster_bench.py "
                        "(bench.py)")
    args = p.parse_args(argv[:split])
    args.bench_args = argv[split + 1 :]
    return args


def run_bench(checkout, script, bench_args, json_path):
    checkout = checkout.resolve()
    env = dict(os.environ, PYTHONPATH=str(checkout))
    subprocess.run([sys.executable, str(checkout / "scripts" / script), *bench_args,
                    "--json", str(json_path)], cwd=checkout, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    with open(json_path, encoding="utf-8") as handle:
        return json.load(handle)


def table(results):
    """Markdown: per config, each round's words/s before and after, medians, ratio."""
    rows = ["| config | before: words/s per round | after: words/s per round | median before "
            "| median after | after / before |", "|---|---|---|---|---|---|"]
    configs = [label(row) for row in rows_of(results["before"][0])]
    for config in configs:
        speeds = {side: [next(r["words_per_sec"] for r in rows_of(run) if label(r) == config)
                         for run in runs] for side, runs in results.items()}
        before, after = (statistics.median(speeds[side]) for side in ("before", "after"))
        rows.append(f"| {config} | {', '.join(f'{s:,.0f}' for s in speeds['before'])} | "
                    f"{', '.join(f'{s:,.0f}' for s in speeds['after'])} | {before:,.0f} | "
                    f"{after:,.0f} | {after / before:.3f} |")
    return "\n".join(rows)


def overhead_table(results):
    """Markdown, for cluster runs: per config, each round's seconds per round outside training
    before and after, and their medians (None if the runs have no rounds to measure)."""
    from cluster_bench import outside_training

    rows = ["| config | before: s per round outside training | after | median before | "
            "median after |", "|---|---|---|---|---|"]
    for config in [label(row) for row in rows_of(results["before"][0]) if row.get("workers")]:
        seconds = {side: [outside_training(next(r for r in rows_of(run)
                                                if label(r) == config).get("cluster"))
                          for run in runs] for side, runs in results.items()}
        if None in seconds["before"] + seconds["after"]:
            continue
        rows.append(f"| {config} | {', '.join(f'{s:.3f}' for s in seconds['before'])} | "
                    f"{', '.join(f'{s:.3f}' for s in seconds['after'])} | "
                    f"{statistics.median(seconds['before']):.3f} | "
                    f"{statistics.median(seconds['after']):.3f} |")
    return "\n".join(rows) if len(rows) > 2 else None


def rows_of(run):
    """bench.py's rows, or cluster_bench.py's runs."""
    return run["rows"] if "rows" in run else run["runs"]


def label(row):
    return row["config"] + (f", {row['workers']} workers" if row.get("workers") else "")


def main(argv=None):
    args = parse_args(argv)
    results = {"before": [], "after": []}
    with tempfile.TemporaryDirectory() as folder:
        for round_index in range(args.rounds):
            for side in ("before", "after"):
                print(f"[round {round_index + 1}/{args.rounds}] {side}: {getattr(args, side)}",
                      file=sys.stderr)
                results[side].append(run_bench(getattr(args, side), args.script, args.bench_args,
                                               pathlib.Path(folder) / f"{side}{round_index}.json"))
    meta = {side: runs[0]["meta"] for side, runs in results.items()}
    print(f"{meta['after']['date']}, {meta['after']['cpu']}: before {meta['before']['w2v_commit']}, "
          f"after {meta['after']['w2v_commit']}, {args.rounds} alternating rounds of {args.script} "
          f"{' '.join(args.bench_args)}\n")
    print(table(results))
    overheads = overhead_table(results)
    if overheads:
        print("\n" + overheads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
