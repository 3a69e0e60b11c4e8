"""`w2v train`: corpus in, vectors file (and a JSON training log beside it) out. Its options
are generated from their declarations (training/options.py, training/cluster/config.py)."""

import dataclasses
import os
import sys

from ..errors import UsageError
from ..files import COMPRESSION_SUFFIXES, check_writable, extension_of
from ..training.cluster.config import ClusterConfig
from ..training.options import (RunOptions, TrainConfig, base_type, declared, flag_of,
                                 help_of, validate)
from ..vectors.formats import EXTENSIONS, format_for_path
from .parser import add_command

CONFIGS = (TrainConfig, RunOptions, ClusterConfig)


def register(subparsers):
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
    flags = {field.name: flag_of(field) for cls in CONFIGS for field in declared(cls, "cli")}
    for cls in CONFIGS:
        for field in declared(cls, "cli"):
            add_option(p, field, flags)
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=run)


def add_option(parser, field, flags):
    """The flag(s) of a declared option; None unless given, so that a continued run can tell
    what was given from what its init model brings."""
    meta = field.metadata
    help_text = help_of(field, flags)
    kind = base_type(field)
    if kind is bool:
        parser.add_argument(flag_of(field), dest=field.name, action="store_true", default=None,
                            help=help_text + ("" if meta["opposite"] else
                                              f" ({'on' if field.default else 'off'})"))
        if meta["opposite"]:
            parser.add_argument(flag_of(field, meta["opposite"]), dest=field.name,
                                action="store_false",
                                default=None, help=f"the opposite of {flag_of(field)}")
        return
    shown = "" if field.default is None else f" ({field.default})"
    parser.add_argument(flag_of(field), dest=field.name, type=kind or str, default=None,
                        choices=meta["choices"], metavar=meta["metavar"],
                        help=help_text + shown)


def run(args):
    from ..training.pipeline import train

    corpus, given, options, cluster, output, checkpointing = _settings(args)
    model = train(corpus, given, options, cluster, checkpointing)
    model.save(output, checkpointing)
    final = model.log["epochs"][-1]
    print(f"wrote {output} ({len(model.wv):,} words x {model.wv.dim}) and {output}.json; "
          f"final loss {final['loss']:.4f} per pair, {model.log['words_per_sec']:,.0f} words/s")
    return 0


def _settings(args):
    """(corpus, TrainConfig options given, RunOptions, ClusterConfig, output, checkpointing)
    from the arguments, every output path checked writable before hours of training rather
    than after."""
    from ..training import checkpoint

    given, options, cluster = ({field.name: getattr(args, field.name)
                                for field in declared(cls, "cli")
                                if getattr(args, field.name) is not None} for cls in CONFIGS)
    validate(TrainConfig(**given))  # each value given, before anything is read or said
    cluster = ClusterConfig(**cluster).validate()
    options["progress"] = not args.quiet
    if "resume" in options:
        options["resume"] = checkpoint.load(options["resume"])
    options = RunOptions(**options).validate()
    resume = options.resume
    output = args.output or (resume.extra.get("output") if resume else None) or "vectors.bin"
    if extension_of(output) not in EXTENSIONS:
        raise UsageError(
            f"--output must end with one of {', '.join(EXTENSIONS)}, optionally followed by "
            f"{'/'.join(COMPRESSION_SUFFIXES)}, got {output!r}"
        )
    format_for_path(output)  # what saving it would refuse, refused before training
    corpus = args.corpus or (resume.corpus if resume else _default_corpus(args.quiet))
    checkpoint_path = options.checkpoint or args.resume or output + ".checkpoint.npz"
    every = options.checkpoint_every * 60 if options.checkpoint_every else None
    checkpointing = checkpoint.Checkpointing(checkpoint_path, every,
                                             {"output": os.path.abspath(output)})
    for path in (output, output + ".json", checkpoint_path):
        check_writable(path)
    options = dataclasses.replace(options, checkpoint=None, checkpoint_every=None)
    return corpus, given, options, cluster, output, checkpointing


def _default_corpus(quiet):
    from ..synthetic import default_corpus_path

    path = default_corpus_path()
    if not quiet:
        print(f"no corpus given: training on the embedded default corpus {path}\n"
              "(point the same command at your own text: w2v train CORPUS -o vectors.bin)",
              file=sys.stderr)
    return path
