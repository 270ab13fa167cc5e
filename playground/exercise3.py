"""Exercise 3's functions, read from its notebook, for the gate view.

Both functions sit in solution cells of ``03_gates.ipynb``: the student's
``lstm_gate_activations(lstm, x)`` and ``plot_lstm_gates(activations, text)`` (see
``playground.notebook_code`` for which cells run). Until the exercise is done, they are
the released stubs, which raise NotImplementedError.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from playground.notebook_code import load_functions

NOTEBOOK = "03_gates.ipynb"
ACTIVATIONS = "lstm_gate_activations"
PLOT = "plot_lstm_gates"


@dataclass(frozen=True)
class GateCode:
    """Exercise 3's two functions: ``activations(lstm, x)`` returns one dict of (T, H)
    arrays per layer; ``plot(activations, text)`` draws one layer's as a Figure."""

    activations: Callable
    plot: Callable


def load_gate_code(path: str | Path = NOTEBOOK) -> GateCode:
    """``GateCode`` from the exercise 3 notebook at ``path``.

    Raises LookupError when the notebook defines no ``lstm_gate_activations`` or no
    ``plot_lstm_gates``; an error inside a cell propagates with the cell in its traceback.
    """
    activations, plot = load_functions(path, "exercise3", (ACTIVATIONS, PLOT))
    return GateCode(activations=activations, plot=plot)
