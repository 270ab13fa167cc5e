"""The source notebooks run top to bottom, and the lecture keeps the course's rules.

Every notebook in ``solutions/rnn/`` is executed in a fresh ``python3`` kernel whose
working directory is the notebook's folder (slow). The lecture is also checked as a file
(fast): committed without outputs, free of the answer key, released unchanged by nbgrader,
and printing the same corpus the reference models train on.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from reference.datasets import LECTURE_CORPUS

SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions" / "rnn"
NOTEBOOKS = sorted(SOLUTIONS.glob("*.ipynb"))
LECTURE = SOLUTIONS / "00_lecture.ipynb"

# Seconds any single cell may take before nbclient gives up: a guard against a hung
# kernel, far above what any cell needs.
CELL_TIMEOUT = 600

# Packages a notebook must never import: ``reference`` is the answer key; the lecture is
# ungraded, so it has no business with the grader either.
ANSWER_KEY = {"reference", "autograder"}

# Terminal colour codes that IPython puts into tracebacks.
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


def first_error_cell(notebook: nbformat.NotebookNode) -> tuple[int, str]:
    """Index and first source line of the first cell whose outputs hold an error."""
    for index, cell in enumerate(notebook.cells):
        if any(output.get("output_type") == "error" for output in cell.get("outputs", [])):
            return index, cell.source.splitlines()[0] if cell.source else ""
    return -1, ""


def code_sources(path: Path) -> list[str]:
    """Sources of the code cells, IPython magics (``%...``, ``!...``) dropped."""
    notebook = nbformat.read(path, as_version=4)
    return [
        "\n".join(
            line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!"))
        )
        for cell in notebook.cells
        if cell.cell_type == "code"
    ]


def imported_packages(source: str) -> set[str]:
    """Top-level package names imported anywhere in ``source``."""
    packages = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            packages.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            packages.add(node.module.split(".")[0])
    return packages


def assigned_literal(sources: list[str], name: str):
    """Value of the first top-level ``name = <literal>`` among ``sources``."""
    for source in sources:
        for node in ast.parse(source).body:
            if isinstance(node, ast.Assign) and any(
                isinstance(target, ast.Name) and target.id == name for target in node.targets
            ):
                return ast.literal_eval(node.value)
    raise LookupError(f"no top-level assignment to {name}")


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_runs_top_to_bottom(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Does every cell run without raising, in a fresh kernel started in the notebook's folder?"""
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    try:
        client.execute()
    except CellExecutionError as error:
        failure = ANSI_ESCAPE.sub("", str(error))
    else:
        return
    index, first_line = first_error_cell(notebook)
    # Failing outside the except block keeps the kernel's traceback from being shown twice.
    pytest.fail(f"{path.name}: cell {index} ({first_line!r}) raised\n{failure}", pytrace=False)


def test_lecture_is_committed_without_outputs() -> None:
    """Is the lecture stored with empty outputs and no execution counts (small, no images)?"""
    notebook = nbformat.read(LECTURE, as_version=4)
    dirty = [
        index
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert dirty == [], f"cells with stored outputs: {dirty}"


def test_lecture_never_imports_the_answer_key() -> None:
    """Does the lecture stay clear of ``reference`` and ``autograder``?"""
    imported = set().union(*(imported_packages(source) for source in code_sources(LECTURE)))
    assert imported & ANSWER_KEY == set()


def test_lecture_is_released_unchanged() -> None:
    """Has the lecture no nbgrader cells and no solution or hidden-test markers?"""
    notebook = nbformat.read(LECTURE, as_version=4)
    graded = [index for index, cell in enumerate(notebook.cells) if "nbgrader" in cell.metadata]
    marked = [
        index
        for index, cell in enumerate(notebook.cells)
        if any(marker in cell.source for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS"))
    ]
    assert (graded, marked) == ([], [])


def test_lecture_long_runs_are_off_by_default() -> None:
    """Does the optional long-training flag ship switched off?"""
    assert assigned_literal(code_sources(LECTURE), "LONG_RUNS") is False


def test_lecture_corpus_is_the_reference_corpus() -> None:
    """Does the lecture train on exactly the text the reference models and exercise 3 use?"""
    assert assigned_literal(code_sources(LECTURE), "CORPUS") == LECTURE_CORPUS
