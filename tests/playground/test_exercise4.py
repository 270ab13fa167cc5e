"""Does the playground read exercise 4's functions from its notebook, running only the
given and solution cells?"""
from __future__ import annotations

import numpy as np
import pytest

from playground import load_student_code


def test_loads_the_given_forward_and_the_backward(solution_code):
    """Are both functions there, and does the backward work on the forward's cache?"""
    rng = np.random.default_rng(0)
    V, H = 5, 3
    params = {name: 0.3 * rng.standard_normal(shape) for name, shape in {
        **{f"W{k}": (V, H) for k in "fioc"}, **{f"U{k}": (H, H) for k in "fioc"},
        **{f"b{k}": (H,) for k in "fioc"}, "Why": (H, V), "by": (V,),
    }.items()}
    inputs, targets = rng.integers(0, V, (2, 4)), rng.integers(0, V, (2, 4))
    zeros = np.zeros((2, H))
    loss, cache = solution_code.forward(params, inputs, targets, zeros, zeros)
    grads, dh0, dc0 = solution_code.backward(cache)
    assert loss > 0 and grads.keys() == params.keys() and dh0.shape == dc0.shape == (2, H)


def test_demo_and_test_cells_do_not_run(exercise_4_with):
    """Is a solution cell with a side effect run, but no demo or test cell?"""
    source = "RAN = True\ndef lstm_lm_backward(cache):\n    raise NotImplementedError()\n"
    student = load_student_code(exercise_4_with(source))
    assert student.backward.__globals__["RAN"] is True
    assert "demo_cache" not in student.backward.__globals__  # made by a demo cell


def test_a_notebook_without_the_backward_is_refused(exercise_4_with):
    """Is a notebook whose solution cell defines no ``lstm_lm_backward`` named as such?"""
    with pytest.raises(LookupError, match="no lstm_lm_backward"):
        load_student_code(exercise_4_with("def something_else(cache):\n    pass\n"))
