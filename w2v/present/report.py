"""The sentiment report folder: sweep tables, the chosen model's per-class scores, three plots.

Every file is written atomically (temporary file, fsync, rename), so an interrupted run leaves
the previous report intact. The figures are drawn by `plots`; this module only writes them.
"""

import csv
import io
import json
import math
import os

import numpy as np

from ..errors import W2VError
from ..files import atomic_write
from .plots import (
    plot_accuracy_vs_lambda,
    plot_confusion_matrix,
    plot_loss_curves,
    plot_roc_curves,
    save_figure,
)
from ..sentiment.results import confusion, main_sweep, roc_auc_per_class, total_coverage

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
MLP_FILES = ("loss_vs_epoch.png",)  # with --classifier mlp: train and dev loss per epoch
CV_FILES = ("cv.csv", "cv.json")


def write_report(result, out_dir):
    """Write all report files into `out_dir` (created if needed); returns their paths."""
    contents = {
        "sweep.csv": sweep_csv(result),
        "sweep.json": json.dumps(report_dict(result), indent=2, allow_nan=False) + "\n",
        "per_class.csv": per_class_csv(result),
        "accuracy_vs_lambda.png": plot_accuracy_vs_lambda(result),
        "confusion_test.png": plot_confusion_matrix(result),
        "roc_test.png": plot_roc_curves(result),
    }
    if result.main.chosen_point.losses:
        contents["loss_vs_epoch.png"] = plot_loss_curves(result)
    return write_files(contents, out_dir)


def write_cv_report(cv, out_dir):
    """cv.csv (one row per fold) and cv.json (setup, folds, mean and std) in `out_dir`."""
    rows = [fold.as_dict() for fold in cv.folds]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    summary = {
        key: dict(zip(("mean", "std"), cv.mean_std(key)))
        for key in ("test_accuracy", "test_macro_f1", "majority_test_accuracy")
    }
    report = {
        "config": cv.config,
        "seconds": round(cv.seconds, 3),
        "coverage": cv.coverage.as_dict(),
        "summary": summary,
        "folds": rows,
    }
    contents = {"cv.csv": buffer.getvalue(), "cv.json": json.dumps(report, indent=2) + "\n"}
    return write_files(contents, out_dir)


def write_files(contents, out_dir):
    """{file name: text or figure} written atomically into `out_dir`; returns their paths."""
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as exc:
        raise W2VError(f"cannot create report folder {out_dir}: {exc.strerror}") from exc
    if not os.path.isdir(out_dir):
        raise W2VError(f"cannot create report folder {out_dir}: a file has that name")
    paths = []
    for name, content in contents.items():
        path = os.path.join(out_dir, name)
        if isinstance(content, str):
            with atomic_write(path, "w", encoding="utf-8") as handle:
                handle.write(content)
        else:
            save_figure(content, path)
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
    writer.writerows(per_class_scores(main_sweep(result)))
    return buffer.getvalue()


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
    summary = {
        "description": sweep.description,
        "lambda": _number(point.l2),
        **{key: round(getattr(point, key), 6) for key in SWEEP_COLUMNS[2:8]},
    }
    if point.losses:
        summary["loss_per_epoch"] = point.losses
    return summary


def summary_table(result):
    """The stdout table: one line per model, the chosen lambda's scores."""
    width = max(10, *(len(sweep.model) for sweep in result.sweeps))
    lines = [
        f"{'model':<{width}} {'lambda':>8} {'train':>6} {'dev':>6} {'test':>6} {'test-F1':>7}  "
        "description"
    ]
    for sweep in result.sweeps:
        point = sweep.chosen_point
        lam = "-" if math.isnan(point.l2) else f"{point.l2:.0e}"
        lines.append(
            f"{sweep.model:<{width}} {lam:>8} {point.train_accuracy:6.3f} "
            f"{point.dev_accuracy:6.3f} {point.test_accuracy:6.3f} "
            f"{point.test_macro_f1:7.3f}  {sweep.description}"
        )
    return "\n".join(lines)


def pooling_table(result):
    """With --pooling all: one line per pooling, its dev-chosen lambda, dev and test accuracy,
    and which pooling dev chose; '' otherwise."""
    rows = result.extra.get("poolings")
    if not rows:
        return ""
    lines = [f"{'pooling':<8} {'lambda':>8} {'dev':>6} {'test':>6}"]
    for row in rows:
        mark = "  <- chosen by dev" if row["chosen"] else ""
        lines.append(
            f"{row['pooling']:<8} {row['lambda']:8.0e} {row['dev_accuracy']:6.3f} "
            f"{row['test_accuracy']:6.3f}{mark}"
        )
    return "\n".join(lines)


def _number(value):
    """JSON-safe float: None for NaN (the majority baseline has no lambda)."""
    return None if value is None or math.isnan(value) else float(value)
