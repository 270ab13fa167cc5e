"""Fixtures of the playground's tests: the corpus, small sizes, exercise 4's functions.

Models are tiny (H = 8 or 16) so that a few dozen training steps take a fraction of a
second; every random draw comes from the controller's seed.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from playground import PlaygroundController, StudentCode, load_student_code
from reference.datasets import LECTURE_CORPUS

ROOT = Path(__file__).resolve().parents[2]
EXERCISE_4 = ROOT / "solutions" / "rnn" / "04_lstm_backward.ipynb"
# Sizes small enough for fast tests, large enough for the loss to fall quickly.
SMALL = {"hidden_size": 16, "learning_rate": 2e-2, "seq_len": 20, "seed": 3}


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Run torch on one thread: for models this small, more threads only add overhead
    (and fight over the cores when the machine is busy)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def solution_code() -> StudentCode:
    """Exercise 4's given forward and the solution's backward, read from its notebook."""
    return load_student_code(EXERCISE_4)


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
