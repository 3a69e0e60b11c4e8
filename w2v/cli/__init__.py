"""The `w2v` command: argument parsing, dispatch, and the one-line error policy.

Each subcommand lives in its own module of this package, exposing `register(subparsers)`; the
module adds its parser(s) and sets `func` to a function taking the parsed arguments. Heavy imports
(numba, matplotlib, scikit-learn) happen inside those functions so `w2v --help` stays fast.
"""

import argparse
import contextlib
import importlib
import signal
import sys
import threading

from .. import __version__
from ..errors import W2VError, os_error_reason, rename_parameters

COMMAND_MODULES = ("train", "query", "evaluate", "plot", "sentiment", "data", "phrases")


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line (the usage block is a --help away), exit 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser():
    parser = OneLineParser(
        prog="w2v", description="Train, query, evaluate, plot and use word2vec vectors."
    )
    parser.add_argument("--version", action="version", version=f"w2v {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}").register(subparsers)
    return parser


def main(argv=None):
    """Run the CLI; return the exit code (0 ok, 1 runtime error, 2 usage error, 130 interrupted)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv  # accepted anywhere on the line, not only before the subcommand
    parser = build_parser()
    args = parser.parse_args([a for a in argv if a != "--debug"])
    args.debug = debug
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        with _terminate_as_interrupt():
            return args.func(args) or 0
    except W2VError as exc:
        if args.debug:
            raise
        kind = "" if exc.exit_code == 130 else "error: "  # 130: stopped on request, not failed
        message = rename_parameters(str(exc), exc.parameters, flag_names(parser, args.command))
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
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    names = {}
    for action in subparsers.choices[command]._actions:
        long_flags = [o for o in action.option_strings if o.startswith("--")]
        if long_flags and action.dest not in names:
            names[action.dest] = long_flags[0]
    return names


@contextlib.contextmanager
def _terminate_as_interrupt():
    """SIGTERM raises KeyboardInterrupt like Ctrl-C, so temporary files are cleaned up on the way
    out (the default action kills the process on the spot). Training installs its own handler."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def describe_environment_error(exc):
    """One line for an OSError or MemoryError that no command turned into a W2VError."""
    if isinstance(exc, MemoryError):
        return f"not enough memory ({exc or 'allocation failed'})"
    reason = os_error_reason(exc)
    return f"{exc.filename}: {reason}" if exc.filename else reason


def entry_point():
    sys.exit(main())
