"""What the training loop costs around the kernels: the one-process engine and the run loop
driving a kernel that does nothing, over a real corpus's batches.

    python scripts/loop_overhead.py --corpus mix17m.txt --epochs 3 --repeats 3

Everything but the kernel runs as in training (reading each batch from the token cache, the
learning rates, the thread pool, the accounting and the progress bar, off), so the time is the
loop's own: compare it with a training run's to see what the loop takes of it.
"""

import argparse
import time

from w2v.text.sources import TextSource
from w2v.training import local
from w2v.training.local import LocalEngine
from w2v.training.options import TrainConfig
from w2v.training.preparation import initial_weights
from w2v.training.run import Position, Run
from w2v.training.vocab import build_vocab


def no_kernel(config, vocab):
    return lambda tokens, starts, W_in, W_out, lr_start, lr_end, seed: (0.0, len(tokens))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", required=True, help="a plain text corpus")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    config = TrainConfig(threads=args.threads, epochs=args.epochs).validate()
    local.batch_function = no_kernel
    engine = LocalEngine(config)
    with engine.opened(progress=False):
        scanned = engine.read(TextSource(args.corpus))
        vocab = build_vocab(scanned.words, scanned.counts, config.min_count)
        del scanned
        engine.encode(vocab)
        W_in, W_out = initial_weights(len(vocab), config)
        engine.start(vocab, W_in, W_out, Position(), None)
        for _ in range(args.repeats):
            started = time.perf_counter()
            Run(engine, config, Position(), vocab).train()
            seconds = time.perf_counter() - started
            batches = engine.units * args.epochs
            print(f"{batches:,} batches, {args.threads} threads: {seconds:.3f} s "
                  f"({seconds / batches * 1e6:.0f} us a batch)")
    return 0


if __name__ == "__main__":
    main()
