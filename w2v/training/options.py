"""Every training option, declared once.

An option is a dataclass field whose metadata holds its help text, its check and how the
command line spells it. From these declarations come the flags of `w2v train` and their help
(`cli/train.py`), the keyword-only signature and docstring of `w2v.train` (`api.py`), the
validation (`validate`) and the option table of the docs (`markdown_table`; a test compares
the two). A new option is one `option(...)` line in one of the three configs below:
`TrainConfig` (what the model is trained with: kept in its .npz and log), `RunOptions` (where
the run starts, stops and saves) or `ClusterConfig` (`cluster/config.py`: rounds on Dask).
"""

import dataclasses
import math
import re
import typing

import numpy as np

from ..errors import check_parameter, render_marks

ARCHITECTURES = ("skipgram", "cbow")
LOSSES = ("neg", "softmax", "hs")


def option(default, help, *, check=None, choices=None, opposite=None, metavar=None, table=None,
           cli=True, python=True):
    """A declared option (its flag: `--name-with-dashes`). check: (predicate, rule) as
    `at_least(1)` gives, tried on values that are not None; choices: the values allowed;
    opposite: the name of a second flag setting a bool option to False; metavar: the value's
    name in --help; table: the docs table's default column, where it is not `default`; cli /
    python: whether the command line / `w2v.train` has it. `help` marks the other options it
    names as `{name}`."""
    if choices is not None:
        check = (lambda value: value in choices, f"one of {', '.join(map(str, choices))}")
    metadata = {"help": help, "check": check, "choices": choices, "opposite": opposite,
                "metavar": metavar, "table": table, "cli": cli, "python": python}
    return dataclasses.field(default=default, metadata=metadata)


def at_least(bound):
    return (lambda value: value >= bound, f">= {bound}")


POSITIVE_FINITE = (lambda value: math.isfinite(value) and value > 0, "> 0 and finite")
FINITE = (math.isfinite, "finite")


def flag_of(field, name=None):
    """The command line's flag of a declared option (or of `name`, its opposite)."""
    return "--" + (name or field.name).replace("_", "-")


def help_of(field, names=None):
    """The option's help text, each `{option}` it names as names[option] (default: its Python
    name)."""
    text = field.metadata["help"]
    return render_marks(text, re.findall(r"\{(\w+)\}", text), names)


def declared(config_class, where="python"):
    """The declared options of a config class (fields with option metadata), for `where`
    ("python", "cli" or None for all)."""
    return [f for f in dataclasses.fields(config_class)
            if "help" in f.metadata and (where is None or f.metadata[where])]


_KINDS = {int: ("an integer", int), float: ("a number", (int, float)),
          bool: ("True or False", bool), str: ("a string", str)}


def base_type(field):
    """int, float, bool or str for a field typed as one of them, or as Optional of one; None
    for other types (checked by the code that uses them)."""
    kind = field.type
    if typing.get_origin(kind) is typing.Union:
        kind = next(arg for arg in typing.get_args(kind) if arg is not type(None))
    return kind if kind in _KINDS else None


def validate(config):
    """Check every declared option of `config`: its type, then its check. NumPy scalars become
    Python ones (configs are written as JSON). ParameterError for the first that fails."""
    for field in declared(type(config), None):
        value = getattr(config, field.name)
        if isinstance(value, np.generic):
            value = value.item()
            object.__setattr__(config, field.name, value)
        kind = base_type(field)
        if value is None and field.default is None or kind is None and value is None:
            continue
        if kind is not None:
            name, accepted = _KINDS[kind]
            numeric_bool = kind is not bool and isinstance(value, bool)
            check_parameter(isinstance(value, accepted) and not numeric_bool,
                            f"{{{field.name}}} must be {name}, got {value!r}", field.name)
        if field.metadata["check"]:
            holds, rule = field.metadata["check"]
            check_parameter(holds(value), f"{{{field.name}}} must be {rule}, got {value!r}",
                            field.name)
    return config


