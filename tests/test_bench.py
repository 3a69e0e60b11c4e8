"""scripts/bench.py: pure helpers (commands, run order, table, corpus copy), the gensim worker.

No timings are asserted here: speed lives in the benchmark itself.
"""

import argparse
import importlib.util
import io
import json
import lzma
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "bench.py"
spec = importlib.util.spec_from_file_location("bench", SCRIPT)
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


def make_args(**overrides):
    values = dict(dim=100, window=5, negative=5, sample=1e-3, min_count=5, epochs=5, repeats=1,
                  threads=[2], configs=["skipgram-neg", "cbow-neg"], tools=["w2v", "gensim"],
                  word2vec_c=None, scale=None)
    values.update(overrides)
    return argparse.Namespace(**values)


def flag(command, name):
    return command[command.index(name) + 1]


def test_comma_lists_keep_order_drop_duplicates_and_reject_unknowns():
    parse = bench.comma_list(bench.CONFIGS)
    assert parse("cbow-neg, skipgram-neg,cbow-neg") == ["cbow-neg", "skipgram-neg"]
    with pytest.raises(argparse.ArgumentTypeError, match="skipgram-softmax"):
        parse("skipgram-softmax")
    assert bench.comma_ints("1,2,2") == [1, 2]
    for bad in ("0", "two", ""):
        with pytest.raises(argparse.ArgumentTypeError):
            bench.comma_ints(bad)


def test_settings_follow_word2vec_c_defaults_per_config():
    skipgram = bench.training_settings(make_args(), "skipgram-neg")
    cbow_hs = bench.training_settings(make_args(), "cbow-hs")
    assert (skipgram["alpha"], skipgram["negative"]) == (0.025, 5)
    assert (cbow_hs["arch"], cbow_hs["loss"], cbow_hs["alpha"], cbow_hs["negative"]) == (
        "cbow", "hs", 0.05, 0)


def test_every_tool_gets_the_same_settings():
    settings = bench.training_settings(make_args(epochs=3), "cbow-hs")
    w2v = bench.w2v_command("c.txt", "o.bin", settings, 2)
    c = bench.word2vec_c_command("/bin/word2vec", "c.txt", "o.bin", settings, 2)
    job = json.loads(bench.gensim_command("c.txt", "o.bin", settings, 2, True)[-1])
    assert w2v[:4] == [sys.executable, "-m", "w2v", "train"] and "--quiet" in w2v
    assert (flag(w2v, "--arch"), flag(w2v, "--loss"), flag(w2v, "--lr")) == ("cbow", "hs", "0.05")
    assert (flag(c, "-cbow"), flag(c, "-hs"), flag(c, "-negative")) == ("1", "1", "0")
    assert (flag(c, "-iter"), flag(c, "-threads"), flag(c, "-binary")) == ("3", "2", "1")
    assert flag(w2v, "--epochs") == "3" and flag(w2v, "--threads") == "2"
    assert (job["epochs"], job["threads"], job["negative"], job["corpus_file"]) == (3, 2, 0, True)


def test_runs_alternate_tools_innermost():
    args = make_args(repeats=2, threads=[1, 2], configs=["skipgram-neg"])
    plan = bench.plan_runs(args)
    assert [tool for *_, tool in plan] == ["w2v", "gensim"] * 4
    assert [(repeat, threads) for repeat, threads, _, _ in plan[::2]] == [
        (0, 1), (0, 2), (1, 1), (1, 2)]


def fake_run(tool, wall, threads=2, train=None, code=0, analogy=0.5, config="skipgram-neg",
             corpus="c.txt"):
    return {"corpus": corpus, "tool": tool, "config": config, "threads": threads, "exit_code": code,
            "wall_seconds": wall, "train_seconds": train, "peak_rss_mb": 100.0,
            "analogy": analogy, "ws353": 0.6, "corpus_tokens": 1000, "epochs": 5}


def test_summary_takes_medians_and_divides_gensim_wall_by_each_tool_wall():
    runs = [fake_run("w2v", 10, train=8), fake_run("gensim", 30, train=25),
            fake_run("w2v", 14, train=9), fake_run("gensim", 40, train=20),
            fake_run("w2v", 99, code=1)]
    w2v, gensim = bench.summarize(runs)
    assert (w2v["runs"], w2v["failed"], w2v["wall_seconds"]) == (3, 1, 12)
    assert w2v["speed_vs_gensim"] == pytest.approx(35 / 12)
    assert gensim["speed_vs_gensim"] == pytest.approx(1.0)
    assert w2v["words_per_sec"] == pytest.approx(5000 / 8.5)
    assert w2v["words_per_sec_whole"] == pytest.approx(5000 / 12)


def test_table_marks_missing_values_and_failed_rows():
    rows = bench.summarize([fake_run("word2vec-c", 20), fake_run("w2v", 5, code=1)])
    lines = bench.markdown_table(rows, {"w2v": "w2v abc"}).splitlines()
    assert len(lines) == 4 and lines[1].count("---") == 11  # one corpus: no corpus column
    c_cells = [cell.strip() for cell in lines[2].strip("|").split("|")]
    assert c_cells[:5] == ["word2vec-c", "skipgram/neg", "2", "20.0", "-"]
    assert c_cells[-1] == "-"  # no gensim row: no ratio
    assert "| w2v abc | skipgram/neg | 2 | failed | -" in lines[3]


