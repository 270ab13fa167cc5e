"""Probes for exercise 01: run the student's ``GRUFromScratch`` and report plain data.

Each probe builds the class from the notebook's globals ``ns``, does one thing with it
and returns numbers, strings and arrays exactly as they came back; every verdict is
reached in the grader's process (``autograder.checks.ex01_gru``).
"""
from __future__ import annotations

import dis
import types

import numpy as np

from autograder.errors import CheckFailed

CLASS_NAME = "GRUFromScratch"
PARAMETER_NAMES = ("W_z", "b_z", "W_r", "b_r", "W_h", "b_h")
# Bytecode that reads a global name or imports a module (attribute names are not globals).
GLOBAL_READS = ("LOAD_GLOBAL", "LOAD_NAME", "IMPORT_NAME")


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
    """What of torch the class's code can reach.

    Follows the global names read by ``GRUFromScratch``'s methods, and by the notebook's
    functions those call, through the globals. Returns {"names": the global names among
    them bound to torch modules or objects, "mentions_torch": whether the name ``torch``
    is used (also true for ``import torch`` inside a method)}. Names the class never
    reaches (an import for a demo cell) do not count.
    """

    def from_torch(value):
        if isinstance(value, types.ModuleType):
            module = value.__name__
        else:
            module = getattr(value, "__module__", "")
        return isinstance(module, str) and (module == "torch" or module.startswith("torch."))

    cls = ns.get(CLASS_NAME)
    members = vars(cls).values() if isinstance(cls, type) else ()
    functions = [getattr(member, "__func__", member) for member in members]
    pending = [f.__code__ for f in functions if isinstance(f, types.FunctionType)]
    seen, names = set(), set()
    while pending:
        code = pending.pop()
        if code in seen:
            continue
        seen.add(code)
        for instruction in dis.get_instructions(code):
            if instruction.opname not in GLOBAL_READS:
                continue
            name = instruction.argval
            names.add(name)
            value = ns.get(name)
            if isinstance(value, types.FunctionType):
                pending.append(value.__code__)
        pending.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
    used = sorted(name for name in names if name in ns and from_torch(ns[name]))
    return {"names": used, "mentions_torch": "torch" in names}
