"""Training from Python: `w2v.train(corpus, dim=100, ...)` with the command line's options as
keyword arguments (their names, defaults and checks are TrainConfig's), and `w2v.load(path)`."""

import difflib
import os

from .errors import ParameterError, check_parameter
from .training.callbacks import STOP, Callbacks, TrainingProgress
from .training.model import Word2VecModel
from .training.trainer import TrainConfig, continuing_config
from .vectors import KeyedVectors

__all__ = ["train", "load", "STOP", "TrainingProgress", "Word2VecModel", "KeyedVectors"]
# gensim's Word2Vec names for our options, so that its users are told ours
GENSIM_NAMES = {"vector_size": "dim", "size": "dim", "sg": "arch", "hs": "loss",
                "workers": "threads", "alpha": "lr", "iter": "epochs",
                "max_vocab_size": "max_vocab", "sentences": "corpus", "corpus_file": "corpus"}


def train(corpus, *, init=None, callbacks=(), callback_words=None, read_vocab=None,
          save_vocab=None, progress=True, force=False, **options):
    """Train word2vec vectors; return a Word2VecModel (`.wv` the KeyedVectors, `.log` a dict,
    `.save(path)`).

    corpus: a path (text file, .gz/.bz2/.xz file, folder of them, "-" for standard input) or
    an iterable of sentences, each a list of tokens or a string (a line of text, split at white
    space). It is read once, so a generator works; the text is never held in memory.

    options: those of `w2v train`, by their Python names: arch ("skipgram" / "cbow"), loss
    ("neg" / "hs" / "softmax"), dim, window, negative, ns_exponent, min_count, max_vocab, sample,
    epochs, lr, threads, seed, lowercase, cbow_mean, encoding, errors, phrases. Defaults are
    `w2v train`'s except threads (1 here: bit-reproducible for a given seed).

    init: a model to continue training on `corpus` (a Word2VecModel, or KeyedVectors / a path
    of a .npz file w2v wrote): its words keep their input and output vectors and their counts
    grow by the new ones, new words reaching min_count join, the noise, subsampling and Huffman
    tables come from the merged counts, and the learning rate starts again at lr and decays over
    the new run (as gensim's train() does). Options not given are the init model's, but threads.
    With loss "hs" the inner nodes start again from zero (they belong to the old Huffman tree).

    callbacks: functions called with a TrainingProgress (epoch, words, loss, lr, and `wv`, a
    read-only view of the vectors) at the end of every epoch, and every `callback_words` words
    if given; one returning w2v.STOP (or True) ends the run, keeping the vectors trained so far
    (log["stopped_early"] is then True). They run between batches, never during one.

    read_vocab: a vocabulary file (`word count` lines, word2vec C's -read-vocab) whose words
    and counts are used instead of the corpus's; save_vocab: write the vocabulary in that format.
    progress: a progress bar (tqdm; a widget in notebooks). force: allow full softmax over a
    vocabulary large enough to take hours.
    """
    _check_option_names(options)
    check_parameter(init is None or read_vocab is None,
                    "give init or read_vocab, not both: a continued run extends the init model's "
                    "vocabulary", "init", "read_vocab")
    init = _init_vectors(init)
    config = (continuing_config(init.config, options) if init is not None
              else TrainConfig(**options))
    from .training.trainer import train as train_model

    return train_model(corpus, config, progress=progress, force=force, init=init,
                       read_vocab=read_vocab, save_vocab=save_vocab,
                       callbacks=Callbacks(callbacks, callback_words))


def load(path):
    """The Word2VecModel saved at `path` by `model.save` (or `w2v train -o`): a .npz keeps the
    vectors, counts, output vectors and config, with the training log from `path + ".json"`."""
    return Word2VecModel.load(path)


def _check_option_names(options):
    names = TrainConfig.__dataclass_fields__
    for name in options:
        if name not in names:
            close = difflib.get_close_matches(name, list(names) + ["init", "callbacks"], n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            if name in GENSIM_NAMES:
                hint = f" (gensim's name; here: {GENSIM_NAMES[name]!r})"
            raise ParameterError(f"train() got an unknown keyword {name!r}{hint}; the options "
                                 f"are {', '.join(names)}")


def _init_vectors(init):
    """The KeyedVectors of `init`: a Word2VecModel's, KeyedVectors, or read from a path."""
    if init is None or isinstance(init, KeyedVectors):
        return init
    if isinstance(init, Word2VecModel):
        return init.wv
    if isinstance(init, (str, os.PathLike)):
        return KeyedVectors.load(os.fspath(init))
    raise ParameterError(f"init must be a Word2VecModel, KeyedVectors or a path, got "
                         f"{type(init).__name__}", ("init",))
