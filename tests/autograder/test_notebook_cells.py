"""Which notebook belongs to an exercise, which cells run, and the submission digest."""
from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_notebook

from autograder.notebook import (
    NotebookUnreadable,
    find_notebook,
    load_notebook_code,
    select_cells,
    strip_magics,
)


def _notebook(*cells):
    notebook = new_notebook()
    notebook.cells = list(cells)
    return notebook


def test_only_given_and_solution_cells_are_selected_in_order(cells):
    """Are given and solution cells kept, in notebook order, and everything else dropped?"""
    notebook = _notebook(
        cells.markdown("# Title"),
        cells.given("import numpy as np"),
        cells.demo("plt.plot(x)"),
        cells.solution("def f():\n    return 1", grade_id="f"),
        cells.test("assert f() == 1"),
        cells.demo("train(model, epochs=50)"),
        cells.given("data = make_data()"),
    )
    selected, notes = select_cells(notebook)
    assert [(c.number, c.source) for c in selected] == [
        (2, "import numpy as np"), (4, "def f():\n    return 1"), (7, "data = make_data()")
    ]
    assert [c.solution for c in selected] == [False, True, False]
    assert selected[1].label == "cell 4 [f]" and notes == []


def test_magics_and_shell_lines_are_replaced_keeping_line_numbers():
    """Are %, %% and ! lines (and assignments from them) replaced by pass, and nothing else?"""
    source = "%matplotlib inline\nx = 5 % 3\nif x:\n    !ls\nfiles = !ls\ny = (x\n     != 2)\ns = '''\n%not a magic\n'''"
    code, stripped = strip_magics(source)
    lines = code.split("\n")
    assert stripped == [1, 4, 5]
    assert lines[0].startswith("pass") and lines[3] == "    pass  # IPython magic removed"
    assert lines[1] == "x = 5 % 3" and lines[6] == "     != 2)" and lines[8] == "%not a magic"
    compile(code, "<test>", "exec")


def test_stripped_magics_leave_notes(cells):
    """Does each stripped line leave a note naming its cell and line?"""
    _, notes = select_cells(_notebook(cells.solution("%time\nx = 1", grade_id="a")))
    assert notes == ["cell 1 [a], line 1: IPython magic or shell command not run"]


def test_the_digest_depends_on_solution_cells_only(tmp_path, cells):
    """Is the digest changed by the student's answers but not by other cells?"""

    def digest(answer, demo):
        path = tmp_path / "01_x.ipynb"
        nbformat.write(_notebook(cells.given("g = 1"), cells.solution(answer), cells.demo(demo)), str(path))
        return load_notebook_code(path).digest

    base = digest("x = 1", "print(1)")
    assert digest("x = 1", "print(2)") == base
    assert digest("x = 2", "print(1)") != base


def test_a_broken_notebook_is_reported(tmp_path):
    """Does a file that is not notebook JSON raise NotebookUnreadable with its name?"""
    path = tmp_path / "01_broken.ipynb"
    path.write_text("{ not json")
    with pytest.raises(NotebookUnreadable, match="01_broken.ipynb"):
        load_notebook_code(path)
    path.write_text('{"nbformat": 3, "cells": []}')
    with pytest.raises(NotebookUnreadable, match="format 3"):
        load_notebook_code(path)


def test_notebooks_are_matched_by_their_number_prefix(tmp_path):
    """Is the exact name preferred, then any NN_*.ipynb, and a single file matched by prefix?"""
    for name in ("01_gru_attempt.ipynb", "01_gru.ipynb", "02_trend_v2.ipynb", "notes.ipynb"):
        (tmp_path / name).write_text("{}")
    assert find_notebook(tmp_path, "01_gru") == tmp_path / "01_gru.ipynb"
    assert find_notebook(tmp_path, "02_trend") == tmp_path / "02_trend_v2.ipynb"
    assert find_notebook(tmp_path, "03_gates") is None
    assert find_notebook(tmp_path / "02_trend_v2.ipynb", "02_trend") == tmp_path / "02_trend_v2.ipynb"
    assert find_notebook(tmp_path / "02_trend_v2.ipynb", "01_gru") is None
    assert find_notebook(tmp_path / "missing", "01_gru") is None
