"""One training pipeline, two engines: prepare -> run -> finish.

- prepare: the run's config (given, a checkpoint's, or an init model's with what is given), the
  text source (phrases joined as it is read), the vocabulary (counted by the engine, read from a
  vocabulary file, extended from an init model, or a checkpoint's) and the weights (fresh,
  carried over from the init model, or the checkpoint's);
- run: the epochs, each a sequence of units the engine trains (batches in one process, rounds on
  a cluster), with stop requests, timed checkpoints, callbacks and progress between units;
- finish: the training log and the model.

The engines: `local.LocalEngine` (threads over batches in this process) and
`cluster.engine.ClusterEngine` (rounds over replicas on Dask). Whatever the pipeline does, it
does for both; what one engine cannot do is refused in one line before anything starts.
"""

import dataclasses
import os
import time

from ..errors import W2VError, check_parameter, hint
from ..files import check_writable
from ..text.sources import STDIN, describe_corpus
from . import checkpoint
from .callbacks import Callbacks
from .model import Word2VecModel
from .options import NOT_INHERITED, RunOptions, TrainConfig, continuing_config
from .preparation import (carry_over, check_corpus_matches, check_init, check_something_trained,
                          choose_vocab, initial_weights, refuse_slow_softmax,
                          refuse_what_memory_cannot_hold, return_freed_memory, text_source,
                          training_log)
from .progress import say
from .run import Position, Run, TrainingInterrupted
from .vocab import read_vocab_file, write_vocab_file


def train(corpus, given, options=None, cluster=None, checkpointing=None):
    """Train on `corpus` (a path: file, compressed file, folder, "-" for standard input; or an
    iterable of sentences, read once; None: a resumed run's); return a `Word2VecModel`.

    given: the TrainConfig options given, by name (the others are their defaults, or an init
    model's). options: a RunOptions; cluster: a ClusterConfig (None, or one naming no workers
    nor scheduler: this process). checkpointing: a checkpoint.Checkpointing (default: one at
    options.checkpoint, if given).
    """
    from .cluster.config import ClusterConfig

    options = (options or RunOptions()).validate()
    cluster = (cluster or ClusterConfig()).validate()
    resume = _checkpoint(options.resume)
    init = _init_vectors(options.init)
    config = _settled_config(given, resume, init, cluster)
    corpus = _settled_corpus(corpus, resume)
    engine = _engine(config, cluster, resume, corpus)
    checkpointing = checkpointing or _checkpointing(options, corpus)
    if init is not None:
        check_init(init, config)
    if options.save_vocab:
        check_writable(options.save_vocab)
    listed = read_vocab_file(options.read_vocab) if options.read_vocab else None
    started = time.perf_counter()
    with engine.opened(options.progress):
        counted = engine.read(text_source(corpus, config), count=not (resume or listed))
        if not (resume or listed or len(counted.counts)):
            raise W2VError(f"found no words in {describe_corpus(corpus)}: it is empty")
        vocab, old_rows = choose_vocab(counted, config, resume, init, listed)
        del counted  # the table of every distinct word
        _check_vocab(vocab, config, resume, options)
        _say_vocabulary(vocab, old_rows, engine, options.progress)
        if options.save_vocab:
            write_vocab_file(options.save_vocab, vocab)
        engine.encode(vocab)
        return_freed_memory()
        if resume:
            W_in, W_out, position = resume.W_in, resume.W_out, Position(**resume.position)
        else:
            W_in, W_out, position = *initial_weights(len(vocab), config), Position()
        if old_rows is not None:
            carry_over(init, old_rows, W_in, W_out)
        engine.start(vocab, W_in, W_out, position, resume)
        check_corpus_matches(engine.epoch_words, vocab, resume)
        run = Run(engine, config, position, vocab, options.progress,
                  Callbacks(options.callbacks, options.callback_words) or None)
        _run(run, checkpointing, _saver(checkpointing, engine, config, corpus, vocab))
        engine.finish()
        check_something_trained(position.history, vocab, engine.longest_sentence, config)
        log = training_log(config, vocab, position.history, time.perf_counter() - started)
        log.update(stopped_early=run.stopped_early, **engine.log())
        W_in, W_out = engine.weights()
    return Word2VecModel.from_weights(vocab.words, vocab.counts, W_in, W_out, log, position,
                                      corpus if isinstance(corpus, str) else None)


def _run(run, checkpointing, save):
    """run.train(), a stop request turned into TrainingInterrupted saying what was kept."""
    every = checkpointing.every_seconds if checkpointing else None
    try:
        run.train(save, every)
    except TrainingInterrupted as stopped:
        path = checkpointing.path
        raise TrainingInterrupted(f"{stopped}; checkpoint saved to {path}",
                                  hint=hint("resume with", "train", resume=path)) from None
    except KeyboardInterrupt:  # a second stop request, not waiting for the next unit
        if not checkpointing:
            raise
        raise TrainingInterrupted(checkpointing.what_was_kept(),
                                  hint=checkpointing.resume_hint()) from None


def _saver(checkpointing, engine, config, corpus, vocab):
    """save(position): write the run's checkpoint (never with NaN weights: a diverged run is
    not worth resuming); None without checkpointing."""
    from .preparation import check_weights_finite

    if not checkpointing:
        return None

    def save(position):
        W_in, W_out = engine.weights()
        check_weights_finite(W_in, W_out, position.epoch)
        extra, checkpointing.arrays = engine.checkpoint_state()
        checkpointing.extra.update(extra)
        checkpointing.write(dataclasses.asdict(config), corpus, vocab.words, vocab.counts, W_in,
                            W_out, dataclasses.asdict(position))

    return save


