"""The training loop: vocabulary and corpus in, word vectors out.

Python keeps the epoch loop, the learning-rate schedule, the threads and the progress bar; each
batch of sentences goes to one Numba kernel call that releases the GIL, so `threads` batches
train at once, lock-free (Hogwild): with more than one thread, results vary from run to run.
Every batch draws its random numbers from a state derived from (seed, epoch, batch), so one
thread and a fixed seed give bit-identical vectors.
"""

import collections
import concurrent.futures
import ctypes
import dataclasses
import functools
import math
import os
import sys
import tempfile
import time
import warnings

import numpy as np

from . import checkpoint
from .callbacks import TrainingProgress
from ..text.corpus import scan
from ..text.sources import SentenceSource, TextSource
from ..errors import W2VError, W2VWarning, check_parameter
from ..files import check_writable
from ..vectors.keyed import first_nonfinite_row
from .model import Word2VecModel
from .vocab import (Vocab, alias_table, build_vocab, extend_vocab, huffman_tree,
                    keep_probabilities, noise_distribution, read_vocab_file, write_vocab_file)

ARCHITECTURES = ("skipgram", "cbow")
LOSSES = ("neg", "softmax", "hs")
FINAL_LR_FRACTION = 1e-4  # lr decays linearly to lr * this over the whole run (word2vec C)


@dataclasses.dataclass
class TrainConfig:
    arch: str = "skipgram"  # "skipgram" (context words predict the centre's output) or "cbow"
    loss: str = "neg"  # "neg" negative sampling, "softmax" full softmax, "hs" hierarchical
    dim: int = 100  # vector size
    window: int = 5  # maximum half-width; each centre draws its own from 1..window
    negative: int = 5  # noise words per prediction (loss "neg")
    ns_exponent: float = 0.75  # noise distribution: count ** ns_exponent
    min_count: int = 5  # drop words seen fewer times
    max_vocab: int = 0  # keep only the most frequent words (0: no limit)
    sample: float = 1e-3  # subsampling threshold for frequent words (0: off)
    epochs: int = 5  # passes over the corpus
    lr: float = None  # starting learning rate; None: 0.025 for skip-gram, 0.05 for CBOW
    threads: int = 1  # training threads (Hogwild: > 1 is not bit-reproducible)
    seed: int = 1  # seeds initialization, subsampling, windows and noise draws
    lowercase: bool = False  # lowercase the text before counting
    cbow_mean: bool = True  # CBOW hidden vector: mean (True) or sum (False) of the contexts
    encoding: str = "utf-8"  # corpus text encoding
    errors: str = "strict"  # "replace" accepts bytes invalid in `encoding`
    phrases: str = None  # a phrase model (w2v phrases --save-model) joined while reading

    @property
    def start_lr(self):
        return self.lr or (0.05 if self.arch == "cbow" else 0.025)

    def validate(self):
        """Raise ParameterError for a value that cannot work; return self."""
        # The names passed become flags on the command line ("--loss"); the other messages read
        # the same there as in Python ("min_count must be >= 1, got 0").
        self._check_types()
        check_parameter(self.arch in ARCHITECTURES,
                        f"arch must be one of {ARCHITECTURES}, got {self.arch!r}")
        check_parameter(self.loss in LOSSES, f"loss must be one of {LOSSES}, got {self.loss!r}")
        for name in ("dim", "window", "epochs", "threads", "min_count"):
            value = getattr(self, name)
            check_parameter(value >= 1, f"{name} must be >= 1, got {value}")
        check_parameter(self.negative >= 0, f"negative must be >= 0, got {self.negative}")
        check_parameter(self.loss != "neg" or self.negative >= 1,
                        "loss 'neg' needs negative >= 1, got 0 (or choose loss hs / softmax)",
                        "loss")
        check_parameter(self.max_vocab >= 0, f"max_vocab must be >= 0, got {self.max_vocab}")
        check_parameter(self.lr is None or (math.isfinite(self.lr) and self.lr > 0),
                        f"lr must be > 0 and finite, got {self.lr}")
        check_parameter(self.sample >= 0, f"sample must be >= 0, got {self.sample}")
        check_parameter(math.isfinite(self.ns_exponent),
                        f"ns_exponent must be finite, got {self.ns_exponent}")
        return self

    def _check_types(self):
        """ParameterError for a value of the wrong type (dim="100"), which the range checks
        would turn into a TypeError; ints are accepted where floats are, not bools for numbers.
        NumPy scalars become Python ones (the config is written as JSON)."""
        for field in dataclasses.fields(self):
            value, kind = getattr(self, field.name), field.type
            if isinstance(value, np.generic):
                value = value.item()
                setattr(self, field.name, value)
            if value is None and field.default is None:
                continue
            accepted = {int: int, float: (int, float), bool: bool, str: str}[kind]
            numeric_bool = kind is not bool and isinstance(value, bool)
            check_parameter(isinstance(value, accepted) and not numeric_bool,
                            f"{field.name} must be {_KIND_NAMES[kind]}, got {value!r}",
                            field.name)


