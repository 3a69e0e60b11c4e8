"""Start-up cost: `w2v train` on a tiny corpus with an empty Numba cache, then again from the cache.

    python scripts/startup.py              # 3 runs after the first; prints the wall time of each

The first run compiles the tokenizer and the kernel (and writes them to the cache); the runs after
it load them, which is what every later training run on this installation pays.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time


def timed_train(corpus, output, cache_dir):
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "w2v", "train", corpus, "-o", output, "--quiet",
                    "--min-count", "1", "--epochs", "1"], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=3, help="runs from the cache (%(default)s)")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="w2v-startup-") as folder:
        corpus = os.path.join(folder, "tiny.txt")
        with open(corpus, "w") as handle:
            handle.writelines(f"the cat {i % 7} sat on the mat {i % 11}\n" for i in range(1000))
        output, cache = os.path.join(folder, "v.bin"), os.path.join(folder, "numba-cache")
        print(f"first run (empty Numba cache, compiles): {timed_train(corpus, output, cache):.1f} s")
        for run in range(args.runs):
            print(f"run {run + 2} (from the cache): {timed_train(corpus, output, cache):.1f} s")


if __name__ == "__main__":
    main()
