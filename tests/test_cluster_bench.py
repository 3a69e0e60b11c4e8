"""scripts/cluster_bench.py: the run plan over seeds and the table of seed means (no timings)."""

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "cluster_bench.py"
spec = importlib.util.spec_from_file_location("cluster_bench", SCRIPT)
cluster_bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cluster_bench)


def test_plan_runs_every_mode_once_per_seed_alternating_the_order():
    args = cluster_bench.parse_args(["--seeds", "1,2,3", "--workers", "2"])
    plan = cluster_bench.plan(args)
    assert [(seed, workers) for _, seed, _, workers, _, _ in plan] == [
        (1, 0), (1, 2), (2, 2), (2, 0), (3, 0), (3, 2)]


def run(workers, seed, analogy, ws353, exit_code=0):
    return {"config": "skipgram-neg", "workers": workers, "sync_words": 0 if workers else None,
            "lr_scale": None, "seed": seed, "exit_code": exit_code, "analogy": analogy,
            "ws353": ws353, "cluster": {"sync_words": 1_000_000, "lr_scale": 2} if workers else None}


def test_seed_means_average_each_mode_and_take_gaps_to_one_process():
    runs = [run(0, 1, 0.40, 0.60), run(2, 1, 0.38, 0.62), run(2, 2, 0.39, 0.64),
            run(0, 2, 0.38, 0.62), run(2, 3, 0.1, 0.1, exit_code=1)]  # a failed run is left out
    rows = cluster_bench.seed_means(runs).splitlines()[2:]
    one_process, cluster = ([cell.strip() for cell in row.split("|")[1:-1]] for row in rows)
    assert one_process[4:] == ["2 (1,2)", "0.390", "+0.000", "0.610", "+0.000"]
    assert cluster[2:] == ["1,000,000", "2", "2 (1,2)", "0.385", "-0.005", "0.630", "+0.020"]


def test_seed_means_without_one_process_runs_leave_the_gaps_empty():
    rows = cluster_bench.seed_means([run(2, 1, 0.38, 0.62)]).splitlines()[2:]
    assert [cell.strip() for cell in rows[0].split("|")[1:-1]][-4:] == ["0.380", "-", "0.620", "-"]
