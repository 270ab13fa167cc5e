"""One interface over the three recurrent cells, so the language model is written once.

The cells themselves live in ``reference.rnn``, ``reference.lstm`` and ``reference.gru``;
this module only adapts their signatures: the LSTM carries a cell state ``c`` next to
``h``, the others do not (``c`` is None for them), and a GRU whose parameters include
``bhn`` is the reset-after variant (the one ``torch.nn.GRU`` computes).

Shape legend: N batch, T time steps, D input features, H hidden units.
"""
from __future__ import annotations

import importlib
from types import ModuleType

import numpy as np

CELLS = ("rnn", "gru", "lstm")


def check_cell(cell: str) -> str:
    """``cell`` itself if it names one of ``CELLS``; a ValueError otherwise."""
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {CELLS}, got {cell!r}")
    return cell


def cell_module(cell: str) -> ModuleType:
    """The module ``reference.<cell>`` that implements the cell."""
    return importlib.import_module(f"reference.{check_cell(cell)}")


def has_cell_state(cell: str) -> bool:
    """Whether the cell carries a cell state ``c`` besides ``h`` (only the LSTM)."""
    return check_cell(cell) == "lstm"


def is_reset_after(params: dict[str, np.ndarray]) -> bool:
    """Whether GRU parameters are those of the reset-after variant (they hold ``bhn``)."""
    return "bhn" in params


def init_params(
    cell: str, input_size: int, hidden_size: int, rng: np.random.Generator, dtype, reset_after: bool
) -> dict[str, np.ndarray]:
    """The cell's own parameters (D input features, H hidden units)."""
    module = cell_module(cell)
    if cell == "gru":
        return module.init_params(
            input_size, hidden_size, rng, dtype=dtype, reset_after=reset_after
        )
    return module.init_params(input_size, hidden_size, rng, dtype=dtype)


def sequence_forward(
    cell: str, x: np.ndarray, h0: np.ndarray, c0: np.ndarray | None, params: dict
) -> tuple[np.ndarray, np.ndarray | None, dict]:
    """Run the cell over a whole sequence.

    Args:
        x: (N, T, D) inputs; h0: (N, H); c0: (N, H) for the LSTM, ignored otherwise.

    Returns:
        h: (N, T, H) every step's hidden state.
        c_last: (N, H) the final cell state for the LSTM, None otherwise.
        cache: the cell module's own cache, for ``sequence_backward``.
    """
    module = cell_module(cell)
    if cell == "lstm":
        h, cache = module.forward(x, h0, c0, params)
        return h, cache["c"][:, -1], cache
    if cell == "gru":
        h, cache = module.forward(x, h0, params, reset_after=is_reset_after(params))
        return h, None, cache
    h, cache = module.forward(x, h0, params)
    return h, None, cache


def sequence_backward(
    cell: str, dh: np.ndarray, cache: dict
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, dict]:
    """Backpropagation through time of ``sequence_forward``.

    Args:
        dh: (N, T, H) the gradient arriving on every step's hidden state.

    Returns:
        dx: (N, T, D); dh0: (N, H); dc0: (N, H) for the LSTM, None otherwise;
        grads: the cell parameters' gradients (same keys as its params).
    """
    module = cell_module(cell)
    if cell == "lstm":
        return module.backward(dh, cache)
    dx, dh0, grads = module.backward(dh, cache)
    return dx, dh0, None, grads


def step(
    cell: str, x: np.ndarray, h: np.ndarray, c: np.ndarray | None, params: dict
) -> tuple[np.ndarray, np.ndarray | None]:
    """One time step: x (N, D), h (N, H), c (N, H) or None -> the next (h, c)."""
    module = cell_module(cell)
    if cell == "lstm":
        h, c, _ = module.step_forward(x, h, c, params)
        return h, c
    if cell == "gru":
        h, _ = module.step_forward(x, h, params, reset_after=is_reset_after(params))
        return h, None
    h, _ = module.step_forward(x, h, params)
    return h, None
