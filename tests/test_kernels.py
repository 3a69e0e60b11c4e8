"""Kernels: float64 numerical gradient checks, and whole batches against a NumPy reference."""

import numpy as np
import pytest
from numba import njit

from w2v.training import kernels
from w2v.training.vocab import alias_table, huffman_tree

RELATIVE_TOLERANCE = 1e-5
EPS = 1e-6


def relative_error(analytic, numeric):
    return np.max(np.abs(analytic - numeric)) / max(np.max(np.abs(numeric)), 1e-8)


def numerical_gradient(loss, W):
    """Central differences of loss() with respect to every entry of W (modified in place)."""
    grad = np.zeros_like(W)
    for index in np.ndindex(*W.shape):
        saved = W[index]
        W[index] = saved + EPS
        plus = loss()
        W[index] = saved - EPS
        minus = loss()
        W[index] = saved
        grad[index] = (plus - minus) / (2 * EPS)
    return grad


# Each case: the inputs X come from W_in as the kernels form them, the outputs from W_out.
V, D = 7, 5
CONTEXTS = np.array([1, 3, 3, 6], np.int32)  # a repeated context word, as windows can have


def skipgram_inputs(W_in):
    X = np.empty((len(CONTEXTS), D))
    kernels.gather(W_in, CONTEXTS, len(CONTEXTS), X)
    return X


def cbow_inputs(mean):
    def build(W_in):
        X = np.empty((1, D))
        kernels.gather_mean(W_in, CONTEXTS, len(CONTEXTS), mean, X)
        return X

    return build


def input_gradient(GX, arch, mean):
    """dL/dW_in from dL/dX through the way X was formed (the exact chain rule)."""
    grad = np.zeros((V, D))
    for i, word in enumerate(CONTEXTS):
        if arch == "skipgram":
            grad[word] += GX[i]
        else:
            grad[word] += GX[0] / (len(CONTEXTS) if mean else 1)
    return grad


def logistic_objective(rows, labels):
    def objective(X, W_out):
        GX, GY, G = np.empty_like(X), np.empty((len(rows), D)), np.empty((len(X), len(rows)))
        loss = kernels.logistic_grad(X, W_out, rows, labels, G, GX, GY)
        grad_out = np.zeros_like(W_out)
        np.add.at(grad_out, rows, GY)
        return loss, GX, grad_out

    return objective


def softmax_objective(target):
    def objective(X, W_out):
        GX, GY = np.empty_like(X), np.empty_like(W_out)
        scores = np.empty((X.shape[0], W_out.shape[0]))
        loss = kernels.softmax_grad(X, W_out, target, scores, GX, GY)
        return loss, GX, GY

    return objective


def negative_sampling():
    rows = np.array([2, 4, 0, 4, 5], np.int32)  # centre 2 then noise words, one drawn twice
    return logistic_objective(rows, np.array([1, 0, 0, 0, 0], np.uint8)), V


def hierarchical_softmax():
    codes, points, depth = huffman_tree(np.array([50, 30, 20, 10, 5, 3, 1]))
    word = 5
    rows = points[word, : depth[word]]
    labels = (1 - codes[word, : depth[word]]).astype(np.uint8)
    return logistic_objective(rows, labels), V - 1


def full_softmax():
    return softmax_objective(2), V


OBJECTIVES = {"neg": negative_sampling, "hs": hierarchical_softmax, "softmax": full_softmax}
ARCHITECTURES = {
    "skipgram": (skipgram_inputs, False),
    "cbow-mean": (cbow_inputs(True), True),
    "cbow-sum": (cbow_inputs(False), False),
}


