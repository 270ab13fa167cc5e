"""Parameters named per gate, as the cells share them: drawing them, stacking them into
single matrices and splitting stacked gradients back, and holding them in a torch twin.

A cell describes its gates by ``names``: one ``(W, U, b)`` triple of parameter names per
gate, in the order of its stacked blocks (the RNN is one block, ``("Wx", "Wh", "b")``).
Stacked, G gates sit side by side: W (D, G*H), U (H, G*H), b (G*H,). Shapes: N batch,
T time, D input, H hidden.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from torch import nn

GateNames = Sequence[tuple[str, str, str]]


def init_params(
    names: GateNames, input_size: int, hidden_size: int, rng: np.random.Generator, dtype
) -> dict[str, np.ndarray]:
    """Every gate's W (D, H), U (H, H) and b (H,), uniform in ±1/sqrt(H) like torch.nn's,
    drawn gate by gate in the order of ``names`` (W, then U, then b)."""
    bound = 1.0 / np.sqrt(hidden_size)
    shapes = ((input_size, hidden_size), (hidden_size, hidden_size), (hidden_size,))
    return {
        name: rng.uniform(-bound, bound, shape).astype(dtype)
        for gate in names
        for name, shape in zip(gate, shapes)
    }


def stack(
    params: dict[str, np.ndarray], names: GateNames
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """W (D, G*H), U (H, G*H), b (G*H,): the gates' parameters side by side."""
    return tuple(
        np.concatenate([params[gate[k]] for gate in names], axis=-1) for k in range(3)
    )


def unstack(
    dW: np.ndarray, dU: np.ndarray, db: np.ndarray, names: GateNames
) -> dict[str, np.ndarray]:
    """Per-gate gradients (contiguous copies) from stacked ones: the inverse of ``stack``."""
    H = dU.shape[0]
    grads = {}
    for k, gate in enumerate(names):
        block = slice(k * H, (k + 1) * H)
        for name, stacked in zip(gate, (dW, dU, db)):
            grads[name] = np.ascontiguousarray(stacked[..., block])
    return grads


def batch_major(a: np.ndarray) -> np.ndarray:
    """(T, N, ...) -> (N, T, ...) view."""
    return a.swapaxes(0, 1)


class ParamsModule(nn.Module):
    """A torch module holding a params dict: each array becomes an ``nn.Parameter`` of
    the same name and dtype. The cells' twins add their equations as ``forward``."""

    def __init__(self, params: dict[str, np.ndarray]):
        super().__init__()
        for name, value in params.items():
            setattr(self, name, nn.Parameter(torch.tensor(value)))
