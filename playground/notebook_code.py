"""An exercise's functions, read from its notebook: the code behind the playground's rewards.

Only the cells the grader would run are executed (tagged ``given``, and the solution
cells: see ``autograder.notebook``), in a fresh namespace, in notebook order; demos,
training runs and test cells are skipped.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def run_exercise_cells(path: str | Path, module_name: str) -> dict:
    """The namespace left by the given and solution cells of the notebook at ``path``.

    ``module_name`` becomes the namespace's ``__name__``. An error inside a cell
    propagates with the cell's label in its traceback.
    """
    from autograder.notebook import load_notebook_code

    code = load_notebook_code(Path(path))
    namespace: dict = {"__name__": module_name}
    for cell in code.cells:
        exec(compile(cell.source, cell.filename, "exec"), namespace)
    return namespace


def load_functions(path: str | Path, module_name: str, names: tuple[str, ...]) -> list[Callable]:
    """The functions ``names`` defined by the notebook at ``path``, in that order.

    Raises LookupError naming every one of ``names`` that the notebook does not define.
    """
    namespace = run_exercise_cells(path, module_name)
    missing = [name for name in names if not callable(namespace.get(name))]
    if missing:
        raise LookupError(f"{Path(path).name} defines no {' and no '.join(missing)}")
    return [namespace[name] for name in names]