_KIND_NAMES = {int: "an integer", float: "a number", bool: "True or False", str: "a string"}
NOT_INHERITED = ("threads",)  # options a continued run does not take from its init model


def continuing_config(init_config, options):
    """The TrainConfig of a run continuing a model trained with `init_config` (a dict, or None):
    its options, but threads, unless `options` (a dict of TrainConfig fields) overrides them."""
    names = {field.name for field in dataclasses.fields(TrainConfig)}
    inherited = {name: value for name, value in (init_config or {}).items()
                 if name in names and name not in NOT_INHERITED}
    return TrainConfig(**{**inherited, **options})


@dataclasses.dataclass
class Position:
    """Where a run is; saved in checkpoints so that a resumed run continues exactly."""

    epoch: int = 0  # the current epoch, from 0
    batch: int = 0  # the next batch of that epoch
    loss: float = 0.0  # summed over the epoch's finished batches
    pairs: int = 0  # predictions in those batches
    seconds: float = 0.0  # training time spent in the epoch so far
    history: list = dataclasses.field(default_factory=list)  # finished epochs' logs


class TrainingInterrupted(W2VError):
    exit_code = 130


def train(corpus, config, progress=True, force=False, checkpointing=None, resume=None,
          init=None, read_vocab=None, save_vocab=None, callbacks=None):
    """Train on `corpus`, a path (file, compressed file, directory, "-" for standard input) or
    an iterable of sentences (lists of tokens or strings, read once); return a `Word2VecModel`.

    Full softmax on a vocabulary so large that an epoch would take hours is refused unless
    `force`. With `checkpointing` (a checkpoint.Checkpointing), SIGINT/SIGTERM stop the run at
    the next batch, save a checkpoint and raise TrainingInterrupted; `resume` (a loaded
    checkpoint.Checkpoint) continues such a run: its vocabulary, weights and position replace
    fresh ones. `init` (KeyedVectors with counts and output vectors, from a .npz) continues
    training a model on new text: see `check_init` and `vocab.extend_vocab`. `read_vocab`: a
    vocabulary file (word2vec C's `word count` lines) whose words and counts replace the
    corpus's; `save_vocab`: where to write the vocabulary in that format. `callbacks`: a
    callbacks.Callbacks.
    """
    config.validate()
    started = time.perf_counter()
    corpus = os.fspath(corpus) if isinstance(corpus, os.PathLike) else corpus
    if init is not None:
        check_init(init, config)
    if save_vocab:
        check_writable(save_vocab)
    listed = read_vocab_file(read_vocab) if read_vocab else None
    source = _text_source(corpus, config)
    with tempfile.TemporaryDirectory(prefix="w2v-") as cache_dir:
        scanned = scan(source, os.path.join(cache_dir, "tokens.int32"))
        vocab, old_rows = _choose_vocab(scanned, config, resume, init, listed)
        if not resume:
            _refuse_what_memory_cannot_hold(len(vocab), config)
        _say(progress, f"vocabulary: {len(vocab):,} words, {vocab.n_tokens:,} tokens"
                       + (f" ({len(vocab) - int((old_rows >= 0).sum()):,} new)"
                          if old_rows is not None else ""))
        if save_vocab:
            write_vocab_file(save_vocab, vocab)
        if config.loss == "softmax" and not force:
            _refuse_slow_softmax(vocab, config)
        corpus_ids = scanned.encode(vocab.index)
        del scanned  # the table of every distinct word
        _return_freed_memory()
        if resume:
            W_in, W_out, position = resume.W_in, resume.W_out, Position(**resume.position)
        else:
            W_in, W_out, position = *initial_weights(len(vocab), config), Position()
        if old_rows is not None:
            _carry_over(init, old_rows, W_in, W_out)
        _check_corpus_matches(corpus_ids, vocab, resume)
        run = TrainingRun(corpus_ids, W_in, W_out, batch_function(config, vocab), config,
                          position)
        save = functools.partial(_write_checkpoint, checkpointing, corpus, config, vocab,
                                 W_in, W_out) if checkpointing else None
        try:
            run.train(progress, save, checkpointing.every_seconds if checkpointing else None,
                      callbacks or None, vocab)
        except TrainingInterrupted as stopped:
            raise TrainingInterrupted(f"{stopped}; checkpoint saved to {checkpointing.path}; "
                                      f"resume with: w2v train --resume {checkpointing.path}")
        except KeyboardInterrupt:  # a second stop request, not waiting for the next batch
            if not checkpointing:
                raise
            raise TrainingInterrupted(checkpointing.what_was_kept()) from None
    _check_something_trained(position.history, vocab, corpus_ids, config)
    log = _training_log(config, vocab, position.history, time.perf_counter() - started)
    log["stopped_early"] = run.stopped_early
    return Word2VecModel.from_weights(vocab.words, vocab.counts, W_in, W_out, log, position,
                                      corpus if isinstance(corpus, str) else None)


