"""`w2v neighbors` and `w2v analogy`: query a vectors file from the command line."""

import sys

from ..errors import UsageError, W2VError
from .parser import add_command


def add_vectors_argument(parser):
    """The VECTORS positional of every command that reads a vectors file."""
    action = parser.add_argument(
        "vectors", metavar="VECTORS",
        help="vectors file: word2vec .bin/.txt, fastText .vec, GloVe text, w2v .npz, or gensim "
             ".model/.kv (with gensim installed)",
    )
    action.recognises = is_vectors_file  # see OneLineParser: VECTORS may follow --data A B
    if "--quiet" not in parser._option_string_actions:
        parser.add_argument("--quiet", action="store_true",
                            help="no progress on stderr")


def is_vectors_file(path):
    from ..vectors.formats import holds_vectors

    return holds_vectors(path)


def register(subparsers):
    neighbors = add_command(
        subparsers, "neighbors", aliases=["neighbours"],
        help="nearest words by cosine similarity",
        description="Print the k nearest words (cosine similarity) of each WORD. Unknown words are "
        "named on stderr, with close spellings that are in the vocabulary, and the others still "
        "answered; exit 1 if none is known. WORD - reads queries from standard input, one a "
        "line, as word2vec's distance tool does (the vectors are loaded once); a line of "
        "several words asks for the neighbours of their mean.",
        examples=[
            "w2v neighbors vectors.bin horse violin -k 5",
            "w2v neighbors vectors.bin paris --restrict-vocab 100   # among the 100 most frequent",
            "w2v neighbors vectors.bin -     # one query a line from standard input",
        ],
    )
    add_vectors_argument(neighbors)
    neighbors.add_argument("words", metavar="WORD", nargs="+",
                           help="words to find neighbours of, or - to read them from standard "
                                "input")
    _add_common_options(neighbors)
    neighbors.set_defaults(func=run_neighbors)

    similarity = add_command(
        subparsers, "similarity",
        help="cosine similarity of two words",
        description="Print the cosine similarity of the vectors of A and B (gensim's "
        "similarity), or of each pair A B C D ... in turn.",
        examples=["w2v similarity vectors.bin horse cow",
                  "w2v similarity vectors.bin horse cow violin cello   # two pairs"],
    )
    add_vectors_argument(similarity)
    similarity.add_argument("words", metavar="A B", nargs="+", help="words, two by two")
    similarity.set_defaults(func=run_similarity)

    analogy = add_command(
        subparsers, "analogy",
        help="A is to B as C is to ?",
        description="Answer 'A is to B as C is to ?' with 3CosAdd (the words nearest to "
        "B - A + C, unit vectors), or 3CosMul with --cosmul. A, B and C are never answers.",
        examples=[
            "w2v analogy vectors.bin france paris germany       # france : paris :: germany : ?",
            "w2v analogy vectors.bin france paris germany --cosmul -k 3",
        ],
    )
    add_vectors_argument(analogy)
    analogy.add_argument("a", metavar="A", help="the first word of the known pair (france)")
    analogy.add_argument("b", metavar="B", help="its partner (paris)")
    analogy.add_argument("c", metavar="C", help="the word whose partner is asked (germany)")
    analogy.add_argument("--cosmul", action="store_true", help="use 3CosMul instead of 3CosAdd")
    _add_common_options(analogy)
    analogy.set_defaults(func=run_analogy)


def _add_common_options(parser):
    parser.add_argument(
        "-k", "--topn", type=int, default=10, metavar="K", help="answers to show (default 10)"
    )
    parser.add_argument(
        "--restrict-vocab",
        type=int,
        default=None,
        metavar="N",
        help="only the N most frequent words are candidates (default: all)",
    )


def load_vectors(path, quiet=False, **options):
    """KeyedVectors (words, vectors, and the training config if the file has it) for every
    command that reads a vectors file, with a progress bar on stderr for a long load unless
    `quiet`; `options`: KeyedVectors.load's (limit, words). Errors are W2VError, printed on one
    line."""
    from ..vectors import KeyedVectors

    return KeyedVectors.load(path, progress=not quiet, **options)


