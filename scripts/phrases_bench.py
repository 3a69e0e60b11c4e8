"""Benchmark phrase detection: `w2v phrases` against gensim's Phrases (and word2phrase, if built).

    python scripts/phrases_bench.py                          # mix17m, one pass, default parameters
    python scripts/phrases_bench.py --max-lines 20000        # a quick look on a slice
    python scripts/phrases_bench.py --word2phrase ~/word2vec/word2phrase

Every tool does the same job on the same plain-text corpus (decompressed once, untimed): count,
score, and write the corpus with the phrases joined. Each runs in its own process, so wall time
and peak RSS are those of one process; runs alternate (w2v, gensim, word2phrase, w2v, ...).
gensim scores with word2phrase's formula (tokens, not its vocabulary size: see w2v/phrases.py)
unless --gensim-default-scorer. Phrase sets: the phrases each tool joined in its output (distinct
tokens with "_" that the corpus did not hold), and for w2v and gensim also their phrase tables
(every candidate above the threshold). Differences from w2v are listed with the counts that
explain them. Progress goes to stderr, the Markdown report to stdout.
"""

import collections
import json
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import (contention_note, copy_lines, corpus_parser, cpu_model, fmt,  # noqa: E402
                   log_tail, package_version, prepare_corpus, run_measured, say, w2v_commit)

TOOLS = ("w2v", "gensim", "word2phrase")
WARMUP_LINES = 2_000
SHOWN_DIFFERENCES = 10
W2P_MAX_PATH = 60  # word2phrase's MAX_STRING: longer file names overflow its buffers


def parse_args(argv):
    p = corpus_parser(__doc__)
    p.add_argument("--word2phrase", type=Path, metavar="PATH",
                   help="a built word2phrase binary (word2vec C) to include")
    p.add_argument("--min-count", type=int, default=5)
    p.add_argument("--threshold", type=float, default=100.0)
    p.add_argument("--scorer", choices=("word2vec", "npmi"), default="word2vec")
    p.add_argument("--connector-words", action="store_true",
                   help="English connector words (w2v and gensim; word2phrase has none)")
    p.add_argument("--gensim-default-scorer", action="store_true",
                   help="gensim scores with its own default (x vocabulary size, not x tokens)")
    p.add_argument("--repeats", type=int, default=1, help="rounds of alternating runs (1)")
    p.add_argument("--out-dir", type=Path,
                   help="keep the corpus copy, outputs and logs here (default: a temporary folder)")
    p.add_argument("--json", type=Path, metavar="FILE", help="save the raw results as JSON")
    p.add_argument("--markdown", type=Path, metavar="FILE", help="also write the report here")
    args = p.parse_args(argv)
    args.tools = ["w2v", "gensim"]
    if args.word2phrase:
        if not Path(args.word2phrase).is_file():
            p.error(f"--word2phrase must be an executable file, got {args.word2phrase}")
        if args.scorer != "word2vec" or args.connector_words:
            p.error("word2phrase has only the word2vec scorer and no connector words")
        args.word2phrase = args.word2phrase.resolve()
        args.tools.append("word2phrase")
    if args.min_count < 1 or args.repeats < 1:
        p.error("--min-count and --repeats must be >= 1")
    if not args.corpus.is_file():
        p.error(f"--corpus must be a file, got {args.corpus}")
    return args


# ---------------------------------------------------------------- the gensim worker (subprocess)

def word2phrase_score(worda_count, wordb_count, bigram_count, len_vocab, min_count,
                      corpus_word_count):
    """word2phrase's score with gensim's scorer arguments: x tokens instead of x len_vocab."""
    if worda_count < min_count or wordb_count < min_count:
        return -math.inf
    return (bigram_count - min_count) / float(worda_count * wordb_count) * corpus_word_count


def gensim_worker(job_json):
    """Detect with gensim's Phrases, write the corpus with its FrozenPhrases, and the table."""
    from gensim.models.phrases import ENGLISH_CONNECTOR_WORDS, Phrases
    from gensim.models.word2vec import LineSentence

    job = json.loads(job_json)
    scoring = ("npmi" if job["scorer"] == "npmi"
               else "default" if job["default_scorer"] else word2phrase_score)
    sentences = LineSentence(job["corpus"], max_sentence_length=10**9)  # lines never cut
    model = Phrases(sentences, min_count=job["min_count"], threshold=job["threshold"],
                    scoring=scoring,
                    connector_words=ENGLISH_CONNECTOR_WORDS if job["connectors"] else frozenset())
    frozen = model.freeze()
    with open(job["out"], "w", encoding="utf-8") as out:
        for sentence in sentences:
            out.write(" ".join(frozen[sentence]) + "\n")
    Path(job["table"]).write_text(json.dumps(frozen.phrasegrams))


