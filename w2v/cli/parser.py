"""argparse as the `w2v` commands use it: one-line errors naming the subcommand, positionals
that options with several values cannot swallow, and a --help that ends with examples."""

import argparse
import copy
import difflib
import textwrap

HELP_WIDTH = 79


class _ParseFailure(Exception):
    pass


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line (the usage block is a --help away), exit 2; the
    description is wrapped and the epilog (the examples) printed as written.

    An option taking several values (nargs="+") takes every value up to the next option, so in
    `w2v eval --similarity ws.tsv vectors.bin` it would swallow VECTORS; when parsing fails that
    way and the last values of the last such option are what the positionals take (a vectors
    file for VECTORS), they are given to the positionals instead.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)
        self._failing_quietly = False

    def error(self, message):
        if self._failing_quietly:
            raise _ParseFailure(message)
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")

    def _check_value(self, action, value):
        """argparse's check of a value against its choices (a command's name, --arch ...),
        suggesting the closest choice when one is spelled close."""
        if action.choices is None or value in action.choices:
            return
        hidden = getattr(action, "aliases_hidden", ())
        shown = ", ".join(str(c) for c in action.choices if c not in hidden)
        match = difflib.get_close_matches(str(value), [str(c) for c in action.choices], n=1)
        guess = f" (did you mean {match[0]}?)" if match else ""
        raise argparse.ArgumentError(action, f"invalid choice: {value!r}{guess}; choose from "
                                             f"{shown}")

    def parse_known_args(self, args=None, namespace=None):
        if args is None:
            return super().parse_known_args(args, namespace)
        args = list(args)
        parsed = self._parse_quietly(args, namespace)
        if parsed is None and (rearranged := self._positionals_out_of_options(args)):
            parsed = self._parse_quietly(rearranged, namespace)
        return parsed or super().parse_known_args(args, namespace)  # fails again, saying why

    def _parse_quietly(self, args, namespace):
        """parse_known_args, or None where it would fail."""
        self._failing_quietly = True
        try:
            return super().parse_known_args(args, copy.copy(namespace))
        except _ParseFailure:
            return None
        finally:
            self._failing_quietly = False

    def _positionals_out_of_options(self, args):
        """`args` with the last values of a many-valued option moved before it, one per
        positional, if they are what the positionals `recognise` (an attribute set on their
        actions: a function of the value); else None."""
        takes_many = {option for action in self._actions if action.nargs in ("+", "*")
                      for option in action.option_strings}
        positionals = [action for action in self._actions if not action.option_strings]
        checks = [getattr(action, "recognises", None) for action in positionals]
        if not positionals or not all(checks):
            return None
        runs = []  # [start, end) of each many-valued option and the values after it
        for i, arg in enumerate(args):
            if arg in takes_many:
                runs.append([i, i + 1])
            elif runs and runs[-1][1] == i and not _is_option(arg):
                runs[-1][1] = i + 1
        for start, end in reversed(runs):
            moved = args[end - len(positionals) : end]
            recognised = all(check(value) for check, value in zip(checks, moved))
            if end - start - 1 > len(positionals) and recognised:
                return args[:start] + moved + args[start : end - len(moved)] + args[end:]
        return None

    def unknown_arguments_error(self, extras):
        """Exit with the one-line error for arguments this parser does not know, suggesting the
        option meant when one is spelled close to a known one."""
        options = [o for action in self._actions for o in action.option_strings]

        def shown(arg):
            match = difflib.get_close_matches(arg.split("=")[0], options, n=1)
            return f"{arg} (did you mean {match[0]}?)" if _is_option(arg) and match else arg

        self.error(f"unrecognized arguments: {' '.join(map(shown, extras))}")


def _is_option(arg):
    """Whether `arg` is an option string rather than a value ("-0.5" is a value)."""
    try:
        float(arg)
        return False
    except ValueError:
        return arg.startswith("-") and arg != "-"


def add_command(subparsers, name, *, help, description, examples, aliases=()):
    """A subcommand's parser: `help` in `w2v --help`, then its own --help with `description`
    (wrapped) and ending with `examples`, two or three command lines (a `# comment` each may
    have). `aliases`: other names that run it (not listed among the choices)."""
    paragraphs = [textwrap.fill(p, HELP_WIDTH) for p in description.split("\n\n")]
    epilog = "examples:\n" + "\n".join(f"  {line}" for line in examples)
    parser = subparsers.add_parser(name, help=help, description="\n\n".join(paragraphs),
                                   epilog=epilog, aliases=list(aliases))
    subparsers.aliases_hidden = (*getattr(subparsers, "aliases_hidden", ()), *aliases)
    return parser
