"""Loading pretrained vectors at their real sizes: w2v and gensim side by side.

Makes deterministic synthetic files with the shapes of the real ones (random words, random
values; generated a block at a time), then measures each load in its own process: wall time,
peak RSS, bytes read. Prints one markdown table with the date, the CPU model, each file's size,
the time to read its bytes alone, the time to write a new matrix-sized block and the interpreter
+ libraries' baseline RSS. As root, each measurement starts cold (the page cache dropped, then a
pause): what a first load costs; --warm keeps the cache.

    python scripts/vectors_bench.py                      # every shape (needs ~16 GB in --dir)
    python scripts/vectors_bench.py --files bin1m text400k --no-gensim
    python scripts/vectors_bench.py --quick              # small shapes: a smoke run

Big files go to --dir (default /tmp/w2v-vectors-bench) and are deleted at the end unless --keep.
"""

import argparse
import collections
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import time

import numpy as np

SHAPES = {  # name: (kind, rows, dim)
    "bin1m": ("bin", 1_000_000, 300),
    "bin3m": ("bin", 3_000_000, 300),
    "text400k": ("glove", 400_000, 300),
    "text2.2m": ("glove", 2_200_000, 300),
}
QUICK = {"bin1m": ("bin", 20_000, 50), "bin3m": ("bin", 60_000, 50),
         "text400k": ("glove", 10_000, 50), "text2.2m": ("glove", 40_000, 50)}
ROWS_PER_BLOCK = 20_000
DROP_CACHES = "/proc/sys/vm/drop_caches"
SETTLE_SECONDS = 10
LETTERS = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)


def words(rows, seed=0, head=()):
    """`rows` distinct words, the same every run: `head` first (real words, so that a task's
    data finds its words as in a real file), then random ones (letters, then the row number)."""
    head = [w for w in dict.fromkeys(head) if not re.fullmatch(r"[a-z]+[0-9]+", w)][:rows]
    return head + _random_words(rows - len(head), seed, first=len(head))


def sst_words(data):
    """The words of the SST trees in `data` (a folder), most frequent first; [] without it."""
    counts = collections.Counter()
    for name in ("train.txt", "dev.txt", "test.txt"):
        path = os.path.join(data, name)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                counts.update(re.findall(r"\(\d+ ([^()\s]+)\)", handle.read()))
    return [word for word, _ in counts.most_common()]


def _random_words(rows, seed, first):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(2, 9, size=rows)
    letters = LETTERS[rng.integers(0, 26, size=int(lengths.sum()))].tobytes().decode()
    ends = np.cumsum(lengths).tolist()
    return [letters[end - n : end] + str(first + i)
            for i, (n, end) in enumerate(zip(lengths.tolist(), ends))]


def make_file(path, kind, rows, dim, seed=0, head=()):
    """A word2vec binary file, or GloVe-like text (no header; numbers like -0.12345), written a
    block of rows at a time."""
    vocabulary = words(rows, seed, head)
    rng = np.random.default_rng(seed + 1)
    with open(path + ".part", "wb") as out:
        if kind == "bin":
            out.write(f"{rows} {dim}\n".encode())
        for start in range(0, rows, ROWS_PER_BLOCK):
            block = vocabulary[start : start + ROWS_PER_BLOCK]
            if kind == "bin":
                values = (rng.standard_normal((len(block), dim)) * 0.1).astype("<f4")
                out.write(b"".join(w.encode() + b" " + v.tobytes() + b"\n"
                                   for w, v in zip(block, values)))
            else:
                out.write(_glove_lines(block, rng.integers(-99999, 100000, (len(block), dim))))
    os.replace(path + ".part", path)


def _glove_lines(block, numbers):
    """Text lines `word -0.01234 0.5 ...` from integers / 100000, formatted with numpy (a
    placeholder byte where a positive number has no sign, removed at the end)."""
    n, dim = numbers.shape
    digits = np.abs(numbers)
    cells = np.empty((n, dim, 9), dtype=np.uint8)
    cells[:, :, 0] = ord(" ")
    cells[:, :, 1] = np.where(numbers < 0, ord("-"), 0)
    cells[:, :, 2], cells[:, :, 3] = ord("0"), ord(".")
    for k in range(5):
        cells[:, :, 8 - k] = ord("0") + digits // 10**k % 10
    lines = cells.reshape(n, dim * 9)
    numbers_text = [row[row != 0].tobytes() for row in lines]
    return b"".join(w.encode() + text + b"\n" for w, text in zip(block, numbers_text))