# ---------------------------------------------------------------- running and measuring

def tool_command(tool, args, corpus, out, table):
    if tool == "w2v":
        command = [sys.executable, "-m", "w2v", "phrases", str(corpus), "-o", str(out),
                   "--save-model", str(table), "--min-count", str(args.min_count),
                   "--threshold", str(args.threshold), "--scorer", args.scorer]
        return command + (["--connector-words"] if args.connector_words else [])
    if tool == "gensim":
        job = {"corpus": str(corpus), "out": str(out), "table": str(table),
               "min_count": args.min_count, "threshold": args.threshold, "scorer": args.scorer,
               "default_scorer": args.gensim_default_scorer, "connectors": args.connector_words}
        return [sys.executable, str(Path(__file__).resolve()), "_gensim", json.dumps(job)]
    if max(len(str(corpus).encode()), len(str(out).encode())) >= W2P_MAX_PATH:
        sys.exit(f"phrases_bench.py: word2phrase copies file names into {W2P_MAX_PATH}-byte "
                 f"buffers: {corpus} or {out} is too long; use a shorter --out-dir")
    return [str(args.word2phrase), "-train", str(corpus), "-output", str(out), "-min-count",
            str(args.min_count), "-threshold", str(args.threshold), "-debug", "0"]


def run_all(args, corpus, out_dir):
    runs = []
    plan = [(repeat, tool) for repeat in range(args.repeats) for tool in args.tools]
    for number, (repeat, tool) in enumerate(plan, 1):
        out, table = out_dir / f"{tool}-r{repeat + 1}.txt", out_dir / f"{tool}-r{repeat + 1}.json"
        say(f"[{number}/{len(plan)}] {tool} repeat={repeat + 1} ...")
        log = out.with_suffix(".log")
        run = {"tool": tool, "repeat": repeat + 1, "config": args.scorer, "threads": 1,
               **run_measured(tool_command(tool, args, corpus, out, table), log),
               "out": str(out), "table": str(table) if tool != "word2phrase" else None}
        if run["exit_code"] != 0:
            say(f"      FAILED (exit {run['exit_code']}), {log} ends:\n{log_tail(log)}")
        else:
            say(f"      wall {run['wall_seconds']:.1f}s, peak RSS {run['peak_rss_mb']:,.0f} MB")
        runs.append(run)
    return runs


def warm_up(corpus, out_dir, args):
    """One untimed w2v run on a small slice, so Numba's compiled kernels come from its cache."""
    warm = out_dir / "warmup.txt"
    copy_lines(corpus, warm, WARMUP_LINES)
    say(f"[warm-up] w2v on the first {WARMUP_LINES:,} lines (untimed) ...")
    command = tool_command("w2v", args, warm, out_dir / "warmup-out.txt", out_dir / "warmup.json")
    if (code := run_measured(command, out_dir / "warmup.log")["exit_code"]) != 0:
        sys.exit(f"phrases_bench.py: the w2v warm-up failed (exit {code}); its log ends:\n"
                 f"{log_tail(out_dir / 'warmup.log')}")


# ---------------------------------------------------------------- phrase sets

def joined_tokens(path):
    """The distinct tokens of a text file that hold "_"."""
    found = set()
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            found.update(token for token in line.split() if "_" in token)
    return found


def phrase_table(tool, path):
    """(the phrases of a tool's table, its words + candidates: gensim's len_vocab, w2v only)."""
    data = json.loads(Path(path).read_text())
    if tool == "w2v":
        found = data["passes"][0]
        len_vocab = found["words"] + found["candidates"]
        return {"_".join(p["words"]) for p in found["phrases"]}, len_vocab
    return set(data), None


def phrase_sets(runs, corpus):
    """{tool: {"joined": set, "table": set or None}} from each tool's first successful run."""
    already = joined_tokens(corpus)  # tokens with "_" in the corpus itself are no phrases
    sets = {}
    for run in runs:
        if run["exit_code"] == 0 and run["tool"] not in sets:
            table, len_vocab = (phrase_table(run["tool"], run["table"]) if run["table"]
                                else (None, None))
            sets[run["tool"]] = {"joined": joined_tokens(run["out"]) - already, "table": table,
                                 "len_vocab": len_vocab}
    return sets


