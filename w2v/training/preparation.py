"""Preparing a run and checking its result: the text source, the vocabulary (counted, read
from a file, extended from an init model or a checkpoint's), the first weights, what cannot be
trained, and the training log."""

import ctypes
import dataclasses
import math
import os
import warnings

import numpy as np

from ..errors import W2VError, W2VWarning, check_parameter
from ..text.sources import SentenceSource, TextSource
from ..vectors.keyed import first_nonfinite_row
from .vocab import Vocab, build_vocab, extend_vocab, keep_probabilities


def text_source(corpus, config):
    """What the engine reads: a TextSource for a path, a SentenceSource for sentences; phrases
    joined as it is read if the config names a phrase model."""
    if isinstance(corpus, str):
        source = TextSource(corpus, config.lowercase, config.encoding, config.errors)
    else:
        source = SentenceSource(corpus, config.lowercase)
    if config.phrases:
        from ..text.phrases import PhrasedSource

        source = PhrasedSource(source, config.phrases)
    return source


def choose_vocab(counted, config, resume, init, listed):
    """(the run's Vocab, each word's row in `init` or -1, None without init): the checkpoint's,
    the init model's extended by the counted words, the listed words', or the counted ones
    (`counted`: a corpus.Scan or a Counted). A function so that nothing here keeps the scan's
    word table alive through training."""
    if resume:
        return Vocab(resume.words, resume.counts), None
    if init is not None:
        return extend_vocab(Vocab(init.words, init.counts), counted.counts,
                            counted.ids_of(init.words), counted.words, config.min_count,
                            config.max_vocab or None)
    words, counts = listed or (counted.words, counted.counts)
    return build_vocab(words, counts, config.min_count, config.max_vocab or None), None


def check_init(init, config):
    """W2VError unless the KeyedVectors `init` can start a run of `config`: continued training
    needs the counts and the output vectors (a .npz the trainer wrote, or a gensim Word2Vec
    model), the same dim, and
    output vectors trained for the same loss. With loss hs there are none to need: the inner
    nodes of the old Huffman tree are not the new tree's, so they start again from zero."""
    check_parameter(init.counts is not None,
                    "the {init} vectors hold no word counts (a word2vec .bin/.txt file keeps only "
                    "the vectors): continue from a .npz model, which keeps them", "init")
    trained_loss = (init.config or {}).get("loss")
    check_parameter(trained_loss in (None, config.loss),
                    f"{{loss}} {config.loss} differs from the {{init}} model's {trained_loss}: "
                    "its output weights were trained for that loss", "loss", "init")
    check_parameter(init.output_vectors is not None or config.loss == "hs",
                    "the {init} model has no output weights per word: continue from a .npz "
                    "model or a gensim Word2Vec .model, which keep them", "init")
    check_parameter(init.dim == config.dim,
                    f"{{dim}} {config.dim} differs from the {{init}} model's {init.dim}: continued "
                    "training keeps the vectors, whose size cannot change", "dim", "init")


def carry_over(init, old_rows, W_in, W_out):
    """The init model's input and output vectors into the rows of the words it knows (hs: the
    input vectors; W_out holds the new tree's inner nodes)."""
    kept = old_rows >= 0
    W_in[kept] = init.vectors[old_rows[kept]]
    if init.output_vectors is not None:
        W_out[kept] = init.output_vectors[old_rows[kept]]


def training_log(config, vocab, epochs, wall_seconds):
    return {
        "config": dataclasses.asdict(config),
        "vocab_size": len(vocab),
        "corpus_tokens": vocab.n_tokens,
        "epochs": epochs,
        "words_per_sec": sum(e["words"] for e in epochs) / sum(e["seconds"] for e in epochs),
        "wall_seconds": wall_seconds,
    }


FEW_PAIRS = 1_000  # fewer training pairs in a whole run leave the vectors near their random start


