"""Fixtures for the autograder's tests: fake notebooks, the fake probe module, a pool."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.sandbox import SandboxStudent, WorkerPool

FAKE_PROBES = str(Path(__file__).parent / "fixtures" / "fake_probes.py")


class CellFactory:
    """Notebook cells of each kind the grader distinguishes."""

    @staticmethod
    def solution(source: str, grade_id: str = "answer"):
        """An nbgrader solution cell (the student's answer): runs."""
        return new_code_cell(source, metadata={"nbgrader": {"solution": True, "grade_id": grade_id}})

    @staticmethod
    def given(source: str):
        """A locked cell tagged ``given``: runs."""
        return new_code_cell(source, metadata={"tags": ["given"], "nbgrader": {"locked": True}})

    @staticmethod
    def demo(source: str):
        """A plain code cell (demo, training, plot): never runs."""
        return new_code_cell(source)

    @staticmethod
    def test(source: str, grade_id: str = "test"):
        """An nbgrader test cell: never runs in the sandbox."""
        meta = {"nbgrader": {"grade": True, "locked": True, "points": 1, "grade_id": grade_id}}
        return new_code_cell(source, metadata=meta)

    @staticmethod
    def markdown(source: str):
        return new_markdown_cell(source)


@pytest.fixture
def cells():
    return CellFactory()


@pytest.fixture
def fake_probes() -> str:
    """Path of the fake probe module."""
    return FAKE_PROBES


def write_notebook(path: Path, cells) -> Path:
    notebook = new_notebook()
    notebook.cells = list(cells)
    nbformat.write(notebook, str(path))
    return path


@pytest.fixture
def make_notebook(tmp_path):
    """``make_notebook(*cells, name="01_demo.ipynb")`` writes a notebook in ``tmp_path``."""

    def make(*cells, name: str = "01_demo.ipynb") -> Path:
        return write_notebook(tmp_path / name, cells)

    return make


@pytest.fixture(scope="session")
def pool():
    """One numpy-only worker (and a torch one, when a test asks) for all sandbox tests."""
    workers = WorkerPool()
    yield workers
    workers.close()


@pytest.fixture
def sandbox(pool, make_notebook):
    """``sandbox(*cells, **options)``: a handle on a fake notebook with the fake probes."""
    handles = []

    def make(*cells, **options) -> SandboxStudent:
        options.setdefault("forbid", ("torch",))
        options.setdefault("timeout", 2.0)
        handle = SandboxStudent(pool, "01_demo", make_notebook(*cells), FAKE_PROBES, **options)
        handles.append(handle)
        return handle

    yield make
    for handle in handles:
        handle.close()

