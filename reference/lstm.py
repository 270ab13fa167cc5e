"""LSTM cell: NumPy forward and backward passes, conversion from/to ``torch.nn.LSTM``,
and ``TorchLSTM``, the same equations in torch ops (the autograd oracle of the tests).

One step, row vectors, ``s`` the logistic sigmoid:

    f = s(x Wf + h_prev Uf + bf)           forget gate        (N, H)
    i = s(x Wi + h_prev Ui + bi)           input gate         (N, H)
    o = s(x Wo + h_prev Uo + bo)           output gate        (N, H)
    g = tanh(x Wc + h_prev Uc + bc)        candidate (PyTorch's g)
    c = f * c_prev + i * g                 cell state         (N, H)
    h = o * tanh(c)                        hidden state       (N, H)

Parameters: ``Wf, Wi, Wo, Wc`` (D, H), ``Uf, Ui, Uo, Uc`` (H, H), ``bf, bi, bo, bc`` (H,).
Every call stacks them once into W (D, 4H), U (H, 4H), b (4H,) with the gate blocks in
the order of ``GATES``: the input projection of a whole sequence is one ``x @ W`` matmul,
a step is one ``h @ U`` matmul, and the backward pass forms dx, dW, db and dU with single
matmuls after its loop. The gate activations themselves are kept gate-major, (4, ..., H),
so that the elementwise work of a step runs over contiguous blocks.
Shapes: N batch, T time, D input, H hidden. The dtype follows the inputs (float32 stays
float32).
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from reference import _gates, _torch_io
from reference.functional import sigmoid, sigmoid_grad_from_output, tanh_grad_from_output

# Order of the gate blocks in the stacked weights: the three sigmoid gates, then tanh.
GATES = ("f", "i", "o", "g")
# Parameter names (W, U, b) of each gate.
GATE_PARAMS = {
    "f": ("Wf", "Uf", "bf"),
    "i": ("Wi", "Ui", "bi"),
    "o": ("Wo", "Uo", "bo"),
    "g": ("Wc", "Uc", "bc"),
}
# PyTorch's order of the gate blocks in weight_ih / weight_hh.
TORCH_GATES = ("i", "f", "g", "o")
# The (W, U, b) names of the stacked blocks, in GATES order.
_NAMES = tuple(GATE_PARAMS[gate] for gate in GATES)


def init_params(
    input_size: int, hidden_size: int, rng: np.random.Generator, dtype=np.float64
) -> dict[str, np.ndarray]:
    """Parameters drawn like ``torch.nn.LSTM``'s: uniform in ±1/sqrt(H).

    Returns a dict with W* (D, H), U* (H, H) and b* (H,) for the gates f, i, o and c.
    """
    return _gates.init_params(_NAMES, input_size, hidden_size, rng, dtype)


def _gate_major(stacked: np.ndarray) -> np.ndarray:
    """(..., 4H) -> (4, ..., H) view: the blocks of gates stored side by side."""
    H = stacked.shape[-1] // 4
    return np.moveaxis(stacked.reshape(*stacked.shape[:-1], 4, H), -2, 0)


# ---------------------------------------------------------------------------------------
# The cell's math, written once and shared by the step and the sequence passes. The
# gates travel gate-major, as (4, N, H) blocks in GATES order, so that every elementwise
# operation below runs over contiguous memory.


def _cell_forward(
    act: np.ndarray, c_prev: np.ndarray, c: np.ndarray, tanh_c: np.ndarray, h: np.ndarray
) -> None:
    """One step from the pre-activations, in place.

    act: (4, N, H) pre-activations ``x W + h_prev U + b`` of f, i, o, g in, their
    activations out. c_prev: (N, H). Writes c, tanh(c) and h, each (N, H).
    """
    act[:3] = sigmoid(act[:3])
    np.tanh(act[3], out=act[3])
    f, i, o, g = act
    np.multiply(f, c_prev, out=c)
    c += i * g
    np.tanh(c, out=tanh_c)
    np.multiply(o, tanh_c, out=h)


def _cell_backward(
    dh: np.ndarray,
    dc: np.ndarray,
    act: np.ndarray,
    c_prev: np.ndarray,
    tanh_c: np.ndarray,
    dact: np.ndarray,
) -> np.ndarray:
    """Backward of ``_cell_forward``.

    dh, dc: (N, H) upstream gradients on h and on c (the path from c to h is added
    here). act: (4, N, H) gate activations. Writes into dact (4, N, H) the gradient on
    the pre-activations and returns dc_prev (N, H).
    """
    f, i, o, g = act
    dc = dc + dh * o * tanh_grad_from_output(tanh_c)
    np.multiply(dc, c_prev, out=dact[0])  # on f
    np.multiply(dc, g, out=dact[1])  # on i
    np.multiply(dh, tanh_c, out=dact[2])  # on o
    np.multiply(dc, i, out=dact[3])  # on g
    dact[:3] *= sigmoid_grad_from_output(act[:3])
    dact[3] *= tanh_grad_from_output(g)
    return dc * f


# ---------------------------------------------------------------------------------------
# One step.


def step_forward(
    x: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray, params: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, dict]:
    """One LSTM step.

    Inputs: x (N, D), h_prev (N, H), c_prev (N, H), params as in ``init_params``.
    Returns h (N, H), c (N, H) and a cache dict with ``"x", "h_prev", "c_prev"``,
    ``"act"`` (4, N, H) the gate activations in GATES order, its views ``"f", "i",
    "o", "g"`` (N, H), ``"c"``, ``"tanh_c"`` (N, H) and the stacked ``"W", "U"``.
    """
    W, U, b = _gates.stack(params, _NAMES)
    act = np.ascontiguousarray(_gate_major(x @ W + h_prev @ U + b))  # (4, N, H)
    N, H = h_prev.shape
    c, tanh_c, h = (np.empty((N, H), dtype=act.dtype) for _ in range(3))
    _cell_forward(act, c_prev, c, tanh_c, h)
    cache = {"x": x, "h_prev": h_prev, "c_prev": c_prev, "act": act, **dict(zip(GATES, act))}
    cache.update(c=c, tanh_c=tanh_c, W=W, U=U)
    return h, c, cache


def step_backward(
    dh: np.ndarray, dc: np.ndarray, cache: dict
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Backward of ``step_forward``.

    Inputs: dh (N, H) and dc (N, H), upstream gradients on h and c; the step's cache.
    Returns dx (N, D), dh_prev (N, H), dc_prev (N, H) and grads (keys of params).
    """
    act = cache["act"]
    _, N, H = act.shape
    dact_rows = np.empty((N, 4 * H), dtype=act.dtype)  # the gates side by side
    dc_prev = _cell_backward(dh, dc, act, cache["c_prev"], cache["tanh_c"], _gate_major(dact_rows))
    dx = dact_rows @ cache["W"].T
    dh_prev = dact_rows @ cache["U"].T
    grads = _gates.unstack(
        cache["x"].T @ dact_rows, cache["h_prev"].T @ dact_rows, dact_rows.sum(axis=0), _NAMES
    )
    return dx, dh_prev, dc_prev, grads