@pytest.mark.parametrize("arch", ARCHITECTURES)
@pytest.mark.parametrize("objective_name", OBJECTIVES)
def test_gradients_match_central_differences(arch, objective_name):
    rng = np.random.default_rng(0)
    objective, out_rows = OBJECTIVES[objective_name]()
    make_inputs, mean = ARCHITECTURES[arch]
    W_in = rng.normal(0, 0.5, (V, D))
    W_out = rng.normal(0, 0.5, (out_rows, D))

    loss, GX, grad_out = objective(make_inputs(W_in), W_out)
    grad_in = input_gradient(GX, arch.split("-")[0], mean)

    def current_loss():
        return objective(make_inputs(W_in), W_out)[0]

    assert loss > 0
    assert relative_error(grad_in, numerical_gradient(current_loss, W_in)) < RELATIVE_TOLERANCE, (
        f"{arch}/{objective_name}: centre (input) gradient disagrees with central differences"
    )
    assert relative_error(grad_out, numerical_gradient(current_loss, W_out)) < RELATIVE_TOLERANCE, (
        f"{arch}/{objective_name}: outside (output) gradient disagrees with central differences"
    )


def test_logistic_loss_is_exact_for_extreme_scores():
    X = np.array([[40.0]])
    W_out = np.array([[1.0], [-1.0]])
    GX, GY, G = np.empty((1, 1)), np.empty((2, 1)), np.empty((1, 2))
    rows, labels = np.array([0, 1], np.int32), np.array([0, 1], np.uint8)
    loss = kernels.logistic_grad(X, W_out, rows, labels, G, GX, GY)
    assert loss == pytest.approx(2 * (40 + np.log1p(np.exp(-40))), rel=1e-12)
    assert GX[0, 0] == pytest.approx(2.0, rel=1e-12)


# --- whole batches against a NumPy reference that replays the kernels' random draws ----------
# (the draws themselves are measured against word2vec's rules in test_sampling.py)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def reference_batch(tokens, starts, W_in, W_out, keep, window, lr0, lr1, seed, objective, cbow,
                    cbow_mean=True):
    """The same SGD as the kernels, in plain NumPy; random draws replayed through the kernels'
    own generator functions so both see the same windows and noise words."""
    state = kernels.seed_state(seed)
    sentence, ctx = np.empty(len(tokens), np.int32), np.empty(2 * window, np.int32)
    loss, pairs = 0.0, 0
    for s in range(len(starts) - 1):
        lr = lr0 + (lr1 - lr0) * (starts[s] - starts[0]) / max(starts[-1] - starts[0], 1)
        n = kernels.subsample(tokens, starts[s], starts[s + 1], keep, state, sentence)
        drawn = [objective.draw(sentence[c], state) for c in range(n)]  # noise words come first
        for c in range(n):
            m = kernels.contexts(sentence, n, c, window, state, ctx)
            if m == 0:
                continue
            X = W_in[ctx[:m]]
            if cbow:
                X = X.mean(axis=0, keepdims=True) if cbow_mean else X.sum(axis=0, keepdims=True)
            step_loss, GX, rows, GY = objective(sentence[c], X, W_out, drawn[c])
            if cbow:
                np.add.at(W_in, ctx[:m], -lr * np.repeat(GX, m, axis=0))
            else:
                np.add.at(W_in, ctx[:m], -lr * GX)
            np.add.at(W_out, rows, -lr * GY)
            loss += step_loss
            pairs += 1 if cbow else m
    return loss, pairs


def no_draw(centre, state):
    return None


def reference_logistic(X, W_out, rows, labels):
    """(loss, dL/dX, rows, dL/dW_out[rows]) of the binary logistic loss, in NumPy."""
    S = X @ W_out[rows].T
    loss = -np.sum(np.log(sigmoid(np.where(labels == 1, S, -S))))
    G = sigmoid(S) - labels
    return loss, G @ W_out[rows], rows, G.T @ X


def reference_negative(accept, alias, negative):
    def draw(centre, state):
        rows = np.empty(negative + 1, np.int32)
        kernels.draw_targets(centre, negative, accept, alias, state, rows)
        return rows

    def targets(centre, rows):
        labels = np.zeros(negative + 1)
        labels[0] = 1
        return rows, labels

    def objective(centre, X, W_out, rows):
        return reference_logistic(X, W_out, *targets(centre, rows))

    objective.draw = draw
    return objective


def reference_hierarchical(codes, points, depth):
    def targets(centre, drawn):
        return points[centre, : depth[centre]], 1.0 - codes[centre, : depth[centre]]

    def objective(centre, X, W_out, drawn):
        return reference_logistic(X, W_out, *targets(centre, drawn))

    objective.draw = no_draw
    return objective


