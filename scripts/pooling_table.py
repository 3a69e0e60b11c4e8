"""The README's pooling table: every `w2v sentiment --pooling` method on SST-5 and SST-2.

    python scripts/pooling_table.py mix17m.npz

with vectors from `w2v train $W2V_SHARED_DATA/corpora/mix17m.txt.xz -o mix17m.npz` (defaults). For each data set and pooling: the softmax regression swept over the default lambda
grid, lambda chosen by dev accuracy, and that lambda's dev and test accuracy; the method dev
chose (`w2v sentiment --pooling all`) is marked. SST-5: the treebank's trees
($W2V_SHARED_DATA/sst), SST-2: stsa.binary. Prints a Markdown table on stdout.
"""

import argparse
import os
import sys
import warnings

from w2v.cli.query import load_vectors
from w2v.sentiment.datasets import load_dataset
from w2v.sentiment.tokenizer import Tokenizer
from w2v.sentiment.sweep import run_sentiment

DATA = {"SST-5": "sst", "SST-2": "sst-stsa/stsa.binary"}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("vectors", help="word vectors (.npz keeps the counts SIF needs)")
    parser.add_argument("--data", default=os.environ.get("W2V_SHARED_DATA"),
                        help="the shared data folder (default: $W2V_SHARED_DATA)")
    args = parser.parse_args(argv)
    if not args.data:
        parser.error("set W2V_SHARED_DATA or give --data")
    vectors = load_vectors(args.vectors)
    tokenizer = Tokenizer.for_vocabulary(vectors.words)
    rows = {}
    for name, folder in DATA.items():
        print(f"{name} ...", file=sys.stderr)
        dataset = load_dataset(os.path.join(args.data, folder))
        with warnings.catch_warnings():  # grid ends are in the table; the rest still warns
            warnings.filterwarnings("ignore", message=".* is the (smallest|largest) of the grid")
            result = run_sentiment(vectors, dataset, tokenizer, pooling="all", baselines=False,
                                   progress=False)
        rows[name] = result.extra["poolings"]
    print("| pooling | " + " | ".join(
        f"{name} lambda | {name} dev | {name} test" for name in DATA) + " |")
    print("|---" * (1 + 3 * len(DATA)) + "|")
    for i, method in enumerate(row["pooling"] for row in rows["SST-5"]):
        cells = [method]
        for name in DATA:
            row = rows[name][i]
            star = " *" if row["chosen"] else ""
            cells += [f"{row['lambda']:.0e}", f"{row['dev_accuracy']:.3f}{star}",
                      f"{row['test_accuracy']:.3f}"]
        print("| " + " | ".join(cells) + " |")
    print("\n\\* the pooling dev chose (`--pooling all`)")


if __name__ == "__main__":
    main()
