"""Is the playground notebook ungraded, free of the answer key, on the lecture's corpus
and on the autograd backend? (It is executed with every notebook in
``tests/notebooks``.)"""
from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

from playground import BACKENDS
from reference.datasets import LECTURE_CORPUS

NOTEBOOK = Path(__file__).resolve().parents[2] / "solutions" / "rnn" / "05_playground.ipynb"


@pytest.fixture(scope="module")
def notebook() -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOK, as_version=4)


@pytest.fixture(scope="module")
def code(notebook) -> list[ast.Module]:
    return [ast.parse(cell.source) for cell in notebook.cells if cell.cell_type == "code"]


def test_is_ungraded_and_committed_without_outputs(notebook):
    """Has the notebook no nbgrader cells, no solution markers and no stored outputs?"""
    for index, cell in enumerate(notebook.cells):
        assert "nbgrader" not in cell.metadata, index
        for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS"):
            assert marker not in cell.source, index
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, index


def test_never_imports_the_answer_key(code):
    """Does the notebook import nothing from ``reference`` (or the grader)?"""
    imported = set()
    for tree in code:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
    assert "playground" in imported
    assert imported.isdisjoint({"reference", "autograder"})


def test_trains_on_the_lecture_corpus(code):
    """Is the notebook's ``CORPUS`` exactly the text the reference models train on?"""
    values = [
        ast.literal_eval(node.value)
        for tree in code
        for node in tree.body
        if isinstance(node, ast.Assign)
        and any(getattr(target, "id", None) == "CORPUS" for target in node.targets)
    ]
    assert values == [LECTURE_CORPUS]


def test_uses_only_backends_that_need_no_answer_key(code):
    """Is every controller on the autograd backend (or the student's own), never the reference?"""
    backends = [
        keyword.value.value
        for tree in code
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "PlaygroundController"
        for keyword in node.keywords
        if keyword.arg == "backend"
    ]
    assert backends and set(backends) <= set(BACKENDS) - {"reference"}
