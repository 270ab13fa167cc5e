"""Fixtures of the playground's tests: the corpus, small sizes, the functions of
exercises 3 and 4.

Models are tiny (H = 8 or 16) so that a few dozen training steps take a fraction of a
second; every random draw comes from the controller's seed.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from playground import (
    GateCode,
    PlaygroundController,
    StudentCode,
    load_gate_code,
    load_student_code,
)
from reference.datasets import LECTURE_CORPUS

ROOT = Path(__file__).resolve().parents[2]
EXERCISE_4 = ROOT / "solutions" / "rnn" / "04_lstm_backward.ipynb"
# Exercise 3 solved (the nbgrader source) and as released to students (the stubs).
EXERCISE_3 = ROOT / "solutions" / "rnn" / "03_gates.ipynb"
EXERCISE_3_STUB = ROOT / "assignments" / "rnn" / "03_gates.ipynb"
# Sizes small enough for fast tests, large enough for the loss to fall quickly.
SMALL = {"hidden_size": 16, "learning_rate": 2e-2, "seq_len": 20, "seed": 3}


@pytest.fixture(scope="session")
def solution_code() -> StudentCode:
    """Exercise 4's given forward and the solution's backward, read from its notebook."""
    return load_student_code(EXERCISE_4)


@pytest.fixture(scope="session")
def solution_gates() -> GateCode:
    """Exercise 3's functions as the solution writes them, read from its notebook."""
    return load_gate_code(EXERCISE_3)


@pytest.fixture(scope="session")
def stub_gates() -> GateCode:
    """Exercise 3's functions as released, before a student writes them (they raise
    NotImplementedError)."""
    return load_gate_code(EXERCISE_3_STUB)


@pytest.fixture
def without_reference_gates(monkeypatch):
    """The gate view as where the answer key is not installed (only the gates: the rest
    of the playground still sees ``reference``)."""
    from playground import gates

    monkeypatch.setattr(gates, "_reference_lstm", lambda: None)


@pytest.fixture
def make_controller():
    """``make_controller(text=..., **settings)``: a small controller, by default on the
    lecture's corpus."""

    def make(text: str = LECTURE_CORPUS, **settings) -> PlaygroundController:
        return PlaygroundController(text, **{**SMALL, **settings})

    return make


@pytest.fixture
def exercise_4_with(tmp_path: Path):
    """``exercise_4_with(source)``: a copy of exercise 4's notebook in ``tmp_path`` whose
    ``lstm_lm_backward`` cell holds ``source``; returns its path."""

    def write(backward_source: str) -> Path:
        notebook = json.loads(EXERCISE_4.read_text())
        for cell in notebook["cells"]:
            if cell["metadata"].get("nbgrader", {}).get("grade_id") == "lstm_lm_backward":
                cell["source"] = backward_source
        path = tmp_path / EXERCISE_4.name
        path.write_text(json.dumps(notebook))
        return path

    return write
