"""Numba kernels: loss and gradients of the word2vec objectives, and SGD over a batch of sentences.

Only functions of arrays and NamedTuples of tables live here, no I/O. Orientation as in word2vec
C and gensim: the *input* vectors (rows of `W_in`, the word vectors users keep) of the context
words predict the *output* vectors (rows of `W_out`) of the centre word.

Two losses cover the three objectives:
- `logistic_grad`: binary logistic loss of the scores X @ W_out[rows].T against 0/1 labels.
  Negative sampling: rows = [centre, k noise words], labels = [1, 0, ..., 0]. Hierarchical softmax:
  rows = the inner nodes on the centre word's Huffman path, labels = 1 - its branch codes.
- `softmax_grad`: cross-entropy of softmax(X @ W_out.T) against the centre word.
X holds the input vectors: one row per context word (skip-gram, the window's contexts sharing
one draw of noise words), or one row, the mean/sum of the contexts (CBOW).

One batch loop, `train_batch`, serves every architecture and objective: the architecture
(`SkipGram`, `CBOW`) and the objective (`Negative`, `Hierarchical`, `Softmax`, each a NamedTuple of
its tables) are arguments whose methods supply the steps that differ, so Numba compiles (and caches)
one loop per (architecture, objective) pair with no dispatch at run time.

The same functions compile for float32 (training) and float64 (the gradient checks in tests).
Scalars in hot loops are cast to the array dtype (`like`): a float64 scalar in a float32 loop
halves the SIMD width. Losses are summed in float64.

This file is longer than the others on purpose: the batch loop, the architectures' and the
objectives' methods and their small inlined helpers compile together into each loop, and
reading them side by side is how a change to one is checked against the others.
"""

import functools
from typing import NamedTuple

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic, overload

_KERNEL = dict(nogil=True, cache=True)
_LEAF = dict(nogil=True, cache=True, fastmath=True)  # fastmath only where reassociation is safe
# The helpers called per word are inlined into their callers (Numba IR): a call holds a reference
# to each array argument across it, two atomic NRT updates per array and call, which took a quarter
# of CBOW's time. The losses stay calls: they call `dot`, whose fastmath must stay its own.
_INLINE = dict(nogil=True, cache=True, inline="always")


# --- dtype-generic scalar cast ----------------------------------------------------------------


def like(value, array):
    """`value` as a scalar of `array`'s dtype."""
    return array.dtype.type(value)


@overload(like)
def _like_jit(value, array):
    dtype = array.dtype

    def impl(value, array):
        return dtype(value)

    return impl


def per_class(prototype):
    """Decorator: `prototype(self, ...)` becomes the function calling self.<its name>(...), for
    the NamedTuple classes below, whose methods of that name take the same arguments. Numba picks
    the method from self's class when it compiles the caller and inlines it there: one compiled
    (and disk-cached) caller per class, no dispatch at run time. (Jitted functions passed as
    arguments would defeat the disk cache: its key would hold their per-process identities.)"""
    name = prototype.__name__

    @functools.wraps(prototype)
    def call(self, *args):
        return getattr(self, name)(*args)

    @overload(call, inline="always")
    @functools.wraps(prototype)  # Numba checks the method's arguments against the prototype's
    def _call_jit(self, *args):
        return getattr(self.instance_class, name)

    return call


# --- software prefetch: a sentence's rows are known ahead, so fetch them before they are needed


def prefetch(array, flat_index):
    """Hint the CPU to load array's element `flat_index` into cache; a no-op without the JIT."""


@overload(prefetch)
def _prefetch_jit(array, flat_index):
    def impl(array, flat_index):
        _llvm_prefetch(array, flat_index)

    return impl


