"""The training loop: vocabulary and corpus in, word vectors out.

Python keeps the epoch loop, the learning-rate schedule, the threads and the progress bar; each
batch of sentences goes to one Numba kernel call that releases the GIL, so `threads` batches
train at once, lock-free (Hogwild): with more than one thread, results vary from run to run.
Every batch draws its random numbers from a state derived from (seed, epoch, batch), so one
thread and a fixed seed give bit-identical vectors.
"""

import concurrent.futures
import dataclasses
import functools
import math
import os
import sys
import tempfile
import time

import numpy as np

from . import kernels
from .corpus import TextSource, count_words, encode
from .errors import UsageError, W2VError, check
from .vocab import alias_table, build_vocab, huffman_tree, keep_probabilities, noise_distribution

ARCHITECTURES = ("skipgram", "cbow")
LOSSES = ("neg", "softmax", "hs")
BATCH_WORDS = 10_000  # words per kernel call: small enough for a smooth lr decay and progress
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

    @property
    def start_lr(self):
        return self.lr or (0.05 if self.arch == "cbow" else 0.025)

    def validate(self):
        check(self.arch in ARCHITECTURES, f"arch must be one of {ARCHITECTURES}, got {self.arch!r}")
        check(self.loss in LOSSES, f"loss must be one of {LOSSES}, got {self.loss!r}")
        for name in ("dim", "window", "epochs", "threads", "min_count"):
            value = getattr(self, name)
            check(value >= 1, f"{name} must be >= 1, got {value}")
        check(self.negative >= 0, f"negative must be >= 0, got {self.negative}")
        check(
            self.loss != "neg" or self.negative >= 1,
            "loss 'neg' needs negative >= 1, got 0 (or choose --loss hs / softmax)",
        )
        check(self.max_vocab >= 0, f"max_vocab must be >= 0, got {self.max_vocab}")
        check(self.lr is None or (math.isfinite(self.lr) and self.lr > 0),
              f"lr must be > 0 and finite, got {self.lr}")
        check(self.sample >= 0, f"sample must be >= 0, got {self.sample}")
        check(math.isfinite(self.ns_exponent), f"ns_exponent must be finite, got {self.ns_exponent}")
        return self


@dataclasses.dataclass
class TrainResult:
    words: list
    counts: np.ndarray
    W_in: np.ndarray  # float32 (V, dim): the word vectors
    W_out: np.ndarray  # float32 (V, dim), or (V-1, dim) inner-node vectors for "hs"
    log: dict  # config, vocab size, per-epoch loss and speed, wall time


def train(corpus_path, config, progress=True, force=False):
    """Train on the text at `corpus_path` (file or directory); return a `TrainResult`.

    Full softmax on a vocabulary so large that an epoch would take hours is refused unless
    `force`.
    """
    config.validate()
    started = time.perf_counter()
    source = TextSource(corpus_path, config.lowercase, config.encoding, config.errors)
    vocab = build_vocab(count_words(source), config.min_count, config.max_vocab or None)
    _say(progress, f"vocabulary: {len(vocab):,} words, {vocab.n_tokens:,} tokens")
    if config.loss == "softmax" and not force:
        _refuse_slow_softmax(vocab, config)
    with tempfile.TemporaryDirectory(prefix="w2v-") as cache_dir:
        corpus = encode(source, vocab.index, os.path.join(cache_dir, "tokens.int32"))
        W_in, W_out = initial_weights(len(vocab), config)
        step = batch_function(config, vocab)
        epochs = _train_epochs(corpus, W_in, W_out, step, config, progress)
        del corpus  # release the memory map before the cache folder goes
    wall = time.perf_counter() - started
    log = {
        "config": dataclasses.asdict(config),
        "vocab_size": len(vocab),
        "corpus_tokens": vocab.n_tokens,
        "epochs": epochs,
        "words_per_sec": sum(e["words"] for e in epochs) / sum(e["seconds"] for e in epochs),
        "wall_seconds": wall,
    }
    return TrainResult(vocab.words, vocab.counts, W_in, W_out, log)


def initial_weights(vocab_size, config):
    """word2vec's initialization: inputs uniform in +-0.5/dim, outputs zero."""
    rng = np.random.default_rng(config.seed)
    W_in = (rng.random((vocab_size, config.dim), dtype=np.float32) - 0.5) / config.dim
    rows_out = vocab_size - 1 if config.loss == "hs" else vocab_size
    return np.ascontiguousarray(W_in), np.zeros((max(rows_out, 1), config.dim), np.float32)


def batch_function(config, vocab):
    """The kernel for (arch, loss) with its tables bound: f(tokens, starts, W_in, W_out, lr0,
    lr1, seed) -> (loss, predictions)."""
    keep = keep_probabilities(vocab.counts, config.sample)
    cbow = config.arch == "cbow"
    if config.loss == "neg":
        accept, alias = alias_table(noise_distribution(vocab.counts, config.ns_exponent))
        kernel = kernels.train_cbow_negative if cbow else kernels.train_skipgram_negative
        tables = (accept, alias, config.negative)
    elif config.loss == "hs":
        codes, points, depth = huffman_tree(vocab.counts)
        kernel = kernels.train_cbow_hierarchical if cbow else kernels.train_skipgram_hierarchical
        tables = (points, (1 - codes).astype(np.uint8), depth)
    else:
        kernel = kernels.train_cbow_softmax if cbow else kernels.train_skipgram_softmax
        tables = ()
    tables += (config.cbow_mean,) if cbow else ()

    def run(tokens, starts, W_in, W_out, lr_start, lr_end, seed):
        return kernel(tokens, starts, W_in, W_out, keep, config.window, lr_start, lr_end, seed,
                      *tables)

    return run


