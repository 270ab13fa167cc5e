"""Exercise 4's functions, read from its notebook, for the ``"student"`` backend.

The notebook's given cell holds ``lstm_lm_forward``, the solution cell the student's
``lstm_lm_backward`` (see ``playground.notebook_code`` for which cells run).
"""
from __future__ import annotations

from pathlib import Path

from playground.backends import StudentCode
from playground.notebook_code import load_functions

FORWARD = "lstm_lm_forward"
BACKWARD = "lstm_lm_backward"


def load_student_code(path: str | Path) -> StudentCode:
    """``StudentCode`` from the exercise 4 notebook at ``path``.

    Raises LookupError when the notebook defines no ``lstm_lm_forward`` or no
    ``lstm_lm_backward``; an error inside a cell propagates with the cell in its traceback.
    """
    forward, backward = load_functions(path, "exercise4", (FORWARD, BACKWARD))
    return StudentCode(forward=forward, backward=backward)