@dataclasses.dataclass
class TrainConfig:
    """What the vectors are trained with; kept in the model's .npz and training log."""

    arch: str = option("skipgram", "skipgram: each word predicts its context; cbow: the "
                       "context predicts the word", choices=ARCHITECTURES)
    loss: str = option("neg", "neg: negative sampling, hs: hierarchical softmax (Huffman "
                       "tree), softmax: full softmax", choices=LOSSES)
    dim: int = option(100, "vector size", check=at_least(1))
    window: int = option(5, "maximum half-width of the context; each word draws its own from "
                         "1..window", check=at_least(1))
    negative: int = option(5, "noise words per prediction (loss neg)", check=at_least(0))
    ns_exponent: float = option(0.75, "noise distribution: count ** ns_exponent", check=FINITE)
    min_count: int = option(5, "ignore words seen fewer times", check=at_least(1))
    max_vocab: int = option(0, "keep only the most frequent words (0: no limit)",
                            check=at_least(0), table="none")
    sample: float = option(1e-3, "subsampling threshold of frequent words (0: off)",
                           check=at_least(0))
    epochs: int = option(5, "passes over the corpus", check=at_least(1))
    lr: typing.Optional[float] = option(None, "starting learning rate, decaying linearly to lr "
                                        "x 1e-4 over the run (default 0.025 skip-gram, 0.05 "
                                        "CBOW)", check=POSITIVE_FINITE, table="0.025 (CBOW 0.05)")
    threads: typing.Optional[int] = option(
        None, "training threads, lock-free (Hogwild); 1 with a seed gives bit-identical runs "
        "(default: all cores; with {dask_workers} N, cores / N per worker; with a {scheduler}, "
        "1 per worker)", check=at_least(1), table="all cores")
    seed: int = option(1, "seeds initialization, subsampling, windows and noise draws")
    lowercase: bool = option(False, "lowercase the text before counting", table="off")
    cbow_mean: bool = option(True, "CBOW: the mean (True, the default) or the sum (False) of "
                             "the context vectors", opposite="cbow_sum", table="mean")
    encoding: str = option("utf-8", "the corpus's text encoding")
    errors: str = option("strict", "what to do with bytes invalid in the encoding ('replace': "
                         "replace them)", choices=("strict", "replace"))
    phrases: typing.Optional[str] = option(None, "a phrase model (from detect(...).save or "
                                           "the phrases command) whose phrases are joined in "
                                           "the text as it is read", metavar="PHRASES_JSON",
                                           table="")

    @property
    def start_lr(self):
        return self.lr or (0.05 if self.arch == "cbow" else 0.025)

    def validate(self):
        """Raise ParameterError for a value that cannot work; return self."""
        validate(self)
        check_parameter(self.loss != "neg" or self.negative >= 1,
                        "{loss} 'neg' needs {negative} >= 1, got 0 (or choose {loss} hs / "
                        "softmax)", "loss", "negative")
        return self


NOT_INHERITED = ("threads",)  # options a continued run does not take from its init model


def continuing_config(init_config, options):
    """The TrainConfig of a run continuing a model trained with `init_config` (a dict, or None):
    its options, but threads, unless `options` (a dict of TrainConfig fields) overrides them."""
    names = {field.name for field in dataclasses.fields(TrainConfig)}
    inherited = {name: value for name, value in (init_config or {}).items()
                 if name in names and name not in NOT_INHERITED}
    return TrainConfig(**{**inherited, **options})


@dataclasses.dataclass
class RunOptions:
    """Where a run starts, what it reports, when it saves and stops; not part of the model."""

    init: typing.Any = option(None, "continue training this model (a .npz the trainer wrote, "
                              "a gensim Word2Vec .model, or a Word2VecModel / KeyedVectors "
                              "from Python) on the corpus: "
                              "its words keep their vectors and their counts grow, new words "
                              "reaching {min_count} join, the lr starts again; options not "
                              "given are the model's", metavar="MODEL_NPZ", table="")
    read_vocab: typing.Optional[str] = option(
        None, "take the words and counts from this file (`word count` lines, word2vec C's "
        "-read-vocab) instead of counting the corpus ({min_count} and {max_vocab} still apply; "
        "the corpus is read for training only)", metavar="FILE", table="")
    save_vocab: typing.Optional[str] = option(
        None, "write the vocabulary, `word count` per line, by descending count (word2vec C's "
        "-save-vocab)", metavar="FILE", table="")
    checkpoint: typing.Optional[str] = option(
        None, "where a stop request (Ctrl-C, SIGTERM) and {checkpoint_every} save the run "
        "(command line default: OUTPUT.checkpoint.npz)", metavar="PATH", table="")
    checkpoint_every: typing.Optional[float] = option(
        None, "also save a checkpoint every this many minutes", check=POSITIVE_FINITE,
        metavar="MINUTES", table="")
    resume: typing.Any = option(
        None, "continue a stopped run from its checkpoint; its options and corpus are used",
        metavar="CHECKPOINT", table="")
    force: bool = option(False, "train even when full softmax would take hours", table="off")
    callbacks: typing.Any = option(
        (), "functions called with a TrainingProgress at the end of every epoch (and every "
        "callback_words words); one returning w2v.STOP ends the run. gensim's callback objects "
        "(on_train_begin, on_epoch_begin, on_epoch_end, on_train_end) are called at those "
        "moments with the TrainingProgress as the model", cli=False)
    callback_words: typing.Optional[int] = option(
        None, "also call the callbacks every this many words", check=at_least(1), cli=False)
    progress: bool = option(True, "a progress bar on stderr (a widget in notebooks)", cli=False)

    def validate(self):
        validate(self)
        for other in ("resume", "read_vocab"):
            check_parameter(self.init is None or getattr(self, other) is None,
                            f"{{init}} cannot go with {{{other}}}: a continued run extends the "
                            "init model's vocabulary", "init", other)
        return self


def markdown_table(*config_classes):
    """The option table of docs/guide/training.md: flag, default and meaning of every command-line
    option."""
    rows = ["| option | default | meaning |", "|---|---|---|"]
    fields = [field for config_class in config_classes for field in declared(config_class, "cli")]
    flags = {field.name: f"`{flag_of(field)}`" for field in fields}
    for field in fields:
        names = [None] + ([field.metadata["opposite"]] if field.metadata["opposite"] else [])
        shown = " / ".join(f"`{flag_of(field, name)}`" for name in names)
        default = field.metadata["table"]
        if default is None:
            default = field.default
        rows.append(f"| {shown} | {default} | {help_of(field, flags)} |")
    return "\n".join(rows)
