"""Do the three backends compute the same gradients on the same parameters, and does the
student backend use the student's function and say clearly when it is missing?"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from playground.backends import (
    AutogradBackend,
    ReferenceBackend,
    StudentBackend,
    StudentCode,
    StudentCodeError,
    StudentCodeNotReady,
    lstm_params,
    make_backend,
)
from playground.model import CELLS
from reference.char_lm import numpy_model
from reference.gradcheck import BACKWARD_ATOL_F64, FORWARD_ATOL_F64

V, H, N, T = 6, 5, 1, 7
SEED = 11


def chunk(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random inputs and targets (N, T)."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, V, (N, T)), rng.integers(0, V, (N, T))


def random_state(backend, seed: int = 1):
    """A non-zero state to start from, so the gradient through it matters."""
    generator = torch.Generator().manual_seed(seed)
    return tuple(
        0.5 * torch.randn(s.shape, dtype=s.dtype, generator=generator)
        for s in backend.initial_state()
    )


def gradients_of(backend) -> tuple[float, dict, tuple]:
    """Loss, gradients and final state on ``chunk()`` from ``random_state``."""
    loss, final = backend.gradients(*chunk(), random_state(backend))
    return loss, backend.gradient_arrays(), final


@pytest.mark.parametrize("cell", CELLS)
def test_autograd_and_reference_gradients_agree(cell):
    """Do autograd and the reference's BPTT give the same loss, gradients and final state?"""
    autograd = AutogradBackend(cell, V, H, 1e-2, SEED)
    reference = ReferenceBackend(cell, V, H, 1e-2, SEED)
    for a, b in zip(autograd.model.parameters(), reference.model.parameters()):
        assert torch.equal(a, b)  # the same parameters, from the same seed
    loss_a, grads_a, final_a = gradients_of(autograd)
    loss_r, grads_r, final_r = gradients_of(reference)
    assert abs(loss_a - loss_r) <= FORWARD_ATOL_F64
    assert grads_a.keys() == grads_r.keys()
    for name in grads_a:
        np.testing.assert_allclose(
            grads_r[name], grads_a[name], rtol=0, atol=BACKWARD_ATOL_F64, err_msg=name
        )
    for a, r in zip(final_a, final_r):
        np.testing.assert_allclose(r.numpy(), a.numpy(), rtol=0, atol=FORWARD_ATOL_F64)


@pytest.mark.parametrize("cell", CELLS)
def test_reference_backend_is_the_reference_numpy_model(cell):
    """Is the reference backend's loss ``reference.char_lm.numpy_model.forward`` itself?"""
    backend = ReferenceBackend(cell, V, H, 1e-2, SEED)
    inputs, targets = chunk()
    loss, _ = backend.gradients(inputs, targets, backend.initial_state())
    expected, _ = numpy_model.forward(backend.reference_params(), inputs, targets, cell=cell)
    assert loss == pytest.approx(float(expected), abs=FORWARD_ATOL_F64)


def test_playground_gru_is_pytorchs_not_the_lectures():
    """Is the playground's GRU the reset-after variant (torch's), not the lecture's?"""
    backend = ReferenceBackend("gru", V, H, 1e-2, SEED)
    params = backend.reference_params()
    assert "bhn" in params  # the reset-after GRU's own bias
    inputs, targets = chunk()
    ours, _ = backend.gradients(inputs, targets, backend.initial_state())
    lecture = {**params, "bh": params["bh"] + params.pop("bhn")}  # same weights, reset before Uh
    theirs, _ = numpy_model.forward(lecture, inputs, targets, cell="gru")
    assert abs(ours - float(theirs)) > 1e-6


@pytest.mark.parametrize("cell", CELLS)
def test_training_steps_agree_between_autograd_and_reference(cell):
    """Do five training steps (clipping and Adam included) give the same losses?"""
    losses = {}
    for backend_type in (AutogradBackend, ReferenceBackend):
        backend = backend_type(cell, V, H, 5e-2, SEED)
        state, losses[backend_type] = backend.initial_state(), []
        for step in range(5):
            loss, state = backend.train_step(*chunk(step), state)
            losses[backend_type].append(loss)
    np.testing.assert_allclose(losses[ReferenceBackend], losses[AutogradBackend], rtol=0, atol=1e-9)


