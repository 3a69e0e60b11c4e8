"""L2-regularized softmax (multinomial logistic) regression, fitted by L-BFGS.

Minimizes  mean_i  -log softmax(W x_i + b)[y_i]  +  (l2 / 2) * ||W||^2   (b is not penalized).
This is scikit-learn's multinomial LogisticRegression with C = 1 / (l2 * n_samples).
Dense or scipy-sparse X; everything is computed in float64.
"""

import numbers
from dataclasses import dataclass

import numpy as np
import scipy.sparse
from scipy.linalg.blas import daxpy as _axpy
from sklearn.base import BaseEstimator, ClassifierMixin
from threadpoolctl import threadpool_limits

from ..errors import UsageError, check_parameter


def softmax_loss_and_grad(coef, intercept, X, Y, l2):
    """(loss, grad_coef, grad_intercept) of the objective above.

    coef: (n_classes, n_features); intercept: (n_classes,); X: (n_samples, n_features);
    Y: (n_samples, n_classes) one-hot float64; l2 >= 0. The loss is a float64 scalar.
    """
    logits = np.asarray(X @ coef.T) + intercept
    log_norm = _logsumexp_rows(logits)
    n_samples = X.shape[0]
    loss = (np.sum(log_norm) - np.sum(logits * Y)) / n_samples + 0.5 * l2 * np.sum(coef * coef)
    residual = (np.exp(logits - log_norm[:, None]) - Y) / n_samples  # d loss / d logits
    grad_coef = np.asarray(X.T @ residual).T + l2 * coef
    grad_intercept = residual.sum(axis=0)
    return float(loss), grad_coef, grad_intercept


def _logsumexp_rows(logits):
    top = logits.max(axis=1)
    return top + np.log(np.exp(logits - top[:, None]).sum(axis=1))


def softmax(logits):
    """Row-wise softmax, stable for large logits."""
    return np.exp(logits - _logsumexp_rows(logits)[:, None])


class SoftmaxRegression(ClassifierMixin, BaseEstimator):
    """Multinomial logistic regression with an L2 penalty on the weights: a scikit-learn
    classifier (get_params, set_params, clone and score come from its base classes).

    Parameters (keyword-only, checked by `fit`):
        l2: the penalty strength lambda (>= 0) in  mean cross-entropy + (l2/2) ||W||^2.
        max_iter: L-BFGS iterations at most.
        tol: stop when the largest gradient component is below `tol`.
        warm_start: start `fit` from the previous solution (if the shapes match), as a
            regularization path does when it moves from one lambda to the next.

    Attributes after fit: classes_, coef_ (n_classes, n_features), intercept_ (n_classes,),
    n_iter_, loss_, converged_.
    """

    def __init__(self, *, l2=1e-4, max_iter=1000, tol=1e-6, warm_start=False):
        self.l2 = l2
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start

    def fit(self, X, y, *, coef_init=None, intercept_init=None):
        """Fit on X (n_samples, n_features) and labels y; returns self.

        coef_init / intercept_init: a starting point (overrides warm_start).
        """
        self._check_params()
        X = _as_float64_matrix(X)
        y = np.asarray(y)
        check_parameter(
            y.ndim == 1 and len(y) == X.shape[0],
            f"{{y}} must be 1-d with one label per row of {{X}} ({X.shape[0]}), got shape "
            f"{y.shape}",
            "y",
            "X",
        )
        classes, targets = np.unique(y, return_inverse=True)
        check_parameter(len(classes) >= 2, f"need at least 2 classes in {{y}}, got {len(classes)}",
                        "y")
        n_classes, n_features = len(classes), X.shape[1]
        Y = np.zeros((len(y), n_classes))
        Y[np.arange(len(y)), targets] = 1.0
        start = self._starting_point(Y, n_features, coef_init, intercept_init)

        def objective(flat):
            coef, intercept = _unflatten(flat, n_classes, n_features)
            loss, grad_coef, grad_intercept = softmax_loss_and_grad(coef, intercept, X, Y, self.l2)
            return loss, np.concatenate([grad_coef.ravel(), grad_intercept])

        # One BLAS thread: the solver's vector updates are memory-bound, and OpenBLAS threads
        # competing with other work were measured 20x slower on a busy 2-core machine.
        with threadpool_limits(limits=1, user_api="blas"):
            result = minimize_lbfgs(objective, start, max_iter=self.max_iter, tol=self.tol)
        self.classes_ = classes
        self.coef_, self.intercept_ = _unflatten(result.x, n_classes, n_features)
        self.n_iter_ = result.n_iter
        self.loss_ = result.loss
        self.converged_ = result.converged
        return self

    def _check_params(self):
        check_parameter(
            isinstance(self.l2, numbers.Real) and np.isfinite(self.l2) and self.l2 >= 0,
            f"{{l2}} must be a finite number >= 0, got {self.l2!r}",
            "l2",
        )
        check_parameter(
            isinstance(self.max_iter, numbers.Integral) and self.max_iter >= 1,
            f"{{max_iter}} must be an integer >= 1, got {self.max_iter!r}",
            "max_iter",
        )
        check_parameter(
            isinstance(self.tol, numbers.Real) and self.tol > 0,
            f"{{tol}} must be > 0, got {self.tol!r}",
            "tol",
        )

    def _starting_point(self, Y, n_features, coef_init, intercept_init):
        n_classes = Y.shape[1]
        coef = np.zeros((n_classes, n_features))
        # Log class frequencies: the optimum when coef = 0, so strong penalties start converged.
        log_prior = np.log(Y.mean(axis=0))
        intercept = log_prior - log_prior.mean()
        if coef_init is None and self.warm_start and getattr(self, "coef_", None) is not None:
            if self.coef_.shape == coef.shape:
                coef_init, intercept_init = self.coef_, self.intercept_
        coef = _initial(coef_init, coef, "coef_init")
        intercept = _initial(intercept_init, intercept, "intercept_init")
        return np.concatenate([coef.ravel(), intercept])

    def decision_function(self, X):
        """Logits (n_samples, n_classes)."""
        self._check_fitted()
        X = _as_float64_matrix(X)
        check_parameter(
            X.shape[1] == self.coef_.shape[1],
            f"{{X}} has {X.shape[1]} features, the model was fitted with {self.coef_.shape[1]}",
            "X",
        )
        return np.asarray(X @ self.coef_.T) + self.intercept_

    def predict_proba(self, X):
        return softmax(self.decision_function(X))

    def predict(self, X):
        logits = self.decision_function(X)
        return self.classes_[np.argmax(logits, axis=1)]

    def _check_fitted(self):
        if getattr(self, "coef_", None) is None:
            raise UsageError("this SoftmaxRegression is not fitted yet: call fit(X, y) first")