def batches(offsets, batch_words=BATCH_WORDS):
    """Split sentences into batches of about `batch_words` tokens: list of (first, last+1)."""
    targets = np.arange(batch_words, offsets[-1], batch_words)
    cuts = np.unique(np.searchsorted(offsets, targets, side="left"))
    bounds = np.concatenate(([0], cuts[(cuts > 0) & (cuts < len(offsets) - 1)], [len(offsets) - 1]))
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist()))


def batch_seed(seed, epoch, index):
    return (((seed * 1_000_003) + epoch) * 1_000_003 + index) % (1 << 64)


def _train_epochs(corpus, W_in, W_out, step, config, progress):
    plan = batches(corpus.offsets)
    total_words = corpus.n_tokens * config.epochs
    lr_at = functools.partial(_lr_at, config.start_lr, total_words)
    bar = _progress_bar(total_words, progress)
    history = []
    with concurrent.futures.ThreadPoolExecutor(config.threads) as pool:
        for epoch in range(config.epochs):
            t0 = time.perf_counter()
            done_before = epoch * corpus.n_tokens
            loss, pairs = 0.0, 0

            def job(index):
                first, last = plan[index]
                a, b = corpus.offsets[first], corpus.offsets[last]
                tokens = np.asarray(corpus.tokens[a:b])
                starts = corpus.offsets[first : last + 1] - a
                result = step(tokens, starts, W_in, W_out, lr_at(done_before + a),
                              lr_at(done_before + b), batch_seed(config.seed, epoch, index))
                return result, b - a

            for (batch_loss, batch_pairs), words in _ordered(pool, job, len(plan), config.threads):
                loss, pairs = loss + batch_loss, pairs + batch_pairs
                _check_finite(batch_loss, epoch)
                bar.update(words)
                bar.set_postfix(lr=f"{lr_at(bar.n):.5f}", loss=f"{loss / max(pairs, 1):.4f}",
                                refresh=False)
            seconds = time.perf_counter() - t0
            history.append({"epoch": epoch + 1, "loss": loss / max(pairs, 1), "pairs": pairs,
                            "words": corpus.n_tokens, "seconds": seconds,
                            "words_per_sec": corpus.n_tokens / seconds})
            bar.write(f"epoch {epoch + 1}/{config.epochs}: loss {history[-1]['loss']:.4f} per "
                      f"pair, {history[-1]['words_per_sec']:,.0f} words/s, {seconds:.1f}s",
                      file=sys.stderr) if progress else None
    bar.close()
    return history


def _ordered(pool, job, n_jobs, threads):
    """Run job(0..n_jobs-1) on the pool, at most 2*threads in flight; yield results in order."""
    pending = {}
    for index in range(n_jobs):
        pending[index] = pool.submit(job, index)
        if len(pending) >= 2 * threads:
            oldest = min(pending)
            yield pending.pop(oldest).result()
    for index in sorted(pending):
        yield pending.pop(index).result()


def _lr_at(start_lr, total_words, words_done):
    fraction = min(words_done / max(total_words, 1), 1.0)
    return start_lr * (1.0 - (1.0 - FINAL_LR_FRACTION) * fraction)


SOFTMAX_FLOPS_PER_SECOND = 2e9  # per thread, measured order of magnitude for the dense kernel
SOFTMAX_MAX_EPOCH_SECONDS = 3600


def _refuse_slow_softmax(vocab, config):
    """Full softmax costs ~ 3 * V * dim multiply-adds per prediction: refuse what takes hours."""
    predictions = vocab.n_tokens * (config.window + 1 if config.arch == "skipgram" else 1)
    seconds = predictions * 3 * len(vocab) * config.dim / SOFTMAX_FLOPS_PER_SECOND / config.threads
    if seconds > SOFTMAX_MAX_EPOCH_SECONDS:
        raise UsageError(
            f"--loss softmax over {len(vocab):,} words would take about {seconds / 3600:.0f} hours "
            "per epoch; use --loss neg or hs, a smaller vocabulary (--max-vocab, --min-count), "
            "or --force"
        )


def _check_finite(batch_loss, epoch):
    if not math.isfinite(batch_loss):
        raise W2VError(
            f"training diverged in epoch {epoch + 1} (the loss became {batch_loss}); "
            "try a smaller --lr"
        )


def _progress_bar(total, progress):
    from tqdm import tqdm

    return tqdm(total=total, unit="w", unit_scale=True, disable=None if progress else True,
                file=sys.stderr, smoothing=0.1, mininterval=0.5, dynamic_ncols=True)


def _say(progress, message):
    if progress:
        print(message, file=sys.stderr)
