"""The kinds of failure a user can see: the CLI prints their message on one line.

The core never writes a flag or a command. A message marks each parameter it names as `{name}`
(its Python name) and lists it in `parameters`; a `Hint` says what to run next as a Python call.
`str(error)` reads as Python (`lr must be > 0 and finite, got -0.1`; `resume with:
w2v.train(resume='run.npz')`); the command line renders the same fields with its flags and
commands (`--lr must be ...`; `resume with: w2v train --resume run.npz`).
"""

import dataclasses
import errno


@dataclasses.dataclass(frozen=True)
class Hint:
    """What to run next: `text` ("resume with"), then a call of the Python function `function`
    (a name of the `w2v` package: "train", "load") with `args` and `options`."""

    text: str
    function: str
    args: tuple = ()
    options: tuple = ()  # (name, value) pairs

    def python(self):
        arguments = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.options]
        return f"{self.text}: w2v.{self.function}({', '.join(arguments)})"


def render_marks(text, marked, names=None):
    """`text` with each `{name}` of the names in `marked` as names[name] (default: itself)."""
    for name in marked:
        text = text.replace("{" + name + "}", (names or {}).get(name, name))
    return text


def hint(text, function, *args, **options):
    return Hint(text, function, args, tuple(options.items()))


class _Rendered:
    """A message whose `{parameter}` marks and hint render per audience (Python or the CLI)."""

    def _setup(self, message, parameters, hint):
        self.template, self.parameters, self.hint = message, tuple(parameters), hint

    def render(self, names=None, render_hint=None):
        """The message with each parameter as names[parameter] (default: its Python name) and
        the hint rendered by render_hint(hint) (default: as a Python call)."""
        message = render_marks(self.template, self.parameters, names)
        if self.hint is not None:
            message += "; " + (render_hint or Hint.python)(self.hint)
        return message

    def __str__(self):
        return self.render()


class W2VError(_Rendered, Exception):
    """A runtime failure the user can act on (bad file, diverged training, full disk). Exit 1.

    `message` marks the parameters it names as `{name}` ("try a smaller {lr}"), each listed in
    `parameters`; `hint` (a Hint) says what to run next."""

    exit_code = 1

    def __init__(self, message="", parameters=(), hint=None):
        self._setup(message, parameters, hint)
        super().__init__(self.render())


class W2VWarning(_Rendered, UserWarning):
    """A result the user should hear about although the command succeeded (a corpus folder's
    skipped files, a run that trained almost nothing). Its fields are a W2VError's."""

    def __init__(self, message="", parameters=(), hint=None):
        self._setup(message, parameters, hint)
        super().__init__(self.render())


class UsageError(W2VError):
    """An impossible option or argument value. Exit 2, like argparse."""

    exit_code = 2


class ParameterError(UsageError, ValueError):
    """A parameter value that cannot work (a ValueError, as in scikit-learn), naming the
    parameter, the rule and the value: `min_count must be >= 1, got 0`."""


def check(condition, message, error=UsageError, parameters=()):
    """Raise `error(message, parameters)` unless `condition`; for boundary validation."""
    if not condition:
        raise error(message, parameters)


def check_parameter(condition, message, *parameters):
    """Raise ParameterError(message, parameters) unless `condition`; `message` marks each of
    `parameters` as `{name}`."""
    if not condition:
        raise ParameterError(message, parameters)


def os_error_reason(exc):
    """The reason of an OSError in a user's words: "disk full" rather than "No space left"."""
    return "disk full" if exc.errno == errno.ENOSPC else exc.strerror or str(exc)
