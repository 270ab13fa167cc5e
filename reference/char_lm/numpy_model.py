"""The playground's character language model in NumPy, for any of the three cells.

One-hot characters go through a recurrent cell (RNN, GRU or LSTM from ``reference``);
every hidden state is projected to next-character logits by ``h @ Why + by``; the loss
is the softmax cross-entropy averaged over all N * T positions. ``backward`` is full
backpropagation through time, through ``h`` and (for the LSTM) ``c``. Exercise 4 grades
students' LSTM backward against ``backward`` with ``cell="lstm"``.

Parameters are one dict: the cell's own (``Wf, Uf, bf, Wi, Ui, bi, Wo, Uo, bo, Wc, Uc,
bc`` for the LSTM, see ``reference.lstm``) plus the output layer ``Why`` (H, V) and
``by`` (V,). Everything follows the parameters' dtype (float64 or float32).

Shape legend: N batch, T time steps, H hidden units, V vocabulary size (also the
input size D of the cell, since inputs are one-hot).
"""
from __future__ import annotations

import numpy as np

from reference.char_lm import cells

# Standard deviation of the output layer's initial weights: small, so that the initial
# next-character distribution is close to uniform (loss close to log V).
OUTPUT_INIT_SCALE = 0.01


def infer_cell(params: dict[str, np.ndarray]) -> str:
    """The cell a parameter dict belongs to, from its gate names."""
    if "Wf" in params:
        return "lstm"
    if "Wz" in params:
        return "gru"
    if "Wx" in params:
        return "rnn"
    raise ValueError(f"no cell has parameters {sorted(params)}")


def init_params(
    cell: str,
    vocab_size: int,
    hidden_size: int,
    rng: np.random.Generator,
    dtype=np.float64,
    reset_after: bool = False,
) -> dict[str, np.ndarray]:
    """Fresh parameters: the cell's (input size V) plus ``Why`` (H, V) and ``by`` (V,).

    ``reset_after`` only matters for the GRU (True: the ``torch.nn.GRU`` variant).
    """
    params = cells.init_params(cell, vocab_size, hidden_size, rng, dtype, reset_after)
    Why = OUTPUT_INIT_SCALE * rng.standard_normal((hidden_size, vocab_size))
    params["Why"] = Why.astype(dtype)
    params["by"] = np.zeros(vocab_size, dtype=dtype)
    return params


def initial_state(
    cell: str, batch_size: int, hidden_size: int, dtype=np.float64
) -> tuple[np.ndarray, np.ndarray | None]:
    """Zero state ``(h0, c0)``, each (N, H); ``c0`` is None for the RNN and GRU."""
    h0 = np.zeros((batch_size, hidden_size), dtype=dtype)
    c0 = np.zeros_like(h0) if cells.has_cell_state(cell) else None
    return h0, c0


def one_hot(indices: np.ndarray, vocab_size: int, dtype=np.float64) -> np.ndarray:
    """Integer indices of any shape (e.g. (N, T)) as one-hot vectors (..., V)."""
    indices = np.asarray(indices)
    encoded = np.zeros(indices.shape + (vocab_size,), dtype=dtype)
    np.put_along_axis(encoded, indices[..., None], 1, axis=-1)
    return encoded


