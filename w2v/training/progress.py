"""What a run shows while it trains: a line per epoch (the bar is `w2v.progress`')."""

import sys


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


def say(progress, message):
    if progress:
        print(message, file=sys.stderr)
