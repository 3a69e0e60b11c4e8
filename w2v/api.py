"""Training from Python: `w2v.train(corpus, dim=100, ...)`, every option of `w2v train` as a
keyword argument with the same name (declared once, in training/options.py and
training/cluster/config.py), and `w2v.load(path)`."""

import difflib
import inspect
import textwrap

from .errors import ParameterError
from .training.callbacks import STOP, TrainingProgress
from .training.cluster.config import ClusterConfig
from .training.model import Word2VecModel
from .training.options import RunOptions, TrainConfig, declared, help_of
from .vectors import KeyedVectors

__all__ = ["train", "load", "convert", "STOP", "TrainingProgress", "Word2VecModel", "KeyedVectors"]
CONFIGS = (TrainConfig, RunOptions, ClusterConfig)
# gensim's Word2Vec names for our options, so that its users are told ours
GENSIM_NAMES = {"vector_size": "dim", "size": "dim", "sg": "arch", "hs": "loss",
                "workers": "threads", "alpha": "lr", "iter": "epochs",
                "max_vocab_size": "max_vocab", "sentences": "corpus", "corpus_file": "corpus"}


def train(corpus=None, **options):
    config_names = [[f.name for f in declared(cls)] for cls in CONFIGS]
    _check_option_names(options, [name for names in config_names for name in names])
    given, run, cluster = ({name: options[name] for name in names if name in options}
                           for names in config_names)
    from .training.pipeline import train as train_model

    return train_model(corpus, given, RunOptions(**run), ClusterConfig(**cluster))


def _signature():
    parameters = [inspect.Parameter("corpus", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                    default=None)]
    parameters += [inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=f.default)
                   for cls in CONFIGS for f in declared(cls)]
    return inspect.Signature(parameters)


def _docstring():
    lines = ["Train word2vec vectors; return a Word2VecModel (`.wv` the KeyedVectors, `.log` a",
             "dict, `.save(path)`).", "",
             textwrap.fill("corpus: a path (text file, .gz/.bz2/.xz file, folder of them, '-' for "
                           "standard input) or an iterable of sentences, each a list of tokens "
                           "or a string (split at white space), read once, so a generator "
                           "works. With resume, None: the checkpoint's.", width=79), ""]
    titles = ("The model's options (kept in its .npz and log):",
              "Where the run starts, saves and stops:",
              "On a Dask cluster (pip install 'w2v[dask]'):")
    for title, cls in zip(titles, CONFIGS):
        lines.append(title)
        for field in declared(cls):
            lines.append(textwrap.fill(f"{field.name} ({field.default!r}): {help_of(field)}",
                                       width=79, initial_indent="    ",
                                       subsequent_indent="        "))
        lines.append("")
    lines.append(textwrap.fill("A stop request (Ctrl-C) with checkpoint given saves the run and "
                               "raises TrainingInterrupted; train(resume=checkpoint) continues "
                               "it.", width=79))
    return "\n".join(lines)


train.__signature__ = _signature()
train.__doc__ = _docstring()


def load(path):
    """The Word2VecModel saved at `path` by `model.save` (or `w2v train -o`): a .npz keeps the
    vectors, counts, output vectors and config, with the training log from `path + ".json"`."""
    return Word2VecModel.load(path)


def convert(source, target, limit=None, progress=True):
    """Write the vectors of `source` (any format `KeyedVectors.load` reads) to `target` in the
    format its extension names (.bin, .txt, .vec, .npz, optionally .gz/.bz2/.xz), only the first
    `limit` words if given; the source is read a block at a time and `target` written
    atomically. An .npz target can then be opened with `KeyedVectors.load(target, mmap="r")`.
    Returns the vectors written."""
    kv = KeyedVectors.load(source, limit=limit, progress=progress)
    kv.save(target)
    return kv


def _check_option_names(options, names):
    for name in options:
        if name not in names:
            close = difflib.get_close_matches(name, names, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            if name == "workers":
                hint = (" (gensim's name for threads: threads=N; Dask worker processes are "
                        "dask_workers=N)")
            elif name in GENSIM_NAMES:
                hint = f" (gensim's name; here: {GENSIM_NAMES[name]!r})"
            raise ParameterError(f"train() got an unknown keyword {name!r}{hint}; the options "
                                 f"are {', '.join(names)}")
