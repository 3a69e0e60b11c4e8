"""Continued training against one run: the quality of `w2v train --init`.

    python scripts/continue_bench.py                     # mix17m, 5 epochs per run
    python scripts/continue_bench.py --max-lines 20000   # a quick look on a slice

The corpus (its first --max-lines lines if given) is cut into two halves by lines, in order
(mix17m's lines are shuffled, so both halves hold the same mix of text). Three runs of `w2v
train`, every option at its default but --epochs, --threads and --seed:
  first half          train on the first half;
  first + continued   continue that model on the second half (--init), the same epochs;
  whole corpus        one run on the whole corpus, the same epochs,
so every line is trained on --epochs times in the continued run as in the whole run. Each model
is scored on the Google analogy questions (3CosAdd among the 30,000 most frequent words) and
WordSim-353 (Spearman). Quality only: with --threads above 1 training is Hogwild and scores move
a little between runs; no timing is measured. Progress goes to stderr, the Markdown table to
stdout.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import SHARED_DATA, corpus_parser, say, w2v_commit  # noqa: E402

from w2v.files import open_compressed  # noqa: E402
from w2v.vectors import KeyedVectors  # noqa: E402
from w2v.vectors.evaluate import evaluate_analogies, evaluate_word_pairs  # noqa: E402

ANALOGIES = SHARED_DATA / "google-analogy" / "questions-words.txt"
WORD_PAIRS = SHARED_DATA / "wordsim353" / "wordsim353.tsv"


def parse_args(argv):
    p = corpus_parser(__doc__)
    p.add_argument("--epochs", type=int, default=5, help="epochs of every run (%(default)s)")
    p.add_argument("--threads", type=int, default=2, help="training threads (%(default)s)")
    p.add_argument("--seed", type=int, default=1, help="random seed (%(default)s)")
    p.add_argument("--continue-lr", type=float, nargs="*", default=[], metavar="LR",
                   help="also continue with these starting learning rates (a row each)")
    p.add_argument("--out-dir", type=Path,
                   help="keep the halves and the models here (default: a temporary folder)")
    p.add_argument("--reuse", action="store_true",
                   help="with --out-dir: keep the halves and models a previous run left there")
    return p.parse_args(argv)


def split_halves(corpus, max_lines, folder, reuse):
    """Write the first and second half of the corpus's lines; return (first, second, whole)."""
    paths = [folder / name for name in ("first.txt", "second.txt", "whole.txt")]
    if reuse and all(path.exists() for path in paths):
        say(f"[split] reusing the halves in {folder}")
        return paths
    with open_compressed(corpus, "rb") as source:
        lines = [line for _, line in zip(range(max_lines or sys.maxsize), source)]
    half = len(lines) // 2
    for path, part in zip(paths, (lines[:half], lines[half:], lines)):
        path.write_bytes(b"".join(part))
        say(f"[split] {path.name}: {len(part):,} lines, "
            f"{sum(len(line.split()) for line in part):,} tokens")
    return paths


def train(corpus, output, args, *extra):
    if args.reuse and output.exists():
        say(f"[train] reusing {output}")
        return output
    command = [sys.executable, "-m", "w2v", "train", str(corpus), "-o", str(output),
               "--epochs", str(args.epochs), "--threads", str(args.threads),
               "--seed", str(args.seed), "--quiet", *extra]
    say("[train] " + " ".join(command[2:]))
    subprocess.run(command, check=True, stdout=sys.stderr)  # the table alone on stdout
    return output


def scores(path):
    kv = KeyedVectors.load(str(path))
    analogy = evaluate_analogies(kv, ANALOGIES)
    pairs = evaluate_word_pairs(kv, WORD_PAIRS)
    total = analogy.total
    return {"vocab": len(kv), "analogy": analogy.accuracy, "semantic": analogy.semantic.accuracy,
            "syntactic": analogy.syntactic.accuracy,
            "answered": f"{total.answered:,} / {total.answered + total.oov:,}",
            "ws353": pairs.spearman, "pairs": f"{pairs.used} / {pairs.pairs}"}


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    commit = w2v_commit()  # the code that trains, before the runs
    with tempfile.TemporaryDirectory(prefix="continue-bench-") as temporary:
        folder = args.out_dir or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        first, second, whole = split_halves(args.corpus, args.max_lines, folder, args.reuse)
        init = ("--init", str(folder / "first.npz"))
        runs = {
            "first half": train(first, folder / "first.npz", args),
            "first + continued on second": train(second, folder / "continued.npz", args, *init),
            **{f"first + continued on second, --lr {lr}":
               train(second, folder / f"continued-lr{lr}.npz", args, *init, "--lr", str(lr))
               for lr in args.continue_lr},
            "whole corpus, one run": train(whole, folder / "whole.npz", args),
        }
        results = {name: scores(path) for name, path in runs.items()}
    what = f"the first {args.max_lines:,} lines of " if args.max_lines else ""
    print(f"Continued training, {what}{args.corpus.name} in two halves by lines; w2v "
          f"{commit}, skip-gram defaults, {args.epochs} epochs per run, {args.threads} "
          f"threads, seed {args.seed}\n")
    print("| run | vocabulary | Google analogy | semantic | syntactic | questions answered | "
          "WS-353 Spearman | pairs used |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        print(f"| {name} | {r['vocab']:,} | {r['analogy']:.3f} | {r['semantic']:.3f} | "
              f"{r['syntactic']:.3f} | {r['answered']} | {r['ws353']:.3f} | {r['pairs']} |")
    print("\nAccuracy is over the questions answered: a question with a word outside the 30,000 "
          "most frequent words is not answered (it counts as neither right nor wrong).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
