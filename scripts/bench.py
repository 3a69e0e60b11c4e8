"""Benchmark w2v against gensim (and optionally word2vec C) on one corpus with the same settings.

    python scripts/bench.py                                   # skipgram-neg and cbow-neg (~12 minutes here)
    python scripts/bench.py --configs skipgram-neg --threads 1,2 --repeats 2
    python scripts/bench.py --max-lines 200000 --epochs 1     # a quick look on a slice
    python scripts/bench.py --tools w2v,gensim,gensim-linesentence --word2vec-c ~/word2vec/bin/word2vec
    python scripts/make_scale_corpus.py -o /tmp/scale187m.txt     # then, 17M and 187M tokens, 1 epoch:
    python scripts/bench.py --scale /tmp/scale187m.txt

gensim runs as its experts run it, in its fastest mode: reading with `corpus_file=` (tool
`gensim`); `gensim-linesentence` reads with `LineSentence`. The speed ratio of each row is taken
against the fastest gensim mode whose vectors are as good as w2v's (Google analogy within 0.01,
WS-353 within 0.02; a mode can lose quality, as corpus_file does on ordered corpora); the notes
say which mode that was.

Runs alternate (w2v, gensim[, word2vec C], w2v, gensim, ...), each in its own process, so the
wall time (reading + training + writing) and the peak RSS are those of one process. Every
vectors file is scored by the same code (`w2v eval`): Google analogies over the 30,000 most
frequent words (3CosAdd) and the WordSim-353 Spearman correlation. Progress goes to stderr, the
Markdown table to stdout.
"""

import argparse
import datetime
import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from w2v.files import compression_of_path, open_compressed

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("W2V_SHARED_DATA") or REPO.parent / "shared" / "data")
ANALOGIES = SHARED_DATA / "google-analogy" / "questions-words.txt"
WORDSIM = SHARED_DATA / "wordsim353" / "wordsim353.tsv"
CONFIGS = ("skipgram-neg", "cbow-neg", "skipgram-hs", "cbow-hs")
TOOLS = ("w2v", "gensim", "gensim-linesentence", "word2vec-c")
GENSIM_TOOLS = {"gensim": "corpus_file=", "gensim-linesentence": "LineSentence"}
NOISE = {"analogy": 0.01, "ws353": 0.02}  # run-to-run spread of the scores: "as good as"
WARMUP_LINES = 20_000
RESTRICT_VOCAB = 30_000
BUSY_CORES = 0.1  # other processes' CPU use above which a timing is flagged


def corpus_parser(doc):
    """A parser described by a script's docstring, with the --corpus and --max-lines that
    prepare_corpus reads (scripts/phrases_bench.py uses it too)."""
    p = argparse.ArgumentParser(description=doc.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="\n".join(doc.splitlines()[1:]))
    p.add_argument("--corpus", type=Path, default=SHARED_DATA / "corpora" / "mix17m.txt.xz",
                   help="text file, or .xz/.gz/.bz2 (decompressed once, untimed) (%(default)s)")
    p.add_argument("--max-lines", type=int, default=0,
                   help="use only the first N lines of the corpus (0: all)")
    return p