def _text_source(corpus, config):
    """What `scan` reads: a TextSource for a path, a SentenceSource for sentences; phrases
    joined as it is read if the config names a phrase model."""
    if isinstance(corpus, str):
        source = TextSource(corpus, config.lowercase, config.encoding, config.errors)
    else:
        source = SentenceSource(corpus, config.lowercase)
    if config.phrases:
        from ..text.phrases import PhrasedSource

        source = PhrasedSource(source, config.phrases)
    return source


def _choose_vocab(scanned, config, resume, init, listed):
    """(the run's Vocab, each word's row in `init` or -1, None without init): the checkpoint's,
    the init model's extended by the scan, the listed words', or the scan's own. A function so
    that nothing here keeps the scan's word table alive through training."""
    if resume:
        return Vocab(resume.words, resume.counts), None
    if init is not None:
        return extend_vocab(Vocab(init.words, init.counts), scanned.counts,
                            scanned.ids_of(init.words), scanned.words, config.min_count,
                            config.max_vocab or None)
    words, counts = listed or (scanned.words, scanned.counts)
    return build_vocab(words, counts, config.min_count, config.max_vocab or None), None


def check_init(init, config):
    """W2VError unless the KeyedVectors `init` can start a run of `config`: continued training
    needs the counts and the output vectors (a .npz that w2v train wrote), the same dim, and
    output vectors trained for the same loss. With loss hs there are none to need: the inner
    nodes of the old Huffman tree are not the new tree's, so they start again from zero."""
    check_parameter(init.counts is not None,
                    "the init vectors hold no word counts (a word2vec .bin/.txt file keeps only "
                    "the vectors): continue from the .npz file that w2v train -o MODEL.npz writes",
                    "init")
    trained_loss = (init.config or {}).get("loss")
    check_parameter(trained_loss in (None, config.loss),
                    f"loss {config.loss} differs from the init model's {trained_loss}: its output "
                    "weights were trained for that loss", "loss", "init")
    check_parameter(init.output_vectors is not None or config.loss == "hs",
                    "the init model has no output weights per word: continue from the .npz "
                    "file that w2v train -o MODEL.npz writes", "init")
    check_parameter(init.dim == config.dim,
                    f"dim {config.dim} differs from the init model's {init.dim}: continued "
                    "training keeps the vectors, whose size cannot change", "dim", "init")


