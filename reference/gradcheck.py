"""The one numerical-gradient and relative-error implementation, and named tolerances.

Everything that compares numbers in this project (tests, benchmarks, the autograder)
takes its tolerance from here, so a tolerance is never a magic number in prose.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

# Forward passes of our NumPy cells against torch.nn modules in float64 (max abs diff).
FORWARD_ATOL_F64 = 1e-12
# Analytic backward passes against torch autograd of the twin in float64 (max abs diff).
BACKWARD_ATOL_F64 = 1e-10
# Analytic gradients against central differences in float64 (max relative error).
FINITE_DIFF_RTOL = 1e-7
# Step size of the central differences.
FINITE_DIFF_STEP = 1e-6
# float32 results against the same computation in float64 (max abs diff).
FLOAT32_ATOL = 1e-5
# A language model trained with a student's gradients may end at most this far above the
# reference's final loss (nats per character). Gradients off by a positive factor train
# as well (Adam ignores the scale); a wrong gate derivative or a lost sum over time ends
# far above it.
TRAINING_LOSS_MARGIN = 0.25


def rel_error(x: np.ndarray, y: np.ndarray, eps: float = 1e-8) -> float:
    """Max elementwise relative error ``|x - y| / max(eps, |x| + |y|)``; 0.0 for empty input."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.size == 0:
        return 0.0
    return float(np.max(np.abs(x - y) / np.maximum(eps, np.abs(x) + np.abs(y))))


def numerical_gradient(
    f: Callable[[], float], x: np.ndarray, step: float = FINITE_DIFF_STEP
) -> np.ndarray:
    """Central-difference gradient of the scalar ``f()`` with respect to ``x``.

    ``x`` is perturbed in place, one entry at a time, and restored afterwards; ``f``
    reads it through a closure. Returns an array of ``x``'s shape and dtype float64.
    """
    grad = np.zeros(x.shape, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    for _ in it:
        idx = it.multi_index
        original = x[idx].copy()
        x[idx] = original + step
        f_plus = f()
        x[idx] = original - step
        f_minus = f()
        x[idx] = original
        grad[idx] = (f_plus - f_minus) / (2 * step)
    return grad


def numerical_gradient_of_output(
    f: Callable[[], np.ndarray], x: np.ndarray, upstream: np.ndarray, step: float = FINITE_DIFF_STEP
) -> np.ndarray:
    """Central-difference gradient of ``sum(f() * upstream)`` with respect to ``x``.

    This is the vector-Jacobian product a backward pass computes when ``upstream`` is
    the gradient arriving on ``f``'s output.
    """
    return numerical_gradient(lambda: float(np.sum(f() * upstream)), x, step)