@intrinsic
def _llvm_prefetch(typingctx, array, flat_index):
    """llvm.prefetch (read, keep, data cache) of array's element `flat_index`."""

    def codegen(context, builder, signature, args):
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        byte_pointer = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        function = builder.module.declare_intrinsic(
            "llvm.prefetch", fnty=ir.FunctionType(ir.VoidType(), [byte_pointer, i32, i32, i32]))
        address = builder.bitcast(builder.gep(data, [args[1]]), byte_pointer)
        builder.call(function, [address, i32(0), i32(3), i32(1)])  # read, keep, data cache
        return context.get_dummy_value()

    return types.void(array, flat_index), codegen


@njit(**_INLINE)
def prefetch_rows(W, rows):
    """Prefetch every 64-byte line of the rows W[rows] (float32: 16 values a line)."""
    for j in range(rows.shape[0]):
        base = rows[j] * W.shape[1]
        for t in range(0, W.shape[1], 16):
            prefetch(W, base + t)


PREFETCH_AHEAD = 2  # centres: measured faster than 4 on this machine


@njit(**_INLINE)
def prefetch_entering(W_in, sentence, n, c, window):
    """Before centre c: the input row of the word entering the context windows soonest."""
    entering = c + window + PREFETCH_AHEAD
    if entering < n:
        prefetch_rows(W_in, sentence[entering : entering + 1])


# --- random numbers: xorshift64*, one explicit state per batch ---------------------------------


@njit(**_KERNEL)
def seed_state(seed):
    """A non-zero xorshift state from any integer seed (splitmix64 finalizer)."""
    x = np.uint64(seed) + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    x = x ^ (x >> np.uint64(31))
    state = np.empty(1, np.uint64)
    state[0] = x if x != np.uint64(0) else np.uint64(1)
    return state


@njit(**_INLINE)
def next_random(state):
    x = state[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    state[0] = x
    return x * np.uint64(2685821657736338717)


@njit(**_INLINE)
def random_float(state):
    """Uniform float32 in [0, 1) with 24 random bits."""
    return np.float32((next_random(state) >> np.uint64(40)) * np.float32(1.0 / 16777216.0))


@njit(**_INLINE)
def random_below(state, n):
    """Uniform integer in [0, n), n < 2**32 (multiply-shift, no modulo)."""
    return np.int64(((next_random(state) >> np.uint64(32)) * np.uint64(n)) >> np.uint64(32))


@njit(**_INLINE)
def draw_noise(accept, alias, state):
    """One word from the noise distribution (Walker alias table from vocab.alias_table)."""
    bucket = random_below(state, accept.shape[0])
    return bucket if random_float(state) < accept[bucket] else alias[bucket]


# --- exp in float32 without a library call -----------------------------------------------------


EXP_LOWEST = -87.33654  # log of float32's smallest normal number


def exp_nonpositive(x):
    """exp(x) for x <= 0, clamped at float32's smallest normal number (x < EXP_LOWEST)."""
    return np.exp(max(x, EXP_LOWEST))


@overload(exp_nonpositive, inline="always")
def _exp_nonpositive_jit(x):
    if x != types.float32:  # float64 (gradient checks): the library's exp
        return lambda x: np.exp(max(x, EXP_LOWEST))
    # float32: exp(x) = 2**n * exp(r), |r| <= ln(2) / 2, exp(r) by Cephes' degree-7 polynomial
    # (1 ulp). Inline arithmetic: ~15% of CBOW's time went to calls of the library's expf.
    f = np.float32
    log2e, ln2_hi, ln2_lo, lowest = f(1.44269504), f(0.693359375), f(-2.12194440e-4), f(EXP_LOWEST)
    p0, p1, p2 = f(1.9875691500e-4), f(1.3981999507e-3), f(8.3334519073e-3)
    p3, p4, p5 = f(4.1665795894e-2), f(1.6666665459e-1), f(5.0000001201e-1)
    one, half = f(1.0), f(0.5)

    def impl(x):
        x = max(x, lowest)
        n = np.floor(x * log2e + half)
        r = x - n * ln2_hi - n * ln2_lo
        poly = ((((p0 * r + p1) * r + p2) * r + p3) * r + p4) * r + p5
        two_to_n = _float32_with_bits((np.int32(n) + np.int32(127)) << np.int32(23))
        return (poly * r * r + r + one) * two_to_n

    return impl


@intrinsic
def _float32_with_bits(typingctx, bits):
    """The float32 whose IEEE bits are the int32 `bits`."""

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.FloatType())

    return types.float32(types.int32), codegen


