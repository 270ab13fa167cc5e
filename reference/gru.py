"""GRU cell: NumPy forward and backward passes, conversion from/to ``torch.nn.GRU``,
and ``TorchGRU``, the same equations in torch ops (the autograd oracle of the tests).

One step, row vectors, ``s`` the logistic sigmoid, as in the lecture:

    z = s(x Wz + h_prev Uz + bz)                update gate       (N, H)
    r = s(x Wr + h_prev Ur + br)                reset gate        (N, H)
    n = tanh(x Wh + (r * h_prev) Uh + bh)       candidate         (N, H)
    h = (1 - z) * h_prev + z * n                                  (N, H)

With ``reset_after=True`` the reset gate acts after the recurrent matmul, with a bias
``bhn`` (H,) of its own inside it:

    n = tanh(x Wh + bh + r * (h_prev Uh + bhn))

which is exactly what ``torch.nn.GRU`` computes; the two placements are not equivalent
for any choice of weights, so neither is ever silently turned into the other. PyTorch's
update gate is our ``1 - z``: its z weights and biases are ours negated.

Parameters: ``Wz, Wr, Wh`` (D, H), ``Uz, Ur, Uh`` (H, H), ``bz, br, bh`` (H,), plus ``bhn``
(H,) when ``reset_after=True``. Every call stacks them once into W (D, 3H), U (H, 3H) and
b (3H,) in the order z, r, n. The reset-after step is one ``h @ U`` matmul; the lecture
step needs two (``h @ [Uz Ur]``, then ``(r * h) @ Uh``), through views of the same U.
Shapes: N batch, T time, D input, H hidden. The dtype follows the inputs.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from reference import _gates, _torch_io
from reference.functional import sigmoid, sigmoid_grad_from_output, tanh_grad_from_output

# Order of the gate blocks in the stacked weights (n is the candidate).
GATES = ("z", "r", "n")
# Parameter names (W, U, b) of each gate.
GATE_PARAMS = {"z": ("Wz", "Uz", "bz"), "r": ("Wr", "Ur", "br"), "n": ("Wh", "Uh", "bh")}
# PyTorch's order of the gate blocks in weight_ih / weight_hh.
TORCH_GATES = ("r", "z", "n")
# The (W, U, b) names of the stacked blocks, in GATES order.
_NAMES = tuple(GATE_PARAMS[gate] for gate in GATES)


def _check_variant(params: dict[str, np.ndarray], reset_after: bool) -> None:
    """Refuse parameters of the other variant: ``bhn`` is there iff ``reset_after``."""
    if reset_after and "bhn" not in params:
        raise ValueError("reset_after=True needs the parameter 'bhn' (H,)")
    if not reset_after and "bhn" in params:
        raise ValueError(
            "these parameters hold 'bhn', the reset-after GRU's bias: pass reset_after=True"
        )


def init_params(
    input_size: int,
    hidden_size: int,
    rng: np.random.Generator,
    dtype=np.float64,
    reset_after: bool = False,
) -> dict[str, np.ndarray]:
    """Parameters drawn like ``torch.nn.GRU``'s: uniform in ±1/sqrt(H).

    Returns a dict with W* (D, H), U* (H, H) and b* (H,) for z, r and the candidate h,
    plus ``bhn`` (H,) when ``reset_after``.
    """
    params = _gates.init_params(_NAMES, input_size, hidden_size, rng, dtype)
    if reset_after:
        bound = 1.0 / np.sqrt(hidden_size)
        params["bhn"] = rng.uniform(-bound, bound, hidden_size).astype(dtype)
    return params


def _split(stacked: np.ndarray) -> dict[str, np.ndarray]:
    """Views of the gate blocks of ``stacked`` (..., 3H), keyed by gate name."""
    H = stacked.shape[-1] // 3
    return {gate: stacked[..., k * H : (k + 1) * H] for k, gate in enumerate(GATES)}


# ---------------------------------------------------------------------------------------
# The cell's math, written once and shared by the step and the sequence passes.


def _cell_forward(
    xw: np.ndarray,
    h_prev: np.ndarray,
    U: np.ndarray,
    bhn: np.ndarray | None,
    act: np.ndarray,
    inner: np.ndarray,
    h: np.ndarray,
) -> None:
    """One step, written into act, inner and h.

    xw: (N, 3H) the step's ``x W + b``; h_prev: (N, H); U: (H, 3H) stacked; bhn: (H,) for
    the reset-after variant, None for the lecture's. Writes act (N, 3H) = [z, r, n],
    inner (N, H) = ``r * h_prev`` (lecture) or ``h_prev Uh + bhn`` (reset after), and
    the new state h (N, H).
    """
    H = h.shape[-1]
    zr, n = act[:, : 2 * H], act[:, 2 * H :]
    z, r = zr[:, :H], zr[:, H:]
    if bhn is None:
        np.matmul(h_prev, U[:, : 2 * H], out=zr)
        zr += xw[:, : 2 * H]
        zr[...] = sigmoid(zr)
        np.multiply(r, h_prev, out=inner)
        np.matmul(inner, U[:, 2 * H :], out=n)
    else:
        recurrent = h_prev @ U  # (N, 3H)
        np.add(recurrent[:, : 2 * H], xw[:, : 2 * H], out=zr)
        zr[...] = sigmoid(zr)
        np.add(recurrent[:, 2 * H :], bhn, out=inner)
        np.multiply(r, inner, out=n)
    n += xw[:, 2 * H :]
    np.tanh(n, out=n)
    np.subtract(n, h_prev, out=h)  # h = h_prev + z * (n - h_prev)
    h *= z
    h += h_prev


def _cell_backward(
    dh: np.ndarray,
    act: np.ndarray,
    inner: np.ndarray,
    h_prev: np.ndarray,
    U: np.ndarray,
    reset_after: bool,
    dxw: np.ndarray,
    dhu: np.ndarray | None,
) -> np.ndarray:
    """Backward of ``_cell_forward``.

    dh: (N, H) upstream gradient on h. Writes dxw (N, 3H), the gradient on ``x W + b``;
    for the reset-after variant also dhu (N, 3H), the gradient on ``h_prev U`` (its n
    block is the gradient on ``h_prev Uh + bhn``). Returns dh_prev (N, H).
    """
    H = dh.shape[-1]
    z, r, n = (act[:, k * H : (k + 1) * H] for k in range(3))
    dz, dr, dn = (dxw[:, k * H : (k + 1) * H] for k in range(3))
    np.multiply(dh, z, out=dn)
    dn *= tanh_grad_from_output(n)
    np.subtract(n, h_prev, out=dz)
    dz *= dh
    dz *= sigmoid_grad_from_output(z)
    dh_prev = dh - dh * z
    if not reset_after:
        d_inner = dn @ U[:, 2 * H :].T  # on r * h_prev
        np.multiply(d_inner, h_prev, out=dr)
        dr *= sigmoid_grad_from_output(r)
        dh_prev += d_inner * r
        dh_prev += dxw[:, : 2 * H] @ U[:, : 2 * H].T
    else:
        np.multiply(dn, inner, out=dr)
        dr *= sigmoid_grad_from_output(r)
        dhu[:, : 2 * H] = dxw[:, : 2 * H]
        np.multiply(dn, r, out=dhu[:, 2 * H :])
        dh_prev += dhu @ U.T
    return dh_prev


def _param_grads(
    x: np.ndarray,
    h_prev: np.ndarray,
    inner: np.ndarray,
    dxw: np.ndarray,
    dhu: np.ndarray | None,
) -> dict[str, np.ndarray]:
    """Parameter gradients from the gate gradients of every step, in single matmuls.

    x (M, D), h_prev (M, H), inner (M, H), dxw (M, 3H), dhu (M, 3H) or None: M rows, one
    per (sample, step).
    """
    H = h_prev.shape[-1]
    if dhu is None:
        dU = np.concatenate([h_prev.T @ dxw[:, : 2 * H], inner.T @ dxw[:, 2 * H :]], axis=1)
    else:
        dU = h_prev.T @ dhu
    grads = _gates.unstack(x.T @ dxw, dU, dxw.sum(axis=0), _NAMES)
    if dhu is not None:
        grads["bhn"] = dhu[:, 2 * H :].sum(axis=0)
    return grads


# ---------------------------------------------------------------------------------------
# One step.


def step_forward(
    x: np.ndarray, h_prev: np.ndarray, params: dict[str, np.ndarray], reset_after: bool = False
) -> tuple[np.ndarray, dict]:
    """One GRU step.

    Inputs: x (N, D), h_prev (N, H), params as in ``init_params`` (with ``bhn`` iff
    ``reset_after``). Returns h (N, H) and a cache dict with ``"x", "h_prev"``, ``"act"``
    (N, 3H) = [z, r, n] and its views ``"z", "r", "n"`` (N, H), ``"inner"`` (N, H)
    (``r * h_prev``, or ``h_prev Uh + bhn`` when reset after), the stacked ``"W", "U"``
    and ``"reset_after"``.
    """
    _check_variant(params, reset_after)
    W, U, b = _gates.stack(params, _NAMES)
    xw = x @ W + b  # (N, 3H)
    N, H = h_prev.shape
    dtype = np.result_type(xw, h_prev)
    act = np.empty((N, 3 * H), dtype=dtype)
    inner, h = np.empty((N, H), dtype=dtype), np.empty((N, H), dtype=dtype)
    _cell_forward(xw, h_prev, U, params.get("bhn"), act, inner, h)
    cache = {"x": x, "h_prev": h_prev, "act": act, **_split(act), "inner": inner}
    cache.update(W=W, U=U, reset_after=reset_after)
    return h, cache


def step_backward(
    dh: np.ndarray, cache: dict
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Backward of ``step_forward``.

    Inputs: dh (N, H), upstream gradient on h; the step's cache.
    Returns dx (N, D), dh_prev (N, H) and grads (keys of params).
    """
    act, reset_after = cache["act"], cache["reset_after"]
    dxw = np.empty_like(act)  # (N, 3H)
    dhu = np.empty_like(act) if reset_after else None
    dh_prev = _cell_backward(
        dh, act, cache["inner"], cache["h_prev"], cache["U"], reset_after, dxw, dhu
    )
    grads = _param_grads(cache["x"], cache["h_prev"], cache["inner"], dxw, dhu)
    return dxw @ cache["W"].T, dh_prev, grads