def parse_args(argv):
    p = corpus_parser(__doc__)
    p.add_argument("--configs", type=comma_list(CONFIGS),
                   help=f"comma-separated, from {','.join(CONFIGS)} (skipgram-neg,cbow-neg)")
    p.add_argument("--threads", type=comma_ints, default=[2],
                   help="thread counts, comma-separated, e.g. 1,2 for scaling (2)")
    p.add_argument("--tools", type=comma_list(TOOLS[:3]),
                   help="comma-separated, from w2v,gensim,gensim-linesentence (w2v,gensim; with "
                        "--scale all three); --word2vec-c adds the C binary")
    p.add_argument("--word2vec-c", type=Path, metavar="PATH", help="word2vec C binary to include")
    p.add_argument("--scale", type=Path, metavar="FILE",
                   help="also run on this large corpus (scripts/make_scale_corpus.py makes one) "
                        "and compare peak RSS between the two; defaults become --epochs 1 "
                        "--configs skipgram-neg --tools w2v,gensim,gensim-linesentence")
    p.add_argument("--epochs", type=int, help="(5; with --scale 1)")
    p.add_argument("--repeats", type=int, default=1, help="rounds of alternating runs (1)")
    p.add_argument("--dim", type=int, default=100)
    p.add_argument("--window", type=int, default=5)
    p.add_argument("--negative", type=int, default=5, help="noise words for the -neg configs (5)")
    p.add_argument("--sample", type=float, default=1e-3)
    p.add_argument("--min-count", type=int, default=5)
    p.add_argument("--out-dir", type=Path,
                   help="keep the corpus copy, vectors and logs here (default: a temporary folder)")
    p.add_argument("--json", type=Path, metavar="FILE", help="save the raw results as JSON")
    p.add_argument("--markdown", type=Path, metavar="FILE", help="also write the table here")
    args = p.parse_args(argv)
    scale = args.scale is not None
    args.epochs = args.epochs or (1 if scale else 5)
    args.configs = args.configs or (["skipgram-neg"] if scale else ["skipgram-neg", "cbow-neg"])
    args.tools = args.tools or list(TOOLS[:3] if scale else TOOLS[:2])
    if scale and not args.scale.is_file():
        p.error(f"--scale must be a file, got {args.scale} (scripts/make_scale_corpus.py makes one)")
    if args.word2vec_c:
        if not os.access(args.word2vec_c, os.X_OK):
            p.error(f"--word2vec-c must be an executable file, got {args.word2vec_c}")
        args.tools.append("word2vec-c")
    for name in ("epochs", "repeats", "dim", "window", "negative", "min_count"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
    if not args.corpus.is_file():
        p.error(f"--corpus must be a file, got {args.corpus}")
    return args


def comma_list(allowed):
    def parse(text):
        items = [item.strip() for item in text.split(",") if item.strip()]
        unknown = [item for item in items if item not in allowed]
        if unknown or not items:
            raise argparse.ArgumentTypeError(f"choose from {','.join(allowed)}, got {text!r}")
        return list(dict.fromkeys(items))
    return parse


def comma_ints(text):
    try:
        values = [int(item) for item in text.split(",")]
    except ValueError:
        values = []
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected positive integers like 1,2, got {text!r}")
    return list(dict.fromkeys(values))


# ---------------------------------------------------------------- settings shared by all tools

def training_settings(args, config):
    """The settings of one config, identical for every tool (word2vec C's defaults)."""
    arch, loss = config.split("-")
    return {
        "arch": arch, "loss": loss, "dim": args.dim, "window": args.window,
        "negative": args.negative if loss == "neg" else 0, "sample": args.sample,
        "min_count": args.min_count, "epochs": args.epochs,
        "alpha": 0.05 if arch == "cbow" else 0.025, "seed": 1,
    }


def w2v_command(corpus, out, settings, threads):
    s = settings
    return [sys.executable, "-m", "w2v", "train", str(corpus), "-o", str(out),
            "--arch", s["arch"], "--loss", s["loss"], "--threads", str(threads),
            "--epochs", str(s["epochs"]), "--dim", str(s["dim"]), "--window", str(s["window"]),
            "--negative", str(s["negative"]), "--sample", str(s["sample"]),
            "--min-count", str(s["min_count"]), "--lr", str(s["alpha"]),
            "--seed", str(s["seed"]), "--quiet"]


def gensim_command(corpus, out, settings, threads, corpus_file):
    job = dict(settings, corpus=str(corpus), out=str(out), threads=threads,
               corpus_file=corpus_file)
    return [sys.executable, str(Path(__file__).resolve()), "_gensim", json.dumps(job)]


def word2vec_c_command(binary, corpus, out, settings, threads):
    s = settings
    return [str(binary), "-train", str(corpus), "-output", str(out),
            "-cbow", str(int(s["arch"] == "cbow")), "-size", str(s["dim"]),
            "-window", str(s["window"]), "-negative", str(s["negative"]),
            "-hs", str(int(s["loss"] == "hs")), "-sample", str(s["sample"]),
            "-threads", str(threads), "-iter", str(s["epochs"]),
            "-min-count", str(s["min_count"]), "-alpha", str(s["alpha"]), "-binary", "1"]


# ---------------------------------------------------------------- the gensim worker (subprocess)

def gensim_worker(job_json):
    """Train gensim as `Word2Vec(...)` does (build_vocab, then train), timing the two apart."""
    from gensim.models import Word2Vec
    from gensim.models.word2vec import LineSentence

    job = json.loads(job_json)
    model = Word2Vec(vector_size=job["dim"], window=job["window"], negative=job["negative"],
                     hs=int(job["loss"] == "hs"), sample=job["sample"],
                     min_count=job["min_count"], epochs=job["epochs"], workers=job["threads"],
                     sg=int(job["arch"] == "skipgram"), alpha=job["alpha"],
                     min_alpha=job["alpha"] * 1e-4, seed=job["seed"])
    source = ({"corpus_file": job["corpus"]} if job["corpus_file"]
              else {"corpus_iterable": LineSentence(job["corpus"])})
    started = time.perf_counter()
    model.build_vocab(**source)
    vocab_done = time.perf_counter()
    model.train(**source, total_examples=model.corpus_count,
                total_words=model.corpus_total_words, epochs=model.epochs)
    train_done = time.perf_counter()
    model.wv.save_word2vec_format(job["out"], binary=True)
    log = {"vocab_seconds": vocab_done - started, "train_seconds": train_done - vocab_done,
           "vocab_size": len(model.wv), "corpus_tokens": model.corpus_total_words}
    Path(job["out"] + ".json").write_text(json.dumps(log, indent=1))


# ---------------------------------------------------------------- running and measuring

def run_measured(command, log_path):
    """Run `command` with its output in `log_path`; measure that one process.

    wait4 gives the rusage of exactly this child (what /usr/bin/time -v reports). The machine's
    busy time minus the child's CPU time is what other processes took meanwhile: on a shared
    machine, the one number that says whether a timing can be trusted.
    """
    busy_before = machine_busy_seconds()
    with open(log_path, "wb") as log:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
    busy_after = machine_busy_seconds()
    child.returncode = os.waitstatus_to_exitcode(status)  # already reaped: tell Popen
    cpu = usage.ru_utime + usage.ru_stime
    others = (None if busy_before is None or busy_after is None
              else max(busy_after - busy_before - cpu, 0.0) / wall)
    return {"exit_code": child.returncode, "wall_seconds": wall,
            "peak_rss_mb": usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024) / 2**20,
            "cpu_seconds": cpu, "other_cores": others}


