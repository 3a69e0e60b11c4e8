"""What a run shows while it trains: the progress bar on stderr and a line per epoch."""

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


def progress_bar(total, progress, initial=0):
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


def say(progress, message):
    if progress:
        print(message, file=sys.stderr)