# ---------------------------------------------------------------------------------------
# A whole sequence: time-major states, gate-major gates, so that every step works on
# contiguous blocks. The cache exposes (N, T, H) views of the same arrays.


def _with_ones(rows: np.ndarray) -> np.ndarray:
    """(M, D) -> (M, D + 1): a last column of ones, so that one matmul adds the bias
    (``[x, 1] @ [W; b]``) and its transpose sums the bias gradient with dW."""
    out = np.empty((rows.shape[0], rows.shape[1] + 1), dtype=rows.dtype)
    out[:, :-1] = rows
    out[:, -1] = 1
    return out


def forward(
    x: np.ndarray, h0: np.ndarray, c0: np.ndarray, params: dict[str, np.ndarray]
) -> tuple[np.ndarray, dict]:
    """Run the LSTM over a sequence.

    Inputs: x (N, T, D), h0 (N, H), c0 (N, H), params as in ``init_params``.
    Returns h (N, T, H), the hidden state of every step, and a cache dict holding

        "h", "c"               (N, T, H) hidden and cell state of every step
        "i", "f", "o", "g"     (N, T, H) gate activations of every step (g: candidate)
        "tanh_c"               (N, T, H)
        "act"                  (4, T, N, H) the gates in GATES order, gate-major
        "hs", "cs"             (T + 1, N, H) time-major states, h0 and c0 first
        "x_ones"               (T * N, D + 1) time-major x with a column of ones
        "x", "W", "U"          the input and the weights stacked (D, 4H), (H, 4H)

    The (N, T, H) entries (and h) are views of the time-major and gate-major arrays.
    """
    N, T, D = x.shape
    H = h0.shape[-1]
    W, U, b = _gates.stack(params, _NAMES)
    # The input projection of every step, bias included: [x, 1] @ [W; b], one matmul
    # per gate (4, T * N, H). It becomes the gates in place.
    x_ones = _with_ones(x.swapaxes(0, 1).reshape(T * N, D))
    act = np.matmul(x_ones, _gate_major(np.concatenate([W, b[None]])))
    dtype = np.result_type(act, h0, c0)
    act = act.astype(dtype, copy=False).reshape(4, T, N, H)
    hs, cs = (np.empty((T + 1, N, H), dtype=dtype) for _ in range(2))
    tanh_c = np.empty((T, N, H), dtype=dtype)
    hs[0], cs[0] = h0, c0
    recurrent = np.empty((N, 4 * H), dtype=dtype)  # h_prev @ U, the gates side by side
    recurrent_gates = _gate_major(recurrent)  # (4, N, H) view
    for t in range(T):
        np.matmul(hs[t], U, out=recurrent)
        act[:, t] += recurrent_gates
        _cell_forward(act[:, t], cs[t], cs[t + 1], tanh_c[t], hs[t + 1])
    h = _gates.batch_major(hs[1:])
    cache = {"h": h, "c": _gates.batch_major(cs[1:]), "tanh_c": _gates.batch_major(tanh_c)}
    cache.update({gate: _gates.batch_major(a) for gate, a in zip(GATES, act)})
    cache.update(act=act, hs=hs, cs=cs, x_ones=x_ones, x=x, W=W, U=U)
    return h, cache


