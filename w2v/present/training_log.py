"""The JSON training log `w2v train` writes beside the vectors, read and checked for what its
plot draws."""

import json

from ..errors import W2VError
from ..files import FILE_KINDS, file_kind


def load_training_log(path):
    """The JSON log `w2v train` writes, checked for the fields `plot_training_log` uses."""
    try:
        with open(path, encoding="utf-8") as handle:
            log = json.load(handle)
    except FileNotFoundError:
        raise W2VError(f"training log {path} does not exist") from None
    except IsADirectoryError:
        raise W2VError(f"{path} is a directory, expected a JSON training log") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:  # a vectors file, a pickle ...?
        kind = file_kind(path)
        what = FILE_KINDS[kind] if kind not in ("text", "binary", "json", "training log") else \
            "not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else None
        if what is None:
            raise W2VError(f"{path}, line {exc.lineno}: not valid JSON ({exc.msg})") from None
        raise W2VError(f"{path} is {what}, expected a JSON training log") from None
    except OSError as exc:
        raise W2VError(f"cannot read training log {path}: {exc.strerror or exc}") from None
    return check_training_log(log, path)


def check_training_log(log, source="training log"):
    if not isinstance(log, dict) or not isinstance(log.get("epochs"), list) or not log["epochs"]:
        raise W2VError(f"{source}: expected a JSON object with a non-empty 'epochs' list")
    for i, epoch in enumerate(log["epochs"]):
        for key in ("epoch", "loss", "words_per_sec"):
            value = epoch.get(key) if isinstance(epoch, dict) else None
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise W2VError(f"{source}: epochs[{i}] needs a number {key!r}, got {value!r}")
    return log
