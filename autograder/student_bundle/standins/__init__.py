"""The modules that take the place of the answer key's in the student bundle.

``STANDINS`` maps each module of ``reference`` that shipped code imports to the bundle
module that replaces it, under ``autograder._standins`` (so ``import reference`` fails
in the bundle). Three kinds:

* copies of parts that are not the answer: tolerances and numerical gradients
  (``gradcheck``), activations (``functional``), the lecture's data (``datasets``), the
  character vocabulary (``char_lm.data``) and exercise 2's set-up (``trend_setup``);
* ``trend``: exercise 2's model with torch as the oracle (``standins/trend.py`` here);
* ``char_lm.numpy_model``: the language model's loss by the forward pass that the
  exercise 04 notebook gives, copied from the released notebook at build time.

Answer-key modules without a stand-in (the cells, the language model's backward, its
twin and its training) are never imported in the bundle: see
``autograder.student_bundle.imports``.
"""
from __future__ import annotations

import json
from pathlib import Path

from autograder.probes.ex04_lstm_backward import FORWARD

HERE = Path(__file__).resolve().parent
BUNDLE_PACKAGE = "autograder._standins"
STANDINS = {
    "reference.gradcheck": f"{BUNDLE_PACKAGE}.gradcheck",
    "reference.functional": f"{BUNDLE_PACKAGE}.functional",
    "reference.datasets": f"{BUNDLE_PACKAGE}.datasets",
    "reference.char_lm.data": f"{BUNDLE_PACKAGE}.char_lm_data",
    "reference.trend_setup": f"{BUNDLE_PACKAGE}.trend_setup",
    "reference.trend": f"{BUNDLE_PACKAGE}.trend",
    "reference.char_lm.numpy_model": f"{BUNDLE_PACKAGE}.char_lm_forward",
}
# Copied from the answer key's package as they are (their own imports rewritten).
COPIED = (
    "reference.gradcheck",
    "reference.functional",
    "reference.datasets",
    "reference.char_lm.data",
    "reference.trend_setup",
)
# The notebook and cell whose code computes exercise 04's loss.
GIVEN_FORWARD_NOTEBOOK = "04_lstm_backward.ipynb"
GIVEN_FORWARD_CELL = "given_forward"

PACKAGE_DOCSTRING = '''"""Modules that take the place of the answer key's in the student bundle.

Copies of the parts of ``reference`` that are not the answer (tolerances, numerical
gradients, activations, data, exercise 2's set-up), exercise 2's model with torch as
the oracle, and exercise 04's loss by the forward pass its notebook gives. Generated
when the bundle was built.
"""
'''

FORWARD_TEMPLATE = '''"""Stands in for ``reference.char_lm.numpy_model`` in the student bundle: the loss only.

Exercise 04's checks compute the language model's loss in the grader: central
differences of the loss, and the loss on the corpus of the parameters a student's
training ends with. This is the forward pass the exercise 04 notebook gives (its cell
``{cell}``), copied from the released notebook when the bundle was built.
"""
import numpy as np


{given}


def forward(params, inputs, targets, h0, c0, cell="lstm"):
    """(loss, cache) of the given ``{function}``, under the answer key's name."""
    if cell != "lstm":
        raise ValueError(f"the student bundle computes the LSTM language model only, not {{cell!r}}")
    return {function}(params, inputs, targets, h0, c0)
'''


class StandinError(ValueError):
    """A stand-in's source cannot be found."""


def _copied_source(project: Path, module: str) -> str:
    path = project.joinpath(*module.split(".")).with_suffix(".py")
    return path.read_text(encoding="utf-8")


def given_cell_source(notebook: Path, grade_id: str) -> str:
    """The source of the code cell whose nbgrader ``grade_id`` is ``grade_id``."""
    cells = json.loads(Path(notebook).read_text(encoding="utf-8")).get("cells", [])
    for cell in cells:
        if (cell.get("metadata", {}).get("nbgrader", {}) or {}).get("grade_id") == grade_id:
            source = cell.get("source", "")
            return "".join(source) if isinstance(source, list) else source
    raise StandinError(f"{Path(notebook).name} has no cell {grade_id!r}")


def forward_standin_source(released: Path) -> str:
    """The bundle's ``char_lm_forward``: exercise 04's given forward pass, under ``forward``."""
    given = given_cell_source(Path(released) / GIVEN_FORWARD_NOTEBOOK, GIVEN_FORWARD_CELL)
    if f"def {FORWARD}(" not in given:
        raise StandinError(f"cell {GIVEN_FORWARD_CELL!r} does not define {FORWARD}")
    return FORWARD_TEMPLATE.format(cell=GIVEN_FORWARD_CELL, given=given.strip("\n"), function=FORWARD)


def standin_sources(project: Path, released: Path) -> dict[str, str]:
    """{bundle module name: its source, before the import rewriting}, ``__init__`` included."""
    sources = {BUNDLE_PACKAGE: PACKAGE_DOCSTRING}
    for module in COPIED:
        sources[STANDINS[module]] = _copied_source(Path(project), module)
    sources[STANDINS["reference.trend"]] = (HERE / "trend.py").read_text(encoding="utf-8")
    sources[STANDINS["reference.char_lm.numpy_model"]] = forward_standin_source(released)
    return sources
