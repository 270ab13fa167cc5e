"""The NumPy character model: loss, BPTT gradients, dtypes, carried state, training."""
import numpy as np
import pytest
import torch

from reference.char_lm import cells
from reference.char_lm.data import Vocabulary, chunks
from reference.char_lm.numpy_model import backward, forward, init_params, initial_state
from reference.char_lm.optim import Adam
from reference.char_lm.train import train_numpy, train_step
from reference.char_lm.twin import TorchCharLM
from reference.datasets import LECTURE_CORPUS
from reference.gradcheck import (
    BACKWARD_ATOL_F64,
    FINITE_DIFF_RTOL,
    FLOAT32_ATOL,
    FORWARD_ATOL_F64,
    numerical_gradient,
    rel_error,
)

# (cell, reset_after): every cell, and the GRU with both placements of its reset gate.
CELL_CASES = [("rnn", False), ("gru", False), ("gru", True), ("lstm", False)]
CASE_IDS = ["rnn", "gru", "gru-reset-after", "lstm"]


def make_case(cell, reset_after=False, V=7, H=5, N=3, T=6, seed=0, dtype=np.float64):
    """Parameters, inputs, targets and a random (non-zero) initial state for a small model."""
    rng = np.random.default_rng(seed)
    params = init_params(cell, V, H, rng, dtype, reset_after=reset_after)
    # A larger output layer than the default, so every gradient is well away from zero.
    params["Why"] = rng.standard_normal((H, V)).astype(dtype)
    inputs = rng.integers(0, V, (N, T))
    targets = rng.integers(0, V, (N, T))
    h0 = (0.5 * rng.standard_normal((N, H))).astype(dtype)
    c0 = (0.5 * rng.standard_normal((N, H))).astype(dtype) if cell == "lstm" else None
    return params, inputs, targets, h0, c0


@pytest.mark.parametrize("cell", cells.CELLS)
def test_initial_loss_is_about_log_v(cell):
    """Does a freshly initialised model predict nearly uniformly (loss about log V)?"""
    vocab = Vocabulary.from_text(LECTURE_CORPUS)
    encoded = vocab.encode(LECTURE_CORPUS)
    params = init_params(cell, vocab.size, 32, np.random.default_rng(0))
    inputs, targets = next(chunks(encoded, seq_len=25, batch_size=8))
    loss, _ = forward(params, inputs, targets, cell=cell)
    assert abs(loss - np.log(vocab.size)) < 0.02


@pytest.mark.parametrize(("cell", "reset_after"), CELL_CASES, ids=CASE_IDS)
def test_backward_matches_torch_autograd(cell, reset_after):
    """Do the loss and all BPTT gradients (params, dh0, dc0) equal the twin's autograd?"""
    params, inputs, targets, h0, c0 = make_case(cell, reset_after)
    loss, cache = forward(params, inputs, targets, h0, c0, cell)
    grads, dh0, dc0 = backward(cache)

    twin = TorchCharLM(params, cell)
    h0_t = torch.tensor(h0, requires_grad=True)
    c0_t = torch.tensor(c0, requires_grad=True) if c0 is not None else None
    loss_t = twin(torch.tensor(inputs), torch.tensor(targets), h0_t, c0_t)
    loss_t.backward()

    assert abs(loss - loss_t.item()) <= FORWARD_ATOL_F64
    expected = twin.grads()
    assert sorted(grads) == sorted(params) == sorted(expected)
    for name, grad in grads.items():
        assert grad.shape == params[name].shape, name
        np.testing.assert_allclose(
            grad, expected[name], rtol=0, atol=BACKWARD_ATOL_F64, err_msg=name
        )
    np.testing.assert_allclose(dh0, h0_t.grad.numpy(), rtol=0, atol=BACKWARD_ATOL_F64)
    if cell == "lstm":
        np.testing.assert_allclose(dc0, c0_t.grad.numpy(), rtol=0, atol=BACKWARD_ATOL_F64)
    else:
        assert dc0 is None