def _check_vocab(vocab, config, resume, options):
    if not resume:
        refuse_what_memory_cannot_hold(len(vocab), config)
    if config.loss == "softmax" and not options.force:
        refuse_slow_softmax(vocab, config)


def _say_vocabulary(vocab, old_rows, engine, progress):
    new = f" ({len(vocab) - int((old_rows >= 0).sum()):,} new)" if old_rows is not None else ""
    where = engine.describe()
    say(progress, f"vocabulary: {len(vocab):,} words, {vocab.n_tokens:,} tokens{new}"
                  + (f"; {where}" if where else ""))


def _checkpoint(resume):
    """The checkpoint to resume (loaded from a path), or None."""
    if resume is None or isinstance(resume, checkpoint.Checkpoint):
        return resume
    return checkpoint.load(os.fspath(resume))


def _init_vectors(init):
    """The KeyedVectors of `init`: a Word2VecModel's, KeyedVectors, a gensim Word2Vec model's
    or KeyedVectors, or read from a path (ours, or a gensim pickle)."""
    from ..vectors import KeyedVectors
    from ..vectors.gensim_pickles import from_gensim, is_gensim_object

    if init is None or isinstance(init, KeyedVectors):
        return init
    if isinstance(init, Word2VecModel):
        return init.wv
    if is_gensim_object(init):
        return from_gensim(KeyedVectors, init)
    if isinstance(init, (str, os.PathLike)):
        return KeyedVectors.load(os.fspath(init))
    check_parameter(False, f"{{init}} must be a Word2VecModel, KeyedVectors (ours or gensim's), a "
                    f"gensim Word2Vec or a path, got "
                    f"{type(init).__name__}", "init")


def _settled_config(given, resume, init, cluster):
    """The run's TrainConfig: a checkpoint's (only threads may change), an init model's with
    the options given, or the options given; threads decided for the engine."""
    if resume:
        changed = sorted(name for name in given if name not in NOT_INHERITED
                         and given[name] != resume.config.get(name))
        check_parameter(not changed, f"a resumed run keeps its checkpoint's options: leave out "
                        f"{', '.join('{' + name + '}' for name in changed)}", *changed)
        config = TrainConfig(**{**resume.config, **given})
    elif init is not None:
        config = continuing_config(init.config, given)
    else:
        config = TrainConfig(**given)
    if config.threads is None:
        config.threads = _default_threads(cluster, resume)
    return config.validate()


def _default_threads(cluster, resume):
    """All cores in one process; on a local cluster, the cores shared among its workers; with
    a scheduler (other machines), 1 per worker."""
    if cluster.scheduler is not None:
        return 1
    resumed = resume.extra.get("cluster") if resume else None
    workers = cluster.dask_workers or (resumed["shards"] if resumed else 1)
    return max(1, (os.cpu_count() or 1) // workers)


def _settled_corpus(corpus, resume):
    if isinstance(corpus, os.PathLike):
        corpus = os.fspath(corpus)
    if corpus is None and resume:
        return resume.corpus
    check_parameter(corpus is not None, "no {corpus} to train on: give a path or sentences",
                    "corpus")
    return corpus


def _engine(config, cluster, resume, corpus):
    """The one-process engine, or the cluster's: the one a checkpoint was written by, unless
    `cluster` says where a cluster is. Refused before a cluster starts: what it cannot read."""
    resumed = resume.extra.get("cluster") if resume else None
    if resume:
        check_parameter(resumed or not cluster.wanted,
                        "a one-process checkpoint: resume it without {dask_workers} or "
                        "{scheduler}", "dask_workers", "scheduler")
        given = sorted(cluster.given())
        check_parameter(not given, "a resumed cluster run keeps its checkpoint's settings: "
                        f"leave out {', '.join('{' + name + '}' for name in given)}", *given)
    if not (cluster.wanted or resumed):
        from .local import LocalEngine

        return LocalEngine(config)
    check_parameter(isinstance(corpus, str) and corpus != STDIN,
                    "a cluster reads the corpus on every worker: give it as a file or folder "
                    "path, not standard input or Python sentences (or train in one process, "
                    "without {dask_workers} and {scheduler})", "dask_workers", "scheduler")
    from .cluster.engine import ClusterEngine

    return ClusterEngine(config, cluster, resumed)


def _checkpointing(options, corpus):
    """Where stop requests and the timer save the run (None: nowhere, a stop request raises
    KeyboardInterrupt)."""
    check_parameter(options.checkpoint or options.checkpoint_every is None,
                    "{checkpoint_every} needs {checkpoint}: where to save", "checkpoint_every",
                    "checkpoint")
    if not options.checkpoint:
        return None
    check_parameter(isinstance(corpus, str),
                    "{checkpoint} needs the corpus as a path: sentences from Python are read "
                    "once and cannot be read again to resume", "checkpoint")
    check_writable(options.checkpoint)
    every = options.checkpoint_every * 60 if options.checkpoint_every else None
    return checkpoint.Checkpointing(os.fspath(options.checkpoint), every)
