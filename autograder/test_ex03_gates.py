"""Exercise 03: stepping through a trained ``nn.LSTM`` by hand, and drawing its gates.

25 points: the gates of a one- and a two-layer LSTM (visible and at random sizes), the
last layer against ``nn.LSTM``'s own output, and the heatmaps (visible and random text).
"""
from __future__ import annotations

import pytest

from autograder.checks import ex03_gates as checks


@pytest.fixture(scope="module")
def gates(student):
    """The handle on the submission's 03_gates notebook."""
    return student("03_gates")


@pytest.mark.points(5)
def test_gates_of_one_layer(gates) -> None:
    checks.check_one_layer(gates)


@pytest.mark.points(5)
def test_gates_of_two_layers(gates) -> None:
    checks.check_two_layers(gates)


@pytest.mark.points(3)
def test_last_layer_matches_nn_lstm(gates) -> None:
    checks.check_last_layer_matches_lstm(gates)


@pytest.mark.points(4)
def test_gate_heatmaps(gates) -> None:
    checks.check_gate_figure(gates)


@pytest.mark.hidden
@pytest.mark.points(2.5)
@pytest.mark.parametrize("num_layers", [1, 2], ids=["one_layer", "two_layers"])
def test_gates_of_random_sizes(gates, grading_seed, num_layers) -> None:
    checks.check_random_gate_activations(gates, num_layers=num_layers, seed=grading_seed)


@pytest.mark.hidden
@pytest.mark.points(3)
def test_gate_heatmaps_of_random_text(gates, grading_seed) -> None:
    checks.check_random_gate_figure(gates, seed=grading_seed)