def pair_counts(corpus, pairs):
    """For phrases of two words: (count within lines, count across a line end), and word counts:
    word2phrase counts a pair across line ends too (its `start` flag is reset before use)."""
    wanted = {tuple(p.split("_")) for p in pairs if p.count("_") == 1}
    words = {w for pair in wanted for w in pair}
    within, across = collections.Counter(), collections.Counter()
    word_counts = collections.Counter()
    last = None
    with open(corpus, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            tokens = line.split()
            if not tokens:
                continue
            word_counts.update(t for t in tokens if t in words)
            if (last, tokens[0]) in wanted:
                across[(last, tokens[0])] += 1
            within.update(pair for pair in zip(tokens, tokens[1:]) if pair in wanted)
            last = tokens[-1]
    return within, across, word_counts


def explain(differences, tool, corpus, tokens, len_vocab, args):
    """Rows (phrase, where, count within lines, across line ends, count a, count b, w2v score,
    the tool's score) for the phrases of two words among `differences`."""
    from w2v.text import phrases

    shown = sorted(differences)[:SHOWN_DIFFERENCES]
    within, across, word_counts = pair_counts(corpus, [p for p, _ in shown])
    rows = []
    for phrase, where in shown:
        pair = tuple(phrase.split("_"))
        a, b, ab = word_counts[pair[0]], word_counts[pair[-1]], within[pair]
        if len(pair) != 2 or not ab:
            rows.append((phrase, where) + (None,) * 6)
            continue
        score = getattr(phrases, f"{args.scorer}_score")
        ours = float(score(np.float64([a]), np.float64([b]), np.float64([ab]), tokens,
                           args.min_count)[0])
        if tool == "word2phrase":  # float32, pairs across line ends counted
            f = np.float32
            theirs = f(ab + across[pair] - args.min_count) / f(a) / f(b) * f(tokens)
        elif args.gensim_default_scorer and args.scorer == "word2vec":
            theirs = ours * len_vocab / tokens
        else:
            theirs = ours
        rows.append((phrase, where, ab, across[pair], a, b, ours, theirs))
    return rows


# ---------------------------------------------------------------- the report

def summarize(runs, sets):
    rows = []
    for tool in dict.fromkeys(run["tool"] for run in runs):
        ok = [run for run in runs if run["tool"] == tool and run["exit_code"] == 0]
        row = {"tool": tool, "runs": len([r for r in runs if r["tool"] == tool]), "ok": len(ok)}
        for key in ("wall_seconds", "peak_rss_mb"):
            row[key] = statistics.median(run[key] for run in ok) if ok else None
        if tool in sets and "w2v" in sets:
            for kind in ("joined", "table"):  # len_vocab is no set
                mine, ours = sets[tool][kind], sets["w2v"][kind]
                if mine is not None:
                    row[kind] = len(mine)
                    row[f"{kind}_same"] = len(mine & ours)
                    row[f"{kind}_only_w2v"] = len(ours - mine)
                    row[f"{kind}_only_tool"] = len(mine - ours)
        rows.append(row)
    w2v_wall = next((row["wall_seconds"] for row in rows if row["tool"] == "w2v"), None)
    for row in rows:
        row["w2v_speedup"] = (row["wall_seconds"] / w2v_wall
                              if w2v_wall and row["wall_seconds"] else None)
    return rows


def markdown_table(rows, labels):
    header = ["tool", "wall s", "peak RSS MB", "w2v faster", "phrases joined",
              "same as w2v", "only w2v", "only this tool", "phrase table", "table same as w2v"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [labels[row["tool"]], fmt(row["wall_seconds"], ".1f"),
                 fmt(row["peak_rss_mb"], ",.0f"), fmt(row["w2v_speedup"], ".1f", "x"),
                 fmt(row.get("joined"), ","), fmt(row.get("joined_same"), ","),
                 fmt(row.get("joined_only_w2v"), ","), fmt(row.get("joined_only_tool"), ","),
                 fmt(row.get("table"), ","), fmt(row.get("table_same"), ",")]
        if not row["ok"]:
            cells[1:] = ["failed"] + ["-"] * (len(cells) - 2)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def differences_table(sets, corpus, tokens, args):
    """Up to SHOWN_DIFFERENCES phrases joined by w2v or another tool only, per tool, explained."""
    texts = []
    for tool in sets:
        if tool == "w2v":
            continue
        ours, theirs = sets["w2v"]["joined"], sets[tool]["joined"]
        differences = ([(p, "only w2v") for p in ours - theirs] +
                       [(p, f"only {tool}") for p in theirs - ours])
        if not differences:
            continue
        how = {"word2phrase": "in float32, counting the pairs across line ends too",
               "gensim": "with its default scorer: x (words + candidates) / tokens"
               if args.gensim_default_scorer else "the same scorer"}[tool]
        lines = [f"Phrases joined by only one of w2v and {tool} ({len(differences):,}; the first "
                 f"{min(len(differences), SHOWN_DIFFERENCES)}): their counts in the corpus, the "
                 f"w2v score and {tool}'s ({how})",
                 "", "| phrase | joined by | count in lines | across line ends | count(a) | "
                 f"count(b) | w2v score | {tool} score |", "|" + "---|" * 8]
        for row in explain(differences, tool, corpus, tokens, sets["w2v"]["len_vocab"], args):
            lines.append("| " + " | ".join([row[0], row[1]] + [fmt(v, ",") for v in row[2:6]] +
                                           [fmt(v, ".2f") for v in row[6:]]) + " |")
        texts.append("\n".join(lines))
    return "\n\n".join(texts)


def report(args, runs, rows, sets, meta, corpus_note, corpus):
    labels = {"w2v": f"w2v {meta['w2v_commit']}", "gensim": f"gensim {meta['gensim']} Phrases",
              "word2phrase": "word2phrase (word2vec C)"}
    gensim_scorer = ("npmi" if args.scorer == "npmi" else
                     "its default (x vocabulary size)" if args.gensim_default_scorer
                     else "word2phrase's formula (x tokens) as a custom scorer")
    notes = [
        f"machine: {meta['cpu']}, {meta['cores']} cores; numba {meta['numba']}, "
        f"numpy {meta['numpy']}; {meta['date']}",
        f"corpus: {meta['corpus_tokens']:,} tokens ({args.corpus}); one pass, min-count "
        f"{args.min_count}, threshold {args.threshold:g}, scorer {args.scorer}"
        f"{', English connector words' if args.connector_words else ''}; gensim scored with "
        f"{gensim_scorer}",
        f"wall: the whole process (reading, counting, scoring, writing the corpus with phrases "
        f"joined), median of {args.repeats} run(s); peak RSS: maximum resident set size",
        "phrases joined: distinct joined tokens in the output; phrase table: every candidate "
        "above the threshold (a greedy join from the left uses some of them nowhere); word2phrase "
        "writes no table",
        f"w2v ran once untimed on the first {WARMUP_LINES:,} lines first, so Numba's compiled "
        "kernels come from its disk cache",
        contention_note(runs),
    ] + ([corpus_note] if corpus_note else [])
    text = markdown_table(rows, labels) + "\n\n" + "\n".join(f"- {n}" for n in notes) + "\n"
    if "w2v" in sets:
        explained = differences_table(sets, corpus, meta["corpus_tokens"], args)
        text += f"\n{explained}\n" if explained else ""
    return text


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_gensim"]:
        return gensim_worker(argv[1])
    args = parse_args(argv)
    if package_version("gensim") is None:
        sys.exit("phrases_bench.py: gensim is not installed (pip install -e '.[dev]')")
    meta = {"date": time.strftime("%Y-%m-%d %H:%M %z"), "cpu": cpu_model(),
            "cores": os.cpu_count(), "w2v_commit": w2v_commit(),
            **{name: package_version(name) for name in ("gensim", "numba", "numpy")}}
    with tempfile.TemporaryDirectory(prefix="w2v-phrases-bench-") as scratch:
        out_dir = args.out_dir or Path(scratch)
        out_dir.mkdir(parents=True, exist_ok=True)
        corpus, tokens, corpus_note = prepare_corpus(args, out_dir)
        meta["corpus_tokens"] = tokens
        warm_up(corpus, out_dir, args)
        runs = run_all(args, corpus, out_dir)
        sets = phrase_sets(runs, corpus)
        rows = summarize(runs, sets)
        text = report(args, runs, rows, sets, meta, corpus_note, corpus)
    print(text, end="")
    if args.markdown:
        args.markdown.write_text(text)
    if args.json:
        serializable = {tool: {kind: sorted(found[kind]) if found[kind] is not None else None
                               for kind in ("joined", "table")} for tool, found in sets.items()}
        args.json.write_text(json.dumps({"meta": meta, "runs": runs, "rows": rows,
                                         "phrases": serializable}, indent=1))
    return 1 if any(run["exit_code"] != 0 for run in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
