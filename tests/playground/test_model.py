"""Is ``CharModel`` seeded, are its samples reproducible, and are its LSTM gates the ones
``nn.LSTMCell`` and the reference compute?"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from playground.backends import ReferenceBackend
from playground.model import CELLS, CharModel
from reference import lstm
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


@pytest.fixture
def lstm_model() -> CharModel:
    model = CharModel("lstm", V, H, seed=2)
    with torch.no_grad():  # larger weights than at init, so that no gate sits near 1/2
        for param in model.cell.parameters():
            param.mul_(3.0)
    return model


def test_gates_have_a_row_per_character_and_their_ranges(lstm_model):
    """Is every gate (T, H), the sigmoid gates in (0, 1) and the candidate in (-1, 1)?"""
    indices = np.array([0, 3, 3, 6, 1, 2])
    gates = lstm_model.lstm_gates(indices)
    assert sorted(gates) == sorted("ifogch")
    for name, values in gates.items():
        assert values.shape == (len(indices), H), name
    for name in "ifo":
        assert 0 < gates[name].min() and gates[name].max() < 1, name
    assert -1 < gates["g"].min() and gates["g"].max() < 1
    np.testing.assert_allclose(gates["h"], gates["o"] * np.tanh(gates["c"]), atol=FORWARD_ATOL_F64)


def test_gates_end_in_the_states_of_nn_lstmcell(lstm_model):
    """Are the h and c of every step those nn.LSTMCell computes itself?"""
    indices = np.array([4, 0, 5, 5, 2])
    gates = lstm_model.lstm_gates(indices)
    state = lstm_model.initial_state()
    eye = torch.eye(V, dtype=torch.float64)
    with torch.no_grad():
        for t, index in enumerate(indices):
            state = lstm_model.step(eye[index][None], state)
            np.testing.assert_allclose(gates["h"][t], state[0][0].numpy(), atol=FORWARD_ATOL_F64)
            np.testing.assert_allclose(gates["c"][t], state[1][0].numpy(), atol=FORWARD_ATOL_F64)


def test_gates_equal_the_reference_lstm(lstm_model):
    """Are the gates those of ``reference.lstm.forward`` on the same parameters?"""
    backend = ReferenceBackend("lstm", V, H, 1e-2, seed=0)
    backend.model = lstm_model
    params = backend.reference_params()
    indices = np.array([1, 2, 3, 4, 5, 6, 0])
    x = np.eye(V)[indices][None]  # (1, T, V)
    zeros = np.zeros((1, H))
    del params["Why"], params["by"]  # the cell's own parameters remain
    _, cache = lstm.forward(x, zeros, zeros, params)
    gates = lstm_model.lstm_gates(indices)
    for name in "ifogch":
        np.testing.assert_allclose(gates[name], cache[name][0], atol=FORWARD_ATOL_F64, err_msg=name)


@pytest.mark.parametrize("cell", ["rnn", "gru"])
def test_only_the_lstm_has_gates(cell):
    """Do other cells refuse to show gates?"""
    with pytest.raises(ValueError, match="only the LSTM"):
        CharModel(cell, V, H, seed=0).lstm_gates(np.array([0, 1]))
