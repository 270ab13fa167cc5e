"""Exercise 02: ``TrendClassifier``, an LSTM that tells rising from falling sequences.

20 points: the layers, the output's shape, logits rather than probabilities, the same
logits as the reference for the same weights, and training past 90% test accuracy in
the grader's own loop; hidden: the same at random sizes.
"""
from __future__ import annotations

import pytest

from autograder.checks import ex02_trend as checks


@pytest.fixture(scope="module")
def trend(student):
    """The handle on the submission's 02_trend notebook."""
    return student("02_trend")


@pytest.mark.points(3)
def test_structure(trend) -> None:
    checks.check_structure(trend)


@pytest.mark.points(2)
def test_output_shape(trend) -> None:
    checks.check_output_shape(trend)


@pytest.mark.points(2)
def test_returns_logits(trend) -> None:
    checks.check_returns_logits(trend)


@pytest.mark.points(4)
def test_matches_reference(trend) -> None:
    checks.check_matches_reference(trend)


@pytest.mark.points(5)
def test_trains_to_target_accuracy(trend) -> None:
    checks.check_trains(trend)


@pytest.mark.hidden
@pytest.mark.points(1)
def test_structure_of_random_size(trend, grading_seed) -> None:
    checks.check_structure(trend, hidden_size=checks.random_case(grading_seed)["hidden_size"])


@pytest.mark.hidden
@pytest.mark.points(1)
def test_output_shape_of_random_size(trend, grading_seed) -> None:
    case = checks.random_case(grading_seed)
    checks.check_output_shape(
        trend, cases=[(case["n"], case["t"])], seed=grading_seed, hidden_size=case["hidden_size"]
    )


@pytest.mark.hidden
@pytest.mark.points(2)
def test_matches_reference_at_random_size(trend, grading_seed) -> None:
    checks.check_matches_reference(trend, seed=grading_seed, **checks.random_case(grading_seed))
