"""The two kinds of failure a user can see: the CLI prints their message on one line."""

import errno


class W2VError(Exception):
    """A runtime failure the user can act on (bad file, diverged training, full disk). Exit 1."""

    exit_code = 1


class UsageError(W2VError):
    """An impossible option or argument value. Exit 2, like argparse."""

    exit_code = 2


def check(condition, message, error=UsageError):
    """Raise `error(message)` unless `condition`; for boundary validation."""
    if not condition:
        raise error(message)


def os_error_reason(exc):
    """The reason of an OSError in a user's words: "disk full" rather than "No space left"."""
    return "disk full" if exc.errno == errno.ENOSPC else exc.strerror or str(exc)
