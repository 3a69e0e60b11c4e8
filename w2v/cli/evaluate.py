"""`w2v eval`: analogy and word-pair similarity benchmarks on a vectors file."""

import json

from ..errors import UsageError
from .parser import add_command
from .query import add_vectors_argument, check_positive, load_vectors


def register(subparsers):
    parser = add_command(
        subparsers, "eval",
        help="analogy accuracy and word-pair correlations",
        description="Score vectors on analogy files (word2vec's questions-words.txt format) and "
        "word-pair similarity files (w1 w2 score). Same protocol and numbers as gensim's "
        "evaluate_word_analogies / evaluate_word_pairs: words compared case-insensitively, "
        "questions or pairs with an out-of-vocabulary word counted and left out.",
        examples=[
            "w2v eval vectors.bin --analogies questions-words.txt",
            "w2v eval vectors.bin --similarity wordsim353.tsv simlex999.txt --json",
            "w2v eval --similarity wordsim353.tsv vectors.bin   # VECTORS may come last",
        ],
    )
    add_vectors_argument(parser)
    parser.add_argument(
        "--analogies", metavar="FILE", action="append", default=[],
        help="analogy file, questions-words.txt format (repeatable)",
    )
    parser.add_argument(
        "--similarity",
        metavar="FILE",
        nargs="+",
        action="extend",
        default=[],
        help="word-pair files: two words and a human score per line",
    )
    parser.add_argument(
        "--restrict-vocab",
        type=int,
        default=30000,
        metavar="N",
        help="analogies use only the N most frequent words, as word2vec's compute-accuracy "
        "(default 30000)",
    )
    parser.add_argument(
        "--similarity-restrict-vocab",
        type=int,
        default=None,
        metavar="N",
        help="word pairs use only the N most frequent words (default: all)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object instead of tables"
    )
    parser.set_defaults(func=run_eval)


def run_eval(args):
    from ..vectors.evaluate import evaluate_analogies, evaluate_word_pairs

    if not args.analogies and not args.similarity:
        raise UsageError("nothing to evaluate: give --analogies FILE and/or --similarity FILE")
    check_positive(args.restrict_vocab, "--restrict-vocab")
    check_positive(args.similarity_restrict_vocab, "--similarity-restrict-vocab")
    kv, analogy_kv, pairs_kv = _benchmark_vectors(args)
    analogies = [
        evaluate_analogies(analogy_kv, path, restrict_vocab=args.restrict_vocab)
        for path in args.analogies
    ]
    pairs = [
        evaluate_word_pairs(pairs_kv, path, restrict_vocab=args.similarity_restrict_vocab)
        for path in args.similarity
    ]
    if args.json:
        report = {
            "vectors": args.vectors,
            "words": kv.rows_in_file,
            "dim": kv.dim,
            "analogies": [a.to_dict() for a in analogies],
            "similarity": [p.to_dict() for p in pairs],
        }
        print(json.dumps(report, indent=2))
        return 0
    words = (f"{kv.rows_in_file:,} words" if kv.rows_in_file < args.restrict_vocab or pairs_kv
             else f"its first {kv.rows_in_file:,} words read")
    blocks = [f"vectors: {args.vectors} ({words}, dimension {kv.dim})"]
    blocks += [format_analogies(a) for a in analogies]
    if pairs:
        blocks.append(format_word_pairs(pairs))
    print("\n\n".join(blocks))
    return 0


def _benchmark_vectors(args):
    """(the vectors whose size is reported, those for the analogies, those for the word pairs):
    only the rows each benchmark can use, so the scores are those of the whole file: analogies
    read the first --restrict-vocab words (the candidates, the whole set a question can use),
    word pairs the rows that match a pair's word (within --similarity-restrict-vocab)."""
    from ..errors import W2VError
    from ..vectors.evaluate import PairWords

    analogy_kv = pairs_kv = None
    if args.analogies:
        analogy_kv = load_vectors(args.vectors, args.quiet, limit=args.restrict_vocab)
    if args.similarity:
        try:
            words = PairWords(args.similarity)
        except W2VError:  # a bad pair file: said after the vectors file's own errors, as before
            words = None
        pairs_kv = load_vectors(args.vectors, args.quiet, words=words,
                                limit=args.similarity_restrict_vocab)
    return pairs_kv or analogy_kv, analogy_kv, pairs_kv


def _percent(fraction):
    return "n/a" if fraction is None else f"{100 * fraction:.1f}%"


def format_analogies(result):
    rows = [*result.sections, None, result.semantic, result.syntactic, result.total]
    width = max(len(s.name) for s in rows if s is not None)
    header = f"{'section':<{width}}  {'correct':>7}  {'answered':>8}  {'accuracy':>8}  {'oov':>5}"
    lines = [
        f"analogies: {result.path} "
        f"(3CosAdd over the {result.restrict_vocab:,} most frequent words)",
        header,
    ]
    for s in rows:
        if s is None:
            lines.append("-" * len(header))
            continue
        lines.append(
            f"{s.name:<{width}}  {s.correct:>7}  {s.answered:>8}  "
            f"{_percent(s.accuracy):>8}  {s.oov:>5}"
        )
    total = result.total
    share = total.oov / total.questions if total.questions else 0
    lines.append(
        f"{total.questions:,} questions: {total.answered:,} answered, "
        f"{total.oov:,} ({100 * share:.1f}%) "
        f"not scored because a word is not among the {result.restrict_vocab:,} most frequent words"
    )
    if result.invalid_lines:
        lines.append(f"{result.invalid_lines} lines skipped: not a header and not four words")
    return "\n".join(lines)


def format_word_pairs(results):
    width = max(len("word pairs"), *(len(r.path) for r in results))
    lines = [
        f"{'word pairs':<{width}}  {'pairs':>5}  {'used':>5}  {'oov':>4}  "
        f"{'spearman':>8}  {'pearson':>8}"
    ]
    for r in results:
        spearman = "n/a" if r.spearman is None else f"{r.spearman:.4f}"
        pearson = "n/a" if r.pearson is None else f"{r.pearson:.4f}"
        lines.append(
            f"{r.path:<{width}}  {r.pairs:>5}  {r.used:>5}  {r.oov:>4}  {spearman:>8}  {pearson:>8}"
        )
        if r.invalid_lines:
            lines.append(f"  ({r.invalid_lines} lines skipped: not 'word word score')")
    return "\n".join(lines)
