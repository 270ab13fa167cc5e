"""Exercise 01: ``GRUFromScratch``, a GRU layer in NumPy (no torch allowed).

25 points: parameter shapes, one step, whole sequences from zeros and from ``h_prev``,
the number of returned states, NumPy only, and random sizes (hidden).
"""
from __future__ import annotations

import pytest

from autograder.checks import ex01_gru as checks


@pytest.fixture(scope="module")
def gru(student):
    """The handle on the submission's 01_gru notebook; importing torch is refused there."""
    return student("01_gru", forbid=("torch",))


@pytest.mark.points(3)
def test_parameter_shapes(gru) -> None:
    checks.check_parameter_shapes(gru)


@pytest.mark.points(4)
def test_one_step(gru) -> None:
    checks.check_one_step(gru)


@pytest.mark.points(4)
@pytest.mark.parametrize("with_h_prev", [False, True], ids=["from_zeros", "from_h_prev"])
def test_sequence(gru, with_h_prev) -> None:
    checks.check_sequence(gru, with_h_prev=with_h_prev)


@pytest.mark.points(3)
def test_state_count(gru) -> None:
    checks.check_state_count(gru)


@pytest.mark.points(2)
def test_numpy_only(gru) -> None:
    checks.check_no_torch(gru)


@pytest.mark.hidden
@pytest.mark.points(5)
def test_random_sizes(gru, grading_seed) -> None:
    checks.check_random_sizes(gru, seed=grading_seed)