CHILD = r"""
import json, sys, time
def status(field):  # VmHWM: this process's own peak (ru_maxrss counts the parent's at fork)
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1]) * 1024
def read_chars():
    for line in open("/proc/self/io"):
        if line.startswith("rchar"):
            return int(line.split()[1])
task, path, options = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
import numpy
if task.startswith("gensim"):
    from gensim.models import KeyedVectors
else:
    from w2v.vectors import KeyedVectors
result = {}
chars, before, started = read_chars(), status("VmRSS"), time.perf_counter()
if task == "baseline":  # with the compiled parsers loaded, as in every load
    for warm in options["warm"]:
        KeyedVectors.load(warm, progress=False)
elif task == "gensim-baseline":
    for warm in options["warm"]:
        KeyedVectors.load_word2vec_format(warm, binary=warm.endswith(".bin"),
                                          no_header=not warm.endswith(".bin"))
elif task == "sentiment":
    from w2v.cli import main
    if main(["sentiment", path, *options["arguments"]]):
        sys.exit(1)
elif task == "fresh":  # writing a new matrix-sized block: what any loader pays for its matrix
    numpy.empty(options["bytes"], dtype=numpy.uint8).fill(1)
elif task == "bytes":
    with open(path, "rb") as handle:
        while handle.read(16 << 20):
            pass
elif task == "gensim":
    kv = KeyedVectors.load_word2vec_format(path, binary=options["binary"],
                                           no_header=not options["binary"])
elif task == "mmap":
    kv = KeyedVectors.load(path, mmap="r", progress=False)
else:
    load_options = {k: v for k, v in options.items() if k == "limit"}
    if "words_file" in options:
        load_options["words"] = json.load(open(options["words_file"]))
    kv = KeyedVectors.load(path, progress=False, **load_options)
result["seconds"] = time.perf_counter() - started
result["rss_growth"] = status("VmRSS") - before
result["read"] = read_chars() - chars
if task == "mmap" or options.get("query"):
    word = kv.index_to_key[options.get("query_row", 12345)]
    result["answer"] = kv.most_similar(word, topn=5)
result["peak"] = status("VmHWM")
print(json.dumps(result))
"""


def settle(cold):
    """Cold: the page cache dropped (the file is read from disk) and time for memory freed by
    the last run to go back to a virtual machine's host (its next first writes pay that)."""
    if cold:
        os.sync()
        with open(DROP_CACHES, "w") as handle:
            handle.write("1")
        time.sleep(SETTLE_SECONDS)


