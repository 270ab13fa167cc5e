"""Does the playground work where the answer key is not installed (the student bundle)?

``reference`` is blocked by a finder at the front of ``sys.meta_path`` and every module
of ``reference`` and ``playground`` is dropped from ``sys.modules`` (monkeypatch puts
them back afterwards), so the playground is imported afresh without it.
"""
from __future__ import annotations

import ast
import importlib
import importlib.abc
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "playground"
EXERCISE_4 = ROOT / "solutions" / "rnn" / "04_lstm_backward.ipynb"
# Exercise 3 solved, and as released to students.
EXERCISE_3 = ROOT / "solutions" / "rnn" / "03_gates.ipynb"
EXERCISE_3_STUB = ROOT / "assignments" / "rnn" / "03_gates.ipynb"


def _is_under(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


class BlockReference(importlib.abc.MetaPathFinder):
    """A finder that makes every import of ``reference`` fail, as if not installed."""

    def find_spec(self, fullname, path=None, target=None):
        if _is_under(fullname, "reference"):
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


@pytest.fixture
def without_reference(monkeypatch):
    for name in list(sys.modules):
        if _is_under(name, "reference") or _is_under(name, "playground"):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(sys, "meta_path", [BlockReference(), *sys.meta_path])


def test_the_block_works(without_reference):
    """Is ``reference`` really out of reach inside the fixture?"""
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("reference.char_lm")


def test_autograd_backend_trains_and_samples(without_reference):
    """Does the default backend train and sample without the answer key?"""
    controller_module = importlib.import_module("playground.controller")
    controller = controller_module.PlaygroundController(
        "to be or not to be that is the question", cell="lstm", hidden_size=8, seq_len=6
    )
    losses = controller.step(4)
    assert len(losses) == 4
    assert len(controller.sample(20, temperature=0.5, start="to")) == 20
    assert not any(_is_under(name, "reference") for name in sys.modules)


def test_gates_come_from_a_finished_exercise_3(without_reference):
    """Without the key, are the gates shown by the solved exercise 3, and does the released
    stub (or no exercise 3 at all) say to finish it?"""
    playground = importlib.import_module("playground")
    text = "to be or not to be that is the question"
    solved = playground.load_gate_code(EXERCISE_3)
    controller = playground.PlaygroundController(text, hidden_size=8, gate_code=solved)
    assert controller.gates("to be")["f"].shape == (5, 8)
    for code in (playground.load_gate_code(EXERCISE_3_STUB), None):
        controller = playground.PlaygroundController(text, hidden_size=8, gate_code=code)
        with pytest.raises(playground.GatesUnavailable, match=r"Finish exercise 3 \(03_gates"):
            controller.gates("to be")
    assert not any(_is_under(name, "reference") for name in sys.modules)


def test_widgets_build_without_the_answer_key(without_reference):
    """Do the widgets build and train without the answer key?"""
    playground = importlib.import_module("playground")
    controller = playground.PlaygroundController("abcabcabc", hidden_size=4, seq_len=3)
    ui = importlib.import_module("playground.widgets").PlaygroundUI(controller)
    ui.step_button.click()
    assert controller.steps_done == 1
    assert not any(_is_under(name, "reference") for name in sys.modules)


def test_student_backend_without_the_answer_key(without_reference):
    """Does exercise 4's notebook load and train the student backend without the key?"""
    playground = importlib.import_module("playground")
    student = playground.load_student_code(EXERCISE_4)
    controller = playground.PlaygroundController(
        "abcabcabc", hidden_size=4, seq_len=3, backend="student", student=student
    )
    assert len(controller.step(2)) == 2
    assert not any(_is_under(name, "reference") for name in sys.modules)


def test_reference_backend_says_the_answer_key_is_missing(without_reference):
    """Does choosing the reference backend without the key say so, and keep the session?"""
    controller = importlib.import_module("playground").PlaygroundController("abcabc", hidden_size=4)
    with pytest.raises(ImportError, match="answer key"):
        controller.configure(backend="reference")
    assert controller.backend_name == "autograd"
    assert controller.step(1)


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda path: path.name)
def test_no_module_imports_reference_at_the_top(path):
    """Is ``reference`` imported nowhere at module level in the playground?"""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        assert not any(_is_under(name, "reference") for name in names), path.name