def check_something_trained(epochs, vocab, longest_sentence, config):
    """W2VError if the run made no training pair, a W2VWarning if it made very few; both say
    why (subsampling, one-word lines, too little text) and what to change."""
    pairs = sum(epoch["pairs"] for epoch in epochs)
    if pairs >= FEW_PAIRS:
        return
    kept = float(keep_probabilities(vocab.counts, config.sample) @ vocab.counts) / vocab.n_tokens
    if longest_sentence < 2:
        why = "no line holds two vocabulary words, and words pair only within a line"
    elif kept < 0.5:
        why = (f"subsampling, {{sample}} {config.sample}, drops {1 - kept:.0%} of the "
               f"{vocab.n_tokens:,} tokens of this small corpus; {{sample}} 0 keeps them all")
    else:
        why = (f"only {vocab.n_tokens:,} tokens of vocabulary words: train on more text; useful "
               "vectors take millions of tokens")
    summary = f"{pairs:,} training pairs in {len(epochs)} epoch{'s' if len(epochs) > 1 else ''}"
    if not pairs:
        raise W2VError(f"nothing was trained: {summary} ({why})", parameters=("sample",))
    warnings.warn(W2VWarning(f"the vectors are barely trained: {summary} ({why})", ("sample",)),
                  stacklevel=3)


def check_corpus_matches(epoch_words, vocab, resume):
    if resume and epoch_words != vocab.n_tokens:
        raise W2VError(
            f"the corpus {resume.corpus} changed since the checkpoint was written "
            f"({epoch_words:,} in-vocabulary tokens now, {vocab.n_tokens:,} then)"
        )


def initial_weights(vocab_size, config):
    """word2vec's initialization: inputs uniform in +-0.5/dim, outputs zero."""
    rng = np.random.default_rng(config.seed)
    W_in = rng.random((vocab_size, config.dim), dtype=np.float32)
    W_in -= 0.5  # in place: no temporary copy of the largest array
    W_in /= config.dim
    rows_out = vocab_size - 1 if config.loss == "hs" else vocab_size
    return W_in, np.zeros((max(rows_out, 1), config.dim), np.float32)


SOFTMAX_FLOPS_PER_SECOND = 2e9  # per thread, measured order of magnitude for the dense kernel
SOFTMAX_MAX_EPOCH_SECONDS = 3600


def refuse_slow_softmax(vocab, config):
    """Full softmax costs ~ 3 * V * dim multiply-adds per prediction: refuse what takes hours."""
    predictions = vocab.n_tokens * (config.window + 1 if config.arch == "skipgram" else 1)
    seconds = predictions * 3 * len(vocab) * config.dim / SOFTMAX_FLOPS_PER_SECOND / config.threads
    check_parameter(
        seconds <= SOFTMAX_MAX_EPOCH_SECONDS,
        f"{{loss}} softmax over {len(vocab):,} words would take about {seconds / 3600:.0f} hours "
        "per epoch; use {loss} neg or hs, a smaller vocabulary ({max_vocab}, {min_count}), or "
        "{force}",
        "loss", "max_vocab", "min_count", "force",
    )


def refuse_what_memory_cannot_hold(vocab_size, config):
    needed = 2 * vocab_size * config.dim * 4  # the input and output float32 matrices
    available = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    check_parameter(
        needed <= available,
        f"{vocab_size:,} words x {{dim}} {config.dim} need {needed / 2**30:,.1f} GiB for the "
        f"vectors, more than this machine's {available / 2**30:,.1f} GiB; lower {{dim}}, "
        "{max_vocab} or raise {min_count}",
        "dim", "max_vocab", "min_count",
    )


def return_freed_memory():
    """glibc keeps freed heap blocks for reuse; hand them back before the vectors are allocated
    (the tokenizer's table and the encoding's temporaries: ~45 MB on a 17M-token corpus)."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def check_finite(batch_loss, epoch):
    if not math.isfinite(batch_loss):
        raise _diverged(epoch, f"the loss became {batch_loss}")


def check_weights_finite(W_in, W_out, epoch):
    if first_nonfinite_row(W_in) is not None or first_nonfinite_row(W_out) is not None:
        raise _diverged(epoch, "the vectors hold NaN or inf")


def _diverged(epoch, symptom):
    return W2VError(f"training diverged in epoch {epoch + 1} ({symptom}); try a smaller {{lr}}",
                    parameters=("lr",))


class Counted:
    """Distinct words and their counts (from a cluster's counting), as a Scan gives them."""

    def __init__(self, counts):
        self.words = list(counts)
        self.counts = np.fromiter(counts.values(), np.int64, len(counts))
        self.index = {word: i for i, word in enumerate(self.words)}

    def ids_of(self, words):
        """The id of each of `words`, -1 for a word not counted; int64."""
        return np.fromiter((self.index.get(word, -1) for word in words), np.int64, len(words))
