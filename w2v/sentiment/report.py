"""The sentiment report folder: sweep tables, the chosen model's per-class scores, three plots.

Every file is written atomically (temporary file, fsync, rename), so an interrupted run leaves
the previous report intact. Plot functions are pure: `plot_*(result, ax=None) -> Figure`, built on
matplotlib's object API (no pyplot state, no window), rendered by Agg when saved.
"""

import csv
import io
import json
import math
import os

import numpy as np

from ..files import atomic_write
from ..errors import W2VError
from .sweep import SentimentResult, total_coverage

SWEEP_COLUMNS = (
    "model",
    "lambda",
    "train_accuracy",
    "dev_accuracy",
    "test_accuracy",
    "train_macro_f1",
    "dev_macro_f1",
    "test_macro_f1",
    "n_iter",
    "seconds",
    "chosen",
)
FILES = (
    "sweep.csv",
    "sweep.json",
    "per_class.csv",
    "accuracy_vs_lambda.png",
    "confusion_test.png",
    "roc_test.png",
)


def write_report(result, out_dir):
    """Write all report files into `out_dir` (created if needed); returns their paths."""
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as exc:
        raise W2VError(f"cannot create report folder {out_dir}: {exc.strerror}") from exc
    if not os.path.isdir(out_dir):
        raise W2VError(f"cannot create report folder {out_dir}: a file has that name")
    contents = {
        "sweep.csv": sweep_csv(result),
        "sweep.json": json.dumps(report_dict(result), indent=2, allow_nan=False) + "\n",
        "per_class.csv": per_class_csv(result),
        "accuracy_vs_lambda.png": plot_accuracy_vs_lambda(result),
        "confusion_test.png": plot_confusion_matrix(result),
        "roc_test.png": plot_roc_curves(result),
    }
    paths = []
    for name, content in contents.items():
        path = os.path.join(out_dir, name)
        if isinstance(content, str):
            with atomic_write(path, "w", encoding="utf-8") as handle:
                handle.write(content)
        else:
            with atomic_write(path, "wb") as handle:
                content.savefig(handle, format="png", dpi=110)
        paths.append(path)
    return paths


# ----------------------------------------------------------------------------------------------
# Tables


def sweep_rows(result):
    """One dict per (model, lambda), in SWEEP_COLUMNS."""
    rows = []
    for sweep in result.sweeps:
        for i, point in enumerate(sweep.points):
            rows.append(
                {
                    "model": sweep.model,
                    "lambda": _number(point.l2),
                    **{key: round(getattr(point, key), 6) for key in SWEEP_COLUMNS[2:8]},
                    "n_iter": point.n_iter,
                    "seconds": round(point.seconds, 4),
                    "chosen": i == sweep.chosen,
                }
            )
    return rows


def sweep_csv(result):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SWEEP_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in sweep_rows(result):
        writer.writerow({**row, "lambda": "" if row["lambda"] is None else row["lambda"]})
    return buffer.getvalue()


def per_class_scores(sweep):
    """Test precision/recall/F1/support per class of the chosen model, plus AUC (one-vs-rest)."""
    from sklearn.metrics import precision_recall_fscore_support

    labels = np.arange(len(sweep.classes))
    precision, recall, f1, support = precision_recall_fscore_support(
        sweep.y_test, sweep.test_pred, labels=labels, zero_division=0
    )
    aucs = roc_auc_per_class(sweep)
    return [
        {
            "class": label,
            "precision": round(float(p), 6),
            "recall": round(float(r), 6),
            "f1": round(float(f), 6),
            "support": int(s),
            "auc": _number(a),
        }
        for label, p, r, f, s, a in zip(sweep.classes, precision, recall, f1, support, aucs)
    ]


def per_class_csv(result):
    buffer = io.StringIO()
    columns = ("class", "precision", "recall", "f1", "support", "auc")
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(per_class_scores(_main(result)))
    return buffer.getvalue()


def roc_auc_per_class(sweep):
    """One-vs-rest ROC AUC of each class on test (None where test lacks that class or the rest)."""
    from sklearn.metrics import roc_auc_score

    aucs = []
    for k in range(len(sweep.classes)):
        is_k = sweep.y_test == k
        if is_k.all() or not is_k.any():
            aucs.append(None)
        else:
            aucs.append(float(roc_auc_score(is_k, sweep.test_proba[:, k])))
    return aucs


def confusion(sweep):
    """Test confusion matrix of the chosen model: rows true class, columns predicted."""
    n = len(sweep.classes)
    matrix = np.zeros((n, n), dtype=np.int64)
    np.add.at(matrix, (sweep.y_test, sweep.test_pred), 1)
    return matrix


def report_dict(result):
    """Everything in sweep.json: setup, coverage, every sweep point, the chosen models."""
    main = result.main
    return {
        "config": result.config,
        "seconds": round(result.seconds, 3),
        "coverage": {
            **{name: c.as_dict() for name, c in result.coverage.items()},
            "all": total_coverage(result.coverage).as_dict(),
        },
        "chosen": {sweep.model: _summary(sweep) for sweep in result.sweeps},
        "sweeps": {
            sweep.model: {
                "description": sweep.description,
                "points": [r for r in sweep_rows(result) if r["model"] == sweep.model],
            }
            for sweep in result.sweeps
        },
        "per_class_test": per_class_scores(main),
        "confusion_test": {"classes": list(main.classes), "matrix": confusion(main).tolist()},
        **result.extra,
    }


