"""The progress bar every long step shows (training, loading a large vectors file): tqdm on
stderr, redrawn twice a second on a terminal or as a notebook's widget, a line every 15 s in a
log file."""

import sys


def progress_bar(total, progress, initial=0, unit="w", delay=0):
    """A tqdm bar counting `unit`s up to `total`; disabled unless `progress`, and shown only once
    `delay` seconds have passed (short steps stay silent)."""
    if "IPython" in sys.modules:  # a notebook, maybe: tqdm.auto picks its widget there
        from tqdm.auto import tqdm
    else:  # a terminal or a log: plain tqdm, without the 6 MB tqdm.auto costs to find out
        from tqdm import tqdm

    in_notebook = any(cls.__module__ == "tqdm.notebook" for cls in tqdm.__mro__)
    interactive = in_notebook or sys.stderr.isatty()
    return tqdm(total=total, initial=initial, unit=unit, unit_scale=True, disable=not progress,
                file=sys.stderr, smoothing=0.1, mininterval=0.5 if interactive else 15,
                dynamic_ncols=interactive, ascii=not interactive, delay=delay)