def test_student_backend_with_the_solution_matches_autograd(solution_code):
    """With exercise 4's solution, does the student backend give autograd's gradients?"""
    autograd = AutogradBackend("lstm", V, H, 1e-2, SEED)
    student = StudentBackend("lstm", V, H, 1e-2, SEED, solution_code)
    loss_a, grads_a, final_a = gradients_of(autograd)
    loss_s, grads_s, final_s = gradients_of(student)
    assert loss_s == pytest.approx(loss_a, abs=FORWARD_ATOL_F64)
    for name in grads_a:
        np.testing.assert_allclose(
            grads_s[name], grads_a[name], rtol=0, atol=BACKWARD_ATOL_F64, err_msg=name
        )
    for a, s in zip(final_a, final_s):
        np.testing.assert_allclose(s.numpy(), a.numpy(), rtol=0, atol=FORWARD_ATOL_F64)


def test_lstm_params_are_exercise_4s_layout():
    """Are the converted parameters named and shaped as exercise 4's ``init_lstm_lm``?"""
    params = lstm_params(AutogradBackend("lstm", V, H, 1e-2, SEED).model)
    expected = {"Why": (H, V), "by": (V,)}
    for k in "fioc":
        expected.update({"W" + k: (V, H), "U" + k: (H, H), "b" + k: (H,)})
    assert {name: value.shape for name, value in params.items()} == expected


def test_student_backend_calls_the_given_function(solution_code):
    """Is the student's function called once per step, with the given forward's cache?"""
    calls = []

    def backward(cache):
        calls.append(sorted(cache))
        return solution_code.backward(cache)

    backend = StudentBackend("lstm", V, H, 1e-2, SEED, StudentCode(solution_code.forward, backward))
    state = backend.initial_state()
    for step in range(3):
        _, state = backend.train_step(*chunk(step), state)
    assert len(calls) == 3
    contract = {"params", "x", "h_prev", "c_prev", "f", "i", "o", "g", "c", "h", "probs", "targets"}
    assert contract <= set(calls[0])


def test_student_backend_says_the_backward_is_not_written(solution_code):
    """Does a stub that raises NotImplementedError give a clear message?"""

    def stub(cache):
        raise NotImplementedError()

    backend = StudentBackend("lstm", V, H, 1e-2, SEED, StudentCode(solution_code.forward, stub))
    with pytest.raises(StudentCodeNotReady, match="exercise 4.*not implemented yet"):
        backend.train_step(*chunk(), backend.initial_state())
    assert isinstance(StudentCodeNotReady("x"), NotImplementedError)


@pytest.mark.parametrize(
    "returned, message",
    [
        (None, "must return \\(grads, dh0, dc0\\)"),
        (({}, None, None), "no entry 'Wf'"),
    ],
)
def test_student_backend_explains_unusable_results(solution_code, returned, message):
    """Is a result without the 14 gradients explained rather than crashing later?"""
    student = StudentCode(solution_code.forward, lambda cache: returned)
    backend = StudentBackend("lstm", V, H, 1e-2, SEED, student)
    with pytest.raises(StudentCodeError, match=message):
        backend.train_step(*chunk(), backend.initial_state())


def test_student_backend_explains_a_wrong_shape(solution_code):
    """Is a gradient of the wrong shape named with both shapes?"""

    def transposed(cache):
        grads, dh0, dc0 = solution_code.backward(cache)
        return {**grads, "Wf": grads["Wf"].T}, dh0, dc0

    student = StudentCode(solution_code.forward, transposed)
    backend = StudentBackend("lstm", V, H, 1e-2, SEED, student)
    message = r"grads\['Wf'\] has shape \(5, 6\), expected \(6, 5\)"
    with pytest.raises(StudentCodeError, match=message):
        backend.train_step(*chunk(), backend.initial_state())


@pytest.mark.parametrize("cell", ["rnn", "gru"])
def test_student_backend_is_for_the_lstm_only(solution_code, cell):
    """Does the student backend refuse cells exercise 4 is not about?"""
    with pytest.raises(ValueError, match="LSTM of exercise 4 only"):
        StudentBackend(cell, V, H, 1e-2, SEED, solution_code)


def test_student_backend_needs_the_functions():
    """Does asking for the student backend without exercise 4's functions say what to pass?"""
    with pytest.raises(ValueError, match="StudentCode"):
        make_backend("student", "lstm", V, H, 1e-2, SEED)


def test_unknown_backend_is_refused():
    """Is a misspelt backend name refused with the valid names?"""
    with pytest.raises(ValueError, match="autograd"):
        make_backend("numpy", "lstm", V, H, 1e-2, SEED)
