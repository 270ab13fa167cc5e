"""What only reference.gru has: the two placements of the reset gate, its relation to
torch.nn.GRU's gates, its cache and its parameters.

The checks every cell shares are in test_cells.py."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from reference import gradcheck, gru
from reference.functional import sigmoid


def test_lecture_gru_is_not_nn_gru(rng, torch_seed):
    """Does the lecture GRU on nn.GRU's converted weights really compute something else?

    Both conversions share every weight; only the reset gate's placement differs. If
    this fails, someone has turned one variant into the other.
    """
    module = nn.GRU(3, 4, batch_first=True, dtype=torch.float64)
    x, h0 = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 4))
    with torch.no_grad():
        expected = module(torch.from_numpy(x), torch.from_numpy(h0[None]))[0].numpy()
    exact, _ = gru.forward(x, h0, gru.params_from_torch(module), reset_after=True)
    lecture, _ = gru.forward(x, h0, gru.params_from_torch(module, reset_after=False))
    assert np.max(np.abs(exact - expected)) <= gradcheck.FORWARD_ATOL_F64
    assert np.max(np.abs(lecture - expected)) > 1e-3


def test_placements_differ_even_without_bhn(rng):
    """With bhn = 0, do the two placements of r still give different states?"""
    params = gru.init_params(3, 4, rng, reset_after=True)
    params["bhn"][:] = 0.0
    lecture = {name: value for name, value in params.items() if name != "bhn"}
    x, h0 = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 4))
    after, _ = gru.forward(x, h0, params, reset_after=True)
    before, _ = gru.forward(x, h0, lecture)
    assert np.max(np.abs(after - before)) > 1e-3


def test_update_gate_is_one_minus_torchs(rng, torch_seed):
    """Is our z PyTorch's 1 - z (its z weights negated), and are r and n its r and n?"""
    N, D, H = 3, 2, 4
    module = nn.GRU(D, H, batch_first=True, dtype=torch.float64)
    x, h0 = rng.standard_normal((N, 1, D)), rng.standard_normal((N, H))
    _, cache = gru.forward(x, h0, gru.params_from_torch(module), reset_after=True)
    w_ih, w_hh, b_ih, b_hh = (p.detach().numpy() for p in module.parameters())
    gi = x[:, 0] @ w_ih.T + b_ih  # torch's r, z, n blocks
    gh = h0 @ w_hh.T + b_hh
    r_t = sigmoid(gi[:, :H] + gh[:, :H])
    z_t = sigmoid(gi[:, H : 2 * H] + gh[:, H : 2 * H])
    n_t = np.tanh(gi[:, 2 * H :] + r_t * gh[:, 2 * H :])
    for key, expected in {"z": 1 - z_t, "r": r_t, "n": n_t}.items():
        assert cache[key].shape == (N, 1, H), key
        np.testing.assert_allclose(cache[key][:, 0], expected, atol=gradcheck.FORWARD_ATOL_F64, err_msg=key)


def test_cache_exposes_the_lecture_gates(rng):
    """Does the lecture GRU's cache hold z, r, n and h of every step, as the equations say?"""
    N, T, D, H = 3, 4, 5, 6
    params = gru.init_params(D, H, rng)
    x, h_prev = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    h, cache = gru.forward(x, h_prev, params)
    for t in range(T):
        z = sigmoid(x[:, t] @ params["Wz"] + h_prev @ params["Uz"] + params["bz"])
        r = sigmoid(x[:, t] @ params["Wr"] + h_prev @ params["Ur"] + params["br"])
        n = np.tanh(x[:, t] @ params["Wh"] + (r * h_prev) @ params["Uh"] + params["bh"])
        h_prev = (1 - z) * h_prev + z * n
        for key, expected in {"z": z, "r": r, "n": n, "h": h_prev}.items():
            assert cache[key].shape == (N, T, H), key
            np.testing.assert_allclose(cache[key][:, t], expected, atol=gradcheck.FORWARD_ATOL_F64, err_msg=key)
    np.testing.assert_array_equal(h, cache["h"])


@pytest.mark.parametrize("reset_after", [False, True])
def test_parameters_of_the_other_variant_are_refused(rng, reset_after):
    """Is a params dict of the other variant refused instead of silently misread?"""
    params = gru.init_params(3, 4, rng, reset_after=not reset_after)
    x, h0 = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 4))
    with pytest.raises(ValueError, match="bhn"):
        gru.forward(x, h0, params, reset_after=reset_after)
    with pytest.raises(ValueError, match="bhn"):
        gru.step_forward(x[:, 0], h0, params, reset_after=reset_after)


def test_params_to_torch_refuses_lecture_parameters(rng):
    """Is there no nn.GRU for the lecture GRU, rather than a wrong one?"""
    with pytest.raises(ValueError, match="reset-after"):
        gru.params_to_torch(gru.init_params(3, 4, rng))


def test_init_params_names(rng):
    """Are the parameters named and shaped as the design says, bhn only when reset after?"""
    D, H = 3, 4
    lecture = gru.init_params(D, H, rng)
    assert set(lecture) == {"Wz", "Uz", "bz", "Wr", "Ur", "br", "Wh", "Uh", "bh"}
    after = gru.init_params(D, H, rng, dtype=np.float32, reset_after=True)
    assert set(after) == set(lecture) | {"bhn"}
    for name, value in after.items():
        expected = {"W": (D, H), "U": (H, H), "b": (H,)}[name[0]]
        assert value.shape == expected and value.dtype == np.float32, name
