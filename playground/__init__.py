"""An interactive character language model to train and look inside (RNN, GRU, LSTM).

Modules, one job each:
    text        the vocabulary of a text and the chunks training walks through
    model       ``CharModel``: one-hot characters -> torch cell -> Linear; sampling
    backends    where gradients come from: ``"autograd"``, ``"reference"``, ``"student"``
    notebook_code  an exercise's functions, run from its notebook's given and solution cells
    exercise4   exercise 4's functions read from its notebook (for ``"student"``)
    exercise3   exercise 3's functions read from its notebook (for the gates)
    gates       where the LSTM's gates come from: the reference, else exercise 3
    controller  ``PlaygroundController``: training, progress, sampling, gates, settings
    plots       the loss curve and the gate heatmaps as PNG bytes
    widgets     ``PlaygroundUI``: ipywidgets controls that drive a controller (import
                it from ``playground.widgets``: ipywidgets is needed only there)

Nothing here needs the answer key: the ``"reference"`` backend imports ``reference``
only when it is chosen, and the gates only where it is installed. Nor does anything
here step through an LSTM by hand: that is exercise 3, and the gate view shows the
student's own once it is written.

Shape legend: N batch, T time steps, H hidden units, V vocabulary.
"""
from playground.backends import BACKENDS, MAX_GRAD_NORM, StudentCode, StudentCodeNotReady
from playground.controller import SETTINGS, PlaygroundController
from playground.exercise3 import GateCode, load_gate_code
from playground.exercise4 import load_student_code
from playground.gates import GatesUnavailable
from playground.model import CELLS

__all__ = [
    "BACKENDS",
    "CELLS",
    "GateCode",
    "GatesUnavailable",
    "MAX_GRAD_NORM",
    "SETTINGS",
    "PlaygroundController",
    "StudentCode",
    "StudentCodeNotReady",
    "load_gate_code",
    "load_student_code",
]
