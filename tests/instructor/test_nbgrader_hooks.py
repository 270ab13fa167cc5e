"""The two pieces nbgrader_config.py plugs into nbgrader: the kernel's import guard and
the feedback preprocessor (fast, without running nbgrader)."""
from __future__ import annotations

import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from autograder.guard import RefusedImport
from autograder.kernel_guard import AnswerKeyGuard, install
from autograder.nbgrader_feedback import HiddenTestsFeedback
from autograder.sandbox import PACKAGE_DIR

KEY = "answer_key_for_the_guard_test"  # never importable: the guard decides before any finder


def run_as(filename: str, source: str) -> None:
    exec(compile(source, filename, "exec"), {"__name__": "cell"})


@pytest.fixture
def guard(monkeypatch) -> AnswerKeyGuard:
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    guard = AnswerKeyGuard(refused=(KEY,))
    sys.meta_path.insert(0, guard)
    return guard


@pytest.mark.parametrize("source", [f"import {KEY}", f"from {KEY} import sub",
                                    f"import importlib\nimportlib.import_module('{KEY}.sub')"])
def test_notebook_code_may_not_import_the_answer_key(guard, source):
    """Is the refused package refused to a notebook cell, however it is imported?"""
    with pytest.raises(RefusedImport, match=f"importing {KEY} is not allowed"):
        run_as("/tmp/ipykernel_1234/2871.py", source)


def test_the_checks_may_import_it(guard):
    """Does an import made from inside the autograder package pass the guard?"""
    with pytest.raises(ModuleNotFoundError):  # past the guard; the module just does not exist
        run_as(str(PACKAGE_DIR / "checks" / "ex01_gru.py"), f"import {KEY}")


def test_other_imports_are_left_alone(guard):
    """Is an ordinary import from a notebook cell unaffected?"""
    run_as("/tmp/ipykernel_1234/2871.py", "import json.tool")


def test_install_puts_one_guard_first(monkeypatch):
    """Does install() add the guard at the front, and only once?"""
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    first = install()
    assert sys.meta_path[0] is first and install() is first
    assert sum(isinstance(finder, AnswerKeyGuard) for finder in sys.meta_path) == 1


def test_feedback_drops_hidden_code_and_keeps_only_the_message():
    """Does a test cell with a hidden region lose the region and its traceback's code lines?"""
    source = "check_visible(student)\n### BEGIN HIDDEN TESTS\ncheck_secret(student, seed=7)\n### END HIDDEN TESTS"
    cell = new_code_cell(source, metadata={"nbgrader": {"grade": True, "grade_id": "t", "points": 1,
                                                        "locked": True, "solution": False}})
    cell.outputs = [new_output("error", ename="CheckFailed", evalue="the states differ at step 2",
                               traceback=["----> 3 check_secret(student, seed=7)", "CheckFailed: ..."])]
    visible = new_code_cell("check_visible(student)")
    visible.outputs = [new_output("error", ename="CheckFailed", evalue="shape", traceback=["line", "tb"])]
    notebook = new_notebook(cells=[cell, visible])
    notebook, _ = HiddenTestsFeedback().preprocess(notebook, {})
    text = nbformat.writes(notebook)
    assert "check_secret" not in text and "seed=7" not in text and "HIDDEN" not in text
    assert notebook.cells[0].source == "check_visible(student)"
    assert notebook.cells[0].outputs[0].traceback == ["CheckFailed: the states differ at step 2"]
    assert notebook.cells[1].outputs[0].traceback == ["line", "tb"]
