"""The next-character distribution at a temperature, in NumPy and in PyTorch.

``softmax(logits / temperature)``: a low temperature sharpens the distribution towards
the most likely character, a high one flattens it towards uniform. At a temperature of
at most ``GREEDY_TEMPERATURE`` (zero included) the distribution is the one-hot of the
argmax, computed directly, so nothing is ever divided by zero or overflows.

Shape legend: V vocabulary size; leading dimensions are kept.
"""
from __future__ import annotations

import numpy as np
import torch

from reference.functional import softmax

# Temperatures at or below this are treated as zero: greedy decoding.
GREEDY_TEMPERATURE = 1e-6


def _check(temperature: float) -> None:
    if temperature < 0 or temperature != temperature:
        raise ValueError(f"temperature must be non-negative, got {temperature}")


def temperature_probs(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """NumPy: probabilities (..., V) of ``softmax(logits / temperature)`` along the last axis.

    Keeps the dtype of floating ``logits`` (others become float64); ties at a zero
    temperature go to the first index.
    """
    _check(temperature)
    logits = np.asarray(logits)
    if not np.issubdtype(logits.dtype, np.floating):
        logits = logits.astype(np.float64)
    if temperature <= GREEDY_TEMPERATURE:
        winners = np.argmax(logits, axis=-1)[..., None]
        probs = np.zeros_like(logits)
        np.put_along_axis(probs, winners, 1, axis=-1)
        return probs
    return softmax(logits / logits.dtype.type(temperature), axis=-1)


def temperature_probs_torch(logits: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
    """PyTorch: the same distribution as ``temperature_probs``, for a tensor (..., V)."""
    _check(temperature)
    if temperature <= GREEDY_TEMPERATURE:
        winners = logits.argmax(dim=-1, keepdim=True)
        return torch.zeros_like(logits).scatter_(-1, winners, 1.0)
    return torch.softmax(logits / temperature, dim=-1)


def draw_index(probs: np.ndarray, rng: np.random.Generator) -> int:
    """One index drawn from the distribution ``probs`` (V,), by inverting its CDF.

    Uses exactly one ``rng.random()`` draw, in float64 whatever the dtype of ``probs``.
    """
    cdf = np.cumsum(np.asarray(probs, dtype=np.float64))
    index = int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right"))
    return min(index, len(cdf) - 1)