# --- vector leaves -----------------------------------------------------------------------------


@njit(**_LEAF)
def dot(A, i, B, j):
    """A[i] . B[j], without creating row views (each view would touch a reference count)."""
    total = A[i, 0] - A[i, 0]
    for t in range(A.shape[1]):
        total += A[i, t] * B[j, t]
    return total


@njit(**_INLINE)
def axpy(alpha, A, i, B, j):
    """B[j] += alpha * A[i]."""
    a = like(alpha, B)
    for t in range(B.shape[1]):
        B[j, t] += a * A[i, t]


# --- losses and gradients ----------------------------------------------------------------------


@njit(**_KERNEL)
def logistic_term(score, label):
    """(p, dloss/dscore) for the loss -log p, p = sigmoid(score) for label 1, else sigmoid(-score).

    Callers multiply several p before taking one log (a log per score would cost as much as the
    dot products).
    """
    margin = score if label else -score  # in the score's own precision: float32 when training
    e = exp_nonpositive(-abs(margin))
    one = e - e + 1
    p = one / (one + e) if margin >= 0 else e / (one + e)
    return np.float64(p), (p - one) if label else (one - p)


@njit(**_LEAF)
def score_tiles(X, W, rows, S):
    """S[i, j] = X[i] . W[rows[j]], two contexts by two rows at a time: each loaded value
    serves two products (a dot product per pair loads twice as much)."""
    m, k = X.shape[0], rows.shape[0]
    for i in range(0, m - 1, 2):
        for j in range(0, k - 1, 2):
            r0, r1 = rows[j], rows[j + 1]
            s00 = s01 = s10 = s11 = X[i, 0] - X[i, 0]
            for t in range(X.shape[1]):
                x0, x1, w0, w1 = X[i, t], X[i + 1, t], W[r0, t], W[r1, t]
                s00 += x0 * w0
                s01 += x0 * w1
                s10 += x1 * w0
                s11 += x1 * w1
            S[i, j], S[i, j + 1], S[i + 1, j], S[i + 1, j + 1] = s00, s01, s10, s11
        if k % 2:
            S[i, k - 1] = dot(X, i, W, rows[k - 1])
            S[i + 1, k - 1] = dot(X, i + 1, W, rows[k - 1])
    if m % 2:
        for j in range(k):
            S[m - 1, j] = dot(X, m - 1, W, rows[j])


def row_of(rows, j):
    """rows[j], or j itself when rows is None (the overload picks its implementation from the
    type of `rows`: a branch on `is None` would type both sides)."""
    return j if rows is None else rows[j]


@overload(row_of, inline="always")
def _row_of_jit(rows, j):
    if isinstance(rows, types.NoneType):
        return lambda rows, j: j
    return lambda rows, j: rows[j]


@njit(**_KERNEL)
def combine_rows(C, A, rows, out):
    """out[i] = sum_j C[i, j] * A[rows[j]] (rows None: A[j]), four rows of A at a time: one load
    and store of out[i] per four products (an axpy per product loads and stores it each time)."""
    k = C.shape[1]
    for i in range(out.shape[0]):
        out[i] = 0
        j = 0
        while j + 3 < k:
            r0, r1 = row_of(rows, j), row_of(rows, j + 1)
            r2, r3 = row_of(rows, j + 2), row_of(rows, j + 3)
            c0, c1 = C[i, j], C[i, j + 1]
            c2, c3 = C[i, j + 2], C[i, j + 3]
            for t in range(out.shape[1]):
                out[i, t] += c0 * A[r0, t] + c1 * A[r1, t] + c2 * A[r2, t] + c3 * A[r3, t]
            j += 4
        while j < k:
            axpy(C[i, j], A, row_of(rows, j), out, i)
            j += 1


