"""Elementwise activations shared by every NumPy cell, each next to its derivative."""
from __future__ import annotations

import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function, written through tanh: never overflows, keeps ``x``'s dtype.

    ``sigmoid(x) = (1 + tanh(x / 2)) / 2`` is one vectorised pass with no branch, which
    is what makes the cells' forward passes fast.
    """
    return 0.5 * (np.tanh(0.5 * x) + 1.0)


def sigmoid_grad_from_output(s: np.ndarray) -> np.ndarray:
    """d sigmoid / dx written in terms of the output ``s = sigmoid(x)``."""
    return s * (1.0 - s)


def tanh_grad_from_output(t: np.ndarray) -> np.ndarray:
    """d tanh / dx written in terms of the output ``t = tanh(x)``."""
    return 1.0 - t * t


def softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax along ``axis``, shifted by the max for stability."""
    shifted = logits - logits.max(axis=axis, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=axis, keepdims=True)
