"""`w2v train`: corpus in, vectors file (and a JSON training log beside it) out."""

import os
import sys

from ..files import check_writable
from ..errors import UsageError
from ..training.trainer import ARCHITECTURES, LOSSES, TrainConfig, continuing_config
from .parser import add_command
from .query import load_vectors

OUTPUT_EXTENSIONS = (".bin", ".txt", ".vec", ".npz")


def register(subparsers):
    defaults = TrainConfig()
    p = add_command(
        subparsers, "train",
        help="train word vectors on a text corpus",
        description="Train word2vec vectors. CORPUS: a text file (one sentence or paragraph per "
        "line, tokens separated by white space), a .gz/.bz2/.xz file, or a directory of them "
        "(its other files are skipped, with a warning), or - for standard input. Without CORPUS, "
        "trains on the embedded "
        "default corpus (synthetic, with planted word groups). The output format follows the "
        "extension: .bin (word2vec binary), .txt/.vec (word2vec text), .npz (input and output "
        "matrices, counts and config); a JSON training log goes beside it (OUTPUT.json).\n\n"
        "Ctrl-C or SIGTERM stops at the next batch and saves a checkpoint (a second Ctrl-C waits "
        "for the checkpoint file to be complete); --resume continues from it.",
        examples=[
            "w2v train -o vectors.bin               # the embedded default corpus, ~1 minute",
            "w2v train corpus.txt.gz -o vectors.txt --dim 300 --min-count 10 --threads 8",
            "w2v train new.txt --init model.npz -o model2.npz    # continue on new text",
        ],
    )
    p.add_argument("corpus", metavar="CORPUS", nargs="?",
                   help="text file, .gz/.bz2/.xz file, directory, or - for standard input "
                        "(default: embedded corpus)")
    p.add_argument("-o", "--output", metavar="OUTPUT",
                   help="vectors file to write, .bin, .txt, .vec or .npz, optionally + .gz/.bz2/"
                        ".xz (default: vectors.bin; a missing folder is created)")
    p.add_argument("--arch", choices=ARCHITECTURES, default=None,
                   help="skipgram: each word predicts its context; cbow: the context predicts "
                        f"the word ({defaults.arch})")
    p.add_argument("--loss", choices=LOSSES, default=None,
                   help="neg: negative sampling, softmax: full softmax, hs: hierarchical softmax "
                        f"({defaults.loss})")
    p.add_argument("--dim", type=int, default=None, help=f"vector size ({defaults.dim})")
    p.add_argument("--window", type=int, default=None,
                   help="maximum context half-width, reduced at random per word "
                        f"({defaults.window})")
    p.add_argument("--negative", type=int, default=None,
                   help=f"noise words per prediction ({defaults.negative})")
    p.add_argument("--ns-exponent", type=float, default=None,
                   help=f"noise distribution exponent on counts ({defaults.ns_exponent})")
    p.add_argument("--min-count", type=int, default=None,
                   help=f"ignore words seen fewer times ({defaults.min_count})")
    p.add_argument("--max-vocab", type=int, default=None,
                   help="keep only the most frequent words (0: no limit)")
    p.add_argument("--sample", type=float, default=None,
                   help="subsampling threshold for frequent words, 0 to disable "
                        f"({defaults.sample})")
    p.add_argument("--epochs", type=int, default=None, help=f"passes ({defaults.epochs})")
    p.add_argument("--lr", type=float, default=None,
                   help="starting learning rate, decays linearly to lr*1e-4 "
                        "(default 0.025 skip-gram, 0.05 CBOW)")
    p.add_argument("--threads", type=int,
                   help="training threads (default: all cores; with --workers N, cores / N per "
                        "worker; with --scheduler, 1 per worker); use 1 with --seed "
                        "for bit-identical runs")
    p.add_argument("--seed", type=int, default=None, help=f"random seed ({defaults.seed})")
    p.add_argument("--lowercase", action="store_true", default=None,
                   help="lowercase the text first")
    p.add_argument("--cbow-mean", dest="cbow_mean", action="store_true", default=None,
                   help="CBOW: average the context vectors (default)")
    p.add_argument("--cbow-sum", dest="cbow_mean", action="store_false", default=None,
                   help="CBOW: sum the context vectors")
    p.add_argument("--encoding", default=None, help=f"corpus encoding ({defaults.encoding})")
    p.add_argument("--errors", choices=("strict", "replace"), default=None,
                   help=f"what to do with bytes invalid in the encoding ({defaults.errors})")
    p.add_argument("--phrases", metavar="PHRASES_JSON", type=os.path.abspath,
                   help="join the phrases of this model (w2v phrases --save-model) in the text "
                        "as it is read")
    p.add_argument("--init", metavar="MODEL_NPZ",
                   help="continue training this model (a .npz written by w2v train) on CORPUS: "
                        "its words keep their vectors and their counts grow, new words reaching "
                        "--min-count join, the lr starts again; options not given are the "
                        "model's")
    p.add_argument("--save-vocab", metavar="FILE",
                   help="write the vocabulary, `word count` per line (word2vec -save-vocab)")
    p.add_argument("--read-vocab", metavar="FILE",
                   help="take the vocabulary and counts from this file (`word count` lines, "
                        "word2vec -read-vocab) instead of counting the corpus")
    p.add_argument("--force", action="store_true",
                   help="train even when full softmax would take hours")
    p.add_argument("--checkpoint", metavar="PATH",
                   help="where Ctrl-C / SIGTERM (and --checkpoint-every) save the run "
                        "(default: OUTPUT.checkpoint.npz)")
    p.add_argument("--checkpoint-every", type=float, metavar="MINUTES",
                   help="also save a checkpoint this often")
    p.add_argument("--resume", metavar="CHECKPOINT",
                   help="continue a stopped run; its options and corpus are used")
    p.add_argument("--workers", type=int, metavar="N",
                   help="train on a local Dask cluster of N worker processes, --threads threads "
                        "each (needs pip install 'w2v[dask]')")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="train on the Dask cluster at ADDRESS (tcp://HOST:8786); the corpus must "
                        "be readable at the same path on every worker")
    p.add_argument("--sync-words", type=int, metavar="N",
                   help="cluster: words each worker trains between merges of the replicas "
                        "(default: 2,000,000 / workers)")
    p.add_argument("--lr-scale", type=float, metavar="X",
                   help="cluster: each worker's learning rate multiplier, since averaging the "
                        "replicas divides their progress (default: 1 with --merge split, else the "
                        "number of workers, at most 4)")
    p.add_argument("--merge", choices=("mean", "sum", "split"),
                   help="cluster: a row's merged change is the sum of the workers' changes over "
                        "max(lr scale, workers that changed it) (mean, the default but for CBOW "
                        "on 2 workers), over "
                        "the lr scale (sum), or, for the words each worker sees at least 300 times "
                        "a round, over the workers that changed it and, for the others, over the "
                        "lr scale (split: CBOW's default on 2 workers, refused on more)")
    p.add_argument("--overlap", action="store_true",
                   help="cluster: merge while the workers train the next round (they train on "
                        "the merge of the round before; the same bits run to run)")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=run)


