"""Build a ~200M-token corpus for scale benchmarks from mix17m: copies of it, each copy after
the first renaming a different eighth of the words beyond the 1,000 most frequent, so the
vocabulary grows with the corpus (as in a real, larger corpus) instead of staying mix17m's.

    python scripts/make_scale_corpus.py -o /tmp/scale187m.txt            # 11 copies, 187M tokens
    python scripts/make_scale_corpus.py -o /tmp/scale34m.txt --copies 2

In copy k (k >= 1) a word w of frequency rank > 1,000 whose crc32("k:w") is divisible by 8 is
written as "w_k": the renamed words keep mix17m's counts, so about an eighth of mix17m's
vocabulary joins the vocabulary with every copy (65,643 words at min-count 5 -> about 146,000
with 11 copies). Deterministic: the same file every time. Prints tokens, lines, distinct words.
"""

import argparse
import collections
import os
import sys
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout, installed or not
from w2v.files import atomic_write, open_compressed  # noqa: E402

SHARED_DATA = Path(os.environ.get("W2V_SHARED_DATA")
                   or Path(__file__).resolve().parent.parent.parent / "shared" / "data")
KEEP_NAMES = 1_000  # the most frequent words are never renamed: the corpus keeps its grammar
RENAMED_SHARE = 8  # one word in 8 beyond them is renamed per copy


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="\n".join(__doc__.splitlines()[1:]))
    p.add_argument("-o", "--out", type=Path, required=True, help="plain text file to write")
    p.add_argument("--source", type=Path, default=SHARED_DATA / "corpora" / "mix17m.txt.xz")
    p.add_argument("--copies", type=int, default=11, help="copies of the source (11: ~187M tokens)")
    args = p.parse_args()
    if args.copies < 1:
        p.error(f"--copies must be >= 1, got {args.copies}")
    if not args.source.is_file():
        p.error(f"--source must be a file, got {args.source} (set W2V_SHARED_DATA)")
    return args


def renamings(counts, copies):
    """For each copy, the dict word -> its new name in that copy (empty for the first)."""
    renamable = [word for word, _ in counts.most_common()[KEEP_NAMES:]]
    return [{} if k == 0 else {word: f"{word}_{k}" for word in renamable
                               if zlib.crc32(f"{k}:{word}".encode()) % RENAMED_SHARE == 0}
            for k in range(copies)]


def main():
    args = parse_args()
    with open_compressed(args.source, "rb") as source:
        lines = source.read().decode("utf-8").splitlines()
    counts = collections.Counter(word for line in lines for word in line.split())
    tokens = sum(counts.values())
    with atomic_write(args.out, "w", encoding="utf-8") as out:
        for k, rename in enumerate(renamings(counts, args.copies)):
            print(f"copy {k + 1}/{args.copies}: {len(rename):,} words renamed", file=sys.stderr)
            for line in lines:
                out.write(" ".join([rename.get(word, word) for word in line.split()]) + "\n")
    print(f"{args.out}: {tokens * args.copies:,} tokens, {len(lines) * args.copies:,} lines "
          f"({args.copies} copies of {args.source.name})")


if __name__ == "__main__":
    main()