def reference_softmax():
    def objective(centre, X, W_out, drawn):
        S = X @ W_out.T
        P = np.exp(S - S.max(axis=1, keepdims=True))
        P /= P.sum(axis=1, keepdims=True)
        loss = -np.sum(np.log(P[:, centre]))
        P[:, centre] -= 1
        return loss, P @ W_out, np.arange(W_out.shape[0]), P.T @ X

    objective.draw = no_draw
    return objective


def tiny_corpus(rng, vocab_size=12, n_tokens=300):
    counts = np.sort(rng.integers(5, 100, vocab_size))[::-1]
    tokens = rng.choice(vocab_size, n_tokens, p=counts / counts.sum()).astype(np.int32)
    starts = np.array([0, 40, 41, 120, 200, n_tokens], np.int64)  # includes a 1-word sentence
    keep = np.clip(rng.random(vocab_size), 0.5, 1.0).astype(np.float64)
    return counts, tokens, starts, keep


KERNEL_CASES = [f"{arch}-{loss}" for arch in ("skipgram", "cbow_mean", "cbow_sum")
                for loss in ("neg", "hs", "softmax")]


@pytest.mark.parametrize("case", KERNEL_CASES)
def test_batch_kernel_matches_numpy_reference(case):
    arch, loss_name = case.split("-")
    arch, cbow_mean = arch.split("_")[0], arch != "cbow_sum"
    rng = np.random.default_rng(1)
    counts, tokens, starts, keep = tiny_corpus(rng)
    V, window, negative, seed = len(counts), 3, 4, 7
    W_in = rng.normal(0, 0.3, (V, 6))
    out_rows = V - 1 if loss_name == "hs" else V
    W_out = rng.normal(0, 0.3, (out_rows, 6))
    cbow = arch == "cbow"
    architecture = kernels.CBOW(cbow_mean) if cbow else kernels.SkipGram()
    if loss_name == "neg":
        accept, alias = alias_table(counts ** 0.75 / np.sum(counts ** 0.75))
        tables = kernels.Negative(accept, alias, negative)
        objective = reference_negative(accept, alias, negative)
    elif loss_name == "hs":
        codes, points, depth = huffman_tree(counts)
        tables = kernels.Hierarchical.from_tree(codes, points, depth)
        objective = reference_hierarchical(codes, points, depth)
    else:
        tables = kernels.Softmax()
        objective = reference_softmax()

    W_in_ref, W_out_ref = W_in.copy(), W_out.copy()
    loss, pairs = kernels.train_batch(tokens, starts, W_in, W_out, keep, window, 0.05, 0.01, seed,
                                      architecture, tables)
    ref_loss, ref_pairs = reference_batch(tokens, starts, W_in_ref, W_out_ref, keep, window, 0.05,
                                          0.01, seed, objective, cbow, cbow_mean)
    assert pairs == ref_pairs > 0
    assert loss == pytest.approx(ref_loss, rel=1e-9)
    np.testing.assert_allclose(W_in, W_in_ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(W_out, W_out_ref, rtol=1e-9, atol=1e-12)


def test_noise_draws_follow_the_distribution():
    probabilities = np.array([0.5, 0.25, 0.125, 0.0625, 0.0625])
    accept, alias = alias_table(probabilities)
    state = kernels.seed_state(3)
    draws = np.array([kernels.draw_noise(accept, alias, state) for _ in range(40_000)])
    frequencies = np.bincount(draws, minlength=5) / len(draws)
    np.testing.assert_allclose(frequencies, probabilities, atol=0.01)


def test_float32_exp_matches_the_library_to_a_few_ulps():
    x = -np.concatenate([np.linspace(0, 87.3, 200_001), np.geomspace(1e-8, 1, 1000)]).astype(np.float32)
    ours = exp_of_each(x)
    exact = np.exp(x.astype(np.float64))
    assert ours.dtype == np.float32
    assert np.max(np.abs(ours - exact) / exact) < 4e-7
    assert exp_of_each(np.array([-200.0, -1e30], np.float32)).min() > 0  # clamped, not 0


@njit
def exp_of_each(x):
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        out[i] = kernels.exp_nonpositive(x[i])
    return out