# The loss is O(1), so central differences of a float64 loss carry a roundoff error of
# about eps * loss / step ~ 1e-10, more than FINITE_DIFF_RTOL of the smallest gradient
# entries. The differences are therefore taken of the same loss in extended precision
# (np.longdouble: 64-bit mantissa on x86), against the float64 backward pass.
EXTENDED_PRECISION = np.finfo(np.longdouble).eps < np.finfo(np.float64).eps


@pytest.mark.skipif(not EXTENDED_PRECISION, reason="np.longdouble is float64 on this platform")
@pytest.mark.parametrize(("cell", "reset_after"), CELL_CASES, ids=CASE_IDS)
def test_backward_matches_finite_differences(cell, reset_after):
    """Do the BPTT gradients equal central differences of the loss, for every array?"""
    params, inputs, targets, h0, c0 = make_case(cell, reset_after, V=4, H=3, N=2, T=4, seed=1)
    _, cache = forward(params, inputs, targets, h0, c0, cell)
    grads, dh0, dc0 = backward(cache)

    wide = {name: value.astype(np.longdouble) for name, value in params.items()}
    wide_h0 = h0.astype(np.longdouble)
    wide_c0 = c0.astype(np.longdouble) if c0 is not None else None

    def loss():
        return forward(wide, inputs, targets, wide_h0, wide_c0, cell)[0]  # np.longdouble

    for name, value in wide.items():
        assert rel_error(grads[name], numerical_gradient(loss, value)) <= FINITE_DIFF_RTOL, name
    assert rel_error(dh0, numerical_gradient(loss, wide_h0)) <= FINITE_DIFF_RTOL
    if cell == "lstm":
        assert rel_error(dc0, numerical_gradient(loss, wide_c0)) <= FINITE_DIFF_RTOL


def test_lstm_cache_documents_the_forward_pass():
    """Does the LSTM cache hold what an LSTM backward needs, with the documented shapes?"""
    params, inputs, targets, h0, c0 = make_case("lstm", V=7, H=5, N=3, T=6)
    _, cache = forward(params, inputs, targets, h0, c0)
    assert cache["cell"] == "lstm"
    assert cache["x"].shape == (3, 6, 7) and cache["probs"].shape == (3, 6, 7)
    assert cache["h"].shape == cache["cell_cache"]["c"].shape == (3, 6, 5)
    np.testing.assert_array_equal(cache["x"].argmax(-1), inputs)
    np.testing.assert_allclose(cache["probs"].sum(-1), 1.0, atol=FORWARD_ATOL_F64)
    np.testing.assert_array_equal(cache["h_last"], cache["h"][:, -1])
    np.testing.assert_array_equal(cache["c_last"], cache["cell_cache"]["c"][:, -1])


@pytest.mark.parametrize(("cell", "reset_after"), CELL_CASES, ids=CASE_IDS)
def test_float32_follows_float64(cell, reset_after):
    """Do float32 parameters give float32 results close to the float64 ones?"""
    params, inputs, targets, h0, c0 = make_case(cell, reset_after)
    loss64, cache64 = forward(params, inputs, targets, h0, c0, cell)
    grads64, dh0_64, _ = backward(cache64)

    params32 = {name: value.astype(np.float32) for name, value in params.items()}
    c0_32 = c0.astype(np.float32) if c0 is not None else None
    loss32, cache32 = forward(params32, inputs, targets, h0.astype(np.float32), c0_32, cell)
    grads32, dh0_32, _ = backward(cache32)

    assert loss32.dtype == np.float32
    assert cache32["probs"].dtype == cache32["h"].dtype == dh0_32.dtype == np.float32
    assert abs(float(loss32) - float(loss64)) <= FLOAT32_ATOL
    np.testing.assert_allclose(dh0_32, dh0_64, rtol=0, atol=FLOAT32_ATOL)
    for name, grad in grads32.items():
        assert grad.dtype == np.float32, name
        np.testing.assert_allclose(grad, grads64[name], rtol=0, atol=FLOAT32_ATOL, err_msg=name)


