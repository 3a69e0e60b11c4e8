"""The `w2v` command: argument parsing, dispatch, and the one-line error policy.

Each subcommand lives in its own module of this package, exposing `register(subparsers)`; the
module adds its parser(s) and sets `func` to a function taking the parsed arguments. Heavy imports
(numba, matplotlib, scikit-learn) happen inside those functions so `w2v --help` stays fast.
"""

import argparse
import contextlib
import importlib
import shlex
import signal
import sys
import threading
import warnings

from .. import __version__
from ..errors import W2VError, W2VWarning, os_error_reason
from ..training import checkpoint
from .parser import OneLineParser

COMMAND_MODULES = ("train", "vocab", "query", "evaluate", "plot", "sentiment", "data",
                   "phrases", "export", "explore")


def build_parser():
    parser = OneLineParser(
        prog="w2v", description="Train, query, evaluate, plot and use word2vec vectors.",
        epilog="examples:\n"
               "  w2v train -o vectors.bin                    # the embedded default corpus\n"
               "  w2v neighbors vectors.bin horse violin -k 5\n"
               "  w2v train --help                            # every command has its own help",
    )
    parser.add_argument("--version", action="version", version=f"w2v {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND",
                                       help="w2v COMMAND --help tells more")
    for name in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}").register(subparsers)
    return parser


def main(argv=None):
    """Run the CLI; return the exit code (0 ok, 1 runtime error, 2 usage error, 130 interrupted)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv  # accepted anywhere on the line, not only before the subcommand
    parser = build_parser()
    args, extras = parser.parse_known_args([a for a in argv if a != "--debug"])
    if extras:
        (command_parser(parser, args.command) if args.command else parser) \
            .unknown_arguments_error(extras)
    args.debug = debug
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    with _signals_as_interrupt():  # also while an error is reported
        return _run(parser, args)


def _run(parser, args):
    """The command's exit code; its failures reported on one line."""
    try:
        with _one_line_warnings(parser, args.command):
            return args.func(args) or 0
    except W2VError as exc:
        if args.debug:
            raise
        kind = "" if exc.exit_code == 130 else "error: "  # 130: stopped on request, not failed
        message = exc.render(flag_names(parser, args.command), command_line)
        print(f"w2v {args.command}: {kind}{message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        if args.debug:
            raise
        print(f"w2v {args.command}: interrupted", file=sys.stderr)
        return 130
    except (OSError, MemoryError) as exc:  # the machine, not a bug: full disk, no memory, EIO
        if args.debug:
            raise
        print(f"w2v {args.command}: error: {describe_environment_error(exc)}", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: still one line, with the way to see more
        if args.debug:
            raise
        print(
            f"w2v {args.command}: internal error: {type(exc).__name__}: {exc} "
            "(rerun with --debug for the traceback and please report it)",
            file=sys.stderr,
        )
        return 1


def flag_names(parser, command):
    """{parameter name: its flag} for a subcommand: {"lr": "--lr", "min_count": "--min-count"}."""
    names = {}
    for action in command_parser(parser, command)._actions:
        long_flags = [o for o in action.option_strings if o.startswith("--")]
        if long_flags and action.dest not in names:
            names[action.dest] = long_flags[0]
    return names


# the commands that do what a hint's Python function does, and the arguments they need beside
HINT_COMMANDS = {"train": ("train", ()), "convert": ("convert", ()), "KeyedVectors.load": ("neighbors", ("WORD",)),
                 "text.phrases.detect": ("phrases", ("CORPUS", "--save-model", "PHRASES_JSON")),
                 "catalogue.download": ("download", ())}
HINT_FLAGS = {"folder": "--dir"}  # a Python keyword whose flag is not --{keyword}


def command_line(hint):
    """A Hint as the command that does what its Python call does: `resume with: w2v.train(
    resume='run.npz')` -> `resume with: w2v train --resume run.npz`."""
    command, extra = HINT_COMMANDS[hint.function]
    words = ["w2v", command, *(shlex.quote(str(a)) for a in hint.args), *extra]
    for name, value in hint.options:
        flag = HINT_FLAGS.get(name, f"--{name.replace('_', '-')}")
        words += [flag] + ([] if value is True else [shlex.quote(str(value))])
    return f"{hint.text}: {' '.join(words)}"


def command_parser(parser, command):
    """The parser of the subcommand `command`."""
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return subparsers.choices[command]


@contextlib.contextmanager
def _signals_as_interrupt():
    """SIGTERM raises KeyboardInterrupt like Ctrl-C, so temporary files are cleaned up on the way
    out (the default action kills the process on the spot); a repeat of a stop request that
    training took is ignored, so the stopped run still says what it saved. Training installs its
    own handler while it runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        if not checkpoint.repeats_a_stop_request():
            raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@contextlib.contextmanager
def _one_line_warnings(parser, command):
    """Warnings print as `w2v COMMAND: warning: ...`, parameters renamed to flags; each
    W2VWarning every time it is issued."""

    def show(message, category, filename, lineno, file=None, line=None):
        text = (message.render(flag_names(parser, command), command_line)
                if isinstance(message, W2VWarning) else str(message))
        print(f"w2v {command}: warning: {text}", file=sys.stderr)

    with warnings.catch_warnings():
        warnings.simplefilter("always", W2VWarning)
        warnings.showwarning = show
        yield


def describe_environment_error(exc):
    """One line for an OSError or MemoryError that no command turned into a W2VError."""
    if isinstance(exc, MemoryError):
        return f"not enough memory ({exc or 'allocation failed'})"
    reason = os_error_reason(exc)
    return f"{exc.filename}: {reason}" if exc.filename else reason


def entry_point():
    sys.exit(main())
