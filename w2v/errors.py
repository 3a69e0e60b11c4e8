"""The kinds of failure a user can see: the CLI prints their message on one line.

Core code names parameters as Python callers know them (`lr must be > 0 and finite, got -0.1`)
and lists them in `parameters`; the command line rewrites those names as its flags (`--lr`), so
the library never talks about options it was not given.
"""

import errno
import re


class W2VError(Exception):
    """A runtime failure the user can act on (bad file, diverged training, full disk). Exit 1.

    `parameters`: the parameter names the message mentions (e.g. "lr" in "try a smaller lr").
    """

    exit_code = 1

    def __init__(self, message="", parameters=()):
        super().__init__(message)
        self.parameters = tuple(parameters)


class UsageError(W2VError):
    """An impossible option or argument value. Exit 2, like argparse."""

    exit_code = 2


class ParameterError(UsageError, ValueError):
    """A parameter value that cannot work (a ValueError, as in scikit-learn), naming the
    parameter, the rule and the value: `min_count must be >= 1, got 0`."""


def check(condition, message, error=UsageError, parameters=()):
    """Raise `error(message)` unless `condition`; for boundary validation."""
    if not condition:
        raise error(message, parameters)


def check_parameter(condition, message, *parameters):
    """Raise ParameterError(message, parameters) unless `condition`."""
    if not condition:
        raise ParameterError(message, parameters)


def rename_parameters(message, parameters, names):
    """`message` with each of `parameters` replaced by names[parameter] (whole words only)."""
    for parameter in parameters:
        if parameter in names:
            # a whole word, not part of a path or file name ("data" in "/shared/data/a.test")
            pattern = rf"(?<![\w/.-]){re.escape(parameter)}(?![\w/-]|\.\w)"
            message = re.sub(pattern, names[parameter], message)
    return message


def os_error_reason(exc):
    """The reason of an OSError in a user's words: "disk full" rather than "No space left"."""
    return "disk full" if exc.errno == errno.ENOSPC else exc.strerror or str(exc)
