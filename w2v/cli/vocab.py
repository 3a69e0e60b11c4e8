"""`w2v vocab`: the words of a vectors file with their counts, or a corpus's words counted
without training, as word2vec -save-vocab writes them."""

import sys

from .parser import add_command
from .query import check_positive, is_vectors_file, load_vectors, warn


def register(subparsers):
    p = add_command(
        subparsers, "vocab",
        help="list the words of a vectors file or a corpus, with their counts",
        description="Print the words of VECTORS in its order (by descending count for files w2v "
        "wrote), one per line with its corpus count as `word count`, the format of word2vec "
        "-save-vocab and of w2v train --save-vocab / --read-vocab. Only a .npz written by w2v "
        "train holds counts: for other files, the words alone are printed and stderr says why. "
        "Given a CORPUS (any text w2v train reads, - for standard input), count its words "
        "without training: by descending count, those seen --min-count times.",
        examples=[
            "w2v vocab model.npz --head 20",
            "w2v vocab corpus.txt --min-count 5 > vocab.txt   # w2v train --read-vocab reads it",
        ],
    )
    p.add_argument("vectors", metavar="VECTORS_OR_CORPUS",
                   help="a vectors file (any format the other commands read), or a corpus: a "
                        "text file, .gz/.bz2/.xz file, directory, or - for standard input")
    p.add_argument("--head", type=int, metavar="N", help="only the first N words")
    p.add_argument("--min-count", type=int, default=1, metavar="N",
                   help="a corpus: list only words seen at least N times (default 1)")
    p.add_argument("--lowercase", action="store_true",
                   help="a corpus: lowercase it before counting, as w2v train --lowercase")
    p.add_argument("--encoding", default="utf-8", help="a corpus: its encoding (utf-8)")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=run)


def run(args):
    check_positive(args.head, "--head")
    check_positive(args.min_count, "--min-count")
    if args.vectors == "-" or not is_vectors_file(args.vectors):
        return _count_corpus(args)
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


def _count_corpus(args):
    from ..training.vocab import count_words

    vocab = count_words(args.vectors, args.min_count, args.lowercase, args.encoding)
    words = vocab.words[: args.head] if args.head else vocab.words
    sys.stdout.writelines(f"{word} {count}\n" for word, count in zip(words,
                                                                     vocab.counts.tolist()))
    return 0
