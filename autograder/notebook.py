"""Which notebook belongs to an exercise, and which of its cells the grader runs.

Only two kinds of code cells run, in notebook order:

* cells tagged ``given`` (``metadata.tags``): code the answers rely on (data
  generators, a given class, loading a released checkpoint);
* nbgrader solution cells (``metadata.nbgrader.solution == true``): the student's answers.

Demos, training runs, plots and test cells never run. IPython magics (``%...``,
``%%...``) and shell escapes (``!...``) are the only thing removed from those cells; each
removal leaves a ``pass`` on the same line (line numbers stay true) and a note.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

GIVEN_TAG = "given"
# A whole line that IPython would transform: `%magic`, `%%cell_magic`, `!shell`,
# or an assignment from one (`files = !ls`, `t = %timeit -o f()`).
_MAGIC_LINE = re.compile(r"^(?P<indent>[ \t]*)(?:%|!(?!=)|[A-Za-z_][\w.]*[ \t]*=[ \t]*(?:%|!(?!=)))")


@dataclass(frozen=True)
class Cell:
    """One code cell that runs in the sandbox.

    ``number`` is the cell's 1-based position among all cells of the notebook;
    ``label`` is what feedback calls it, e.g. ``cell 7 [gru_forward]``.
    """

    number: int
    grade_id: str
    source: str
    solution: bool

    @property
    def label(self) -> str:
        return f"cell {self.number} [{self.grade_id}]" if self.grade_id else f"cell {self.number}"

    @property
    def filename(self) -> str:
        """The pseudo file name the cell is compiled under (shows in tracebacks)."""
        return f"<{self.label}>"


@dataclass(frozen=True)
class NotebookCode:
    """The cells of one notebook that the grader runs, with notes on what was stripped."""

    path: Path
    cells: tuple[Cell, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def digest(self) -> str:
        """sha256 of the solution cells' sources: identifies the student's answers."""
        return solution_digest(self.cells)


def strip_magics(source: str) -> tuple[str, list[int]]:
    """Replace IPython magic and shell lines by ``pass``; return the code and their line numbers.

    A cell magic (``%%time``) on the first line comments out only that line: the rest
    of the cell is ordinary Python and runs.
    """
    lines = source.split("\n")
    stripped = []
    in_string = False
    for number, line in enumerate(lines, start=1):
        match = None if in_string else _MAGIC_LINE.match(line)
        if match:
            lines[number - 1] = f"{match.group('indent')}pass  # IPython magic removed"
            stripped.append(number)
        # A crude guard for magics inside triple-quoted strings: toggle on odd counts.
        if (line.count('"""') + line.count("'''")) % 2 == 1:
            in_string = not in_string
    return "\n".join(lines), stripped


def _cell_source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def select_cells(notebook: dict[str, Any]) -> tuple[list[Cell], list[str]]:
    """Code cells tagged ``given`` or marked as nbgrader solutions, in order, plus notes.

    ``notebook`` is the notebook's JSON (a dict, or an ``nbformat.NotebookNode``).
    """
    cells, notes = [], []
    for number, cell in enumerate(notebook.get("cells", []), start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        metadata = cell.get("metadata", {}) or {}
        nbgrader = metadata.get("nbgrader", {}) or {}
        tags = metadata.get("tags", []) or []
        solution = bool(nbgrader.get("solution", False))
        if not solution and GIVEN_TAG not in tags:
            continue
        grade_id = str(nbgrader.get("grade_id", "") or "")
        source, stripped = strip_magics(_cell_source(cell))
        selected = Cell(number=number, grade_id=grade_id, source=source, solution=solution)
        for line in stripped:
            notes.append(f"{selected.label}, line {line}: IPython magic or shell command not run")
        cells.append(selected)
    return cells, notes


def solution_digest(cells: tuple[Cell, ...] | list[Cell]) -> str:
    """sha256 over the solution cells' sources (order matters, other cells do not)."""
    digest = hashlib.sha256()
    for cell in cells:
        if cell.solution:
            digest.update(cell.source.encode("utf-8", "surrogatepass"))
            digest.update(b"\0")
    return digest.hexdigest()


class NotebookUnreadable(ValueError):
    """The file is not a notebook nbformat can read."""


def load_notebook_code(path: Path) -> NotebookCode:
    """Read a notebook and select the cells that run; ``NotebookUnreadable`` if broken.

    The file is read as plain JSON (nbformat 4): importing nbformat's validator costs
    seconds, and the grader needs nothing but the cells.
    """
    path = Path(path)
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise NotebookUnreadable(f"{path.name} is not a readable notebook ({type(exc).__name__}: {exc})") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise NotebookUnreadable(f"{path.name} is not a notebook (no list of cells).")
    if notebook.get("nbformat") != 4:
        raise NotebookUnreadable(
            f"{path.name} has notebook format {notebook.get('nbformat')}; save it with Jupyter (format 4)."
        )
    cells, notes = select_cells(notebook)
    return NotebookCode(path=Path(path), cells=tuple(cells), notes=tuple(notes))


def exercise_prefix(exercise: str) -> str:
    """``"01_gru"`` -> ``"01_"``: the file-name prefix that matches a notebook."""
    number = exercise.split("_", 1)[0]
    return f"{number}_"


def find_notebook(submission: Path, exercise: str) -> Path | None:
    """The notebook of ``exercise`` in ``submission`` (a folder or one notebook), or None.

    A folder is searched for ``<exercise>.ipynb`` first, then for any ``NN_*.ipynb``
    with the exercise's number (the first in name order). A single notebook matches
    if its name starts with the exercise's number.
    """
    submission = Path(submission)
    prefix = exercise_prefix(exercise)
    if submission.is_file():
        return submission if submission.name.startswith(prefix) and submission.suffix == ".ipynb" else None
    if not submission.is_dir():
        return None
    exact = submission / f"{exercise}.ipynb"
    if exact.is_file():
        return exact
    matches = sorted(p for p in submission.glob(f"{prefix}*.ipynb") if p.is_file())
    return matches[0] if matches else None
