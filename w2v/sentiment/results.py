"""What the lambda sweep gives: `SweepPoint` (one lambda's scores), `SweepResult` (one model
family over the grid), `SentimentResult` (the whole experiment); the scores the report reads from
them (`confusion`, `roc_auc_per_class`, `pooling_rows`, `total_coverage`), and the warnings about
results that may mislead (a small test set, a lambda at the end of the grid, low coverage).
"""

import warnings
from dataclasses import dataclass, field

import numpy as np

from ..errors import W2VWarning
from .features import Coverage

COVERAGE_WARNING = 0.8  # warn when the vectors know fewer than this share of the tokens
MIN_TEST_PER_CLASS = 100  # warn when a class has fewer test sentences: its accuracy is noise


@dataclass
class SweepPoint:
    """Scores of one fitted model (one lambda)."""

    l2: float
    train_accuracy: float
    dev_accuracy: float
    test_accuracy: float
    train_macro_f1: float
    dev_macro_f1: float
    test_macro_f1: float
    n_iter: int = 0
    seconds: float = 0.0
    losses: dict = None  # an MLP's {"train": [...], "dev": [...]} loss per epoch


@dataclass
class SweepResult:
    """One model family swept over lambda, with the chosen model's test predictions."""

    model: str  # short name: "vectors", "bow", "majority"
    description: str
    classes: tuple  # class labels, in the order of the probability columns
    points: list  # SweepPoint per lambda, ascending lambda
    chosen: int  # index into points
    y_test: np.ndarray  # true test classes (indices into classes)
    test_pred: np.ndarray  # chosen model's test predictions (indices)
    test_proba: np.ndarray  # chosen model's test probabilities (n_test, n_classes)

    @property
    def chosen_point(self):
        return self.points[self.chosen]

    @property
    def lambdas(self):
        return np.array([p.l2 for p in self.points])


@dataclass
class SentimentResult:
    """Everything the report needs: the main sweep, the baselines, coverage and the setup."""

    main: SweepResult
    baselines: list
    coverage: dict  # split name -> Coverage
    config: dict
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)
    alternatives: list = field(default_factory=list)  # the other poolings of --pooling all

    @property
    def sweeps(self):
        return [self.main, *self.alternatives, *self.baselines]


def main_sweep(result):
    """The main SweepResult of a SentimentResult; a SweepResult is its own."""
    return result.main if isinstance(result, SentimentResult) else result


def confusion(sweep):
    """Test confusion matrix of the chosen model: rows true class, columns predicted."""
    n = len(sweep.classes)
    matrix = np.zeros((n, n), dtype=np.int64)
    np.add.at(matrix, (sweep.y_test, sweep.test_pred), 1)
    return matrix


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


def pooling_rows(sweeps, chosen):
    """One row per pooling for the report: dev-chosen lambda, its dev and test accuracy."""
    return [
        {
            "pooling": method,
            "lambda": sweep.chosen_point.l2,
            "dev_accuracy": round(sweep.chosen_point.dev_accuracy, 6),
            "test_accuracy": round(sweep.chosen_point.test_accuracy, 6),
            "chosen": method == chosen,
        }
        for method, sweep in sweeps.items()
    ]


def warn_small_test(y_test, classes):
    counts = np.bincount(y_test, minlength=len(classes))
    small = [
        f"{classes[k]} ({counts[k]})"
        for k in range(len(classes))
        if counts[k] < MIN_TEST_PER_CLASS
    ]
    if small:
        warnings.warn(
            W2VWarning(
                f"fewer than {MIN_TEST_PER_CLASS} test sentences for class {', '.join(small)}: "
                "test accuracy is noisy; use {cv} for a steadier estimate",
                ("cv",),
            ),
            stacklevel=3,
        )


def warn_lambda_at_grid_end(points, which="the chosen lambda"):
    """A W2VWarning when the lambda chosen among the sweep's `points` (ascending lambda) is the
    smallest or largest of several and its dev accuracy beats every other lambda's: only then
    may a wider grid do better (ties go to the larger lambda, so a largest lambda tied with
    smaller ones is chosen by design, and no larger one would beat it)."""
    if len(points) < 2:
        return
    best = max(range(len(points)), key=lambda i: (points[i].dev_accuracy, points[i].l2))
    if 0 < best < len(points) - 1:
        return
    others = [p.dev_accuracy for i, p in enumerate(points) if i != best]
    if points[best].dev_accuracy <= max(others):
        return
    end = "smallest" if best == 0 else "largest"
    warnings.warn(
        W2VWarning(
            f"{which} {points[best].l2:g} is the {end} of the grid and scores best on dev: the "
            "best may lie beyond it; extend {lambdas}",
            ("lambdas",),
        ),
        stacklevel=3,
    )


def warn_low_coverage(coverage):
    if coverage.tokens and coverage.token_rate < COVERAGE_WARNING:
        warnings.warn(
            W2VWarning(
                f"the vectors know only {coverage.token_rate:.1%} of the tokens (under "
                f"{COVERAGE_WARNING:.0%}): check the tokenization (lowercase, alnum) or the "
                "vectors' language"
            ),
            stacklevel=3,
        )


def total_coverage(coverage):
    """The per-split Coverage objects summed into one."""
    total = Coverage()
    for part in coverage.values():
        total.tokens += part.tokens
        total.known_tokens += part.known_tokens
        total.sentences += part.sentences
        total.sentences_without_known_word += part.sentences_without_known_word
        total.unknown_words.update(part.unknown_words)
    return total