def test_ratio_is_against_the_fastest_gensim_mode_as_good_as_w2v():
    runs = [fake_run("w2v", 10, analogy=0.55), fake_run("gensim", 20, analogy=0.37),
            fake_run("gensim-linesentence", 25, analogy=0.55)]
    w2v, _, _ = rows = bench.summarize(runs)
    assert (w2v["reference"], w2v["speed_vs_gensim"]) == ("gensim-linesentence", 2.5)
    (note,) = bench.reference_notes(rows)
    assert "against gensim-linesentence" in note and "gensim was faster but scored below" in note
    runs[1]["analogy"] = 0.545  # within noise (0.01): the faster mode counts
    w2v = bench.summarize(runs)[0]
    assert (w2v["reference"], w2v["speed_vs_gensim"]) == ("gensim", 2.0)


def test_growth_table_puts_each_corpus_side_by_side():
    runs = [fake_run("w2v", 10), fake_run("gensim", 20),
            fake_run("w2v", 100, corpus="big.txt"), fake_run("gensim", 200, corpus="big.txt")]
    runs[2]["peak_rss_mb"] = 400.0
    rows = bench.summarize(runs)
    assert bench.markdown_table(rows, {}).splitlines()[2].startswith("| c.txt | w2v |")
    lines = bench.growth_table(rows, {}).splitlines()
    assert lines[0].count("peak RSS MB") == 2 and len(lines) == 4
    assert lines[2].startswith("| w2v | skipgram/neg | 2 | 100 | 500 | 400 | 50 |")


def test_scaling_compares_each_thread_count_with_one_thread():
    rows = bench.summarize([fake_run("w2v", 20, threads=1, train=18),
                            fake_run("w2v", 10, threads=2, train=9)])
    (note,) = bench.scaling_notes(rows)
    assert "2 threads vs 1: 2.00x the speed (wall), 2.00x (training)" in note


def test_copy_lines_decompresses_slices_and_counts_tokens(tmp_path):
    source = tmp_path / "corpus.txt.xz"
    source.write_bytes(lzma.compress(b"a b c\n  d\te \n\nf g\n"))
    target = tmp_path / "plain.txt"
    assert bench.copy_lines(source, target) == 7
    assert target.read_bytes() == b"a b c\n  d\te \n\nf g\n"
    assert bench.copy_lines(source, target, max_lines=2) == 5
    assert bench.count_tokens(target) == 5


def test_run_measured_reports_exit_code_wall_peak_rss_and_cpu(tmp_path):
    measured = bench.run_measured(
        [sys.executable, "-c", "x = bytearray(64 * 2**20); print('hi'); raise SystemExit(3)"],
        tmp_path / "log")
    assert measured["exit_code"] == 3 and measured["wall_seconds"] > 0
    assert measured["peak_rss_mb"] > 64, f"the child touched 64 MB, got {measured}"
    assert measured["cpu_seconds"] > 0 and measured["other_cores"] is not None  # /proc/stat
    assert (tmp_path / "log").read_text().strip() == "hi"


def test_other_cores_is_the_machines_busy_time_beyond_the_childs_cpu_per_wall_second(
    tmp_path, monkeypatch
):
    command = [sys.executable, "-c", "pass"]
    for busy, expected in (([100.0, 110.0], "10 s"), ([100.0, 100.0], 0.0), ([None, None], None)):
        readings = iter(busy)
        monkeypatch.setattr(bench, "machine_busy_seconds", lambda: next(readings))
        measured = bench.run_measured(command, tmp_path / "log")
        if expected == "10 s":  # the child's own CPU is not another process's
            expected = (10 - measured["cpu_seconds"]) / measured["wall_seconds"]
        assert measured["other_cores"] == pytest.approx(expected), busy


def test_machine_busy_seconds_counts_all_but_idle_and_iowait(monkeypatch):
    stat = "cpu  700 10 200 5000 300 40 50 0 0 0\ncpu0 350 5 100 2500 150 20 25 0 0 0\n"
    monkeypatch.setattr(bench, "open", lambda path: io.StringIO(stat), raising=False)
    sysconf = bench.os.sysconf
    ticks = {"SC_CLK_TCK": 100}  # per second
    monkeypatch.setattr(bench.os, "sysconf", lambda name: ticks.get(name) or sysconf(name))
    assert bench.machine_busy_seconds() == pytest.approx((700 + 10 + 200 + 40 + 50) / 100)


def test_contention_note_names_the_busiest_run():
    runs = [dict(fake_run("w2v", 10), repeat=1, other_cores=0.02),
            dict(fake_run("gensim", 30), repeat=1, other_cores=0.9)]
    note = bench.contention_note(runs)
    assert "median 0.46 cores, at most 0.90 (gensim skipgram-neg threads=2 repeat=1)" in note
    assert "not quiet" in note
    assert "not quiet" not in bench.contention_note(runs[:1])


def test_gensim_worker_writes_vectors_and_its_log(tmp_path):
    pytest.importorskip("gensim")
    corpus = tmp_path / "c.txt"
    corpus.write_text("the cat sat on the mat\nthe dog sat on the log\n" * 50)
    settings = dict(bench.training_settings(make_args(min_count=1, epochs=1), "skipgram-neg"))
    job = dict(settings, corpus=str(corpus), out=str(tmp_path / "v.bin"), threads=1,
               corpus_file=False)
    bench.gensim_worker(json.dumps(job))
    log = json.loads((tmp_path / "v.bin.json").read_text())
    assert log["vocab_size"] == 7 and log["corpus_tokens"] == 600 and log["train_seconds"] > 0
    assert (tmp_path / "v.bin").read_bytes().startswith(b"7 100\n")