def check_positive(value, option):
    if value is not None and value < 1:
        raise UsageError(f"{option} must be >= 1, got {value}")


def warn(command, message):
    print(f"w2v {command}: warning: {message}", file=sys.stderr)


def run_neighbors(args):
    check_positive(args.topn, "-k")
    check_positive(args.restrict_vocab, "--restrict-vocab")
    if args.words == ["-"]:
        return _neighbors_of_lines(args, load_vectors(args.vectors, args.quiet))
    kv = load_vectors(args.vectors, args.quiet)
    words = list(dict.fromkeys(args.words))
    missing = kv.unknown_words(words)
    known = [w for w in words if w not in missing]
    if not known:
        raise kv.unknown_words_error(missing)
    if missing:
        warn("neighbors", f"{kv.unknown_words_error(missing)}; skipped")
    blocks = []
    for word in known:
        answers = kv.most_similar(word, topn=args.topn, restrict_vocab=args.restrict_vocab)
        blocks.append(format_table(f"nearest to {word!r}", answers, "cosine"))
    print("\n\n".join(blocks))
    return 0


def _neighbors_of_lines(args, kv):
    """word2vec's distance loop: a table per line of standard input, printed as it is asked;
    exit 1 if no line could be answered."""
    answered = asked = 0
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        asked += 1
        missing = kv.unknown_words(words)
        if missing:
            warn("neighbors", f"{kv.unknown_words_error(missing)}; skipped {line.strip()!r}")
            continue
        answers = kv.most_similar(words, topn=args.topn, restrict_vocab=args.restrict_vocab)
        print(("\n" if answered else "") +
              format_table(f"nearest to {' '.join(words)!r}", answers, "cosine"), flush=True)
        answered += 1
    if asked and not answered:
        raise W2VError("no line of standard input could be answered: every one held an "
                       "unknown word")
    return 0


def run_similarity(args):
    if len(args.words) % 2:
        raise UsageError(f"similarity takes words two by two, got {len(args.words)}")
    kv = load_vectors(args.vectors)
    missing = kv.unknown_words(args.words)
    if missing:
        raise kv.unknown_words_error(missing)
    pairs = list(zip(args.words[::2], args.words[1::2]))
    width = max(len(f"{a} {b}") for a, b in pairs)
    for a, b in pairs:
        print(f"{a + ' ' + b:<{width}}  {kv.similarity(a, b):7.4f}")
    return 0


def run_analogy(args):
    check_positive(args.topn, "-k")
    check_positive(args.restrict_vocab, "--restrict-vocab")
    kv = load_vectors(args.vectors, args.quiet)
    missing = kv.unknown_words([args.a, args.b, args.c])
    if missing:
        question = f"{args.a} : {args.b} :: {args.c} : ?"
        raise W2VError(f"cannot answer '{question}': {kv.unknown_words_error(missing)}")
    query = kv.most_similar_cosmul if args.cosmul else kv.most_similar
    answers = query(
        positive=[args.b, args.c],
        negative=[args.a],
        topn=args.topn,
        restrict_vocab=args.restrict_vocab,
    )
    method = "3CosMul" if args.cosmul else "3CosAdd"
    print(format_table(f"{args.a} : {args.b} :: {args.c} : ?   ({method})", answers, "score"))
    return 0


def format_table(title, answers, score_name):
    """A titled table of ranked (word, score) pairs, columns aligned."""
    width = max([len("word")] + [len(word) for word, _ in answers])
    lines = [title, f"{'rank':>4}  {'word':<{width}}  {score_name:>7}"]
    lines += [
        f"{rank:>4}  {word:<{width}}  {score:7.4f}" for rank, (word, score) in enumerate(answers, 1)
    ]
    return "\n".join(lines)
