"""Is ``CharModel`` seeded, does it start near a uniform guess, and does its sequence-module
view compute what its cell computes?"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from playground.model import CELLS, CharModel
from reference.gradcheck import FORWARD_ATOL_F64

V, H = 7, 5


@pytest.mark.parametrize("cell", CELLS)
def test_same_seed_same_parameters(cell):
    """Do two models from one seed hold equal parameters, and another seed different ones?"""
    first, second, other = (CharModel(cell, V, H, seed) for seed in (0, 0, 1))
    for (name, a), b, c in zip(first.named_parameters(), second.parameters(), other.parameters()):
        assert torch.equal(a, b), name
        if name != "output.bias":  # zero whatever the seed
            assert not torch.equal(a, c), name


def test_first_prediction_is_close_to_uniform():
    """Does an untrained model start near the loss of a uniform guess, log V?"""
    model = CharModel("lstm", V, H, seed=0)
    inputs = torch.arange(V)[None]  # (1, V): every character once
    with torch.no_grad():
        logits, _ = model(inputs, model.initial_state())  # (1, V, V)
        loss = torch.nn.functional.cross_entropy(logits[0], inputs[0].roll(1))
    assert abs(float(loss) - np.log(V)) < 0.01


def test_generation_rejects_negative_temperature():
    """Is a negative temperature refused?"""
    model = CharModel("rnn", V, H, seed=0)
    with pytest.raises(ValueError, match="temperature"):
        model.generate(np.array([0]), 5, -1.0, torch.Generator())


@pytest.mark.parametrize("cell", CELLS)
def test_as_layer_computes_what_the_cell_computes(cell):
    """Does the one-layer sequence module from ``as_layer`` give the hidden state of every
    step that stepping the cell gives?"""
    model = CharModel(cell, V, H, seed=4)
    indices = torch.tensor([[3, 0, 6, 6, 2]])  # (1, T)
    x = torch.nn.functional.one_hot(indices, V).to(torch.float64)  # (1, T, V)
    state = model.initial_state()
    with torch.no_grad():
        from_layer, _ = model.as_layer()(x)  # (1, T, H)
        for t in range(indices.shape[1]):
            state = model.step(x[:, t], state)
            np.testing.assert_allclose(from_layer[:, t], state[0], atol=FORWARD_ATOL_F64)
