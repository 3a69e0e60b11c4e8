"""The one-process engine: the corpus's batches trained by `threads` kernel calls at once.

Each batch of sentences goes to one Numba kernel call that releases the GIL, so `threads`
batches train at once, lock-free (Hogwild): with more than one thread, results vary from run to
run. Every batch draws its random numbers from a state derived from (seed, epoch, batch), so one
thread and a fixed seed give bit-identical vectors.
"""

import collections
import concurrent.futures
import contextlib
import os
import tempfile

from ..text.corpus import scan
from .vocab import alias_table, huffman_tree, keep_probabilities, noise_distribution

FINAL_LR_FRACTION = 1e-4  # lr decays linearly to lr * this over the whole run (word2vec C)


def lr_at(start_lr, total_words, words_done):
    from .kernels import learning_rate  # numba: imported only when training

    return learning_rate(start_lr, start_lr * FINAL_LR_FRACTION, words_done, total_words)


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


class LocalEngine:
    """Threads over batches in this process. `read(source)` scans the text once into a token
    cache and returns its words and counts; `encode` rewrites the cache with the vocabulary's
    ids; `start` takes the weights; then `train_until` runs batches (the units of an epoch)."""

    name = "one process"

    def __init__(self, config):
        self.config = config
        self.folder = None

    @contextlib.contextmanager
    def opened(self, progress):
        with tempfile.TemporaryDirectory(prefix="w2v-") as folder:
            self.folder = folder
            try:
                yield self
            finally:
                self.close()

    def read(self, source, count=True):
        """Scan `source` into the token cache; its words and counts (a corpus.Scan), counted
        whether the run needs them or not."""
        self.scanned = scan(source, os.path.join(self.folder, "tokens.int32"))
        return self.scanned

    def describe(self):
        return None

    def encode(self, vocab):
        """Rewrite the token cache with `vocab`'s ids, letting go of the scan's word table
        before the weights are allocated."""
        self.corpus = self.scanned.encode(vocab.index)
        self.scanned = None  # the table of every distinct word

    def start(self, vocab, W_in, W_out, position, resume):
        """Get ready to train W_in and W_out in place."""
        self.W_in, self.W_out = W_in, W_out
        self.step = batch_function(self.config, vocab)
        self.epoch_words = self.corpus.n_tokens
        self.units = self.corpus.n_batches
        self.total_words = self.epoch_words * self.config.epochs
        self.longest_sentence = self.corpus.longest
        self.pool = concurrent.futures.ThreadPoolExecutor(self.config.threads)

    def words_at(self, epoch, batch):
        """Words of the run before batch `batch` of epoch `epoch` (from 0)."""
        within = self.corpus.batch_tokens[min(batch, self.units)]
        return int(epoch * self.epoch_words + within)

    def train_until(self, position, pause, boundary, account):
        """Train the batches of `position.epoch` from `position.batch`, up to 2 x threads in
        flight, each one's result given to `account` in order, until the epoch ends, `pause()`
        asks for a stop, or the next batch would start at words where `boundary(words)` (None:
        nowhere) wants one; returns with nothing in flight."""
        pending, submitted = collections.deque(), position.batch
        while position.batch < self.units:
            wanted = pause()
            while not wanted and submitted < self.units and len(pending) < 2 * self.config.threads:
                if boundary and boundary(self.words_at(position.epoch, submitted)):
                    break
                pending.append(self.pool.submit(self.run_batch, position.epoch, submitted))
                submitted += 1
            if not pending:
                return
            account(*pending.popleft().result())

    def run_batch(self, epoch, index):
        a, b = self.corpus.batch_tokens[index : index + 2]
        done_before = epoch * self.epoch_words
        start_lr = self.config.start_lr
        loss, pairs = self.step(
            *self.corpus.batch(index), self.W_in, self.W_out,
            lr_at(start_lr, self.total_words, done_before + a),
            lr_at(start_lr, self.total_words, done_before + b),
            batch_seed(self.config.seed, epoch, index))
        return loss, pairs, int(b - a)

    def weights(self):
        """The model now: (W_in, W_out), trained in place."""
        return self.W_in, self.W_out

    def current_input_vectors(self):
        return self.W_in

    def checkpoint_state(self):
        """What a checkpoint holds beside the weights and the position: (extra, arrays)."""
        return {}, {}

    def finish(self):
        pass

    def log(self):
        return {}

    def close(self):
        if getattr(self, "pool", None) is not None:
            self.pool.shutdown()
            self.pool = None
