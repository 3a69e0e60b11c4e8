"""Where w2v's peak RSS goes: the fixed cost of each layer, each measured in a fresh process.

    python scripts/memory.py                      # vocabulary 65,643 x dim 100 (mix17m's)
    python scripts/memory.py --vocab 71290 --dim 300

Each row is the peak RSS (wait4 rusage, as scripts/bench.py reports) of a process that does
everything in the rows above it plus one more thing, so the differences are what each layer adds:
the interpreter with NumPy, importing Numba, the first call of a disk-cached Numba function (LLVM's
runtime starts then), the training kernel, and the two float32 matrices training needs. The last
rows are the same steps for gensim, for comparison with its peak in BENCHMARKS.md.
"""

import argparse
import os
import subprocess
import sys

STEPS = [
    ("python + numpy", "import numpy as np"),
    ("+ import numba", "import numba"),
    ("+ first cached Numba call (LLVM runtime)", "from w2v.training import kernels; kernels.seed_state(1)"),
    ("+ the skip-gram training kernel", "from w2v.training.options import TrainConfig; from w2v.training.local import batch_function; "
     "from w2v.training.vocab import Vocab; W = np.zeros((2, 4), np.float32); "
     "batch_function(TrainConfig(), Vocab(['a', 'b'], np.array([2, 1])))"
     "(np.zeros(4, np.int32), np.array([0, 4]), W, W.copy(), 0.025, 0.025, 1)"),
    ("+ W_in and W_out (float32, touched)", "W_in = np.ones(({V}, {D}), np.float32); "
     "W_out = np.ones(({V}, {D}), np.float32)"),
]
GENSIM_STEPS = [
    ("python + numpy", "import numpy as np"),
    ("+ import gensim's Word2Vec", "from gensim.models import Word2Vec"),
    ("+ W_in and W_out (float32, touched)", STEPS[-1][1]),
]


def peak_rss_mb(code):
    child = subprocess.Popen([sys.executable, "-c", code])
    _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"step failed: {code}")
    return usage.ru_maxrss / 1024


def measure(steps, vocab, dim):
    rows, code, previous = [], "", 0.0
    for name, step in steps:
        code += step.format(V=vocab, D=dim) + "\n"
        peak = peak_rss_mb(code)
        rows.append((name, peak, peak - previous))
        previous = peak
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--vocab", type=int, default=65_643, help="rows of each matrix (%(default)s)")
    p.add_argument("--dim", type=int, default=100, help="vector size (%(default)s)")
    args = p.parse_args()
    print("| process | peak RSS MB | added MB |\n|---|---|---|")
    for tool, steps in (("w2v", STEPS), ("gensim", GENSIM_STEPS)):
        for name, peak, added in measure(steps, args.vocab, args.dim):
            print(f"| {tool}: {name} | {peak:,.0f} | {added:+,.0f} |")


if __name__ == "__main__":
    main()
