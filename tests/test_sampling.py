"""Subsampling and reduced windows measured over many draws against word2vec's rules, computed
here without the code under test (test_kernels' batch reference replays the kernels' own draws)."""

import numpy as np
import pytest

from w2v.training import kernels
from w2v.training.vocab import huffman_tree, keep_probabilities

SIGMAS = 5  # seeded draws; a binomial count within 5 standard deviations of its mean

COUNTS = np.array([50_000, 12_000, 3_000, 800, 100, 5], np.int64)
SAMPLE = 1e-2  # high for so small a corpus, so that three words are dropped at different rates


def word2vec_keep(counts, sample):
    """word2vec.c: keep word w if (sqrt(cn / (sample * train_words)) + 1) * (sample *
    train_words) / cn >= a uniform draw in [0, 1)."""
    st = sample * counts.sum()
    return np.array([min(1.0, ((c / st) ** 0.5 + 1) * st / c) for c in counts])


def tokens_of(counts, n, seed):
    return np.random.default_rng(seed).choice(len(counts), n, p=counts / counts.sum()).astype(
        np.int32
    )


def test_subsampling_drops_each_word_at_word2vecs_rate():
    expected = word2vec_keep(COUNTS, SAMPLE)
    assert 0 < expected.min() and (expected < 1).sum() == 3 and (expected == 1).sum() == 3
    keep = keep_probabilities(COUNTS, SAMPLE)
    np.testing.assert_allclose(keep, expected, rtol=1e-6)
    each = 20_000
    tokens = np.random.default_rng(0).permutation(np.repeat(np.arange(len(COUNTS)), each))
    tokens = np.concatenate([[0] * 7, tokens, [0] * 5]).astype(np.int32)  # outside start:end
    out = np.empty(len(tokens), np.int32)
    n = kernels.subsample(tokens, 7, len(tokens) - 5, keep, kernels.seed_state(1), out)
    kept = np.bincount(out[:n], minlength=len(COUNTS))
    sigma = np.sqrt(each * expected * (1 - expected))
    assert np.all(np.abs(kept - each * expected) <= SIGMAS * sigma + 1e-9), (kept, each * expected)
    # what is kept stays in order: out[:n] is tokens[7:-5] without the dropped words
    position = iter(tokens[7:-5].tolist())
    assert all(any(t == w for t in position) for w in out[:n].tolist())


def test_reduced_window_picks_offset_d_with_probability_1_minus_d_minus_1_over_window():
    """Each centre draws its half-width uniformly in 1..window; a word d places away is context
    when the half-width reaches it: P = (window - |d| + 1) / window."""
    window, draws = 5, 20_000
    sentence = np.arange(100, 121, dtype=np.int32)  # word = 100 + position
    out = np.empty(2 * window, np.int32)
    state = kernels.seed_state(5)
    for centre in (10, 1):  # room on both sides; one word on the left
        chosen = np.zeros(2 * window + 1, np.int64)  # offsets -window..window
        for _ in range(draws):
            m = kernels.contexts(sentence, len(sentence), centre, window, state, out)
            offsets = out[:m] - 100 - centre
            assert 0 not in offsets and len(set(offsets.tolist())) == m
            chosen[offsets + window] += 1
        d = np.arange(-window, window + 1)
        p = np.where(d == 0, 0, (window - np.abs(d) + 1) / window)
        p[(centre + d < 0) | (centre + d >= len(sentence))] = 0
        sigma = np.sqrt(draws * p * (1 - p))
        assert np.all(np.abs(chosen - draws * p) <= SIGMAS * sigma), (centre, chosen, draws * p)


def skipgram_pairs(tokens, keep, window, seed=3):
    """train_batch's prediction count for `tokens` as one sentence (skip-gram: one per context)."""
    codes, points, depth = huffman_tree(COUNTS)
    rng = np.random.default_rng(0)
    W_in = rng.normal(0, 0.1, (len(COUNTS), 4)).astype(np.float32)
    W_out = np.zeros((len(COUNTS) - 1, 4), np.float32)
    starts = np.array([0, len(tokens)], np.int64)
    return kernels.train_batch(tokens, starts, W_in, W_out, keep, window, 0.025, 0.025, seed,
                               kernels.SkipGram(), kernels.Hierarchical.from_tree(codes, points,
                                                                                   depth))[1]


def test_training_subsamples_then_pairs_each_word_with_its_reduced_window():
    tokens = tokens_of(COUNTS, 4000, seed=1)
    # window 1: every kept word but the two ends has two contexts, so pairs = 2 (kept - 1)
    p = word2vec_keep(COUNTS, SAMPLE)[tokens]
    pairs = skipgram_pairs(tokens, keep_probabilities(COUNTS, SAMPLE), window=1)
    kept = pairs / 2 + 1
    assert abs(kept - p.sum()) <= SIGMAS * np.sqrt(np.sum(p * (1 - p))), (kept, p.sum())
    # no subsampling, window 5: centre c has min(r, c) + min(r, n - 1 - c) contexts, r in 1..5
    window, n = 5, len(tokens)
    reach = np.arange(1, window + 1)
    per_centre = np.array(
        [np.minimum(reach, c) + np.minimum(reach, n - 1 - c) for c in range(n)], np.float64
    )
    mean, variance = per_centre.mean(axis=1).sum(), per_centre.var(axis=1).sum()
    pairs = skipgram_pairs(tokens, np.ones(len(COUNTS), np.float32), window)
    assert abs(pairs - mean) <= SIGMAS * np.sqrt(variance), (pairs, mean)
    assert pairs == pytest.approx(n * (window + 1), rel=0.02)  # 2 * mean half-width per word
