"""Softmax regression: gradient check, parity with scikit-learn, warm start, clone, validation."""

import numpy as np
import pytest
import scipy.sparse
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression

from w2v.errors import ParameterError, UsageError
from w2v.sentiment.classifier import SoftmaxRegression, minimize_lbfgs, softmax_loss_and_grad


def blobs(n=600, d=12, k=4, noise=2.0, seed=0):
    """Labels from a noisy linear model, so every lambda gives a different fit."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    true_coef = rng.normal(size=(k, d))
    y = np.argmax(X @ true_coef.T + noise * rng.gumbel(size=(n, k)), axis=1)
    return X, y


def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = h
        grad[i] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


@pytest.mark.parametrize("l2", [0.0, 0.05, 3.0])
def test_gradient_matches_central_differences(l2):
    X, y = blobs(n=60, d=7, k=3)
    Y = np.eye(3)[y]
    rng = np.random.default_rng(1)
    coef, intercept = rng.normal(size=(3, 7)), rng.normal(size=3)
    _, grad_coef, grad_intercept = softmax_loss_and_grad(coef, intercept, X, Y, l2)
    numeric_coef = numerical_gradient(
        lambda c: softmax_loss_and_grad(c, intercept, X, Y, l2)[0], coef
    )
    numeric_intercept = numerical_gradient(
        lambda b: softmax_loss_and_grad(coef, b, X, Y, l2)[0], intercept
    )
    for analytic, numeric in ((grad_coef, numeric_coef), (grad_intercept, numeric_intercept)):
        error = np.linalg.norm(analytic - numeric) / np.linalg.norm(analytic + numeric)
        assert error < 1e-6, f"relative gradient error {error:.2e} (l2={l2})"


def test_loss_is_mean_cross_entropy_plus_half_l2_norm():
    X, y = blobs(n=50, d=5, k=3)
    rng = np.random.default_rng(2)
    coef, intercept = rng.normal(size=(3, 5)), rng.normal(size=3)
    logits = X @ coef.T + intercept
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    expected = -np.mean(np.log(probabilities[np.arange(50), y])) + 0.5 * 0.7 * np.sum(coef**2)
    loss, _, _ = softmax_loss_and_grad(coef, intercept, X, np.eye(3)[y], 0.7)
    assert loss == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("l2", [1e-6, 1e-3, 1e-1, 10.0])
def test_agrees_with_scikit_learn_logistic_regression(l2):
    X, y = blobs()
    ours = SoftmaxRegression(l2=l2, tol=1e-8).fit(X, y)
    theirs = LogisticRegression(C=1 / (l2 * len(y)), tol=1e-10, max_iter=10_000).fit(X, y)
    accuracy_gap = abs(ours.score(X, y) - theirs.score(X, y))
    assert accuracy_gap <= 0.005, f"accuracy differs by {accuracy_gap:.4f} at l2={l2}"
    # The softmax is invariant to a common shift of the rows, so compare centred coefficients.
    centred = lambda c: c - c.mean(axis=0)  # noqa: E731
    assert np.allclose(centred(ours.coef_), centred(theirs.coef_), atol=1e-4 * (1 + 1 / l2**0.5))
    assert np.allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-4)


def test_sparse_input_gives_the_dense_solution():
    X, y = blobs(n=200, d=30)
    X[np.abs(X) < 1.0] = 0.0
    dense = SoftmaxRegression(l2=1e-3).fit(X, y)
    sparse = SoftmaxRegression(l2=1e-3).fit(scipy.sparse.csr_matrix(X), y)
    assert np.allclose(dense.coef_, sparse.coef_, atol=1e-5)


def test_warm_start_and_initial_coefficients_reach_the_same_optimum_faster():
    X, y = blobs(n=800, d=20)
    cold = SoftmaxRegression(l2=1e-4).fit(X, y)
    warm = SoftmaxRegression(l2=1e-3, warm_start=True).fit(X, y).set_params(l2=1e-4).fit(X, y)
    assert np.allclose(cold.coef_, warm.coef_, atol=1e-4)
    again = SoftmaxRegression(l2=1e-4).fit(
        X, y, coef_init=cold.coef_, intercept_init=cold.intercept_
    )
    assert again.n_iter_ <= 2, f"restarting at the optimum took {again.n_iter_} iterations"
    assert warm.n_iter_ < cold.n_iter_


def test_clone_copies_the_parameters_but_not_the_fit():
    X, y = blobs(n=100, d=4, k=3)
    fitted = SoftmaxRegression(l2=0.5, max_iter=50, tol=1e-4, warm_start=True).fit(X, y)
    copy = clone(fitted)
    assert copy is not fitted and copy.get_params() == fitted.get_params()
    assert copy.get_params() == {"l2": 0.5, "max_iter": 50, "tol": 1e-4, "warm_start": True}
    assert not hasattr(copy, "coef_"), "a clone is not fitted"
    assert np.allclose(copy.fit(X, y).coef_, fitted.coef_)
    assert repr(SoftmaxRegression(l2=0.5)) == "SoftmaxRegression(l2=0.5)"
    with pytest.raises(ValueError, match="Invalid parameter 'C'"):
        SoftmaxRegression().set_params(C=1.0)


def test_string_labels_predict_and_proba_shapes():
    X, y = blobs(n=120, d=4, k=3)
    names = np.array(["neg", "neutral", "pos"])[y]
    model = SoftmaxRegression(l2=1e-2).fit(X, names)
    assert list(model.classes_) == ["neg", "neutral", "pos"]
    assert set(model.predict(X)) <= set(model.classes_)
    probabilities = model.predict_proba(X)
    assert probabilities.shape == (120, 3) and np.allclose(probabilities.sum(axis=1), 1)
    assert model.score(X, names) > 0.4, "well above chance (1/3) on learnable data"


def test_lbfgs_minimizes_a_badly_scaled_quadratic():
    scales = np.logspace(0, 4, 50)
    solution = minimize_lbfgs(
        lambda x: (0.5 * np.sum(scales * (x - 1) ** 2), scales * (x - 1)),
        np.zeros(50),
        tol=1e-9,
        max_iter=2000,
    )
    assert solution.converged and np.allclose(solution.x, 1, atol=1e-8)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"l2": -1.0}, "l2 must be a finite number >= 0, got -1.0"),
        ({"l2": float("nan")}, "l2 must be a finite number >= 0"),
        ({"max_iter": 0}, "max_iter must be an integer >= 1, got 0"),
        ({"tol": 0.0}, "tol must be > 0, got 0.0"),
    ],
)
def test_invalid_parameters_are_named(params, message):
    X, y = blobs(n=20, d=3, k=2)
    with pytest.raises(UsageError, match=message.replace("(", r"\(")) as error:
        SoftmaxRegression(**params).fit(X, y)
    assert isinstance(error.value, ParameterError) and error.value.parameters == tuple(params)


def test_invalid_data_is_named():
    X, y = blobs(n=20, d=3, k=2)
    with pytest.raises(UsageError, match="at least 2 classes"):
        SoftmaxRegression().fit(X, np.zeros(20))
    with pytest.raises(UsageError, match="one label per row of X"):
        SoftmaxRegression().fit(X, y[:5])
    X_bad = X.copy()
    X_bad[3, 1] = np.nan
    with pytest.raises(UsageError, match="NaN or infinite"):
        SoftmaxRegression().fit(X_bad, y)
    with pytest.raises(UsageError, match="not fitted"):
        SoftmaxRegression().predict(X)
    with pytest.raises(UsageError, match="X has 2 features, the model was fitted with 3"):
        SoftmaxRegression().fit(X, y).predict(X[:, :2])