def _carry_over(init, old_rows, W_in, W_out):
    """The init model's input and output vectors into the rows of the words it knows (hs: the
    input vectors; W_out holds the new tree's inner nodes)."""
    kept = old_rows >= 0
    W_in[kept] = init.vectors[old_rows[kept]]
    if init.output_vectors is not None:
        W_out[kept] = init.output_vectors[old_rows[kept]]


def _training_log(config, vocab, epochs, wall_seconds):
    return {
        "config": dataclasses.asdict(config),
        "vocab_size": len(vocab),
        "corpus_tokens": vocab.n_tokens,
        "epochs": epochs,
        "words_per_sec": sum(e["words"] for e in epochs) / sum(e["seconds"] for e in epochs),
        "wall_seconds": wall_seconds,
    }


FEW_PAIRS = 1_000  # fewer training pairs in a whole run leave the vectors near their random start


def _check_something_trained(epochs, vocab, corpus, config):
    """W2VError if the run made no training pair, a W2VWarning if it made very few; both say
    why (subsampling, one-word lines, too little text) and what to change."""
    pairs = sum(epoch["pairs"] for epoch in epochs)
    if pairs >= FEW_PAIRS:
        return
    kept = float(keep_probabilities(vocab.counts, config.sample) @ vocab.counts) / vocab.n_tokens
    if corpus.longest < 2:
        why = "no line holds two vocabulary words, and words pair only within a line"
    elif kept < 0.5:
        why = (f"subsampling, sample {config.sample}, drops {1 - kept:.0%} of the "
               f"{vocab.n_tokens:,} tokens of this small corpus; sample 0 keeps them all")
    else:
        why = (f"only {vocab.n_tokens:,} tokens of vocabulary words: train on more text; useful "
               "vectors take millions of tokens")
    summary = f"{pairs:,} training pairs in {len(epochs)} epoch{'s' if len(epochs) > 1 else ''}"
    if not pairs:
        raise W2VError(f"nothing was trained: {summary} ({why})", parameters=("sample",))
    warnings.warn(W2VWarning(f"the vectors are barely trained: {summary} ({why})", ("sample",)),
                  stacklevel=3)


def _check_corpus_matches(corpus, vocab, resume):
    if resume and corpus.n_tokens != vocab.n_tokens:
        raise W2VError(
            f"the corpus {resume.corpus} changed since the checkpoint was written "
            f"({corpus.n_tokens:,} in-vocabulary tokens now, {vocab.n_tokens:,} then)"
        )


def _write_checkpoint(checkpointing, corpus_path, config, vocab, W_in, W_out, position):
    """Save the run at `position` (never with NaN weights: a diverged run is not worth resuming)."""
    _check_weights_finite(W_in, W_out, position.epoch)
    checkpointing.write(dataclasses.asdict(config), corpus_path, vocab.words, vocab.counts, W_in,
                        W_out, dataclasses.asdict(position))


def initial_weights(vocab_size, config):
    """word2vec's initialization: inputs uniform in +-0.5/dim, outputs zero."""
    rng = np.random.default_rng(config.seed)
    W_in = rng.random((vocab_size, config.dim), dtype=np.float32)
    W_in -= 0.5  # in place: no temporary copy of the largest array
    W_in /= config.dim
    rows_out = vocab_size - 1 if config.loss == "hs" else vocab_size
    return W_in, np.zeros((max(rows_out, 1), config.dim), np.float32)


