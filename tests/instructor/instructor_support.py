"""The demo exercise and class the batch tests grade (shared by conftest and the tests).

``DEMO_CHECKS`` is a one-exercise graded test module worth 4 points; ``CLASS`` holds
four submissions (correct, stub, one that hangs, one that exits) and
``EXPECTED_SCORES`` what each earns.
"""
from __future__ import annotations

import runpy
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT = "rnn"

# The demo exercise's probes and graded test module, shared with the plugin's tests.
DEMO_FIXTURES = ROOT / "tests" / "autograder" / "fixtures"
DEMO_PROBES = (DEMO_FIXTURES / "fake_probes.py").read_text()
# A fixture that stands for a bug in the grader's own process, set off by one submission.
GRADER_TROUBLE = '''

@pytest.fixture(scope="module", autouse=True)
def trouble_in_the_grader(demo):
    import os
    import time

    names = demo.call("defined")
    if "CRASH_THE_GRADER" in names:
        os._exit(7)
    if "HANG_THE_GRADER" in names:
        time.sleep(3600)
'''
# Worth 4 points: double (2), half (1), the hidden check (1); short calls make a hang cheap.
DEMO_CHECKS = runpy.run_path(str(DEMO_FIXTURES / "demo_checks.py"))["demo_checks"](
    timeout=1.0, half_points=1, preload=(), extra=GRADER_TROUBLE,
)

CORRECT = "def double(x):\n    return 2 * x\n\n\ndef half(x):\n    return x / 2\n"
STUB = "def double(x):\n    raise NotImplementedError()\n\n\ndef half(x):\n    raise NotImplementedError()\n"
HANGS = "def double(x):\n    while True:\n        pass\n\n\ndef half(x):\n    return x / 2\n"
EXITS = "import os\n\n\ndef double(x):\n    return 2 * x\n\n\ndef half(x):\n    os._exit(3)\n"

# Student -> notebook source, and the score each earns (of 4).
CLASS = {"ann": CORRECT, "ben": STUB, "cat": HANGS, "dan": EXITS}
EXPECTED_SCORES = {"ann": 4.0, "ben": 0.0, "cat": 1.0, "dan": 3.0}


def write_submission(submitted: Path, student: str, source: str) -> Path:
    """``submitted/<student>/rnn/01_demo.ipynb`` with ``source`` as its answer cell."""
    folder = submitted / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    notebook = new_notebook()
    notebook.cells = [
        new_code_cell("print('a demo cell, never graded')"),
        new_code_cell(source, metadata={"nbgrader": {"solution": True, "grade_id": "answers"}}),
    ]
    nbformat.write(notebook, str(folder / "01_demo.ipynb"))
    return folder


def answered(released: Path, solution: Path) -> nbformat.NotebookNode:
    """The released notebook with every answer cell copied from the solution notebook
    (matched by nbgrader ``grade_id``): what a student who solved it all submits."""
    notebook = nbformat.read(str(released), as_version=4)
    answers = {
        cell.metadata["nbgrader"]["grade_id"]: cell.source
        for cell in nbformat.read(str(solution), as_version=4).cells
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution")
    }
    for cell in notebook.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution"):
            cell.source = answers[meta["grade_id"]]
    return notebook


def with_edit(notebook: nbformat.NotebookNode, old: str, new: str) -> nbformat.NotebookNode:
    """``notebook`` with ``old`` replaced by ``new`` in the one cell that holds it."""
    cells = [cell for cell in notebook.cells if old in cell.source]
    assert len(cells) == 1, f"{old!r} is in {len(cells)} cells, expected exactly one"
    cells[0].source = cells[0].source.replace(old, new)
    return notebook