@njit(**_INLINE)
def scores_to_gradients(G, labels):
    """G[i, j], the score of X[i] against output row j with label labels[j], becomes dL/dscore,
    in place. Returns the loss L, float64, summed over G."""
    loss = 0.0
    likelihood = 1.0
    for i in range(G.shape[0]):
        for j in range(G.shape[1]):
            p, G[i, j] = logistic_term(G[i, j], labels[j])
            likelihood *= p
            if likelihood < 1e-150:  # fold into the sum before the product underflows
                loss -= np.log(likelihood)
                likelihood = 1.0
    return loss - np.log(likelihood)


@njit(**_KERNEL)
def logistic_grad(X, W_out, rows, labels, G, GX, GY):
    """Binary logistic loss of the scores X[i] . W_out[rows[j]] against labels[j].

    X (m, d) input vectors, rows int (k,), labels (k,) 0/1, G (m, k) scratch. Writes
    GX (m, d) = dL/dX and GY (k, d) = dL/dW_out[rows] (a row repeated in `rows` gets one gradient
    per occurrence). Returns L, float64, summed over the m x k scores.
    """
    score_tiles(X, W_out, rows, G)
    loss = scores_to_gradients(G, labels)
    combine_rows(G, W_out, rows, GX)
    combine_rows(G.T, X, None, GY)
    return loss


@njit(**_KERNEL)
def logistic_step(X, W_out, rows, labels, G, GX, lr):
    """CBOW's step of the binary logistic loss of X[0] . W_out[rows[j]] against labels[j]: writes
    GX[0] = dL/dX[0] and takes the SGD step on W_out[rows]. Returns L, float64.

    Every row is scored before any is updated: the scores are independent, so the CPU overlaps
    them (word2vec C scores and updates row after row).
    """
    score_tiles(X[:1], W_out, rows, G)
    loss = scores_to_gradients(G, labels)
    combine_rows(G, W_out, rows, GX)
    for j in range(rows.shape[0]):
        axpy(-lr * G[0, j], X, 0, W_out, rows[j])
    return loss


@njit(**_KERNEL)
def softmax_grad(X, W_out, target, scores, GX, GY):
    """Cross-entropy of softmax(X[i] @ W_out.T) against `target`, summed over the m rows of X.

    X (m, d), W_out (V, d); scores (m, V) is scratch. Writes GX (m, d) = dL/dX and GY (V, d) =
    dL/dW_out. Returns L, float64.
    """
    loss = 0.0
    for i in range(X.shape[0]):
        top = -np.inf
        for v in range(W_out.shape[0]):
            scores[i, v] = dot(X, i, W_out, v)
            top = max(top, np.float64(scores[i, v]))
        total = 0.0
        for v in range(W_out.shape[0]):
            total += np.exp(np.float64(scores[i, v]) - top)
        log_z = top + np.log(total)
        loss += log_z - scores[i, target]
        for v in range(W_out.shape[0]):
            scores[i, v] = like(np.exp(np.float64(scores[i, v]) - log_z), scores)
        scores[i, target] -= 1
    GX[:] = 0
    GY[:] = 0
    for i in range(X.shape[0]):
        for v in range(W_out.shape[0]):
            axpy(scores[i, v], W_out, v, GX, i)
            axpy(scores[i, v], X, i, GY, v)
    return loss


# --- windows -----------------------------------------------------------------------------------


@njit(**_INLINE)
def subsample(tokens, start, end, keep_prob, state, out):
    """Copy tokens[start:end] into `out`, dropping each word w with probability 1 - keep_prob[w]."""
    n = 0
    for i in range(start, end):
        w = tokens[i]
        if keep_prob[w] >= 1 or random_float(state) < keep_prob[w]:
            out[n] = w
            n += 1
    return n