def backward(
    dh: np.ndarray, cache: dict
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Backpropagation through time for ``forward``.

    Inputs: dh (N, T, H), upstream gradient on every hidden state; the forward cache.
    Returns dx (N, T, D), dh0 (N, H), dc0 (N, H) and grads (keys of params).
    """
    act, hs, cs, W, U = (cache[key] for key in ("act", "hs", "cs", "W", "U"))
    tanh_c = _gates.batch_major(cache["tanh_c"])  # (T, N, H)
    _, T, N, H = act.shape
    dact = np.empty((T, N, 4 * H), dtype=act.dtype)  # every step's gates side by side
    dact_gates = _gate_major(dact)  # (4, T, N, H) view
    dact_step = np.empty((4, N, H), dtype=act.dtype)
    dh_next = np.zeros((N, H), dtype=act.dtype)
    dc_next = np.zeros((N, H), dtype=act.dtype)
    for t in reversed(range(T)):
        dh_t = dh[:, t] + dh_next
        dc_next = _cell_backward(dh_t, dc_next, act[:, t], cs[t], tanh_c[t], dact_step)
        dact_gates[:, t] = dact_step
        np.matmul(dact[t], U.T, out=dh_next)
    dact = dact.reshape(T * N, 4 * H)
    dx = np.ascontiguousarray(_gates.batch_major((dact @ W.T).reshape(T, N, -1)))
    dWb = cache["x_ones"].T @ dact  # [dW; db], (D + 1, 4H)
    grads = _gates.unstack(dWb[:-1], hs[:-1].reshape(T * N, H).T @ dact, dWb[-1], _NAMES)
    return dx, dh_next, dc_next, grads


# ---------------------------------------------------------------------------------------
# torch.nn.LSTM.


def params_from_torch(module: nn.LSTM, layer: int = 0) -> dict[str, np.ndarray]:
    """Parameters of layer ``layer`` of a ``torch.nn.LSTM`` (stacked or not, batch-first
    or not, unidirectional, no projection), in its dtype; ``b = bias_ih + bias_hh``.

    Layer ``k > 0`` reads layer ``k - 1``'s hidden states as its input x.
    """
    blocks = dict(zip(TORCH_GATES, _torch_io.read_layer(module, layer, nn.LSTM)))
    params = {}
    for gate, block in blocks.items():
        W, U, b = GATE_PARAMS[gate]
        params.update({W: block.W, U: block.U, b: block.b_ih + block.b_hh})
    return params


def params_to_torch(params: dict[str, np.ndarray]) -> nn.LSTM:
    """A one-layer, batch-first ``torch.nn.LSTM`` of the params' dtype computing exactly
    this module's forward (the biases go to ``bias_ih``, ``bias_hh`` holds zeros)."""
    blocks = []
    for gate in TORCH_GATES:
        W, U, b = (params[name] for name in GATE_PARAMS[gate])
        blocks.append(_torch_io.GateBlock(W=W, U=U, b_ih=b, b_hh=np.zeros_like(b)))
    return _torch_io.build_module(nn.LSTM, blocks)


class TorchLSTM(_gates.ParamsModule):
    """The equations of this module in torch ops, step by step, for autograd.

    Built from a params dict (each array becomes an ``nn.Parameter`` of the same name
    and dtype); ``forward(x, h0, c0)`` with x (N, T, D), h0 and c0 (N, H) returns every
    step's h and c, each (N, T, H).
    """

    def forward(
        self, x: torch.Tensor, h0: torch.Tensor, c0: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        h, c = h0, c0
        hs, cs = [], []
        for t in range(x.shape[1]):
            x_t = x[:, t]  # (N, D)
            f = torch.sigmoid(x_t @ self.Wf + h @ self.Uf + self.bf)
            i = torch.sigmoid(x_t @ self.Wi + h @ self.Ui + self.bi)
            o = torch.sigmoid(x_t @ self.Wo + h @ self.Uo + self.bo)
            g = torch.tanh(x_t @ self.Wc + h @ self.Uc + self.bc)
            c = f * c + i * g
            h = o * torch.tanh(c)
            hs.append(h)
            cs.append(c)
        return torch.stack(hs, dim=1), torch.stack(cs, dim=1)  # (N, T, H) each