def batch_function(config, vocab):
    """kernels.train_batch with the architecture, objective and tables of (arch, loss) bound:
    f(tokens, starts, W_in, W_out, lr_start, lr_end, seed) -> (loss, predictions)."""
    from . import kernels  # numba: imported only when training

    counts = vocab.counts
    architectures = {"skipgram": kernels.SkipGram, "cbow": lambda: kernels.CBOW(config.cbow_mean)}
    objectives = {
        "neg": lambda: kernels.Negative(
            *alias_table(noise_distribution(counts, config.ns_exponent)), config.negative),
        "hs": lambda: kernels.Hierarchical.from_tree(*huffman_tree(counts)),
        "softmax": kernels.Softmax,
    }
    arch, objective = architectures[config.arch](), objectives[config.loss]()
    keep = keep_probabilities(counts, config.sample)

    def run(tokens, starts, W_in, W_out, lr_start, lr_end, seed):
        return kernels.train_batch(tokens, starts, W_in, W_out, keep, config.window, lr_start,
                                   lr_end, seed, arch, objective)

    return run


def batch_seed(seed, epoch, index):
    return (((seed * 1_000_003) + epoch) * 1_000_003 + index) % (1 << 64)


class TrainingRun:
    """The epoch loop over the corpus's batches, `threads` kernel calls in flight, with progress,
    checks and pauses for checkpoints at batch boundaries.

    Trains `W_in` and `W_out` in place from `position` (updated as it goes) to the end of
    `config.epochs`; `step` is `batch_function(config, vocab)`. Nothing here needs the command
    line: `TrainingRun(corpus, W_in, W_out, step, config, Position()).train()` runs it all.
    """

    def __init__(self, corpus, W_in, W_out, step, config, position):
        self.corpus, self.W_in, self.W_out, self.step = corpus, W_in, W_out, step
        self.config, self.position = config, position
        self.total_words = corpus.n_tokens * config.epochs
        self.lr_at = functools.partial(_lr_at, config.start_lr, self.total_words)
        self.stopped_early = False  # by a callback

    def train(self, progress=False, save=None, every_seconds=None, callbacks=None, vocab=None):
        """Run the remaining epochs. `save(position)` writes a checkpoint (None: no checkpoints);
        it is called every `every_seconds` and when SIGINT/SIGTERM asks to stop. `callbacks`
        (a callbacks.Callbacks) are called with no batch in flight, shown the vectors with the
        words and counts of `vocab`; one asking to stop ends the run (`stopped_early`)."""
        position, config = self.position, self.config
        bar = _progress_bar(self.total_words, progress, initial=self.words_done())
        last_save, saved_at = time.monotonic(), None
        with concurrent.futures.ThreadPoolExecutor(config.threads) as pool, \
                checkpoint.stop_requests() as stop:
            while position.epoch < config.epochs:
                pending, submitted, t0 = collections.deque(), position.batch, time.perf_counter()
                while position.batch < self.corpus.n_batches:
                    if stop.is_set() and not save:
                        raise KeyboardInterrupt
                    due = (every_seconds is not None and saved_at != (position.epoch, position.batch)
                           and time.monotonic() - last_save >= every_seconds)
                    checkpoint_due = save is not None and (stop.is_set() or due)
                    notify = callbacks is not None and callbacks.due(self.words_done())
                    pause = checkpoint_due or notify
                    while not pause and submitted < self.corpus.n_batches and len(pending) < 2 * config.threads:
                        if callbacks is not None and callbacks.due(
                                self.words_at(position.epoch, submitted)):
                            break  # a callback is due before that batch
                        pending.append(pool.submit(self.run_batch, position.epoch, submitted))
                        submitted += 1
                    if pending:
                        self.account(pending.popleft().result(), bar)
                        continue
                    # paused with nothing in flight: the weights are at a batch boundary
                    position.seconds += time.perf_counter() - t0
                    t0 = time.perf_counter()
                    if notify and self.notify(callbacks, vocab, end_of_epoch=False):
                        self.stop_early(bar, progress)
                        break
                    if not checkpoint_due:
                        continue
                    save(position)
                    t0, last_save = time.perf_counter(), time.monotonic()
                    saved_at = (position.epoch, position.batch)
                    if stop.is_set():
                        bar.close()
                        raise TrainingInterrupted(self.interrupted_message())
                if self.stopped_early:
                    break
                self.finish_epoch(time.perf_counter() - t0, bar, progress)
                if callbacks is not None and self.notify(callbacks, vocab, end_of_epoch=True) \
                        and position.epoch < config.epochs:
                    self.stop_early(bar, progress)
                    break
        bar.close()

    def notify(self, callbacks, vocab, end_of_epoch):
        """Call `callbacks` with where the run is; True if one asks to stop."""
        position, done = self.position, self.words_done()
        if end_of_epoch:  # end_epoch has logged it and moved on
            epoch, loss = position.epoch, position.history[-1]["loss"]
        else:
            epoch, loss = position.epoch + 1, position.loss / max(position.pairs, 1)
        return callbacks.call(TrainingProgress(
            epoch, self.config.epochs, end_of_epoch, done, self.total_words, loss,
            self.lr_at(done), vocab.words, vocab.counts, self.W_in))

    def stop_early(self, bar, progress):
        """End the run where it is, an unfinished epoch logged with the words it trained."""
        position, done = self.position, self.words_done()
        self.stopped_early = True
        if position.batch:
            words = done - position.epoch * self.corpus.n_tokens
            end_epoch(position, words, 0.0, self.config.epochs, bar, progress)
        if progress:
            bar.write(f"a callback stopped the run after {done:,} of {self.total_words:,} words",
                      file=sys.stderr)

    def run_batch(self, epoch, index):
        a, b = self.corpus.batch_tokens[index : index + 2]
        done_before = epoch * self.corpus.n_tokens
        loss, pairs = self.step(
            *self.corpus.batch(index), self.W_in, self.W_out, self.lr_at(done_before + a),
            self.lr_at(done_before + b), batch_seed(self.config.seed, epoch, index))
        return loss, pairs, b - a

    def account(self, result, bar):
        loss, pairs, words = result
        position = self.position
        _check_finite(loss, position.epoch)
        position.loss += loss
        position.pairs += pairs
        position.batch += 1
        bar.update(words)
        bar.set_postfix(lr=f"{self.lr_at(bar.n):.5f}",
                        loss=f"{position.loss / max(position.pairs, 1):.4f}", refresh=False)

    def finish_epoch(self, seconds, bar, progress):
        _check_weights_finite(self.W_in, self.W_out, self.position.epoch)
        end_epoch(self.position, self.corpus.n_tokens, seconds, self.config.epochs, bar, progress)

    def words_done(self):
        return self.words_at(self.position.epoch, self.position.batch)

    def words_at(self, epoch, batch):
        """Words of the run before batch `batch` of epoch `epoch` (from 0)."""
        within = self.corpus.batch_tokens[min(batch, self.corpus.n_batches)]
        return int(epoch * self.corpus.n_tokens + within)

    def interrupted_message(self):
        done = self.words_done() / self.total_words
        return f"stopped in epoch {self.position.epoch + 1} ({done:.0%} of the run)"