@njit(**_INLINE)
def contexts(sentence, n, centre, window, state, out):
    """Fill `out` with the context words of sentence[centre] in a reduced window; return count.

    As word2vec: the half-width is drawn uniformly from 1..window for every centre word, so
    nearer words are context more often.
    """
    reach = 1 + random_below(state, window)
    m = 0
    for p in range(max(0, centre - reach), min(n, centre + reach + 1)):
        if p != centre:
            out[m] = sentence[p]
            m += 1
    return m


@njit(**_KERNEL)
def learning_rate(lr_start, lr_end, done, total):
    """The learning rate after `done` of `total` words: linear from lr_start to lr_end (word2vec's
    schedule; the trainer's per-batch rates and a batch's per-sentence rates both come from here)."""
    return lr_start + (lr_end - lr_start) * min(done / max(total, 1), 1.0)


# --- SGD steps: gather the input rows, take the gradient, scatter the update ------------------


@njit(**_INLINE)
def gather(W, ids, m, X):
    for i in range(m):
        for t in range(W.shape[1]):
            X[i, t] = W[ids[i], t]


@njit(**_INLINE)
def gather_mean(W, ids, m, mean, X):
    """X[0] = sum (or mean) of the rows W[ids[:m]]."""
    X[0] = 0
    for i in range(m):
        axpy(1.0, W, ids[i], X, 0)
    if mean:
        X[0] *= like(1.0 / m, X)


@njit(**_INLINE)
def scatter(W, ids, G, lr):
    """W[ids[i]] -= lr * G[i] for each i."""
    for i in range(ids.shape[0]):
        axpy(-lr, G, i, W, ids[i])


@njit(**_INLINE)
def scatter_all(W, G, lr):
    """W -= lr * G, row by row (no temporary)."""
    for v in range(W.shape[0]):
        axpy(-lr, G, v, W, v)


@njit(**_INLINE)
def scatter_one(W, ids, G, lr):
    """W[ids[i]] -= lr * g for each i: CBOW sends the hidden vector's gradient to every context,
    as word2vec C does (for --cbow-mean that is m times the exact gradient of each context)."""
    for i in range(ids.shape[0]):
        axpy(-lr, G, 0, W, ids[i])


@njit(**_INLINE)
def draw_targets(centre, negative, accept, alias, state, rows):
    """rows = [centre, `negative` noise words]; a draw equal to the centre is redrawn."""
    rows[0] = centre
    for k in range(1, negative + 1):
        w = draw_noise(accept, alias, state)
        for _ in range(8):
            if w != centre:
                break
            w = draw_noise(accept, alias, state)
        rows[k] = w


@njit(**_INLINE)
def sentence_targets(sentence, n, negative, accept, alias, state, targets):
    """targets[c] = draw_targets for every centre of the sentence, drawn up front so that the
    rows can be prefetched ahead of use."""
    for c in range(n):
        draw_targets(sentence[c], negative, accept, alias, state, targets[c])


# --- architectures: how the context words' input rows form X, and how their gradient returns ---


@per_class
def hidden_rows(self, W_in, ctx, m, X):
    """Write the input rows X[:r] from the m contexts ctx[:m]; returns r, the predictions made."""


@per_class
def logistic_update(self, X, W_out, rows, labels, GX, GY, G, lr):
    """The binary logistic loss of X against W_out[rows] and labels, with its SGD step on
    W_out[rows]; writes GX = dL/dX (scratch: GY a row per row, G a score per pair). Returns the
    loss, float64."""


@per_class
def update_inputs(self, W_in, ctx, GX, lr):
    """The SGD step on the input rows W_in[ctx] from GX = dL/dX."""


