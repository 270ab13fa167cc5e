"""Edits of the solution notebooks' answer cells, and submission folders built from them.

An edit is a function ``(answer, source) -> source`` of one answer cell's text:
``at_load`` puts statements in front of the cell (they run while the notebook loads),
``in_call`` at the start of the graded function's body (they run on every call),
``replacing`` swaps one piece of text (a wrong answer), ``replacing_body`` the whole
body. Two tokens stand for paths known only when the folder is written: ``<<REPO>>``
(the project) and ``<<VICTIMS>>`` (a folder of copies of grader files); each becomes a
string literal.
"""
from __future__ import annotations

import importlib.util
import re
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

_HELPERS_FILE = Path(__file__).resolve().parents[2] / "exercises" / "helpers.py"


def _load_helpers():
    """``tests/exercises/helpers.py``, which reads and edits the solution notebooks."""
    spec = importlib.util.spec_from_file_location("exercise_notebook_helpers", _HELPERS_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


helpers = _load_helpers()

REPO_TOKEN = "<<REPO>>"
VICTIMS_TOKEN = "<<VICTIMS>>"
# The two ways a whole notebook can be broken instead of edited.
NOT_JSON = "not_json"
MISSING = "missing"


@dataclass(frozen=True)
class Answer:
    """The answer cell of one exercise's solution notebook.

    ``first_line`` opens the cell; ``body_line`` is the first statement of the graded
    function's body (inserted statements go before it, with its indentation).
    """

    exercise: str
    grade_id: str
    first_line: str
    body_line: str

    @property
    def notebook(self) -> str:
        return f"{self.exercise}.ipynb"


GRU = Answer("01_gru", "gru_from_scratch", "class GRUFromScratch:",
             "h = np.zeros(self.hidden_size) if h_prev is None else np.asarray(h_prev, dtype=float)")
TREND = Answer("02_trend", "trend_classifier", "class TrendClassifier(nn.Module):",
               "output, _ = self.lstm(x)")
GATES = Answer("03_gates", "lstm_gate_activations", "def lstm_gate_activations(lstm, x):",
               "activations = []")
BACKWARD = Answer("04_lstm_backward", "lstm_lm_backward", "def lstm_lm_backward(cache):",
                  'params = cache["params"]')
ANSWERS = {answer.exercise: answer for answer in (GRU, TREND, GATES, BACKWARD)}

Edit = Callable[[Answer, str], str]


def _replace_once(source: str, old: str, new: str) -> str:
    assert source.count(old) == 1, f"expected exactly one {old!r} in the answer cell"
    return source.replace(old, new)


def at_load(code: str) -> Edit:
    """``code`` (dedented) in front of the answer cell: it runs while the notebook loads."""

    def edit(answer: Answer, source: str) -> str:
        return _replace_once(source, answer.first_line, textwrap.dedent(code).strip() + "\n\n\n" + answer.first_line)

    return edit


def in_call(code: str) -> Edit:
    """``code`` (dedented) as the first statements of the graded function's body."""

    def edit(answer: Answer, source: str) -> str:
        indent = re.search(rf"^([ \t]*){re.escape(answer.body_line)}", source, re.M).group(1)
        inserted = textwrap.indent(textwrap.dedent(code).strip(), indent)
        return _replace_once(source, indent + answer.body_line, inserted + "\n" + indent + answer.body_line)

    return edit


def replacing(old: str, new: str) -> Edit:
    """``old`` (which occurs once in the answer cell) replaced by ``new``."""
    return lambda answer, source: _replace_once(source, old, new)


def replacing_body(first: str, last: str, body: str) -> Edit:
    """The lines from the one holding ``first`` to the one holding ``last`` replaced by ``body``."""

    def edit(answer: Answer, source: str) -> str:
        lines = source.split("\n")
        start = next(i for i, line in enumerate(lines) if first in line)
        stop = next(i for i, line in enumerate(lines) if i >= start and last in line)
        indent = re.match(r"[ \t]*", lines[start]).group(0)
        new = textwrap.indent(textwrap.dedent(body).strip(), indent).split("\n")
        return "\n".join(lines[:start] + new + lines[stop + 1:])

    return edit


def edited_source(answer: Answer, edits: tuple[Edit, ...], tokens: Mapping[str, str]) -> str:
    """The answer cell of the solution after ``edits``, with the path tokens filled in."""
    notebook = helpers.read_solution(answer.notebook)
    source = helpers.cell_by_grade_id(notebook, answer.grade_id).source
    for edit in edits:
        source = edit(answer, source)
    for token, value in tokens.items():
        source = source.replace(token, repr(value))
    return source


def write_notebook(folder: Path, answer: Answer, edits: tuple[Edit, ...] = (), damage: str = "",
                   tokens: Mapping[str, str] | None = None) -> None:
    """The exercise's notebook in ``folder``: the solution, edited or damaged (or left out)."""
    if damage == MISSING:
        return
    if damage == NOT_JSON:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / answer.notebook).write_text('{"cells": [ this is not JSON', encoding="utf-8")
        return
    notebook = helpers.read_solution(answer.notebook)
    if edits:
        notebook = helpers.with_cell_source(notebook, answer.grade_id, edited_source(answer, edits, tokens or {}))
    helpers.write(notebook, folder, answer.notebook)
