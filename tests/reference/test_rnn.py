"""reference.rnn against torch.nn.RNN, its PyTorch twin and central differences."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from reference import gradcheck, rnn

CELLS = ["rnn"]


def test_forward_equals_nn_rnn(cell_case, rng, shape):
    """Does forward on converted weights reproduce nn.RNN?"""
    cell_case.check_forward_equals_nn(rng, shape)


def test_forward_equals_time_major_nn_rnn(cell_case, rng):
    """Is a module with batch_first=False converted just as well?"""
    cell_case.check_forward_equals_nn(rng, (3, 4, 2, 5), batch_first=False)


def test_second_layer_of_stacked_rnn(cell_case, rng):
    """Does layer=1 of a two-layer nn.RNN, fed layer 0's outputs, give the module's?"""
    cell_case.check_stacked_layer(rng, (3, 6, 4, 5))


def test_params_round_trip_through_torch(cell_case, rng, shape):
    """Does params_to_torch(params_from_torch(m)) compute what m computes?"""
    cell_case.check_round_trip(rng, shape)


def test_forward_equals_twin(cell_case, rng, shape):
    """Do forward and chained step_forward equal TorchRNN at every step?"""
    cell_case.check_forward_equals_twin(rng, shape)


def test_backward_equals_autograd(cell_case, rng, shape):
    """Are dx, dh0 and every parameter's gradient those of autograd?"""
    cell_case.check_backward_equals_twin(rng, shape)


def test_step_equals_autograd(cell_case, rng, shape):
    """Do step_forward and step_backward equal autograd?"""
    cell_case.check_step_equals_twin(rng, shape)


def test_backward_equals_finite_differences(cell_case, rng):
    """Does backward agree with central differences on every input and parameter?"""
    cell_case.check_backward_equals_finite_differences(rng)


def test_step_backward_equals_finite_differences(cell_case, rng):
    """Does step_backward agree with central differences?"""
    cell_case.check_step_backward_equals_finite_differences(rng)


def test_float32_stays_float32(cell_case, rng):
    """Does float32 in give float32 out, within FLOAT32_ATOL of float64?"""
    cell_case.check_float32(rng, (3, 5, 4, 6))


def test_cache_holds_every_hidden_state(rng):
    """Is cache["h"] the state tanh(x Wx + h_prev Wh + b) of every step?"""
    N, T, D, H = 3, 4, 5, 6
    params = rnn.init_params(D, H, rng)
    x, h_prev = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    h, cache = rnn.forward(x, h_prev, params)
    assert cache["h"].shape == (N, T, H)
    for t in range(T):
        h_prev = np.tanh(x[:, t] @ params["Wx"] + h_prev @ params["Wh"] + params["b"])
        np.testing.assert_allclose(cache["h"][:, t], h_prev, atol=gradcheck.FORWARD_ATOL_F64)
    np.testing.assert_array_equal(h, cache["h"])


def test_params_from_torch_names_and_sums_biases(torch_seed):
    """Are weight_ih and weight_hh transposed into Wx and Wh, with b = b_ih + b_hh?"""
    module = nn.RNN(2, 3, dtype=torch.float64)
    params = rnn.params_from_torch(module)
    assert set(params) == {"Wx", "Wh", "b"}
    np.testing.assert_array_equal(params["Wx"], module.weight_ih_l0.detach().numpy().T)
    np.testing.assert_array_equal(params["Wh"], module.weight_hh_l0.detach().numpy().T)
    np.testing.assert_array_equal(params["b"], (module.bias_ih_l0 + module.bias_hh_l0).detach().numpy())


@pytest.mark.parametrize(
    "make_module, error",
    [
        (lambda: nn.RNN(2, 3, nonlinearity="relu"), ValueError),
        (lambda: nn.RNN(2, 3, bidirectional=True), ValueError),
        (lambda: nn.LSTM(2, 3), TypeError),
    ],
    ids=["relu", "bidirectional", "not-an-rnn"],
)
def test_params_from_torch_rejects_what_it_cannot_convert(torch_seed, make_module, error):
    """Is a module with no counterpart here refused with a clear error?"""
    with pytest.raises(error):
        rnn.params_from_torch(make_module())