@dataclass
class Solution:
    x: np.ndarray
    loss: float
    n_iter: int
    converged: bool


def minimize_lbfgs(objective, x0, *, max_iter=1000, tol=1e-6, history=10, rel_decrease=1e-12):
    """Minimize a smooth convex `objective(x) -> (loss, gradient)` by L-BFGS.

    Written here rather than taken from scipy's L-BFGS-B, whose bound handling costs far more
    per iteration than the loss itself when x is large (bag-of-words: ~500k coefficients).
    Stops when max|gradient| <= tol (converged), when an iteration lowers the loss by less than
    `rel_decrease` relative (converged to round-off), or after max_iter iterations.
    """
    x = np.array(x0, dtype=np.float64)
    loss, grad = objective(x)
    pairs = []  # recent (s = x_new - x, y = g_new - g, 1 / (y.s))
    for iteration in range(1, max_iter + 1):
        if np.max(np.abs(grad)) <= tol:
            return Solution(x, loss, iteration - 1, True)
        direction = -_inverse_hessian_times(grad, pairs)
        slope = float(grad @ direction)
        if slope >= 0:  # not a descent direction (round-off): restart from steepest descent
            pairs.clear()
            direction, slope = -grad, -float(grad @ grad)
        first_step = 1.0 if pairs else min(1.0, 1.0 / np.max(np.abs(grad)))
        step, new_loss, new_grad = _backtrack(objective, x, loss, direction, slope, first_step)
        if step == 0.0:
            return Solution(x, loss, iteration, np.max(np.abs(grad)) <= 1e3 * tol)
        s, y = step * direction, new_grad - grad
        curvature = float(s @ y)
        if curvature > 1e-10 * float(y @ y):  # keep the pair only if the curvature is positive
            pairs.append((s, y, 1.0 / curvature))
            if len(pairs) > history:
                pairs.pop(0)
        decrease = loss - new_loss
        x, loss, grad = x + s, new_loss, new_grad
        if decrease <= rel_decrease * max(abs(loss), 1.0):
            return Solution(x, loss, iteration, True)
    return Solution(x, loss, max_iter, bool(np.max(np.abs(grad)) <= tol))


def _inverse_hessian_times(grad, pairs):
    """The L-BFGS two-loop recursion: H^-1 @ grad from the stored (s, y, 1/(y.s)) triples.

    In-place BLAS axpy: with ~500k coefficients a temporary per update costs more than the
    arithmetic (each fresh multi-megabyte array is page-faulted in).
    """
    q = grad.copy()
    alphas = []
    for s, y, rho in reversed(pairs):
        alpha = rho * float(s @ q)
        _axpy(y, q, a=-alpha)
        alphas.append(alpha)
    if pairs:
        s, y, _ = pairs[-1]
        q *= float(s @ y) / float(y @ y)
    for (s, y, rho), alpha in zip(pairs, reversed(alphas)):
        beta = rho * float(y @ q)
        _axpy(s, q, a=alpha - beta)
    return q


def _backtrack(objective, x, loss, direction, slope, step, armijo=1e-4, shrink=0.5, tries=40):
    """(step, loss, grad) with sufficient decrease along `direction`; step 0.0 if none found."""
    for _ in range(tries):
        new_loss, new_grad = objective(x + step * direction)
        if np.isfinite(new_loss) and new_loss <= loss + armijo * step * slope:
            return step, new_loss, new_grad
        step *= shrink
    return 0.0, loss, None


def _unflatten(flat, n_classes, n_features):
    split = n_classes * n_features
    return flat[:split].reshape(n_classes, n_features).copy(), flat[split:].copy()


def _as_float64_matrix(X):
    if scipy.sparse.issparse(X):
        X = scipy.sparse.csr_matrix(X, dtype=np.float64)
        data = X.data
    else:
        X = np.asarray(X, dtype=np.float64)
        check_parameter(
            X.ndim == 2, f"{{X}} must be 2-d (n_samples, n_features), got shape {X.shape}", "X"
        )
        data = X
    check_parameter(X.shape[0] >= 1, "{X} has no rows", "X")
    check_parameter(np.all(np.isfinite(data)), "{X} contains NaN or infinite values", "X")
    return X


def _initial(given, default, name):
    """`given` as float64 if not None (checked to have `default`'s shape), else `default`."""
    if given is None:
        return default
    given = np.asarray(given, dtype=np.float64)
    check_parameter(given.shape == default.shape,
                    f"{{{name}}} must have shape {default.shape}, got {given.shape}", name)
    return given
