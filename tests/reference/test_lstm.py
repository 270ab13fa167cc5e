"""What only reference.lstm has: its gates in the cache and the conversion of
torch.nn.LSTM's weights.

The checks every cell shares are in test_cells.py."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from reference import gradcheck, lstm
from reference.functional import sigmoid


def test_cache_exposes_every_gate(rng):
    """Does the cache hold i, f, o, g, c and h of every step, as the equations define them?"""
    N, T, D, H = 3, 4, 5, 6
    params = lstm.init_params(D, H, rng)
    x = rng.standard_normal((N, T, D))
    h0, c0 = rng.standard_normal((2, N, H))
    h, cache = lstm.forward(x, h0, c0, params)
    h_prev, c_prev = h0, c0
    for t in range(T):
        def pre(gate: str) -> np.ndarray:
            return x[:, t] @ params["W" + gate] + h_prev @ params["U" + gate] + params["b" + gate]

        expected = {"i": sigmoid(pre("i")), "f": sigmoid(pre("f")), "o": sigmoid(pre("o"))}
        expected["g"] = np.tanh(pre("c"))
        expected["c"] = expected["f"] * c_prev + expected["i"] * expected["g"]
        expected["h"] = expected["o"] * np.tanh(expected["c"])
        for key, value in expected.items():
            assert cache[key].shape == (N, T, H), key
            np.testing.assert_allclose(cache[key][:, t], value, atol=gradcheck.FORWARD_ATOL_F64, err_msg=key)
        h_prev, c_prev = expected["h"], expected["c"]
    np.testing.assert_array_equal(h, cache["h"])


def test_params_from_torch_names_and_sums_biases(torch_seed):
    """Are torch's i, f, g, o blocks mapped to Wi.., Wf.., Wc.., Wo.. with b = b_ih + b_hh?"""
    module = nn.LSTM(2, 3, dtype=torch.float64)
    params = lstm.params_from_torch(module)
    H = 3
    for k, gate in enumerate("ifco"):
        rows = slice(k * H, (k + 1) * H)
        np.testing.assert_array_equal(params["W" + gate], module.weight_ih_l0[rows].detach().numpy().T)
        np.testing.assert_array_equal(params["U" + gate], module.weight_hh_l0[rows].detach().numpy().T)
        bias = module.bias_ih_l0[rows] + module.bias_hh_l0[rows]
        np.testing.assert_array_equal(params["b" + gate], bias.detach().numpy())


def test_params_from_torch_without_bias_has_zero_biases(torch_seed):
    """Does a module built with bias=False convert with zero biases?"""
    params = lstm.params_from_torch(nn.LSTM(2, 3, bias=False))
    for gate in "fioc":
        np.testing.assert_array_equal(params["b" + gate], np.zeros(3, dtype=np.float32))


@pytest.mark.parametrize(
    "make_module, layer, error",
    [
        (lambda: nn.LSTM(2, 3, bidirectional=True), 0, ValueError),
        (lambda: nn.LSTM(2, 3, proj_size=2), 0, ValueError),
        (lambda: nn.LSTM(2, 3, num_layers=2), 2, IndexError),
        (lambda: nn.GRU(2, 3), 0, TypeError),
    ],
    ids=["bidirectional", "projection", "missing-layer", "not-an-lstm"],
)
def test_params_from_torch_rejects_what_it_cannot_convert(
    torch_seed, make_module, layer, error
):
    """Is a module with no counterpart here refused with a clear error?"""
    with pytest.raises(error):
        lstm.params_from_torch(make_module(), layer=layer)
