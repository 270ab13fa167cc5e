"""Fixtures shared by the exercise test modules.

Those modules run most checks in this process, through
``autograder.notebook_checks.local_student`` on the namespace of a notebook's given
and answer cells (fast); the tests marked slow grade whole notebooks through the real
plugin, sandbox included.

Each module names its solution notebook in ``NOTEBOOK`` (e.g. "02_trend.ipynb") and,
when it has one answer cell, that cell's grade id in ``ANSWER_CELL``. The fixtures read
the notebook once per module.
"""
from __future__ import annotations

import pytest

import helpers


@pytest.fixture(scope="module")
def solution(request):
    """The module's solution notebook, freshly read."""
    return helpers.read_solution(request.module.NOTEBOOK)


@pytest.fixture(scope="module")
def given(solution) -> dict:
    """The globals of the notebook's given cells: what a student is handed."""
    return helpers.given_namespace(solution)


@pytest.fixture(scope="module")
def answer(solution) -> dict:
    """The globals of the notebook's given and answer cells: what the sandbox runs."""
    return helpers.code_namespace(solution)


@pytest.fixture(scope="module")
def answer_source(request, solution) -> str:
    """The source of the solution's answer cell ``ANSWER_CELL``."""
    return helpers.cell_by_grade_id(solution, request.module.ANSWER_CELL).source
