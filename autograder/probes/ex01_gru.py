"""Probes for exercise 01: run the student's ``GRUFromScratch`` and report plain data.

Each probe builds the class from the notebook's globals ``ns``, does one thing with it
and returns numbers, strings and arrays exactly as they came back; every verdict is
reached in the grader's process (``autograder.checks.ex01_gru``).
"""
from __future__ import annotations

import types

import numpy as np

from autograder.errors import CheckFailed

CLASS_NAME = "GRUFromScratch"
PARAMETER_NAMES = ("W_z", "b_z", "W_r", "b_r", "W_h", "b_h")


def _as_plain(value):
    """A list of arrays for a list/tuple/array of states, else the value's type name."""
    if isinstance(value, (list, tuple)):
        return [np.asarray(item) for item in value]
    if isinstance(value, np.ndarray):
        return value
    return type(value).__name__


def _build(ns, input_size, hidden_size):
    """``GRUFromScratch(input_size, hidden_size)`` from the notebook's globals."""
    cls = ns.get(CLASS_NAME)
    if cls is None:
        raise CheckFailed(f"the notebook defines no {CLASS_NAME}: keep the class's name as given.")
    return cls(input_size, hidden_size)


def parameter_shapes(ns, sizes):
    """Shapes of the six parameters after ``GRUFromScratch(D, H)``, for each (D, H) in ``sizes``.

    Returns one dict per size: {name: list of ints, or None when the attribute is missing}.
    """
    shapes = []
    for input_size, hidden_size in sizes:
        model = _build(ns, input_size, hidden_size)
        shapes.append({
            name: list(np.shape(getattr(model, name))) if hasattr(model, name) else None
            for name in PARAMETER_NAMES
        })
    return shapes


def run_forward(ns, params, inputs, h_prev=None, as_array=False):
    """States returned by ``forward`` once the six parameters are set to ``params``.

    params: {name: array} in the student's layout, W (H, H + D), b (H,).
    inputs: (T, D), passed as a list of T vectors (D,) unless ``as_array``.
    h_prev: (H,) or None (then ``forward`` is called without it).
    Returns a list of arrays (one per state), an array, or the returned type's name.
    """
    hidden_size, combined = params["W_z"].shape
    model = _build(ns, combined - hidden_size, hidden_size)
    for name, value in params.items():
        setattr(model, name, value.copy())
    sequence = inputs.copy() if as_array else [x.copy() for x in inputs]
    if h_prev is None:
        states = model.forward(sequence)
    else:
        states = model.forward(sequence, h_prev.copy())
    return _as_plain(states)


def torch_references(ns):
    """Where the notebook's code refers to torch.

    Returns {"globals": names bound to torch modules or objects, "in_class": whether the
    class's methods mention a global named ``torch``}.
    """

    def from_torch(value):
        if isinstance(value, types.ModuleType):
            module = value.__name__
        else:
            module = getattr(value, "__module__", "")
        return isinstance(module, str) and (module == "torch" or module.startswith("torch."))

    def code_names(code):
        names = set(code.co_names)
        for constant in code.co_consts:
            if isinstance(constant, types.CodeType):
                names |= code_names(constant)
        return names

    bound = sorted(
        name for name, value in ns.items() if not name.startswith("_") and from_torch(value)
    )
    cls = ns.get(CLASS_NAME)
    mentioned = set()
    for member in vars(cls).values() if isinstance(cls, type) else ():
        function = getattr(member, "__func__", member)
        if isinstance(function, types.FunctionType):
            mentioned |= code_names(function.__code__)
    return {"globals": bound, "in_class": "torch" in mentioned}