def machine_busy_seconds():
    """CPU seconds used by all processes since boot, from /proc/stat (None without it)."""
    try:
        with open("/proc/stat") as stat:
            jiffies = [int(field) for field in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    idle = jiffies[3] + jiffies[4]  # idle and iowait; guest time is already inside user
    return (sum(jiffies) - idle) / os.sysconf("SC_CLK_TCK")


def training_seconds(tool, out):
    """The training time the tool reports itself (vocabulary and I/O excluded), or None."""
    log_path = Path(f"{out}.json")
    if tool == "word2vec-c" or not log_path.exists():
        return None
    log = json.loads(log_path.read_text())
    if tool == "w2v":
        return sum(epoch["seconds"] for epoch in log["epochs"])
    return log["train_seconds"]


def evaluate(vectors):
    """Google-analogy accuracy and WordSim-353 Spearman of a vectors file, via `w2v eval`."""
    if not (ANALOGIES.exists() and WORDSIM.exists()):
        return {}
    command = [sys.executable, "-m", "w2v", "eval", str(vectors), "--analogies", str(ANALOGIES),
               "--similarity", str(WORDSIM), "--restrict-vocab", str(RESTRICT_VOCAB), "--json"]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        say(f"  evaluation failed: {done.stderr.strip()}")
        return {}
    scores = json.loads(done.stdout)
    total = scores["analogies"][0]["total"]
    return {"analogy": total["accuracy"], "analogy_answered": total["answered"],
            "analogy_questions": total["questions"],
            "ws353": scores["similarity"][0]["spearman"]}


def plan_runs(args):
    """(repeat, threads, config, tool) in the order they run: tools alternate innermost."""
    return [(repeat, threads, config, tool)
            for repeat in range(args.repeats) for threads in args.threads
            for config in args.configs for tool in args.tools]


def tool_command(tool, corpus, out, settings, threads, args):
    if tool == "w2v":
        return w2v_command(corpus, out, settings, threads)
    if tool in GENSIM_TOOLS:
        return gensim_command(corpus, out, settings, threads, tool == "gensim")
    return word2vec_c_command(args.word2vec_c, corpus, out, settings, threads)


def run_all(args, corpus, tokens, out_dir):
    runs, plan, name = [], plan_runs(args), Path(corpus).name
    for number, (repeat, threads, config, tool) in enumerate(plan, 1):
        settings = training_settings(args, config)
        out = out_dir / f"{name}-{tool}-{config}-t{threads}-r{repeat + 1}.bin"
        command = tool_command(tool, corpus, out, settings, threads, args)
        say(f"[{number}/{len(plan)}] {name}: {tool} {config} threads={threads} "
            f"repeat={repeat + 1} ...")
        run = {"corpus": name, "tool": tool, "config": config, "threads": threads,
               "repeat": repeat + 1,
               **run_measured(command, out.with_suffix(".log")),
               "train_seconds": None, "corpus_tokens": tokens, "epochs": args.epochs,
               "command": command, "log": str(out.with_suffix(".log"))}
        if run["exit_code"] == 0:
            run["train_seconds"] = training_seconds(tool, out)
            run.update(evaluate(out))
        say(f"      {describe_run(run)}")
        runs.append(run)
    return runs


def describe_run(run):
    if run["exit_code"] != 0:  # show the end of the log now: a temporary out-dir goes away
        return f"FAILED (exit {run['exit_code']}), {run['log']} ends:\n{log_tail(run['log'])}"
    scores = (f", analogy {run['analogy']:.3f}, WS-353 {run['ws353']:.3f}"
              if "analogy" in run else "")
    others = (f", other processes {run['other_cores']:.2f} cores"
              if run["other_cores"] is not None else "")
    return (f"wall {run['wall_seconds']:.1f}s, peak RSS {run['peak_rss_mb']:,.0f} MB"
            f"{scores}{others}")


def log_tail(path, lines=5):
    return "\n".join(Path(path).read_text(errors="replace").strip().splitlines()[-lines:])


def warm_up(args, corpus, out_dir):
    """One untimed w2v run per config on a small slice, so Numba's on-disk cache is filled."""
    if "w2v" not in args.tools:
        return
    slice_path = out_dir / "warmup.txt"
    copy_lines(corpus, slice_path, WARMUP_LINES)
    for config in args.configs:
        settings = dict(training_settings(args, config), epochs=1)
        out = out_dir / f"warmup-{config}.bin"
        say(f"[warm-up] w2v {config} on the first {WARMUP_LINES:,} lines (untimed) ...")
        measured = run_measured(w2v_command(slice_path, out, settings, max(args.threads)),
                                out.with_suffix(".log"))
        if (code := measured["exit_code"]) != 0:
            sys.exit(f"bench.py: the w2v warm-up failed (exit {code}); its log ends:\n"
                     f"{log_tail(out.with_suffix('.log'))}")


# ---------------------------------------------------------------- corpus preparation

def copy_lines(source, target, max_lines=0):
    """Copy (decompressing by extension) the first `max_lines` lines (0: all) of `source` to
    `target`; return the number of white-space separated tokens copied."""
    tokens = 0
    with open_compressed(source, "rb") as src, open(target, "wb") as dst:
        for number, line in enumerate(src, 1):
            if max_lines and number > max_lines:
                break
            dst.write(line)
            tokens += len(line.split())
    return tokens


def count_tokens(path):
    with open(path, "rb") as f:
        return sum(len(line.split()) for line in f)


def prepare_corpus(args, out_dir):
    """A plain-text corpus every tool can read (gensim's corpus_file and word2vec C need one);
    return (path, tokens, note for the reader or None)."""
    compressed = compression_of_path(args.corpus) is not None
    if not compressed and not args.max_lines:
        return args.corpus, count_tokens(args.corpus), None
    plain = out_dir / (args.corpus.stem if compressed else args.corpus.name)
    what = f"the first {args.max_lines:,} lines of " if args.max_lines else ""
    say(f"[prepare] writing {what}{args.corpus} as plain text to {plain} (untimed) ...")
    tokens = copy_lines(args.corpus, plain, args.max_lines)
    note = (f"{what}{args.corpus.name}, {'decompressed' if compressed else 'copied'} once to "
            f"plain text before timing, so that every tool reads the same plain file")
    return plain, tokens, note


# ---------------------------------------------------------------- the table

def summarize(runs):
    """One row per (corpus, tool, config, threads), in first-run order: medians over the
    repeats."""
    groups = {}
    for run in runs:
        key = (run.get("corpus"), run["tool"], run["config"], run["threads"])
        groups.setdefault(key, []).append(run)
    rows = []
    for (corpus, tool, config, threads), group in groups.items():
        ok = [run for run in group if run["exit_code"] == 0]
        row = {"corpus": corpus, "tool": tool, "config": config, "threads": threads,
               "runs": len(group), "failed": len(group) - len(ok)}
        for key in ("wall_seconds", "train_seconds", "peak_rss_mb", "analogy", "ws353"):
            values = [run[key] for run in ok if run.get(key) is not None]
            row[key] = statistics.median(values) if values else None
        if ok:
            work = ok[0]["corpus_tokens"] * ok[0]["epochs"]
            row["words_per_sec"] = work / row["train_seconds"] if row["train_seconds"] else None
            row["words_per_sec_whole"] = work / row["wall_seconds"]
        rows.append(row)
    add_speed_ratios(rows)
    return rows


def add_speed_ratios(rows):
    """speed_vs_gensim = the reference gensim row's wall time / this row's, same corpus, config
    and threads; the reference (named in row["reference"]) is the fastest gensim mode whose
    scores are as good as w2v's, or the fastest when no mode's are."""
    for row in rows:
        reference = gensim_reference(rows, row)
        row["reference"] = reference and reference["tool"]
        row["speed_vs_gensim"] = (reference["wall_seconds"] / row["wall_seconds"]
                                  if reference and row["wall_seconds"] else None)


def gensim_reference(rows, row):
    same = [other for other in rows if other["wall_seconds"] and
            (other["corpus"], other["config"], other["threads"]) ==
            (row["corpus"], row["config"], row["threads"])]
    gensims = sorted((other for other in same if other["tool"] in GENSIM_TOOLS),
                     key=lambda other: other["wall_seconds"])
    w2v = next((other for other in same if other["tool"] == "w2v"), None)
    as_good = [other for other in gensims if w2v is None or as_good_as(other, w2v)]
    return (as_good or gensims or [None])[0]


def as_good_as(row, other):
    """Whether row's scores are within noise of other's or better (True when either has none)."""
    return all(row.get(key) is None or other.get(key) is None
               or row[key] >= other[key] - margin for key, margin in NOISE.items())


def markdown_table(rows, tool_labels):
    by_corpus = len({row.get("corpus") for row in rows}) > 1
    header = (["corpus"] * by_corpus + ["tool", "arch/loss", "threads", "wall s", "train s",
              "words/s (train)", "words/s (whole)", "peak RSS MB", "analogy", "WS-353",
              "speed vs gensim"])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [row["corpus"]] * by_corpus + [
                 tool_labels.get(row["tool"], row["tool"]), row["config"].replace("-", "/"),
                 str(row["threads"]),
                 fmt(row["wall_seconds"], ".1f"), fmt(row["train_seconds"], ".1f"),
                 fmt(row.get("words_per_sec"), ",.0f"), fmt(row.get("words_per_sec_whole"), ",.0f"),
                 fmt(row["peak_rss_mb"], ",.0f"), fmt(row["analogy"], ".3f"),
                 fmt(row["ws353"], ".3f"), fmt(row["speed_vs_gensim"], ".2f", "x")]
        if row["failed"] == row["runs"]:
            cells[3 + by_corpus:] = ["failed"] + ["-"] * (len(cells) - 4 - by_corpus)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def fmt(value, spec, suffix=""):
    return "-" if value is None else f"{value:{spec}}{suffix}"


def contention_note(runs):
    """How much CPU other processes took during the timed runs (0: a quiet machine)."""
    loads = [(run["other_cores"], run) for run in runs if run.get("other_cores") is not None]
    if not loads:
        return "CPU use of other processes: unknown (no /proc/stat)"
    worst, run = max(loads, key=lambda pair: pair[0])
    text = (f"CPU use of other processes during the timed runs: median "
            f"{statistics.median(load for load, _ in loads):.2f} cores, at most {worst:.2f} "
            f"({run['tool']} {run['config']} threads={run['threads']} repeat={run['repeat']})")
    return text + (": the machine was not quiet; those timings are slower than on a quiet one"
                   if worst > BUSY_CORES else "")


def scaling_notes(rows):
    """'2 threads are 1.9x faster than 1' per tool and config, from wall and training times."""
    notes = []
    by_key = {(row["tool"], row["config"], row["threads"]): row for row in rows}
    for row in rows:
        base = by_key.get((row["tool"], row["config"], 1))
        if row["threads"] == 1 or not (base and base["wall_seconds"] and row["wall_seconds"]):
            continue
        text = (f"scaling, {row['tool']} {row['config']}: {row['threads']} threads vs 1: "
                f"{base['wall_seconds'] / row['wall_seconds']:.2f}x the speed (wall)")
        if row["train_seconds"] and base["train_seconds"]:
            text += f", {base['train_seconds'] / row['train_seconds']:.2f}x (training)"
        notes.append(text)
    return notes


def report(args, runs, rows, meta, corpus_note):
    warm = (f"w2v ran once untimed per config on the first {WARMUP_LINES:,} lines first, so "
            f"Numba's compiled kernels come from its disk cache: steady state, not first run")
    notes = [
        f"corpus: {meta['corpus_tokens']:,} tokens ({meta['corpus']})"
        + (f" and {meta['scale_tokens']:,} tokens ({meta['scale_corpus']})" if args.scale else "")
        + "; settings for every tool: "
        f"dim {args.dim}, window {args.window}, negative {args.negative} (0 with hs), "
        f"sample {args.sample:g}, min-count {args.min_count}, epochs {args.epochs}, lr 0.025 "
        f"skip-gram / 0.05 CBOW decaying to lr x 1e-4, seed 1",
        "wall: the whole process (reading, vocabulary, training, writing), median of "
        f"{args.repeats} run(s); train: the training time the tool reports (w2v: its epochs; "
        "gensim: `train()`; word2vec C reports none); words/s: corpus tokens x epochs / train "
        "time or / wall time",
        "peak RSS: maximum resident set size of the process; analogy: Google analogies, 3CosAdd "
        f"over the {RESTRICT_VOCAB:,} most frequent words, accuracy on the questions answered; "
        "WS-353: Spearman; both scored by `w2v eval` for every tool",
    ]
    notes += reference_notes(rows)
    notes += [warm] if "w2v" in args.tools else []
    if not (ANALOGIES.exists() and WORDSIM.exists()):
        notes.append(f"no scores: {ANALOGIES} or {WORDSIM} is missing (set W2V_SHARED_DATA)")
    notes += ([corpus_note] if corpus_note else []) + [contention_note(runs)] + scaling_notes(rows)
    machine = f"Machine: {meta['cpu']}, {meta['cores']} cores; {meta['blas']}"
    tables = [machine, markdown_table(rows, meta["tool_labels"])]
    if args.scale:
        tables.append(growth_table(rows, meta["tool_labels"]))
    return "\n\n".join(tables) + "\n\n" + "\n".join(f"- {note}" for note in notes) + "\n"


def reference_notes(rows):
    """Which gensim mode each ratio was taken against, and why when it was not the fastest."""
    notes = []
    for row in rows:
        if row["tool"] != "w2v" or not row.get("reference"):
            continue
        fastest = gensim_reference([r for r in rows if r["tool"] != "w2v"], row)
        why = ("" if fastest is None or fastest["tool"] == row["reference"] else
               f" ({fastest['tool']} was faster but scored below w2v by more than noise)")
        notes.append(f"speed vs gensim, {row['corpus']} {row['config']} threads={row['threads']}:"
                     f" against {row['reference']} ({GENSIM_TOOLS[row['reference']]}){why}")
    return notes


def growth_table(rows, tool_labels):
    """Peak RSS and whole-process words/s of each tool on each corpus, side by side."""
    corpora = list(dict.fromkeys(row["corpus"] for row in rows))
    header = ["tool", "arch/loss", "threads"] + [f"{what}, {corpus}" for corpus in corpora
                                                 for what in ("peak RSS MB", "words/s (whole)")]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    keys = dict.fromkeys((row["tool"], row["config"], row["threads"]) for row in rows)
    for tool, config, threads in keys:
        cells = [tool_labels.get(tool, tool), config.replace("-", "/"), str(threads)]
        for corpus in corpora:
            row = next((r for r in rows if (r["corpus"], r["tool"], r["config"], r["threads"])
                        == (corpus, tool, config, threads)), {})
            cells += [fmt(row.get("peak_rss_mb"), ",.0f"), fmt(row.get("words_per_sec_whole"), ",.0f")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# ---------------------------------------------------------------- provenance

def machine_and_versions(args):
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": cpu_model(), "cores": os.cpu_count(), "platform": platform.platform(),
        "blas": blas_build(),
        "python": platform.python_version(), "w2v_commit": w2v_commit(),
        "versions": {name: package_version(name) for name in ("gensim", "numba", "numpy")},
        "command": " ".join(["python", "scripts/bench.py"] + sys.argv[1:]),
    }


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def blas_build():
    """NumPy's version and the BLAS it runs (library, version, the kernel chosen for this CPU)."""
    import numpy
    from threadpoolctl import threadpool_info

    numpy.ones(2) @ numpy.ones(2)  # loads the BLAS
    blas = [f"{info.get('internal_api')} {info.get('version')} ({info.get('architecture')} kernel)"
            for info in threadpool_info() if info.get("user_api") == "blas"]
    forced = {name: os.environ[name] for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
              if name in os.environ}
    return (f"NumPy {numpy.__version__} with {', '.join(blas) or 'no BLAS found'}"
            + (f", forced by {forced}" if forced else ""))


def w2v_commit():
    """HEAD of the checkout, marked '+dirty' when w2v/ has uncommitted changes."""
    def git(*words):
        return subprocess.run(["git", "-C", str(REPO), *words], capture_output=True,
                              text=True).stdout.strip()
    commit = git("rev-parse", "--short=10", "HEAD") or "unknown"
    return commit + ("+dirty" if git("status", "--porcelain", "--", "w2v") else "")


def package_version(name):
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def tool_labels(meta):
    gensim = f"gensim {meta['versions']['gensim']}"
    return {"w2v": f"w2v {meta['w2v_commit']}", "gensim": f"{gensim} corpus_file",
            "gensim-linesentence": f"{gensim} LineSentence", "word2vec-c": "word2vec C"}


def say(text):
    print(text, file=sys.stderr, flush=True)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_gensim"]:
        return gensim_worker(argv[1])
    args = parse_args(argv)
    if set(GENSIM_TOOLS) & set(args.tools) and package_version("gensim") is None:
        sys.exit("bench.py: gensim is not installed (pip install -e '.[dev]'), or pass --tools w2v")
    meta = machine_and_versions(args)
    meta["tool_labels"] = tool_labels(meta)
    with tempfile.TemporaryDirectory(prefix="w2v-bench-") as scratch:
        out_dir = args.out_dir or Path(scratch)
        out_dir.mkdir(parents=True, exist_ok=True)
        corpus, tokens, corpus_note = prepare_corpus(args, out_dir)
        meta.update(corpus=str(args.corpus), corpus_used=str(corpus), corpus_tokens=tokens)
        warm_up(args, corpus, out_dir)
        runs = run_all(args, corpus, tokens, out_dir)
        if args.scale:
            say(f"[prepare] counting the tokens of {args.scale} (untimed) ...")
            meta.update(scale_corpus=str(args.scale), scale_tokens=count_tokens(args.scale))
            runs += run_all(args, args.scale, meta["scale_tokens"], out_dir)
    rows = summarize(runs)
    text = report(args, runs, rows, meta, corpus_note)
    print(text, end="")
    if args.markdown:
        args.markdown.write_text(text)
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "runs": runs, "rows": rows}, indent=1))
    return 1 if any(run["exit_code"] != 0 for run in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
