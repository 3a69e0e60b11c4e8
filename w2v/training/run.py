"""The run loop both engines share: epochs of units (batches or rounds) trained by the engine,
and between units, with nothing in flight, stop requests, timed checkpoints, callbacks and the
progress bar."""

import dataclasses
import sys
import time

from ..errors import W2VError
from ..progress import progress_bar
from . import checkpoint
from .callbacks import TrainingProgress
from .local import lr_at
from .preparation import check_finite, check_weights_finite
from .progress import end_epoch


@dataclasses.dataclass
class Position:
    """Where a run is; saved in checkpoints so that a resumed run continues exactly."""

    epoch: int = 0  # the current epoch, from 0
    batch: int = 0  # the next unit of that epoch (a batch; on a cluster, a round)
    loss: float = 0.0  # summed over the epoch's finished units
    pairs: int = 0  # predictions in those units
    seconds: float = 0.0  # training time spent in the epoch so far
    history: list = dataclasses.field(default_factory=list)  # finished epochs' logs


class TrainingInterrupted(W2VError):
    exit_code = 130


class Run:
    """Trains with `engine` from `position` (updated as it goes) to the end of `config.epochs`.
    `callbacks` (a callbacks.Callbacks or None) are shown the vectors with the words and counts
    of `vocab`; one asking to stop ends the run (`stopped_early`)."""

    def __init__(self, engine, config, position, vocab, progress=False, callbacks=None):
        self.engine, self.config, self.position, self.vocab = engine, config, position, vocab
        self.progress, self.callbacks = progress, callbacks
        self.stopped_early = False

    def train(self, save=None, every_seconds=None):
        """Run the remaining epochs. `save(position)` writes a checkpoint (None: no checkpoints);
        it is called every `every_seconds` and when SIGINT/SIGTERM asks to stop."""
        position, engine, callbacks = self.position, self.engine, self.callbacks
        self.bar = bar = progress_bar(engine.total_words, self.progress,
                                      initial=self.words_done())
        last_save, saved_at = time.monotonic(), None

        def timer_due():
            return (every_seconds is not None and saved_at != (position.epoch, position.batch)
                    and time.monotonic() - last_save >= every_seconds)

        def callback_due(words):
            return callbacks.due(words)

        def pause():
            return stop.is_set() or (save is not None and timer_due()) or \
                (callbacks is not None and callback_due(self.words_done()))

        self.hook("on_train_begin")
        with checkpoint.stop_requests() as stop:
            while position.epoch < self.config.epochs:
                self.hook("on_epoch_begin")
                t0 = time.perf_counter()
                while position.batch < engine.units:
                    if stop.is_set() and not save:
                        raise KeyboardInterrupt
                    checkpoint_due = save is not None and (stop.is_set() or timer_due())
                    notify = callbacks is not None and callback_due(self.words_done())
                    if not (checkpoint_due or notify):
                        engine.train_until(position, pause, callbacks and callback_due,
                                           self.account)
                        continue
                    # paused with nothing in flight: the weights are at a unit's boundary
                    position.seconds += time.perf_counter() - t0
                    t0 = time.perf_counter()
                    if notify and self.notify(end_of_epoch=False):
                        self.stop_early()
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
                self.finish_epoch(time.perf_counter() - t0)
                if callbacks is not None and self.notify(end_of_epoch=True) \
                        and position.epoch < self.config.epochs:
                    self.stop_early()
                    break
        bar.close()
        self.hook("on_train_end")

    def account(self, loss, pairs, words):
        """Take a finished unit's loss, predictions and words."""
        position = self.position
        check_finite(loss, position.epoch)
        position.loss += loss
        position.pairs += pairs
        position.batch += 1
        self.bar.update(words)
        self.bar.set_postfix(lr=f"{self.lr_now(self.bar.n):.5f}",
                             loss=f"{position.loss / max(position.pairs, 1):.4f}", refresh=False)

    def notify(self, end_of_epoch):
        """Call the callbacks with where the run is; True if one asks to stop."""
        return self.callbacks.call(self.progress_now(end_of_epoch))

    def hook(self, name):
        """Call gensim's hook `name` of the callback objects that have it."""
        if self.callbacks is not None and self.callbacks.hooked:
            self.callbacks.hook(name, self.progress_now(end_of_epoch=False))

    def progress_now(self, end_of_epoch):
        """A TrainingProgress of where the run is (at an epoch's end: of the epoch just ended)."""
        position, done = self.position, self.words_done()
        if end_of_epoch:  # end_epoch has logged it and moved on
            epoch, loss = position.epoch, position.history[-1]["loss"]
        else:
            epoch, loss = position.epoch + 1, position.loss / max(position.pairs, 1)
        run_loss = sum(e["loss"] * e["pairs"] for e in position.history) + position.loss
        return TrainingProgress(
            min(epoch, self.config.epochs), self.config.epochs, end_of_epoch, done,
            self.engine.total_words, loss, self.lr_now(done), self.vocab.words,
            self.vocab.counts, self.engine.current_input_vectors, run_loss)

    def stop_early(self):
        """End the run where it is, an unfinished epoch logged with the words it trained."""
        position, done = self.position, self.words_done()
        self.stopped_early = True
        if position.batch:
            words = done - position.epoch * self.engine.epoch_words
            end_epoch(position, words, 0.0, self.config.epochs, self.bar, self.progress)
        if self.progress:
            self.bar.write(f"a callback stopped the run after {done:,} of "
                           f"{self.engine.total_words:,} words", file=sys.stderr)

    def finish_epoch(self, seconds):
        check_weights_finite(*self.engine.weights(), self.position.epoch)
        end_epoch(self.position, self.engine.epoch_words, seconds, self.config.epochs, self.bar,
                  self.progress)

    def words_done(self):
        return self.engine.words_at(self.position.epoch, self.position.batch)

    def lr_now(self, words_done):
        return lr_at(self.config.start_lr, self.engine.total_words, words_done)

    def interrupted_message(self):
        done = self.words_done() / self.engine.total_words
        return f"stopped in epoch {self.position.epoch + 1} ({done:.0%} of the run)"