@pytest.mark.parametrize("cell", cells.CELLS)
def test_carried_state_continues_the_sequence(cell):
    """Is walking chunks with each final state as the next initial state the same as
    reading the whole sequence at once?"""
    params, inputs, targets, h0, c0 = make_case(cell, T=12)
    whole_loss, whole = forward(params, inputs, targets, h0, c0, cell)
    h, c, total = h0, c0, 0.0
    for begin in range(0, 12, 4):
        window = slice(begin, begin + 4)
        loss, cache = forward(params, inputs[:, window], targets[:, window], h, c, cell)
        np.testing.assert_allclose(cache["h"], whole["h"][:, window], atol=FORWARD_ATOL_F64)
        h, c = cache["h_last"], cache["c_last"]
        total += float(loss) / 3
    assert abs(total - whole_loss) <= FORWARD_ATOL_F64


def test_training_loop_carries_the_state_between_chunks():
    """Does train_numpy start each chunk from the previous chunk's final state, and from
    zeros at the start of every pass over the text?"""
    text = LECTURE_CORPUS[:120]
    steps = 11  # two passes of 5 chunks (N = 2, T = 12), then one more step
    run = train_numpy(
        text, "lstm", steps, hidden_size=6, seq_len=12, batch_size=2, seed=3, progress=False
    )

    vocab = Vocabulary.from_text(text)
    params = init_params("lstm", vocab.size, 6, np.random.default_rng(3))
    optimizer = Adam(lr=5e-3)
    pieces = list(chunks(vocab.encode(text), 12, 2))
    assert len(pieces) == 5
    losses = []
    for step in range(steps):
        if step % len(pieces) == 0:
            h, c = initial_state("lstm", 2, 6)
        inputs, targets = pieces[step % len(pieces)]
        result = train_step(params, optimizer, inputs, targets, h, c, "lstm")
        h, c = result.h, result.c
        losses.append(result.loss)
    np.testing.assert_allclose(run.losses, losses, rtol=1e-12)
    for name, value in params.items():
        np.testing.assert_allclose(run.params[name], value, rtol=1e-12, err_msg=name)


def test_train_step_returns_the_final_state():
    """Does train_step hand back the final (h, c) of its chunk and update the params?"""
    params, inputs, targets, h0, c0 = make_case("lstm")
    before = {name: value.copy() for name, value in params.items()}
    _, cache = forward(params, inputs, targets, h0, c0)
    result = train_step(params, Adam(lr=1e-2), inputs, targets, h0, c0)
    np.testing.assert_array_equal(result.h, cache["h_last"])
    np.testing.assert_array_equal(result.c, cache["c_last"])
    assert result.grad_norm > 0
    assert all(not np.array_equal(before[name], params[name]) for name in params)


@pytest.mark.parametrize("cell", cells.CELLS)
def test_training_lowers_the_loss_well_below_log_v(cell):
    """Do a few hundred steps on the lecture's corpus bring the loss far below log V?"""
    run = train_numpy(cell=cell, steps=300, hidden_size=32, seq_len=25, lr=2e-2, progress=False)
    log_v = np.log(run.vocab.size)
    assert abs(run.losses[0] - log_v) < 0.02
    assert np.mean(run.losses[-30:]) < 0.6 * log_v  # about the last pass over the text


def test_rnn_and_gru_have_no_cell_state():
    """Is a cell state refused for the cells that do not have one?"""
    params, inputs, targets, h0, _ = make_case("gru")
    with pytest.raises(ValueError, match="no cell state"):
        forward(params, inputs, targets, h0, np.zeros_like(h0), "gru")
    assert initial_state("rnn", 2, 3)[1] is None
    assert initial_state("lstm", 2, 3)[1].shape == (2, 3)


def test_unknown_cell_is_refused():
    """Is a cell name outside rnn, gru and lstm refused with the valid names?"""
    with pytest.raises(ValueError, match="lstm"):
        init_params("transformer", 5, 3, np.random.default_rng(0))


def test_training_in_float32_stays_float32():
    """Does a float32 run keep float32 parameters and follow the float64 run's first steps?"""
    options = dict(cell="lstm", steps=20, hidden_size=16, seq_len=25, progress=False)
    run32 = train_numpy(dtype=np.float32, **options)
    run64 = train_numpy(dtype=np.float64, **options)
    assert all(value.dtype == np.float32 for value in run32.params.values())
    np.testing.assert_allclose(run32.losses[:5], run64.losses[:5], rtol=0, atol=FLOAT32_ATOL)