class SkipGram(NamedTuple):
    """Skip-gram: each context word's input row predicts the centre word, one prediction each."""

    def hidden_rows(self, W_in, ctx, m, X):
        """X[:m] = the input rows of the m contexts, one prediction each."""
        gather(W_in, ctx, m, X)
        return m

    def logistic_update(self, X, W_out, rows, labels, GX, GY, G, lr):
        loss = logistic_grad(X, W_out, rows, labels, G[: X.shape[0], : rows.shape[0]], GX, GY)
        scatter(W_out, rows, GY, lr)
        return loss

    def update_inputs(self, W_in, ctx, GX, lr):
        scatter(W_in, ctx, GX, lr)


class CBOW(NamedTuple):
    """CBOW: the mean (`mean` True) or sum of the context words' input rows predicts the centre."""

    mean: bool

    def hidden_rows(self, W_in, ctx, m, X):
        """X[0] = the mean or sum of the m contexts' input rows: one prediction."""
        gather_mean(W_in, ctx, m, self.mean, X)
        return 1

    def logistic_update(self, X, W_out, rows, labels, GX, GY, G, lr):
        return logistic_step(X, W_out, rows, labels, G[:1, : rows.shape[0]], GX, lr)

    def update_inputs(self, W_in, ctx, GX, lr):
        scatter_one(W_in, ctx, GX, lr)


# --- objectives: the output side of a prediction, each a NamedTuple of the tables it needs -------


@per_class
def output_buffers(self, longest, window, W_out):
    """The objective's scratch arrays for a batch (GY first), as a tuple."""


@per_class
def start_sentence(self, sentence, n, state, buffers):
    """Called before each sentence's centres (negative sampling draws its noise words here)."""


@per_class
def prefetch_targets(self, W_out, sentence, c, buffers):
    """Prefetch the output rows the prediction of centre c will use."""


@per_class
def output_step(self, arch, X, W_out, sentence, c, buffers, GX, lr):
    """The loss of the predictions X make of centre c, float64; takes the SGD step on W_out and
    writes GX = dL/dX."""


class Negative(NamedTuple):
    """Negative sampling: the centre word's output row (label 1) against `negative` noise words
    (label 0) drawn from the Walker alias table (accept, alias) of vocab.alias_table."""

    accept: np.ndarray  # float32 (V,)
    alias: np.ndarray  # int32 (V,)
    negative: int  # noise words per prediction

    def output_buffers(self, longest, window, W_out):
        """(GY, G, targets, labels); targets[c] = [centre c, its noise words], drawn per
        sentence."""
        labels = np.zeros(self.negative + 1, np.uint8)
        labels[0] = 1
        GY = np.empty((self.negative + 1, W_out.shape[1]), W_out.dtype)
        G = np.empty((2 * window, self.negative + 1), W_out.dtype)
        return GY, G, np.empty((longest, self.negative + 1), np.int32), labels

    def start_sentence(self, sentence, n, state, buffers):
        sentence_targets(sentence, n, self.negative, self.accept, self.alias, state, buffers[2])

    def prefetch_targets(self, W_out, sentence, c, buffers):
        prefetch_rows(W_out, buffers[2][c])

    def output_step(self, arch, X, W_out, sentence, c, buffers, GX, lr):
        GY, G, targets, labels = buffers
        return logistic_update(arch, X, W_out, targets[c], labels, GX, GY, G, lr)


