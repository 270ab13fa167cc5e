"""Exercise 04: the backward pass of the LSTM language model (NumPy, no torch).

30 points: the returned structure, one step, growing sequence lengths, PyTorch autograd,
central differences, large gradients left unclipped, randomized cases (hidden) and a
short training run with the student's gradients.
"""
from __future__ import annotations

import pytest

from autograder.checks import ex04_lstm_backward as checks


@pytest.fixture(scope="module")
def lstm_backward(student):
    """The handle on the submission's 04_lstm_backward notebook (torch not allowed)."""
    return student("04_lstm_backward", forbid=("torch",))


@pytest.mark.parametrize(
    "check",
    [
        pytest.param(checks.check_returns_gradients, marks=pytest.mark.points(2), id="returns_gradients"),
        pytest.param(checks.check_one_step, marks=pytest.mark.points(6), id="one_step"),
        pytest.param(checks.check_through_time, marks=pytest.mark.points(7), id="through_time"),
        pytest.param(checks.check_against_autograd, marks=pytest.mark.points(3), id="against_autograd"),
        pytest.param(
            checks.check_against_finite_differences, marks=pytest.mark.points(3), id="against_finite_differences"
        ),
        pytest.param(checks.check_not_clipped, marks=pytest.mark.points(2), id="large_gradients_not_clipped"),
    ],
)
def test_gradients(lstm_backward, check) -> None:
    check(lstm_backward)


@pytest.mark.hidden
@pytest.mark.points(3)
def test_gradients_of_random_cases(lstm_backward, grading_seed) -> None:
    checks.check_random_cases(lstm_backward, seed=grading_seed)


@pytest.mark.points(4)
def test_training_with_your_gradients(lstm_backward) -> None:
    checks.check_training(lstm_backward)