def measure(task, path, cold=False, **options):
    settle(cold and task not in ("baseline", "gensim-baseline"))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
         os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-c", CHILD, task, path, json.dumps(options)],
                          capture_output=True, text=True, env=env)
    if done.returncode:
        raise RuntimeError(f"{task} {path} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def sentiment_peak(path, data, out, cold):
    """(seconds, peak RSS) of `w2v sentiment` on the file, everything included."""
    started = time.perf_counter()
    result = measure("sentiment", path, cold,
                     arguments=["--data", data, "--out", out, "--quiet", "--no-baselines"])
    return time.perf_counter() - started, result["peak"]


def gb(n):
    return f"{n / 1e9:.2f} GB"


def peak_text(result, baseline, matrix):
    over = result["peak"] - baseline
    return f"{gb(result['peak'])} (+{gb(over)}, {over / matrix:.0%})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", nargs="+", choices=list(SHAPES), default=list(SHAPES))
    parser.add_argument("--dir", default="/tmp/w2v-vectors-bench")
    parser.add_argument("--no-gensim", dest="gensim", action="store_false")
    parser.add_argument("--quick", action="store_true", help="small shapes, for a smoke run")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--warm", action="store_true",
                        help="do not drop the page cache before each measurement (it needs root)")
    args = parser.parse_args()
    shapes = QUICK if args.quick else SHAPES
    cold = not args.warm and os.access(DROP_CACHES, os.W_OK)
    os.makedirs(args.dir, exist_ok=True)
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor())
    warm = [os.path.join(args.dir, f"warm.{kind}") for kind in ("bin", "txt")]
    for path in warm:  # Numba compiles the parsers once (cached): not timed
        make_file(path, "bin" if path.endswith(".bin") else "glove", 100, 10)
        measure("w2v", path)
    baseline = measure("baseline", "", warm=warm)["peak"]
    gensim_baseline = measure("gensim-baseline", "", warm=warm)["peak"] if args.gensim else None
    for path in warm:
        os.remove(path)
    data = os.path.join(os.environ.get("W2V_SHARED_DATA", "/work/shared/data"), "sst", "trees")
    head = sst_words(data) if os.path.isdir(data) else []
    print(f"## Loading vectors files ({datetime.date.today()}, {cpu}, {os.cpu_count()} cores)")
    print(f"baseline RSS (interpreter + numpy + numba + w2v, a tiny file of each kind loaded): "
          f"{gb(baseline)}" + (f"; gensim's: {gb(gensim_baseline)}" if args.gensim else ""))
    print((f"cold: each measurement starts with the page cache dropped and {SETTLE_SECONDS} s "
           "of rest" if cold else "page cache warm (the bytes were just read)")
          + "; peak RSS (+ over the baseline, as a share of the matrix); a new matrix: the time "
          "to write a new block of the matrix's size, which any loader pays\n")
    print("| file | bytes | reading the bytes | matrix | a new matrix | w2v `KeyedVectors.load` | "
          "gensim `load_word2vec_format` |")
    print("|---|---|---|---|---|---|---|", flush=True)
    notes, made = [], []
    for name in args.files:
        kind, rows, dim = shapes[name]
        path = os.path.join(args.dir, f"{name}.{'bin' if kind == 'bin' else 'txt'}")
        if not os.path.exists(path):
            started = time.perf_counter()
            make_file(path, kind, rows, dim, head=head if name == "text2.2m" else ())
            notes.append(f"made {path} in {time.perf_counter() - started:.0f}s")
        made.append(path)
        size, matrix = os.path.getsize(path), rows * dim * 4
        read = measure("bytes", path, cold)["seconds"]
        fresh = measure("fresh", path, cold, bytes=matrix)["seconds"]
        w2v = measure("w2v", path, cold)
        line = (f"| {name} ({rows:,} x {dim}) | {gb(size)} | {read:.2f} s | {gb(matrix)} | "
                f"{fresh:.2f} s | {w2v['seconds']:.2f} s, {peak_text(w2v, baseline, matrix)} |")
        if args.gensim:
            gensim = measure("gensim", path, cold, binary=kind == "bin")
            line += f" {gensim['seconds']:.2f} s, {peak_text(gensim, gensim_baseline, matrix)} |"
        else:
            line += " - |"
        print(line, flush=True)
        if name == "text2.2m":
            limited = measure("w2v", path, cold, limit=100_000)
            notes.append(f"{name} limit=100000: {limited['seconds']:.2f} s, read "
                         f"{limited['read'] / size:.1%} of the file ({gb(limited['read'])})")
            chosen = np.random.default_rng(7).choice(rows, size=min(20_000, rows), replace=False)
            vocabulary = words(rows, head=head)
            wanted = [vocabulary[i] for i in sorted(chosen.tolist())]
            wanted_path = os.path.join(args.dir, "words.json")
            with open(wanted_path, "w") as handle:
                json.dump(wanted, handle)
            kept = measure("w2v-words", path, cold, words_file=wanted_path)
            notes.append(f"{name} words= (20,000 words): {kept['seconds']:.2f} s, peak RSS "
                         f"{gb(kept['peak'])}")
            if os.path.isdir(data):
                try:
                    seconds, peak = sentiment_peak(path, data, os.path.join(args.dir, "report"),
                                                   cold)
                    notes.append(f"w2v sentiment {name} --data sst/trees: {seconds:.0f} s, peak "
                                 f"RSS {gb(peak)} (the file's first {len(head):,} words are "
                                 "SST's, the rest random)")
                except RuntimeError as exc:
                    notes.append(str(exc).strip().replace("\n", " "))
        if name == "bin3m":
            npz = os.path.join(args.dir, "bin3m.npz")
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "w2v", "convert", path, npz, "--quiet"],
                           check=True, stdout=subprocess.DEVNULL,
                           env=dict(os.environ, PYTHONPATH=os.path.dirname(
                               os.path.dirname(os.path.abspath(__file__)))))
            notes.append(f"w2v convert {name}.bin -> .npz: {time.perf_counter() - started:.1f} s")
            made.append(npz)
            mapped = measure("mmap", npz, cold)
            loaded = measure("w2v", npz, cold, query=True)
            same = mapped["answer"] == loaded["answer"]
            notes.append(f"mmap='r' open of {name}.npz: {mapped['seconds']:.3f} s, RSS growth "
                         f"{mapped['rss_growth'] / 1e6:.0f} MB until queried; most_similar equal "
                         f"to the fully loaded set: {same}")
    print()
    print("\n".join(f"- {note}" for note in notes))
    if not args.keep:
        for path in made:
            os.remove(path)


if __name__ == "__main__":
    main()
