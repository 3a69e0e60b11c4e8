"""`w2v sentiment`: how good are these vectors at sentence sentiment? (SST or your own data)"""

import argparse
import os
import sys

from ..sentiment.features import POOLINGS
from ..sentiment.sweep import CLASSIFIERS
from .parser import add_command
from .query import add_vectors_argument


TOKENIZER_SAMPLE = 100_000  # the first words of a file whose case the tokenizer follows


def register(subparsers):
    parser = add_command(
        subparsers, "sentiment",
        help="classify sentence sentiment from averaged word vectors (lambda sweep + report)",
        description="Average each sentence's word vectors, fit an L2-regularized softmax "
        "regression for every lambda of a log grid, choose lambda by dev accuracy and report "
        "test accuracy, next to a majority-class and a bag-of-words baseline.",
        examples=[
            "w2v sentiment vectors.bin --data $W2V_SHARED_DATA/sst --out report/",
            "w2v sentiment vectors.npz --data reviews.tsv --out report/ --pooling all",
            "w2v sentiment vectors.npz --data rt-polaritydata/ --out report/ --cv 10",
        ],
    )
    add_vectors_argument(parser)
    parser.add_argument(
        "--data",
        dest="paths",  # load_dataset's parameter: its messages name `paths`, printed as --data
        nargs="+",
        required=True,
        metavar="DIR_OR_FILES",
        help="a folder with train/dev/test files (e.g. SST's trees/), a prefix "
        "(.../stsa.fine), or the files (split=PATH to name a split); formats: SST "
        "PTB trees, `label sentence` lines, label<TAB>text .tsv, label,text .csv; "
        "without a dev file 10%% of train is held out as dev; one file alone, or a folder "
        "with one file or subfolder per class (pos/ neg/, rt-polarity.pos/.neg), is split "
        "80/10/10 into train/dev/test, stratified",
    )
    parser.add_argument(
        "--out",
        required=True,
        metavar="REPORT_DIR",
        help="folder for the report (created if missing; existing report files replaced)",
    )
    parser.add_argument(
        "--lambdas",
        nargs="+",
        type=float,
        metavar="L",
        help="L2 strengths to sweep (default: 17 values, 1e-6 .. 1e2)",
    )
    parser.add_argument(
        "--pooling",
        choices=(*POOLINGS, "all"),
        default="mean",
        help="combine a sentence's word vectors: mean (default), sum, sif (smooth inverse "
        "frequency weights, first principal component removed), tfidf (idf-weighted mean), "
        "minmax (mean, min and max concatenated); all: each, dev chooses",
    )
    parser.add_argument(
        "--cv",
        type=int,
        metavar="K",
        help="K-fold cross-validation over all the sentences (lambda chosen inside each fold "
        "on a held-out part of its training folds); reports mean and std of test accuracy",
    )
    parser.add_argument(
        "--classifier",
        choices=CLASSIFIERS,
        default="softmax",
        help="softmax regression (default) or an MLP with one hidden layer",
    )
    parser.add_argument(
        "--hidden", type=int, default=100, help="hidden units of --classifier mlp (default 100)"
    )
    parser.add_argument(
        "--lowercase",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="lowercase the sentences (default: when the vocabulary is lowercase)",
    )
    parser.add_argument(
        "--alnum",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="split words at every character outside [a-z0-9], as the normalized "
        "training corpora were (default: when every vocabulary word is "
        "alphanumeric)",
    )
    parser.add_argument(
        "--no-baselines",
        dest="baselines",
        action="store_false",
        help="skip the majority-class and bag-of-words baselines",
    )
    parser.add_argument(
        "--all-words",
        action="store_true",
        help="load every word of a text or binary VECTORS file (default: only the data's words, "
        f"the case and alnum options inferred from its first {TOKENIZER_SAMPLE:,} words)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed for the held-out dev split and the MLP (default 0)",
    )
    parser.set_defaults(func=run)