def end_epoch(position, words, seconds, epochs, bar, progress):
    """Log the finished epoch in `position.history` (and on the progress bar); move `position` to
    the start of the next epoch."""
    seconds += position.seconds
    position.history.append({"epoch": position.epoch + 1, "loss": position.loss /
                             max(position.pairs, 1), "pairs": position.pairs, "words": words,
                             "seconds": seconds, "words_per_sec": words / seconds})
    if progress:
        bar.write(f"epoch {position.epoch + 1}/{epochs}: loss {position.history[-1]['loss']:.4f} "
                  f"per pair, {words / seconds:,.0f} words/s, {seconds:.1f}s", file=sys.stderr)
    position.epoch, position.batch, position.loss, position.pairs = position.epoch + 1, 0, 0.0, 0
    position.seconds = 0.0


def _lr_at(start_lr, total_words, words_done):
    from .kernels import learning_rate  # numba: imported only when training

    return learning_rate(start_lr, start_lr * FINAL_LR_FRACTION, words_done, total_words)


SOFTMAX_FLOPS_PER_SECOND = 2e9  # per thread, measured order of magnitude for the dense kernel
SOFTMAX_MAX_EPOCH_SECONDS = 3600


def _refuse_slow_softmax(vocab, config):
    """Full softmax costs ~ 3 * V * dim multiply-adds per prediction: refuse what takes hours."""
    predictions = vocab.n_tokens * (config.window + 1 if config.arch == "skipgram" else 1)
    seconds = predictions * 3 * len(vocab) * config.dim / SOFTMAX_FLOPS_PER_SECOND / config.threads
    check_parameter(
        seconds <= SOFTMAX_MAX_EPOCH_SECONDS,
        f"loss softmax over {len(vocab):,} words would take about {seconds / 3600:.0f} hours per "
        "epoch; use loss neg or hs, a smaller vocabulary (max_vocab, min_count), or force",
        "loss", "max_vocab", "min_count", "force",
    )


