"""Does the playground read exercise 3's functions from its notebook, running only the
given and solution cells?"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from playground import load_gate_code

EXERCISE_3 = Path(__file__).resolve().parents[2] / "solutions" / "rnn" / "03_gates.ipynb"


def test_loads_both_functions_after_the_given_cells(solution_gates):
    """Are both functions there, with the given cells' names (CharLSTM) beside them?"""
    namespace = solution_gates.activations.__globals__
    assert callable(solution_gates.plot) and "CharLSTM" in namespace
    assert "example" not in namespace and "gates" not in namespace  # made by demo cells


def test_the_stubs_are_loaded_as_stubs(stub_gates):
    """Does the released notebook give functions that say they are not written yet?"""
    with pytest.raises(NotImplementedError):
        stub_gates.activations(torch.nn.LSTM(2, 3, batch_first=True), torch.zeros(4, 2))


def test_a_notebook_without_the_plot_is_refused(tmp_path: Path):
    """Is a notebook whose plot cell defines no ``plot_lstm_gates`` named as such?"""
    notebook = json.loads(EXERCISE_3.read_text())
    for cell in notebook["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "plot_lstm_gates":
            cell["source"] = "def something_else(activations, text):\n    pass\n"
    path = tmp_path / EXERCISE_3.name
    path.write_text(json.dumps(notebook))
    with pytest.raises(LookupError, match="no plot_lstm_gates"):
        load_gate_code(path)
