"""Do the gates come from the reference, else from the student's exercise 3, else with a
message, and does the playground never step an LSTM by hand itself?"""
from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
import torch

from playground import GateCode, GatesUnavailable
from playground.gates import (
    FINISH_EXERCISE_3,
    GATE_NAMES,
    GateCodeError,
    lstm_gates,
    reference_gates,
    student_gates,
)
from playground.model import CharModel
from reference.gradcheck import FORWARD_ATOL_F64

PACKAGE = Path(__file__).resolve().parents[2] / "playground"
V, H = 7, 5
INDICES = np.array([4, 0, 5, 5, 2, 1, 3])
# Names that compute a gate's activation: whoever calls them steps the LSTM themselves.
ACTIVATIONS = {"sigmoid", "tanh", "Sigmoid", "Tanh", "expit", "exp"}


@pytest.fixture
def model() -> CharModel:
    model = CharModel("lstm", V, H, seed=2)
    with torch.no_grad():  # larger weights than at init, so that no gate sits near 1/2
        for param in model.cell.parameters():
            param.mul_(3.0)
    return model


def one_hot(indices: np.ndarray) -> np.ndarray:
    return np.eye(V)[indices]  # (T, V)


def never_called(*args):
    raise AssertionError("exercise 3's code ran although the reference was there")


def test_the_reference_equals_the_solution_of_exercise_3(model, solution_gates):
    """Are the reference's gates and states those of exercise 3's solution, step by step?"""
    layer, x = model.as_layer(), one_hot(INDICES)
    by_reference = reference_gates(layer, x)
    by_exercise = student_gates(solution_gates, layer, x)
    assert list(by_reference) == list(by_exercise) == list(GATE_NAMES)
    for name in GATE_NAMES:
        np.testing.assert_allclose(
            by_exercise[name], by_reference[name], atol=FORWARD_ATOL_F64, err_msg=name
        )


def test_gates_end_in_the_states_of_the_cell(model):
    """Are h and c of every step those ``nn.LSTMCell`` computes, the gates in range?"""
    gates = lstm_gates(model, INDICES)
    state = model.initial_state()
    with torch.no_grad():
        for t, x in enumerate(torch.as_tensor(one_hot(INDICES))):
            state = model.step(x[None], state)
            np.testing.assert_allclose(gates["h"][t], state[0][0], atol=FORWARD_ATOL_F64)
            np.testing.assert_allclose(gates["c"][t], state[1][0], atol=FORWARD_ATOL_F64)
    assert all(0 < gates[name].min() and gates[name].max() < 1 for name in "ifo")
    assert -1 < gates["g"].min() and gates["g"].max() < 1


def test_the_reference_comes_first(model):
    """Where the answer key is installed, are the gates its own, exercise 3 left alone?"""
    gates = lstm_gates(model, INDICES, GateCode(activations=never_called, plot=never_called))
    expected = reference_gates(model.as_layer(), one_hot(INDICES))
    assert all(np.array_equal(gates[name], expected[name]) for name in GATE_NAMES)


def test_without_the_key_the_students_gates_show(model, solution_gates, without_reference_gates):
    """Without the answer key, does a finished exercise 3 compute the gates?"""
    gates = lstm_gates(model, INDICES, solution_gates)
    expected = student_gates(solution_gates, model.as_layer(), one_hot(INDICES))
    assert all(np.array_equal(gates[name], expected[name]) for name in GATE_NAMES)


@pytest.mark.parametrize("code", ["stub", None])
def test_without_the_key_the_stub_says_finish_exercise_3(
    model, stub_gates, code, without_reference_gates
):
    """Without the key, do the released stub and no exercise 3 at all both say to finish it?"""
    with pytest.raises(GatesUnavailable) as raised:
        lstm_gates(model, INDICES, stub_gates if code == "stub" else None)
    assert str(raised.value) == FINISH_EXERCISE_3 == (
        "Finish exercise 3 (03_gates.ipynb) to see the gates here"
    )


@pytest.mark.parametrize(
    "result, message",
    [
        (lambda T: {"f": np.zeros((T, H))}, "list with one dict per layer"),
        (lambda T: [{"i": np.zeros((T, H))}], "no entry 'f'"),
        (lambda T: [{name: np.zeros((H, T)) for name in GATE_NAMES}], r"shape \(5, 7\)"),
    ],
    ids=["no list", "missing gate", "transposed"],
)
def test_unusable_student_results_are_named(model, result, message, without_reference_gates):
    """Is a result the gate view cannot show refused with what is wrong with it?"""
    code = GateCode(activations=lambda lstm, x: result(x.shape[0]), plot=never_called)
    with pytest.raises(GateCodeError, match=message):
        lstm_gates(model, INDICES, code)


def test_the_student_gets_a_one_layer_nn_lstm_and_a_sequence(model, without_reference_gates):
    """Does exercise 3's function receive what its contract promises: an nn.LSTM with the
    cell's weights and x (T, V)?"""
    seen = {}

    def record(lstm, x):
        seen.update(lstm=lstm, x=x)
        return [{name: np.zeros((x.shape[0], H)) for name in GATE_NAMES}]

    lstm_gates(model, INDICES, GateCode(activations=record, plot=never_called))
    lstm, x = seen["lstm"], seen["x"]
    assert isinstance(lstm, torch.nn.LSTM) and lstm.num_layers == 1 and lstm.batch_first
    assert torch.equal(lstm.weight_hh_l0, model.cell.weight_hh)
    assert torch.equal(x, torch.as_tensor(one_hot(INDICES)))


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda path: path.name)
def test_no_module_steps_an_lstm_by_hand(path):
    """Does no playground module apply a gate's activation (sigmoid, tanh) itself? The
    cells are PyTorch's, and stepping an LSTM by hand is exercise 3's answer."""
    used = {
        node.attr if isinstance(node, ast.Attribute) else node.id
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, (ast.Attribute, ast.Name))
    }
    assert used.isdisjoint(ACTIVATIONS), path.name