def _refuse_what_memory_cannot_hold(vocab_size, config):
    needed = 2 * vocab_size * config.dim * 4  # the input and output float32 matrices
    available = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    check_parameter(
        needed <= available,
        f"{vocab_size:,} words x dim {config.dim} need {needed / 2**30:,.1f} GiB for the vectors, "
        f"more than this machine's {available / 2**30:,.1f} GiB; lower dim, max_vocab or raise "
        "min_count",
        "dim", "max_vocab", "min_count",
    )


def _return_freed_memory():
    """glibc keeps freed heap blocks for reuse; hand them back before the vectors are allocated
    (the tokenizer's table and the encoding's temporaries: ~45 MB on a 17M-token corpus)."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def _check_finite(batch_loss, epoch):
    if not math.isfinite(batch_loss):
        raise _diverged(epoch, f"the loss became {batch_loss}")


def _check_weights_finite(W_in, W_out, epoch):
    if first_nonfinite_row(W_in) is not None or first_nonfinite_row(W_out) is not None:
        raise _diverged(epoch, "the vectors hold NaN or inf")


def _diverged(epoch, symptom):
    return W2VError(f"training diverged in epoch {epoch + 1} ({symptom}); try a smaller lr",
                    parameters=("lr",))


def _progress_bar(total, progress, initial=0):
    """tqdm on stderr: redrawn twice a second on a terminal or as a notebook's widget, a line
    every 15 s in a log file."""
    if "IPython" in sys.modules:  # a notebook, maybe: tqdm.auto picks its widget there
        from tqdm.auto import tqdm
    else:  # a terminal or a log: plain tqdm, without the 6 MB tqdm.auto costs to find out
        from tqdm import tqdm

    in_notebook = any(cls.__module__ == "tqdm.notebook" for cls in tqdm.__mro__)
    interactive = in_notebook or sys.stderr.isatty()
    return tqdm(total=total, initial=initial, unit="w", unit_scale=True, disable=not progress,
                file=sys.stderr, smoothing=0.1, mininterval=0.5 if interactive else 15,
                dynamic_ncols=interactive, ascii=not interactive)


def _say(progress, message):
    if progress:
        print(message, file=sys.stderr)
