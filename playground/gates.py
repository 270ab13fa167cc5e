"""Where the gate view's numbers come from: the answer key, else the student's exercise 3.

Stepping through an LSTM by hand and recording its gates is exercise 3, so the
playground does not do it itself. It hands its LSTM cell, as a one-layer ``nn.LSTM``
with the same weights (``CharModel.as_layer``), to the first of these that can read it:

1. the reference (``reference.lstm.params_from_torch`` and ``reference.lstm.forward``),
   only where the answer key is installed, i.e. in the instructor's copy of the course;
2. the student's own ``lstm_gate_activations`` from exercise 3's notebook (see
   ``playground.exercise3``), a reward for finishing it;
3. neither: ``GatesUnavailable`` says what to do (``FINISH_EXERCISE_3``). So does an
   exercise 3 that is still the stub (it raises NotImplementedError).

Shape legend: T time steps, H hidden units, V vocabulary size.
"""
from __future__ import annotations

import importlib

import numpy as np
import torch
from torch import nn

from playground.exercise3 import ACTIVATIONS, NOTEBOOK, GateCode
from playground.model import DTYPE, CharModel

# What every source returns: the gates i, f, g, o and the states c, h, each (T, H).
GATE_NAMES = ("i", "f", "g", "o", "c", "h")
FINISH_EXERCISE_3 = f"Finish exercise 3 ({NOTEBOOK}) to see the gates here"


class GatesUnavailable(LookupError):
    """Nothing here can compute the gates: no answer key and no finished exercise 3."""


class GateCodeError(ValueError):
    """The student's ``lstm_gate_activations`` returned something the gate view cannot show."""


def _reference_lstm():
    """The module ``reference.lstm``, or None where the answer key is not installed."""
    try:
        return importlib.import_module("reference.lstm")
    except ModuleNotFoundError as error:
        if error.name in ("reference", "reference.lstm"):
            return None
        raise  # the key is there but something it needs is not: worth seeing


def reference_gates(layer: nn.LSTM, x: np.ndarray) -> dict[str, np.ndarray]:
    """The gates and states of the one-layer ``layer`` reading ``x`` (T, D) from zeros,
    by the reference; ``GATE_NAMES`` -> arrays (T, H). An ImportError without the key."""
    lstm = _reference_lstm()
    if lstm is None:
        raise ImportError("the reference gates need the course's answer key ('reference')")
    zeros = np.zeros((1, layer.hidden_size))  # (N, H) with N = 1
    _, cache = lstm.forward(x[None], zeros, zeros, lstm.params_from_torch(layer))
    return {name: np.array(cache[name][0]) for name in GATE_NAMES}  # (T, H) copies


def student_gates(code: GateCode, layer: nn.LSTM, x: np.ndarray) -> dict[str, np.ndarray]:
    """The same, by the student's ``lstm_gate_activations`` (``code.activations``).

    ``GatesUnavailable`` while it is the stub (NotImplementedError); ``GateCodeError``
    when it returns something other than a list of dicts of (T, H) arrays.
    """
    try:
        layers = code.activations(layer, torch.as_tensor(x, dtype=DTYPE))
    except NotImplementedError as error:
        raise GatesUnavailable(FINISH_EXERCISE_3) from error
    return _check_student_gates(layers, (x.shape[0], layer.hidden_size))


def _check_student_gates(layers, shape: tuple[int, int]) -> dict[str, np.ndarray]:
    """Layer 0's dict of the student's result as float64 arrays, after checking it."""
    if not (isinstance(layers, (list, tuple)) and layers and isinstance(layers[0], dict)):
        raise GateCodeError(
            f"{ACTIVATIONS} must return a list with one dict per layer; "
            f"it returned {type(layers).__name__}"
        )
    gates = {}
    for name in GATE_NAMES:
        if name not in layers[0]:
            raise GateCodeError(f"{ACTIVATIONS}'s dict of layer 0 has no entry {name!r}")
        value = layers[0][name]
        if isinstance(value, torch.Tensor):
            value = value.detach()
        gates[name] = np.asarray(value, dtype=np.float64)
        if gates[name].shape != shape:
            raise GateCodeError(
                f"{ACTIVATIONS}'s {name!r} of layer 0 has shape {gates[name].shape}, "
                f"expected (T, H) = {shape}"
            )
    return gates


def lstm_gates(
    model: CharModel, indices: np.ndarray, code: GateCode | None = None
) -> dict[str, np.ndarray]:
    """The gates and states of ``model``'s LSTM while it reads ``indices`` (T,) from zeros.

    Returns ``GATE_NAMES`` -> float64 arrays (T, H), row t for step t: "i", "f", "o" in
    (0, 1), "g" in (-1, 1), then the states "c" and "h" after the step. Computed by the
    reference where it is installed, else by ``code`` (exercise 3); ``GatesUnavailable``
    when neither can. A ValueError for the RNN and the GRU.
    """
    if model.cell_name != "lstm":
        raise ValueError(f"only the LSTM has gates to show; this model is a {model.cell_name}")
    layer = model.as_layer()
    x = np.eye(model.vocab_size)[np.asarray(indices)]  # (T, V), one-hot rows
    if _reference_lstm() is not None:
        return reference_gates(layer, x)
    if code is None:
        raise GatesUnavailable(FINISH_EXERCISE_3)
    return student_gates(code, layer, x)
