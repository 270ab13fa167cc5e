"""What only reference.rnn has: its cache and the conversion of torch.nn.RNN's weights.

The checks every cell shares are in test_cells.py."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from reference import gradcheck, rnn


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
