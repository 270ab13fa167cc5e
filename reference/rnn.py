"""Vanilla (Elman) RNN cell: NumPy forward and backward passes, conversion from/to
``torch.nn.RNN`` (tanh), and ``TorchRNN``, the same equation in torch ops (the autograd
oracle of the tests).

One step, row vectors:

    h = tanh(x Wx + h_prev Wh + b)       (N, H)

Parameters: ``Wx`` (D, H), ``Wh`` (H, H), ``b`` (H,). A sequence costs one ``x @ Wx``
matmul for all steps and one ``h @ Wh`` per step. Shapes: N batch, T time, D input,
H hidden. The dtype follows the inputs (float32 stays float32).
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from reference import _gates, _torch_io
from reference.functional import tanh_grad_from_output


def init_params(
    input_size: int, hidden_size: int, rng: np.random.Generator, dtype=np.float64
) -> dict[str, np.ndarray]:
    """Parameters drawn like ``torch.nn.RNN``'s: uniform in ±1/sqrt(H).

    Returns ``{"Wx": (D, H), "Wh": (H, H), "b": (H,)}``.
    """
    return _gates.init_params((("Wx", "Wh", "b"),), input_size, hidden_size, rng, dtype)


# ---------------------------------------------------------------------------------------
# The cell's math, written once and shared by the step and the sequence passes.


def _cell_forward(pre: np.ndarray, h: np.ndarray) -> None:
    """h (N, H) = tanh(pre), pre (N, H) being ``x Wx + h_prev Wh + b``."""
    np.tanh(pre, out=h)


def _cell_backward(dh: np.ndarray, h: np.ndarray, dpre: np.ndarray) -> None:
    """Writes into dpre (N, H) the gradient on the pre-activation, from dh (N, H) on h."""
    np.multiply(dh, tanh_grad_from_output(h), out=dpre)


def _param_grads(x: np.ndarray, h_prev: np.ndarray, dpre: np.ndarray) -> dict[str, np.ndarray]:
    """Gradients from x (M, D), h_prev (M, H) and dpre (M, H), M rows (sample, step)."""
    return {"Wx": x.T @ dpre, "Wh": h_prev.T @ dpre, "b": dpre.sum(axis=0)}


# ---------------------------------------------------------------------------------------
# One step.


def step_forward(
    x: np.ndarray, h_prev: np.ndarray, params: dict[str, np.ndarray]
) -> tuple[np.ndarray, dict]:
    """One RNN step.

    Inputs: x (N, D), h_prev (N, H), params as in ``init_params``.
    Returns h (N, H) and a cache dict ``{"x", "h_prev", "h", "Wx", "Wh"}``.
    """
    pre = x @ params["Wx"] + h_prev @ params["Wh"] + params["b"]  # (N, H)
    h = np.empty_like(pre)
    _cell_forward(pre, h)
    return h, {"x": x, "h_prev": h_prev, "h": h, "Wx": params["Wx"], "Wh": params["Wh"]}


def step_backward(
    dh: np.ndarray, cache: dict
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Backward of ``step_forward``.

    Inputs: dh (N, H), upstream gradient on h; the step's cache.
    Returns dx (N, D), dh_prev (N, H) and grads (keys of params).
    """
    h = cache["h"]
    dpre = np.empty_like(h)
    _cell_backward(dh, h, dpre)
    grads = _param_grads(cache["x"], cache["h_prev"], dpre)
    return dpre @ cache["Wx"].T, dpre @ cache["Wh"].T, grads


# ---------------------------------------------------------------------------------------
# A whole sequence. Internally time-major, so that every step works on contiguous
# (N, H) blocks; the cache exposes an (N, T, H) view of the same array.