def _summary(sweep):
    point = sweep.chosen_point
    return {
        "description": sweep.description,
        "lambda": _number(point.l2),
        **{key: round(getattr(point, key), 6) for key in SWEEP_COLUMNS[2:8]},
    }


def summary_table(result):
    """The stdout table: one line per model, the chosen lambda's scores."""
    lines = [
        f"{'model':<10} {'lambda':>8} {'train':>6} {'dev':>6} {'test':>6} {'test-F1':>7}  "
        "description"
    ]
    for sweep in result.sweeps:
        point = sweep.chosen_point
        lam = "-" if math.isnan(point.l2) else f"{point.l2:.0e}"
        lines.append(
            f"{sweep.model:<10} {lam:>8} {point.train_accuracy:6.3f} "
            f"{point.dev_accuracy:6.3f} {point.test_accuracy:6.3f} "
            f"{point.test_macro_f1:7.3f}  {sweep.description}"
        )
    return "\n".join(lines)


def _main(result):
    return result.main if isinstance(result, SentimentResult) else result


def _number(value):
    """JSON-safe float: None for NaN (the majority baseline has no lambda)."""
    return None if value is None or math.isnan(value) else float(value)


# ----------------------------------------------------------------------------------------------
# Plots


def _figure(ax, size):
    from matplotlib.figure import Figure

    if ax is not None:
        return ax.figure, ax
    figure = Figure(figsize=size, layout="constrained")
    return figure, figure.add_subplot()


def plot_accuracy_vs_lambda(result, ax=None):
    """Train and dev accuracy of the main model against lambda (log x), chosen lambda marked;
    the baselines' dev accuracy for reference when `result` is a SentimentResult."""
    figure, ax = _figure(ax, (6.4, 4.2))
    main = _main(result)
    positive = main.lambdas > 0  # lambda = 0 has no place on a log axis
    lambdas = main.lambdas[positive]
    for split, style in (("train", "o-"), ("dev", "s-")):
        scores = np.array([getattr(p, f"{split}_accuracy") for p in main.points])[positive]
        ax.plot(lambdas, scores, style, markersize=4, label=f"{main.model} {split}")
    chosen = main.chosen_point
    ax.axvline(
        chosen.l2,
        color="grey",
        linestyle=":",
        label=f"chosen lambda {chosen.l2:.0e} (test {chosen.test_accuracy:.3f})",
    )
    if isinstance(result, SentimentResult):
        for sweep in result.baselines:
            dev = np.array([p.dev_accuracy for p in sweep.points])
            if len(sweep.points) == 1:
                ax.axhline(
                    dev[0], color="black", linewidth=0.8, linestyle="--", label=f"{sweep.model} dev"
                )
            else:
                keep = sweep.lambdas > 0
                ax.plot(
                    sweep.lambdas[keep], dev[keep], "--", linewidth=1, label=f"{sweep.model} dev"
                )
    if len(set(lambdas)) == 1:  # one lambda: give the log axis a decade either side
        ax.set_xlim(lambdas[0] / 10, lambdas[0] * 10)
    ax.set_xscale("log")
    ax.set_xlabel("lambda (L2 strength)")
    ax.set_ylabel("accuracy")
    ax.set_title("Accuracy vs lambda")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    return figure


def plot_confusion_matrix(result, ax=None):
    """Test confusion matrix of the chosen model: counts, colour by row share (recall)."""
    figure, ax = _figure(ax, (5.2, 4.6))
    main = _main(result)
    matrix = confusion(main)
    shares = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    image = ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for (row, col), count in np.ndenumerate(matrix):
        ax.text(
            col,
            row,
            str(count),
            ha="center",
            va="center",
            color="white" if shares[row, col] > 0.5 else "black",
            fontsize="small",
        )
    ticks = np.arange(len(main.classes))
    ax.set_xticks(ticks, labels=main.classes)
    ax.set_yticks(ticks, labels=main.classes)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    accuracy = main.chosen_point.test_accuracy
    ax.set_title(f"Test confusion matrix (accuracy {accuracy:.3f})")
    figure.colorbar(image, ax=ax, label="share of the true class")
    return figure


def plot_roc_curves(result, ax=None):
    """One-vs-rest ROC curve of each class on test, with its AUC in the legend."""
    from sklearn.metrics import roc_curve

    figure, ax = _figure(ax, (5.6, 4.8))
    main = _main(result)
    for k, (label, auc) in enumerate(zip(main.classes, roc_auc_per_class(main))):
        if auc is None:
            continue
        false_positive, true_positive, _ = roc_curve(main.y_test == k, main.test_proba[:, k])
        ax.plot(false_positive, true_positive, label=f"class {label} (AUC {auc:.3f})")
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1)
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_title("One-vs-rest ROC on test")
    ax.legend(fontsize="small", loc="lower right")
    return figure