def forward(
    params: dict[str, np.ndarray],
    inputs: np.ndarray,
    targets: np.ndarray,
    h0: np.ndarray | None = None,
    c0: np.ndarray | None = None,
    cell: str | None = None,
) -> tuple[np.floating, dict]:
    """Loss of predicting ``targets`` from ``inputs``, and the cache for ``backward``.

    Args:
        params: the model's parameters (see the module docstring).
        inputs: int array (N, T), character indices.
        targets: int array (N, T), the next character at every position.
        h0: (N, H) initial hidden state (None: zeros).
        c0: (N, H) initial cell state for the LSTM (None: zeros); must be None otherwise.
        cell: ``"rnn"``, ``"gru"`` or ``"lstm"`` (None: read from the parameter names).

    Returns:
        loss: mean cross-entropy over the N * T positions, a scalar of the params' dtype.
        cache: a dict with
            ``cell`` the cell's name, ``params`` the parameters used,
            ``inputs``, ``targets`` (N, T) int, ``x`` (N, T, V) the one-hot inputs,
            ``h`` (N, T, H) every hidden state, ``probs`` (N, T, V) the softmax outputs,
            ``cell_cache`` the cell's own sequence cache (for the LSTM the cache of
            ``reference.lstm.forward``, with the cell states in ``cell_cache["c"]``),
            ``h_last`` (N, H) and ``c_last`` (N, H) or None: the final state, to carry
            into the next chunk of text.
    """
    cell = cells.check_cell(cell or infer_cell(params))
    inputs = np.asarray(inputs)
    targets = np.asarray(targets)
    if inputs.ndim != 2 or inputs.shape != targets.shape:
        raise ValueError(
            f"inputs and targets must both be (N, T), got {inputs.shape} and {targets.shape}"
        )
    Why, by = params["Why"], params["by"]
    H, V = Why.shape
    N, T = inputs.shape
    dtype = Why.dtype
    zero_h, zero_c = initial_state(cell, N, H, dtype)
    h0 = zero_h if h0 is None else h0
    if cells.has_cell_state(cell):
        c0 = zero_c if c0 is None else c0
    elif c0 is not None:
        raise ValueError(f"the {cell} cell has no cell state; c0 must be None")

    x = one_hot(inputs, V, dtype)  # (N, T, V)
    h, c_last, cell_cache = cells.sequence_forward(cell, x, h0, c0, params)  # (N, T, H)
    logits = h @ Why + by  # (N, T, V)
    # Softmax and its log at the targets, shifted by the max for stability.
    shifted = logits - logits.max(axis=-1, keepdims=True)  # (N, T, V)
    exp = np.exp(shifted)
    total = exp.sum(axis=-1, keepdims=True)  # (N, T, 1)
    target_shifted = np.take_along_axis(shifted, targets[..., None], axis=-1)  # (N, T, 1)
    loss = (np.log(total) - target_shifted).mean(dtype=dtype)
    cache = {
        "cell": cell,
        "params": params,
        "inputs": inputs,
        "targets": targets,
        "x": x,
        "h": h,
        "probs": exp / total,
        "cell_cache": cell_cache,
        "h_last": h[:, -1],
        "c_last": c_last,
    }
    return loss, cache


def backward(cache: dict) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray | None]:
    """Gradients of ``forward``'s mean loss, by backpropagation through time.

    Returns:
        grads: a dict with the same keys as the parameters.
        dh0: (N, H) gradient on the initial hidden state.
        dc0: (N, H) gradient on the initial cell state for the LSTM, None otherwise.
    """
    params, h, probs, targets = cache["params"], cache["h"], cache["probs"], cache["targets"]
    Why = params["Why"]
    H, V = Why.shape
    N, T = targets.shape

    # Softmax cross-entropy, averaged over N * T positions: (p - onehot(target)) / (N T).
    dlogits = probs.copy()  # (N, T, V)
    rows, steps = np.indices(targets.shape)  # (N, T) each
    dlogits[rows, steps, targets] -= 1
    dlogits /= N * T

    # Output layer logits = h @ Why + by, applied at every step.
    dWhy = h.reshape(N * T, H).T @ dlogits.reshape(N * T, V)  # (H, V)
    dby = dlogits.sum(axis=(0, 1))  # (V,)
    dh = dlogits @ Why.T  # (N, T, H): gradient reaching every h_t from its own output

    # Through time: the cell adds the gradient flowing back from h_{t+1} (and, for the
    # LSTM, from c_{t+1}) to dh_t at every step, down to the initial state. The inputs are
    # one-hot data, so their gradient is dropped.
    _, dh0, dc0, grads = cells.sequence_backward(cache["cell"], dh, cache["cell_cache"])
    grads = dict(grads)
    grads["Why"] = dWhy
    grads["by"] = dby
    return grads, dh0, dc0
