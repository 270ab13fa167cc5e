"""Shared tools for the exercise tests: notebook copies with edits, stubs, given code,
local student handles and the messages their checks fail with.

Every function works on an in-memory nbformat notebook or writes into a folder the
caller owns (``tmp_path``); the solution notebooks in ``solutions/rnn/`` are only read.
"""
from __future__ import annotations

import copy
import re
from pathlib import Path

import nbformat
import pytest

from autograder.errors import CheckFailed
from autograder.notebook import select_cells
from autograder.notebook_checks import local_student

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions" / "rnn"
BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
# What ``nbgrader generate_assignment`` puts in place of a solution region (see
# nbgrader_config.py), indented like the region's first marker.
STUB_LINES = ("# YOUR CODE HERE", "raise NotImplementedError()")


def read_solution(name: str) -> nbformat.NotebookNode:
    """The solution notebook ``solutions/rnn/<name>`` (e.g. "01_gru.ipynb"), freshly read."""
    return nbformat.read(str(SOLUTIONS / name), as_version=4)


def clear_solution_regions(source: str) -> str:
    """``source`` with every BEGIN/END SOLUTION region replaced by nbgrader's stub."""
    lines, in_solution = [], False
    for line in source.split("\n"):
        if BEGIN_SOLUTION in line:
            in_solution = True
            indent = re.match(r"\s*", line).group(0)
            lines.extend(indent + stub for stub in STUB_LINES)
        elif END_SOLUTION in line:
            in_solution = False
        elif not in_solution:
            lines.append(line)
    return "\n".join(lines)


def released_stub(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``notebook`` with every solution region cleared, as a release would."""
    stub = copy.deepcopy(notebook)
    for cell in stub.cells:
        if cell.cell_type == "code":
            cell.source = clear_solution_regions(cell.source)
    return stub


def cell_by_grade_id(notebook: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    """The cell whose nbgrader ``grade_id`` is ``grade_id`` (KeyError if none)."""
    for cell in notebook.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return cell
    raise KeyError(f"no cell with grade_id {grade_id!r}")


def with_cell_source(notebook: nbformat.NotebookNode, grade_id: str, source: str) -> nbformat.NotebookNode:
    """A copy of ``notebook`` whose cell ``grade_id`` holds ``source`` instead."""
    changed = copy.deepcopy(notebook)
    cell_by_grade_id(changed, grade_id).source = source
    return changed


def edited(source: str, edits: list[tuple[str, str]]) -> str:
    """``source`` with each (old, new) replacement made; every ``old`` must occur."""
    for old, new in edits:
        assert old in source, old
        source = source.replace(old, new)
    return source


def write(notebook: nbformat.NotebookNode, folder: Path, name: str) -> Path:
    """Write ``notebook`` as ``folder/name`` and return the path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    nbformat.write(notebook, str(path))
    return path


def given_namespace(notebook: nbformat.NotebookNode) -> dict:
    """The globals left by running the notebook's cells tagged ``given``, in order."""
    namespace: dict = {}
    for cell in notebook.cells:
        if cell.cell_type == "code" and "given" in cell.get("metadata", {}).get("tags", []):
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "given")
            exec(compile(cell.source, f"<given cell {grade_id}>", "exec"), namespace)
    return namespace


def code_namespace(notebook: nbformat.NotebookNode) -> dict:
    """The globals left by running exactly the cells the grader runs (given and answer
    cells, in order; see ``autograder.notebook.select_cells``), in this process."""
    namespace: dict = {}
    cells, _ = select_cells(notebook)
    for cell in cells:
        exec(compile(cell.source, cell.filename, "exec"), namespace)
    return namespace


def student_with(notebook: nbformat.NotebookNode, exercise: str, grade_id: str, source: str):
    """A local handle for the checks of ``exercise`` (e.g. "ex01_gru") on ``notebook``
    whose cell ``grade_id`` holds ``source``; its code runs in this process."""
    changed = with_cell_source(notebook, grade_id, source)
    return local_student(code_namespace(changed), exercise)


def failure_of(check, student) -> str:
    """The message ``check`` fails with (the test fails if it passes)."""
    with pytest.raises(CheckFailed) as failure:
        check(student)
    return str(failure.value)


def failures_of(student, named_checks: dict) -> dict[str, str]:
    """{check name: message} of the checks in ``named_checks`` that fail for ``student``."""
    failures = {}
    for name, check in named_checks.items():
        try:
            check(student)
        except CheckFailed as failure:
            failures[name] = str(failure)
    return failures
