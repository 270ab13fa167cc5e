"""Gradient clipping by global norm, and Adam."""
import numpy as np
import pytest
import torch

from reference.char_lm.optim import Adam, clip_by_global_norm, global_norm
from reference.gradcheck import BACKWARD_ATOL_F64, FORWARD_ATOL_F64


def random_grads(scale, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    shapes = {"Wf": (4, 3), "Uf": (3, 3), "bf": (3,), "Why": (3, 4)}
    return {
        name: (scale * rng.standard_normal(shape)).astype(dtype) for name, shape in shapes.items()
    }


def test_global_norm_is_the_norm_of_everything_flattened():
    """Is the global norm the L2 norm of all gradients concatenated?"""
    grads = random_grads(1.0)
    flat = np.concatenate([g.ravel() for g in grads.values()])
    assert abs(global_norm(grads) - np.linalg.norm(flat)) <= FORWARD_ATOL_F64


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_clipping_caps_the_global_norm(dtype):
    """Are large gradients scaled down to exactly max_norm, keeping their direction?"""
    grads = random_grads(10.0, dtype=dtype)
    before = {name: g.copy() for name, g in grads.items()}
    clipped, norm = clip_by_global_norm(grads, max_norm=5.0)
    assert norm == pytest.approx(global_norm(before))
    assert norm > 5.0
    assert global_norm(clipped) == pytest.approx(5.0, rel=1e-6)
    for name, g in clipped.items():
        assert g.dtype == dtype
        np.testing.assert_allclose(g * norm / 5.0, before[name], rtol=1e-5)
        np.testing.assert_array_equal(grads[name], before[name])  # inputs untouched


def test_clipping_leaves_small_gradients_alone():
    """Do gradients already within max_norm come back unchanged?"""
    grads = random_grads(0.01)
    clipped, norm = clip_by_global_norm(grads, max_norm=5.0)
    assert norm < 5.0
    for name, g in grads.items():
        np.testing.assert_array_equal(clipped[name], g)


def test_clipping_needs_a_positive_bound():
    """Is a non-positive max_norm refused?"""
    with pytest.raises(ValueError):
        clip_by_global_norm(random_grads(1.0), max_norm=0.0)


def test_adam_matches_torch_adam():
    """Do a few Adam steps give the parameters torch.optim.Adam gives?"""
    params = random_grads(1.0, seed=1)
    tensors = {name: torch.tensor(value, requires_grad=True) for name, value in params.items()}
    ours = Adam(lr=0.01, beta1=0.8, beta2=0.99, eps=1e-6)
    theirs = torch.optim.Adam(tensors.values(), lr=0.01, betas=(0.8, 0.99), eps=1e-6)
    for step in range(5):
        grads = random_grads(1.0, seed=10 + step)
        ours.step(params, grads)
        for name, tensor in tensors.items():
            tensor.grad = torch.tensor(grads[name])
        theirs.step()
    for name, tensor in tensors.items():
        np.testing.assert_allclose(
            params[name], tensor.detach().numpy(), rtol=0, atol=BACKWARD_ATOL_F64
        )


def test_adam_keeps_float32():
    """Do float32 parameters stay float32 arrays (the same objects) through Adam?"""
    params = random_grads(1.0, dtype=np.float32)
    arrays = {name: id(value) for name, value in params.items()}
    optimizer = Adam(lr=0.1)
    optimizer.step(params, random_grads(1.0, seed=2, dtype=np.float32))
    assert all(value.dtype == np.float32 for value in params.values())
    assert all(optimizer.m[name].dtype == np.float32 for name in params)
    assert {name: id(value) for name, value in params.items()} == arrays