class Hierarchical(NamedTuple):
    """Hierarchical softmax: a logistic prediction at each inner node of the centre word's Huffman
    path (W_out has V - 1 rows, one per inner node)."""

    points: np.ndarray  # int32 (V, longest path): the inner nodes on each word's path
    labels: np.ndarray  # uint8 (V, longest path): 1 - the branch codes
    depth: np.ndarray  # int32 (V,): each path's length

    @classmethod
    def from_tree(cls, codes, points, depth):
        """From vocab.huffman_tree's (codes, points, depth)."""
        return cls(points, (1 - codes).astype(np.uint8), depth)

    def output_buffers(self, longest, window, W_out):
        """(GY, G), sized for the longest Huffman path."""
        path = self.points.shape[1]
        return (np.empty((path, W_out.shape[1]), W_out.dtype),
                np.empty((2 * window, path), W_out.dtype))

    def start_sentence(self, sentence, n, state, buffers):
        pass

    def prefetch_targets(self, W_out, sentence, c, buffers):
        word = sentence[c]
        prefetch_rows(W_out, self.points[word, : self.depth[word]])

    def output_step(self, arch, X, W_out, sentence, c, buffers, GX, lr):
        word = sentence[c]
        k = self.depth[word]
        return logistic_update(arch, X, W_out, self.points[word, :k], self.labels[word, :k], GX,
                               buffers[0][:k], buffers[1], lr)


class Softmax(NamedTuple):
    """Full softmax over every output row: no tables."""

    def output_buffers(self, longest, window, W_out):
        """(GY, scores): dL/dW_out, and each input row's scores against every output row."""
        return np.empty_like(W_out), np.empty((2 * window, W_out.shape[0]), W_out.dtype)

    def start_sentence(self, sentence, n, state, buffers):
        pass

    def prefetch_targets(self, W_out, sentence, c, buffers):
        pass  # every output row is used at every centre

    def output_step(self, arch, X, W_out, sentence, c, buffers, GX, lr):
        GY, scores = buffers
        loss = softmax_grad(X, W_out, sentence[c], scores[: X.shape[0]], GX, GY)
        scatter_all(W_out, GY, lr)
        return loss


# --- the batch loop ----------------------------------------------------------------------------


@njit(**_KERNEL)
def train_batch(tokens, starts, W_in, W_out, keep_prob, window, lr_start, lr_end, seed, arch,
                objective):
    """SGD over one batch of sentences, for `arch` (SkipGram() or CBOW(mean)) and `objective`
    (Negative, Hierarchical or Softmax with its tables).

    tokens int32 (N,), starts int64 (S+1,) the batch's sentence boundaries in tokens; W_in float32
    (V, d) and W_out float32 (V, d) ((V-1, d) for Hierarchical), updated in place; keep_prob float32
    (V,) subsampling; window the maximum half-width; the learning rate decays linearly from lr_start
    to lr_end across the batch's words; seed: the batch's random numbers. Returns (the loss summed
    in float64, the number of predictions): their ratio is the mean loss per training pair.
    """
    state = seed_state(seed)
    longest = np.max(starts[1:] - starts[:-1]) if starts.shape[0] > 1 else 0
    sentence = np.empty(longest, np.int32)
    ctx = np.empty(2 * window, np.int32)
    X = np.empty((2 * window, W_in.shape[1]), W_in.dtype)
    GX = np.empty_like(X)
    buffers = output_buffers(objective, longest, window, W_out)
    loss, pairs = 0.0, 0
    for s in range(starts.shape[0] - 1):
        lr = learning_rate(lr_start, lr_end, starts[s] - starts[0], starts[-1] - starts[0])
        n = subsample(tokens, starts[s], starts[s + 1], keep_prob, state, sentence)
        start_sentence(objective, sentence, n, state, buffers)
        for c in range(n):
            if c + PREFETCH_AHEAD < n:  # here, not in a helper: that costs CBOW ~10% (NRT)
                prefetch_targets(objective, W_out, sentence, c + PREFETCH_AHEAD, buffers)
            prefetch_entering(W_in, sentence, n, c, window)
            m = contexts(sentence, n, c, window, state, ctx)
            if m == 0:
                continue
            r = hidden_rows(arch, W_in, ctx, m, X)
            loss += output_step(objective, arch, X[:r], W_out, sentence, c, buffers, GX[:r], lr)
            update_inputs(arch, W_in, ctx[:m], GX, lr)
            pairs += r
    return loss, pairs