def forward(x: np.ndarray, h0: np.ndarray, params: dict[str, np.ndarray]) -> tuple[np.ndarray, dict]:
    """Run the RNN over a sequence.

    Inputs: x (N, T, D), h0 (N, H), params as in ``init_params``.
    Returns h (N, T, H), the hidden state of every step, and a cache dict holding

        "h"                  (N, T, H) hidden state of every step (a view of "hs")
        "hs"                 (T + 1, N, H) time-major states, h0 first
        "x", "Wx", "Wh"      for the backward pass
    """
    N, T, D = x.shape
    H = h0.shape[-1]
    Wx, Wh = params["Wx"], params["Wh"]
    # The input projection of every step in one matmul.
    xw = (x.swapaxes(0, 1).reshape(T * N, D) @ Wx + params["b"]).reshape(T, N, H)
    dtype = np.result_type(xw, h0)
    hs = np.empty((T + 1, N, H), dtype=dtype)
    hs[0] = h0
    pre = np.empty((N, H), dtype=dtype)
    for t in range(T):
        np.matmul(hs[t], Wh, out=pre)
        pre += xw[t]
        _cell_forward(pre, hs[t + 1])
    h = hs[1:].swapaxes(0, 1)
    return h, {"h": h, "hs": hs, "x": x, "Wx": Wx, "Wh": Wh}


def backward(dh: np.ndarray, cache: dict) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Backpropagation through time for ``forward``.

    Inputs: dh (N, T, H), upstream gradient on every hidden state; the forward cache.
    Returns dx (N, T, D), dh0 (N, H) and grads (keys of params).
    """
    hs, x, Wx, Wh = (cache[key] for key in ("hs", "x", "Wx", "Wh"))
    T1, N, H = hs.shape
    T = T1 - 1
    dpre = np.empty((T, N, H), dtype=hs.dtype)
    dh_next = np.zeros((N, H), dtype=hs.dtype)
    for t in reversed(range(T)):
        _cell_backward(dh[:, t] + dh_next, hs[t + 1], dpre[t])
        np.matmul(dpre[t], Wh.T, out=dh_next)
    rows = T * N
    dpre = dpre.reshape(rows, H)
    grads = _param_grads(x.swapaxes(0, 1).reshape(rows, -1), hs[:-1].reshape(rows, H), dpre)
    dx = np.ascontiguousarray((dpre @ Wx.T).reshape(T, N, -1).swapaxes(0, 1))
    return dx, dh_next, grads


# ---------------------------------------------------------------------------------------
# torch.nn.RNN.


def params_from_torch(module: nn.RNN, layer: int = 0) -> dict[str, np.ndarray]:
    """Parameters of layer ``layer`` of a tanh ``torch.nn.RNN`` (stacked or not,
    batch-first or not, unidirectional), in its dtype; ``b = bias_ih + bias_hh``.

    Layer ``k > 0`` reads layer ``k - 1``'s hidden states as its input x.
    """
    if isinstance(module, nn.RNN) and module.nonlinearity != "tanh":
        raise ValueError(f"only tanh RNNs can be converted, not {module.nonlinearity!r}")
    (block,) = _torch_io.read_layer(module, layer, nn.RNN)
    return {"Wx": block.W, "Wh": block.U, "b": block.b_ih + block.b_hh}


def params_to_torch(params: dict[str, np.ndarray]) -> nn.RNN:
    """A one-layer, batch-first tanh ``torch.nn.RNN`` of the params' dtype computing
    exactly this module's forward (``b`` goes to ``bias_ih``, ``bias_hh`` holds zeros)."""
    b = params["b"]
    block = _torch_io.GateBlock(W=params["Wx"], U=params["Wh"], b_ih=b, b_hh=np.zeros_like(b))
    return _torch_io.build_module(nn.RNN, [block], nonlinearity="tanh")


class TorchRNN(_gates.ParamsModule):
    """The equation of this module in torch ops, step by step, for autograd.

    Built from a params dict (each array becomes an ``nn.Parameter`` of the same name
    and dtype); ``forward(x, h0)`` with x (N, T, D) and h0 (N, H) returns every step's
    h, (N, T, H).
    """

    def forward(self, x: torch.Tensor, h0: torch.Tensor) -> torch.Tensor:
        h = h0
        hs = []
        for t in range(x.shape[1]):
            h = torch.tanh(x[:, t] @ self.Wx + h @ self.Wh + self.b)
            hs.append(h)
        return torch.stack(hs, dim=1)  # (N, T, H)
