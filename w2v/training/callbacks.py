"""Callbacks: functions a training run calls at the end of every epoch (and, if asked, every N
words) with a `TrainingProgress`, to evaluate the vectors so far, log them, or stop the run.

gensim's callback objects (a `CallbackAny2Vec`, or any object with some of `on_train_begin`,
`on_epoch_begin`, `on_epoch_end`, `on_train_end`) are called at those moments, as gensim calls
them, with the `TrainingProgress` in the model's place: it has what such callbacks read (`epochs`,
`wv`, `get_latest_training_loss()`).

A callback returning `STOP` (or True) ends the run cleanly: the vectors trained so far come back
and the training log says `"stopped_early": true`. Callbacks run in the calling thread between
batches, while no kernel is training, so the vectors they see do not change under them (gensim
dropped its per-batch callbacks because theirs raced with the training threads).
"""

import functools

import numpy as np

from ..errors import check_parameter

class _Stop:
    def __repr__(self):
        return "w2v.STOP"


STOP = _Stop()  # what a callback returns to end the run


class TrainingProgress:
    """What a callback is handed: where the run is, and a read-only view of the vectors."""

    def __init__(self, epoch, epochs, end_of_epoch, words, total_words, loss, lr, words_list,
                 counts, vectors, run_loss=0.0):
        self.epoch = epoch  # the epoch in progress (or just finished), from 1
        self.epochs = epochs  # epochs in the run
        self.end_of_epoch = end_of_epoch  # False for a call every N words
        self.words = words  # corpus words trained in the run so far (all epochs)
        self.total_words = total_words  # corpus words x epochs
        self.loss = loss  # mean loss per prediction over the epoch so far
        self.lr = lr  # the learning rate now
        self.run_loss = run_loss  # the loss summed over every prediction of the run so far
        self._words, self._counts, self._vectors = words_list, counts, vectors

    def get_latest_training_loss(self):
        """gensim's name: the loss summed since the run began (gensim sums it since `train()`
        began; the difference between two epochs' ends is an epoch's loss)."""
        return self.run_loss

    @functools.cached_property
    def wv(self):
        """The input vectors now, as KeyedVectors over a read-only view (no copy): copy what
        must outlive the callback, since training goes on writing into them."""
        from ..vectors import KeyedVectors

        vectors = self._vectors() if callable(self._vectors) else self._vectors
        view = vectors.view()
        view.flags.writeable = False
        return KeyedVectors(self._words, view, counts=self._counts)

    def __repr__(self):
        return (f"TrainingProgress(epoch {self.epoch}/{self.epochs}, {self.words:,} of "
                f"{self.total_words:,} words, loss {self.loss:.4f}, lr {self.lr:.5f})")


HOOKS = ("on_train_begin", "on_epoch_begin", "on_epoch_end", "on_train_end")  # gensim's


class Callbacks:
    """The callbacks of a run and when they are due: functions, and objects with gensim's hooks
    (`HOOKS`; an object's on_epoch_end may return STOP as a function may)."""

    def __init__(self, callbacks, every_words=None):
        callbacks = list(callbacks or ())
        for callback in callbacks:
            check_parameter(callable(callback) or _hooks_of(callback),
                            f"{{callbacks}} must be functions or objects with gensim's callback "
                            f"methods ({', '.join(HOOKS)}), got {callback!r}", "callbacks")
        check_parameter(every_words is None or every_words >= 1,
                        f"{{callback_words}} must be >= 1, got {every_words}", "callback_words")
        self.hooked = [callback for callback in callbacks if _hooks_of(callback)]
        self.functions = [callback for callback in callbacks if not _hooks_of(callback)]
        self.every_words = every_words
        self.next_at = every_words

    def __bool__(self):
        return bool(self.functions or self.hooked)

    def due(self, words):
        """Whether a call every `every_words` words is due after `words` words of the run."""
        return bool(self.functions) and self.every_words is not None and words >= self.next_at

    def call(self, progress):
        """Call every function (and, at an epoch's end, every on_epoch_end) with `progress`;
        True if one of them asks to stop."""
        if self.every_words is not None:
            self.next_at = (progress.words // self.every_words + 1) * self.every_words
        answers = [function(progress) for function in self.functions]
        if progress.end_of_epoch:
            answers += self.hook("on_epoch_end", progress)
        return any(answer is STOP or answer is True or
                   (isinstance(answer, np.bool_) and bool(answer)) for answer in answers)

    def hook(self, name, progress):
        """Call the hook `name` of every callback object that has it; their answers."""
        return [getattr(callback, name)(progress) for callback in self.hooked
                if callable(getattr(callback, name, None))]


def _hooks_of(callback):
    return [name for name in HOOKS if callable(getattr(callback, name, None))]
