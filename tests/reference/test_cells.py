"""Every reference cell (reference.rnn, reference.lstm, reference.gru with the reset gate
placed either way) against its torch.nn module, its PyTorch twin and central differences.

What only one cell has (its cache, its conversion details) is tested in that cell's own
module; the checks themselves live on ``Cell`` in conftest.py.
"""
from __future__ import annotations

import pytest

CELLS = ["rnn", "lstm", "gru", "gru_reset_after"]
# The cells that compute what a torch.nn module computes: not the lecture GRU.
EQUALS_NN = pytest.mark.parametrize("cell_case", ["rnn", "lstm", "gru_reset_after"], indirect=True)


@EQUALS_NN
def test_forward_equals_nn(cell_case, rng, shape):
    """Does forward on converted weights reproduce the torch.nn module's h, and its final
    states?"""
    cell_case.check_forward_equals_nn(rng, shape)


@EQUALS_NN
def test_forward_equals_time_major_nn(cell_case, rng):
    """Is a module with batch_first=False converted just as well?"""
    cell_case.check_forward_equals_nn(rng, (3, 4, 2, 5), batch_first=False)


@EQUALS_NN
def test_second_layer_of_stacked_nn(cell_case, rng):
    """Does layer=1 of a two-layer torch.nn module, fed layer 0's outputs, give the
    module's?"""
    cell_case.check_stacked_layer(rng, (3, 6, 4, 5))


@EQUALS_NN
def test_params_round_trip_through_torch(cell_case, rng, shape):
    """Does params_to_torch(params_from_torch(m)) compute what m computes?"""
    cell_case.check_round_trip(rng, shape)


def test_forward_equals_twin(cell_case, rng, shape):
    """Do forward and chained step_forward equal the twin's every output (h, and c for
    the LSTM) at every step?"""
    cell_case.check_forward_equals_twin(rng, shape)


def test_backward_equals_autograd(cell_case, rng, shape):
    """Are dx, the gradient on every initial state and every parameter's gradient those
    of autograd?"""
    cell_case.check_backward_equals_twin(rng, shape)


def test_step_equals_autograd(cell_case, rng, shape):
    """Do step_forward and step_backward (upstream on every output) equal autograd?"""
    cell_case.check_step_equals_twin(rng, shape)


def test_backward_equals_finite_differences(cell_case, rng):
    """Does backward agree with central differences on every input and parameter?"""
    cell_case.check_backward_equals_finite_differences(rng)


def test_step_backward_equals_finite_differences(cell_case, rng):
    """Does step_backward agree with central differences, through every output?"""
    cell_case.check_step_backward_equals_finite_differences(rng)


def test_float32_stays_float32(cell_case, rng):
    """Does float32 in give float32 out, within FLOAT32_ATOL of float64?"""
    cell_case.check_float32(rng, (3, 5, 4, 6))