def run(args):
    from ..errors import UsageError
    from ..sentiment.datasets import load_dataset
    from ..present.report import pooling_table, summary_table, write_report
    from ..sentiment.results import total_coverage
    from ..sentiment.sweep import DEFAULT_LAMBDAS, check_options, run_sentiment

    # Checked now, not minutes later when run_sentiment gets them after the data and vectors.
    lambdas = check_options(args.lambdas or DEFAULT_LAMBDAS, args.classifier, args.hidden)
    if os.path.exists(args.out) and not os.path.isdir(args.out):
        raise UsageError(f"--out {args.out} is a file, expected a folder for the report")
    say = (lambda message: None) if args.quiet else (lambda m: print(m, file=sys.stderr))
    if args.cv is not None:
        from ..sentiment.crossval import check_folds

        check_folds(args.cv)
        return _cross_validate(args, lambdas, say)

    dataset = load_dataset(args.paths, seed=args.seed)
    say(
        f"data: train {len(dataset.train)}, dev {len(dataset.dev)}, test {len(dataset.test)}"
        f" sentences; classes {', '.join(dataset.classes)}; {dataset.split_note}"
    )
    vectors, tokenizer = _vectors_and_tokenizer(
        args, say, [text for split in dataset.splits for text in split.sentences])

    result = run_sentiment(
        vectors,
        dataset,
        tokenizer,
        lambdas=lambdas,
        pooling=args.pooling,
        classifier=args.classifier,
        baselines=args.baselines,
        hidden=args.hidden,
        seed=args.seed,
        progress=False if args.quiet else None,
    )
    result.config["vectors"] = args.vectors
    write_report(result, args.out)

    coverage = total_coverage(result.coverage)
    print(summary_table(result))
    if pooling_table(result):
        print(pooling_table(result))
    print(
        f"coverage: {coverage.token_rate:.1%} of {coverage.tokens} tokens known; "
        f"{coverage.sentences_without_known_word} of {coverage.sentences} sentences without a "
        "known word (zero vector)"
    )
    print(f"sweep: {len(lambdas)} lambdas in {result.seconds:.1f}s; report: {args.out}")
    return 0


def _vectors_and_tokenizer(args, say, sentences):
    """The vectors and the tokenizer matching them. A text or binary file keeps only the words
    of `sentences` (the features are the same: they use no other word; SIF's Zipf estimate
    keeps each word's rank in the file), the tokenizer's case and alnum inferred from the file's
    first TOKENIZER_SAMPLE words; a w2v .npz (its counts weigh SIF) and --all-words load all."""
    import time

    from ..files import file_kind
    from ..sentiment.tokenizer import Tokenizer
    from .query import load_vectors

    started = time.perf_counter()
    restrict = not args.all_words and file_kind(args.vectors) in ("word2vec vectors",
                                                                    "text vectors")
    if restrict:
        sample = load_vectors(args.vectors, True, limit=TOKENIZER_SAMPLE)
    else:
        vectors = sample = load_vectors(args.vectors, args.quiet)
    tokenizer = Tokenizer.for_vocabulary(
        sample.words, lowercase=_configured_lowercase(args, sample), alnum=args.alnum
    )
    kept = ""
    if restrict:
        wanted = {token for text in sentences for token in tokenizer(text)}
        vectors = load_vectors(args.vectors, args.quiet, words=wanted)
        kept = (f"; kept {len(vectors):,} of the file's {vectors.rows_in_file:,} words: "
                f"{len(vectors):,} of the data's {len(wanted):,} words found")
    say(
        f"vectors: {len(vectors.words)} words x {vectors.vectors.shape[1]} dims "
        f"({time.perf_counter() - started:.1f}s){kept}; tokens: lowercase={tokenizer.lowercase}, "
        f"alnum={tokenizer.alnum}"
    )
    return vectors, tokenizer


def _cross_validate(args, lambdas, say):
    from ..sentiment.crossval import cross_validate, summary_lines
    from ..sentiment.datasets import load_all
    from ..present.report import write_cv_report

    whole, classes, note = load_all(args.paths, seed=args.seed)
    say(f"data: {note}; classes {', '.join(classes)}; {args.cv}-fold cross-validation")
    vectors, tokenizer = _vectors_and_tokenizer(args, say, whole.sentences)
    cv = cross_validate(
        vectors,
        whole,
        classes,
        tokenizer,
        cv=args.cv,
        lambdas=lambdas,
        pooling=args.pooling,
        classifier=args.classifier,
        hidden=args.hidden,
        seed=args.seed,
        progress=None if args.quiet else lambda fold: say(
            f"fold {fold.fold}: {fold.pooling} lambda={fold.l2:.0e} test={fold.test_accuracy:.3f}"
        ),
    )
    cv.config.update(vectors=args.vectors, data=note)
    write_cv_report(cv, args.out)
    print("\n".join(summary_lines(cv)))
    print(f"coverage: {cv.coverage.token_rate:.1%} of {cv.coverage.tokens} tokens known; "
          f"{cv.seconds:.1f}s; report: {args.out}")
    return 0


def _configured_lowercase(args, vectors):
    """--lowercase if given; True if the training config lowercased the corpus; else None (infer
    from the vocabulary: a config saying False may still describe an already-lowercase corpus)."""
    if args.lowercase is not None:
        return args.lowercase
    config = getattr(vectors, "config", None) or {}
    return True if config.get("lowercase") is True else None
