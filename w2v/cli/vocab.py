"""`w2v vocab`: the words of a vectors file with their counts, as word2vec -save-vocab writes."""

import sys

from .parser import add_command
from .query import add_vectors_argument, check_positive, load_vectors, warn


def register(subparsers):
    p = add_command(
        subparsers, "vocab",
        help="list the words of a vectors file, with their counts",
        description="Print the words of VECTORS in its order (by descending count for files w2v "
        "wrote), one per line with its corpus count as `word count`, the format of word2vec "
        "-save-vocab and of w2v train --save-vocab / --read-vocab. Only a .npz written by w2v "
        "train holds counts: for other files, the words alone are printed and stderr says why.",
        examples=[
            "w2v vocab model.npz --head 20",
            "w2v vocab model.npz > vocab.txt   # then: w2v train CORPUS --read-vocab vocab.txt",
        ],
    )
    add_vectors_argument(p)
    p.add_argument("--head", type=int, metavar="N", help="only the first N words")
    p.set_defaults(func=run)


def run(args):
    check_positive(args.head, "--head")
    kv = load_vectors(args.vectors, args.quiet)
    words = kv.words[: args.head] if args.head else kv.words
    if kv.counts is None:
        warn("vocab", f"{args.vectors} holds no word counts (only a .npz written by w2v train "
             "keeps them): listing the words alone")
        lines = (f"{word}\n" for word in words)
    else:
        lines = (f"{word} {count}\n" for word, count in zip(words, kv.counts.tolist()))
    sys.stdout.writelines(lines)
    return 0
