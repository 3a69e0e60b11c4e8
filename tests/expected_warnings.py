"""`warns_exactly`: pytest.warns for a block that issues several W2VWarnings."""

import contextlib
import re

import pytest

from w2v.errors import W2VWarning


@contextlib.contextmanager
def warns_exactly(*patterns):
    """The block warns each of `patterns` (regular expressions searched in the message) at least
    once, and no other W2VWarning (any other warning goes on to the filters, which fail the test):
    the warnings small test data provokes are asserted, so a new one shows."""
    with pytest.warns(W2VWarning) as caught:
        yield caught
    messages = [str(w.message) for w in caught]
    for pattern in patterns:
        assert any(re.search(pattern, m) for m in messages), f"no {pattern!r} among {messages}"
    others = [m for m in messages if not any(re.search(p, m) for p in patterns)]
    assert not others, f"unexpected warnings: {others}"


# the warnings the sentiment tests' small synthetic data provokes
FEW_TEST_SENTENCES = "fewer than 100 test sentences"
GRID_EDGE = r"chosen lambda \S+ is the (smallest|largest) of the grid"
LOW_COVERAGE = "the vectors know only"
NO_COUNTS = "no word counts"