def run(args):
    from ..training.trainer import train

    corpus, config, output, checkpointing, resume, init = _settings(args)
    cluster = resume.extra.get("cluster") if resume else None
    if args.workers is not None or args.scheduler or cluster:
        _refuse_on_cluster(args, "--init", "--read-vocab", "--save-vocab")
        model = _train_on_cluster(args, corpus, config, checkpointing, resume)
    else:
        model = train(corpus, config, progress=not args.quiet, force=args.force,
                      checkpointing=checkpointing, resume=resume, init=init,
                      read_vocab=args.read_vocab, save_vocab=args.save_vocab)
    model.save(output, checkpointing)
    final = model.log["epochs"][-1]
    print(f"wrote {output} ({len(model.wv):,} words x {config.dim}) and {output}.json; "
          f"final loss {final['loss']:.4f} per pair, {model.log['words_per_sec']:,.0f} words/s")
    return 0


def _settings(args):
    """(corpus, config, output, checkpointing, resume, init) from the arguments, every output
    path checked writable before hours of training rather than after."""
    from ..training import checkpoint

    if args.init and (args.resume or args.read_vocab):
        raise UsageError(f"--init cannot go with {'--resume' if args.resume else '--read-vocab'}: "
                         "a continued run extends the --init model's vocabulary")
    resume = checkpoint.load(args.resume) if args.resume else None
    init = load_vectors(args.init) if args.init else None
    if args.threads is None:
        cores = os.cpu_count() or 1
        args.threads = 1 if args.scheduler else max(1, cores // (args.workers or 1))
    if resume:
        config = TrainConfig(**resume.config)
    else:
        options = given_options(args)
        config = (continuing_config(init.config, options) if init else
                  TrainConfig(**options)).validate()
    output = args.output or (resume.extra.get("output") if resume else None) or "vectors.bin"
    if not output.lower().endswith(OUTPUT_EXTENSIONS):
        raise UsageError(
            f"--output must end with one of {', '.join(OUTPUT_EXTENSIONS)}, got {output!r}"
        )
    if args.checkpoint_every is not None and not args.checkpoint_every > 0:
        raise UsageError(f"--checkpoint-every must be > 0 minutes, got {args.checkpoint_every}")
    corpus = args.corpus or (resume.corpus if resume else _default_corpus(args.quiet))
    checkpoint_path = args.checkpoint or args.resume or output + ".checkpoint.npz"
    every = args.checkpoint_every * 60 if args.checkpoint_every else None
    checkpointing = checkpoint.Checkpointing(checkpoint_path, every,
                                             {"output": os.path.abspath(output)})
    for path in (output, output + ".json", checkpoint_path):
        check_writable(path)
    return corpus, config, output, checkpointing, resume, init


def _refuse_on_cluster(args, *flags):
    for flag in flags:
        if getattr(args, flag[2:].replace("-", "_")):
            raise UsageError(f"{flag} is not supported with --workers or --scheduler")


def _train_on_cluster(args, corpus, config, checkpointing, resume):
    from ..training import cluster

    if args.workers is not None and args.scheduler:
        raise UsageError("give --workers (a local cluster) or --scheduler (an existing one), "
                         "not both")
    if resume and not resume.extra.get("cluster"):
        raise UsageError(f"{args.resume} is a one-process checkpoint: resume it without "
                         "--workers or --scheduler")
    resumed_alone = args.workers is None and not args.scheduler  # a local cluster as before
    workers = resume.extra["cluster"]["shards"] if resumed_alone else args.workers
    cluster.check_settings(workers, 1 if args.sync_words is None else args.sync_words,
                           args.lr_scale, args.merge)  # before a cluster starts
    with cluster.connect(workers, args.scheduler, config.threads, not args.quiet) as client:
        return cluster.train_on_cluster(client, corpus, config, args.sync_words,
                                        lr_scale=args.lr_scale, merge=args.merge,
                                        overlap=args.overlap, progress=not args.quiet,
                                        checkpointing=checkpointing, resume=resume)


def given_options(args):
    """The TrainConfig fields given on the command line (options left out are None)."""
    return {name: getattr(args, name) for name in TrainConfig.__dataclass_fields__
            if getattr(args, name, None) is not None}


def _default_corpus(quiet):
    from ..synthetic import default_corpus_path

    path = default_corpus_path()
    if not quiet:
        print(f"no corpus given: training on the embedded default corpus {path}\n"
              "(point the same command at your own text: w2v train CORPUS -o vectors.bin)",
              file=sys.stderr)
    return path
