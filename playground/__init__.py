"""An interactive character language model to train and look inside (RNN, GRU, LSTM).

Modules, one job each:
    text        the vocabulary of a text and the chunks training walks through
    model       ``CharModel``: one-hot characters -> torch cell -> Linear; sampling, gates
    backends    where gradients come from: ``"autograd"``, ``"reference"``, ``"student"``
    exercise4   exercise 4's functions read from its notebook (for ``"student"``)
    controller  ``PlaygroundController``: training, progress, sampling, settings
    plots       the loss curve and the gate heatmaps as PNG bytes
    widgets     ``PlaygroundUI``: ipywidgets controls that drive a controller (import
                it from ``playground.widgets``: ipywidgets is needed only there)

Nothing here needs the answer key: the ``"reference"`` backend imports ``reference``
only when it is chosen. Shape legend: N batch, T time steps, H hidden units, V vocabulary.
"""
from playground.backends import BACKENDS, MAX_GRAD_NORM, StudentCode, StudentCodeNotReady
from playground.controller import SETTINGS, PlaygroundController
from playground.exercise4 import load_student_code
from playground.model import CELLS

__all__ = [
    "BACKENDS",
    "CELLS",
    "MAX_GRAD_NORM",
    "SETTINGS",
    "PlaygroundController",
    "StudentCode",
    "StudentCodeNotReady",
    "load_student_code",
]
