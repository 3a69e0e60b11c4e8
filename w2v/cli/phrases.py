"""`w2v phrases`: find phrases in a corpus and join them into single tokens ("new_york")."""

from ..errors import UsageError
from ..files import check_writable
from ..text.phrases import DEFAULT_THRESHOLD, ENGLISH_CONNECTOR_WORDS, SCORERS
from .parser import add_command

# detect()'s parameters: given only without --model (a model brings its own)
DETECTION = ("min_count", "threshold", "scorer", "passes", "connector_words", "max_vocab")


def register(subparsers):
    p = add_command(
        subparsers, "phrases",
        help="detect phrases (new york) and join them into single tokens (new_york)",
        description="Find word pairs that occur together far more often than chance (word2vec's "
        "word2phrase, gensim's Phrases) and rewrite CORPUS with each phrase joined by _, lines "
        "kept, tokens separated by one space. CORPUS is anything `w2v train` reads. Or join the "
        "phrases of a model saved with --save-model (--model) in new text.",
        examples=["w2v phrases corpus.txt -o phrased.txt --save-model phrases.json",
                  "w2v phrases new.txt --model phrases.json -o new-phrased.txt.gz",
                  "w2v phrases --model phrases.json --top 50    # the strongest phrases"],
    )
    p.add_argument("corpus", nargs="?", metavar="CORPUS",
                   help="text file, .gz/.bz2/.xz file, or directory of them")
    p.add_argument("-o", "--output",
                   help="the corpus with phrases joined (.gz/.bz2/.xz: compressed)")
    p.add_argument("--model", metavar="PHRASES_JSON",
                   help="join the phrases of this saved model instead of detecting them")
    p.add_argument("--save-model", metavar="PHRASES_JSON",
                   help="save the phrases found, with their scores and counts")
    p.add_argument("--top", type=int, metavar="N", help="print the N highest-scoring phrases")
    detection = p.add_argument_group("detection (not with --model)")
    detection.add_argument("--min-count", type=int, metavar="N",
                           help="ignore words and candidates seen fewer times (default 5)")
    detection.add_argument("--threshold", type=float, nargs="+", metavar="T",
                           help="a candidate scoring above T is a phrase; one T, or one per pass "
                           f"(default {DEFAULT_THRESHOLD['word2vec']:g} for word2vec, "
                           f"{DEFAULT_THRESHOLD['npmi']:g} for npmi)")
    detection.add_argument("--scorer", choices=SCORERS,
                           help="word2vec (default): (count(ab) - min_count) / (count(a) * "
                           "count(b)) * tokens, as word2phrase; npmi: normalized pointwise "
                           "mutual information, in [-1, 1]")
    detection.add_argument("--passes", type=int, metavar="N",
                           help="count and join this many times, each pass on the text of the "
                           "last, so phrases grow (new_york_times); default: one per T")
    detection.add_argument("--connector-words", nargs="?", const="english", metavar="WORDS",
                           help="words that may sit inside a phrase but never end one "
                           "(bank_of_america): comma-separated, or 'english' (the value when "
                           f"none is given): {' '.join(ENGLISH_CONNECTOR_WORDS)}")
    detection.add_argument("--max-vocab", type=int, metavar="N",
                           help="bound memory: with more distinct candidates than this, drop "
                           "those seen once, then twice, ... as word2phrase prunes (default 0: "
                           "no limit)")
    reading = p.add_argument_group("reading")
    reading.add_argument("--lowercase", action="store_true", help="lowercase the text first")
    reading.add_argument("--encoding", default="utf-8", help="corpus encoding (%(default)s)")
    reading.add_argument("--errors", choices=("strict", "replace"), default="strict",
                         help="what to do with bytes invalid in the encoding (%(default)s)")
    p.set_defaults(func=run)


def run(args):
    from ..text.phrases import PhraseModel, detect
    from ..text.sources import TextSource

    _check_arguments(args)
    for path in (args.output, args.save_model):
        if path:
            check_writable(path)
    source = (TextSource(args.corpus, args.lowercase, args.encoding, args.errors)
              if args.corpus else None)
    if args.model:
        model = PhraseModel.load(args.model)
    else:
        model = detect(source, **detection_settings(args))
        print(f"found {', '.join(_pass_summary(found) for found in model.passes)}")
    if args.save_model:
        model.save(args.save_model)
        print(f"wrote {args.save_model} ({sum(len(p.phrases) for p in model.passes):,} phrases)")
    if args.output:
        joined = model.rewrite(source, args.output)
        print(f"wrote {args.output} ({' + '.join(f'{n:,}' for n in joined)} phrases joined)")
    if args.top:
        print_top(model, args.top)
    return 0


def _check_arguments(args):
    if args.top is not None and args.top < 1:
        raise UsageError(f"--top must be >= 1, got {args.top}")
    if not (args.output or args.save_model or args.top):
        raise UsageError("nothing to do: give -o OUTPUT (the corpus with phrases joined), "
                         "--save-model PHRASES_JSON or --top N")
    if args.model:
        given = [name for name in DETECTION if getattr(args, name) is not None]
        if given:
            flag = "--" + given[0].replace("_", "-")
            raise UsageError(f"{flag} cannot be used with --model: the model's settings apply")
        if args.save_model:
            raise UsageError("--save-model cannot be used with --model: the model is saved already")
        if args.corpus and not args.output:
            raise UsageError("with --model, CORPUS is read only to write it with phrases joined: "
                             "add -o OUTPUT")
    if not args.corpus and (args.output or not args.model):
        raise UsageError("CORPUS is required (only --model PHRASES_JSON --top N goes without)")


def detection_settings(args):
    """detect()'s keyword arguments from the flags given."""
    settings = {name: getattr(args, name) for name in DETECTION if getattr(args, name) is not None}
    if "connector_words" in settings:
        words = settings["connector_words"]
        settings["connector_words"] = (ENGLISH_CONNECTOR_WORDS if words == "english"
                                       else [w.strip() for w in words.split(",") if w.strip()])
    return settings


def _pass_summary(found):
    return (f"{len(found.phrases):,} phrases in {found.tokens:,} tokens "
            f"({found.scorer} > {found.threshold:g})")


def print_top(model, n):
    passes = len(model.passes) > 1
    print(f"{'pass  ' if passes else ''}{'score':>12}  {'count':>10}  phrase")
    for number, phrase in model.top(n):
        print(f"{f'{number:>4}  ' if passes else ''}{phrase.score:>12.4f}  {phrase.count:>10,}  "
              f"{phrase.text}")