# ---------------------------------------------------------------------------------------
# A whole sequence. Internally time-major, so that every step works on contiguous
# (N, .) blocks; the cache exposes (N, T, H) views of the same arrays.


def forward(
    x: np.ndarray, h0: np.ndarray, params: dict[str, np.ndarray], reset_after: bool = False
) -> tuple[np.ndarray, dict]:
    """Run the GRU over a sequence.

    Inputs: x (N, T, D), h0 (N, H), params as in ``init_params`` (with ``bhn`` iff
    ``reset_after``). Returns h (N, T, H), the hidden state of every step, and a cache
    dict holding

        "h"                    (N, T, H) hidden state of every step
        "z", "r", "n"          (N, T, H) gate activations of every step (n: candidate)
        "inner"                (N, T, H) r * h_prev, or h_prev Uh + bhn when reset after
        "act"                  (T, N, 3H) [z, r, n] stacked, time-major
        "hs"                   (T + 1, N, H) time-major states, h0 first
        "x", "W", "U", "reset_after"   for the backward pass (W, U stacked z, r, n)

    The (N, T, H) entries (and h) are views of the time-major arrays.
    """
    _check_variant(params, reset_after)
    N, T, D = x.shape
    H = h0.shape[-1]
    W, U, b = _gates.stack(params, _NAMES)
    # The input projection of every step in one matmul.
    xw = (x.swapaxes(0, 1).reshape(T * N, D) @ W + b).reshape(T, N, 3 * H)
    dtype = np.result_type(xw, h0)
    act = np.empty((T, N, 3 * H), dtype=dtype)
    inner = np.empty((T, N, H), dtype=dtype)
    hs = np.empty((T + 1, N, H), dtype=dtype)
    hs[0] = h0
    bhn = params.get("bhn")
    for t in range(T):
        _cell_forward(xw[t], hs[t], U, bhn, act[t], inner[t], hs[t + 1])
    h = _gates.batch_major(hs[1:])
    cache = {"h": h, **{gate: _gates.batch_major(v) for gate, v in _split(act).items()}}
    cache.update(inner=_gates.batch_major(inner), act=act, hs=hs, x=x, W=W, U=U)
    cache["reset_after"] = reset_after
    return h, cache


