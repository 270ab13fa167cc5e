"""Exercise 4's functions, read from its notebook, for the ``"student"`` backend.

Only the cells the grader would run are executed (tagged ``given``, and the solution
cells: see ``autograder.notebook``), in a fresh namespace; demos, training runs and
test cells are skipped. The given cell holds ``lstm_lm_forward``, the solution cell the
student's ``lstm_lm_backward``.
"""
from __future__ import annotations

from pathlib import Path

from playground.backends import StudentCode

FORWARD = "lstm_lm_forward"
BACKWARD = "lstm_lm_backward"


def load_student_code(path: str | Path) -> StudentCode:
    """``StudentCode`` from the exercise 4 notebook at ``path``.

    Raises LookupError when the notebook defines no ``lstm_lm_forward`` or no
    ``lstm_lm_backward``; an error inside a cell propagates with the cell in its traceback.
    """
    from autograder.notebook import load_notebook_code

    code = load_notebook_code(Path(path))
    namespace: dict = {"__name__": "exercise4"}
    for cell in code.cells:
        exec(compile(cell.source, cell.filename, "exec"), namespace)
    missing = [name for name in (FORWARD, BACKWARD) if not callable(namespace.get(name))]
    if missing:
        raise LookupError(f"{Path(path).name} defines no {' and no '.join(missing)}")
    return StudentCode(forward=namespace[FORWARD], backward=namespace[BACKWARD])