def backward(dh: np.ndarray, cache: dict) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Backpropagation through time for ``forward`` (either variant, read from the cache).

    Inputs: dh (N, T, H), upstream gradient on every hidden state; the forward cache.
    Returns dx (N, T, D), dh0 (N, H) and grads (keys of params).
    """
    act, hs, x, W, U = (cache[key] for key in ("act", "hs", "x", "W", "U"))
    reset_after = cache["reset_after"]
    inner = _gates.batch_major(cache["inner"])  # (T, N, H)
    T, N, H3 = act.shape
    H = H3 // 3
    dxw = np.empty_like(act)  # (T, N, 3H)
    dhu = np.empty_like(act) if reset_after else None
    dh_next = np.zeros((N, H), dtype=act.dtype)
    for t in reversed(range(T)):
        dh_t = dh[:, t] + dh_next
        dhu_t = dhu[t] if reset_after else None
        dh_next = _cell_backward(dh_t, act[t], inner[t], hs[t], U, reset_after, dxw[t], dhu_t)
    rows = T * N
    dxw_rows = dxw.reshape(rows, H3)
    grads = _param_grads(
        x.swapaxes(0, 1).reshape(rows, -1),
        hs[:-1].reshape(rows, H),
        inner.reshape(rows, H),
        dxw_rows,
        dhu.reshape(rows, H3) if reset_after else None,
    )
    dx = np.ascontiguousarray(_gates.batch_major((dxw_rows @ W.T).reshape(T, N, -1)))
    return dx, dh_next, grads


# ---------------------------------------------------------------------------------------
# torch.nn.GRU.


def params_from_torch(
    module: nn.GRU, layer: int = 0, reset_after: bool = True
) -> dict[str, np.ndarray]:
    """Parameters of layer ``layer`` of a ``torch.nn.GRU`` (stacked or not, batch-first or
    not, unidirectional), in its dtype.

    With ``reset_after=True`` (the default, since it is what nn.GRU computes) the result
    reproduces the module: z's weights and biases negated (PyTorch's z is our 1 - z),
    ``br = b_ir + b_hr``, ``bh = b_in`` and ``bhn = b_hn``. With ``reset_after=False`` it
    gives the lecture GRU the same weights and ``bh = b_in + b_hn``; that GRU computes
    something else (the reset gate sits before ``Uh``). Layer ``k > 0`` reads layer
    ``k - 1``'s hidden states as its input x.
    """
    blocks = dict(zip(TORCH_GATES, _torch_io.read_layer(module, layer, nn.GRU)))
    z, r, n = blocks["z"], blocks["r"], blocks["n"]
    params = {"Wz": -z.W, "Uz": -z.U, "bz": -(z.b_ih + z.b_hh)}
    params.update(Wr=r.W, Ur=r.U, br=r.b_ih + r.b_hh, Wh=n.W, Uh=n.U)
    if reset_after:
        params.update(bh=n.b_ih, bhn=n.b_hh)
    else:
        params["bh"] = n.b_ih + n.b_hh
    return params


def params_to_torch(params: dict[str, np.ndarray]) -> nn.GRU:
    """A one-layer, batch-first ``torch.nn.GRU`` of the params' dtype computing exactly the
    reset-after forward of these parameters (which must hold ``bhn``).

    Lecture-GRU parameters are refused: no ``nn.GRU`` computes that variant.
    """
    if "bhn" not in params:
        raise ValueError(
            "torch.nn.GRU computes the reset-after GRU only; these lecture-GRU parameters "
            "(no 'bhn') have no nn.GRU equivalent"
        )
    zeros = np.zeros_like(params["bz"])
    blocks = {
        "r": _torch_io.GateBlock(params["Wr"], params["Ur"], params["br"], zeros),
        "z": _torch_io.GateBlock(-params["Wz"], -params["Uz"], -params["bz"], zeros),
        "n": _torch_io.GateBlock(params["Wh"], params["Uh"], params["bh"], params["bhn"]),
    }
    return _torch_io.build_module(nn.GRU, [blocks[gate] for gate in TORCH_GATES])


class TorchGRU(_gates.ParamsModule):
    """The equations of this module in torch ops, step by step, for autograd.

    Built from a params dict (each array becomes an ``nn.Parameter`` of the same name
    and dtype) and ``reset_after``; ``forward(x, h0)`` with x (N, T, D) and h0 (N, H)
    returns every step's h, (N, T, H).
    """

    def __init__(self, params: dict[str, np.ndarray], reset_after: bool = False):
        _check_variant(params, reset_after)
        super().__init__(params)
        self.reset_after = reset_after

    def forward(self, x: torch.Tensor, h0: torch.Tensor) -> torch.Tensor:
        h = h0
        hs = []
        for t in range(x.shape[1]):
            x_t = x[:, t]  # (N, D)
            z = torch.sigmoid(x_t @ self.Wz + h @ self.Uz + self.bz)
            r = torch.sigmoid(x_t @ self.Wr + h @ self.Ur + self.br)
            if self.reset_after:
                n = torch.tanh(x_t @ self.Wh + self.bh + r * (h @ self.Uh + self.bhn))
            else:
                n = torch.tanh(x_t @ self.Wh + (r * h) @ self.Uh + self.bh)
            h = (1 - z) * h + z * n
            hs.append(h)
        return torch.stack(hs, dim=1)  # (N, T, H)
