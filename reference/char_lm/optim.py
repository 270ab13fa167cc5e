"""Gradient clipping by global norm and the Adam optimiser, for dicts of NumPy arrays."""
from __future__ import annotations

import numpy as np


def global_norm(grads: dict[str, np.ndarray]) -> float:
    """The L2 norm of all gradients together, as if they were one flat vector."""
    squares = (float(np.sum(np.square(g, dtype=np.float64))) for g in grads.values())
    return float(np.sqrt(sum(squares)))


def clip_by_global_norm(
    grads: dict[str, np.ndarray], max_norm: float
) -> tuple[dict[str, np.ndarray], float]:
    """Scale all gradients by one factor so that their global norm is at most ``max_norm``.

    Unlike clipping each entry, this keeps the direction of the update. Gradients whose
    norm is already within ``max_norm`` come back unchanged (the same arrays).

    Returns:
        clipped: a new dict with the same keys (the inputs are never modified).
        norm_before: the global norm before clipping.
    """
    if max_norm <= 0:
        raise ValueError(f"max_norm must be positive, got {max_norm}")
    norm = global_norm(grads)
    if norm <= max_norm:
        return dict(grads), norm
    scale = max_norm / norm
    return {name: g * g.dtype.type(scale) for name, g in grads.items()}, norm


class Adam:
    """Adam (Kingma & Ba, 2015) with bias correction, the update of ``torch.optim.Adam``.

    For every parameter ``p`` with gradient ``g`` at step ``t = 1, 2, ...``::

        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        p -= lr * (m / (1 - beta1**t)) / (sqrt(v / (1 - beta2**t)) + eps)

    The moments ``m`` and ``v`` start at zero, are kept per parameter name and have the
    parameter's dtype, so float32 parameters stay float32.
    """

    def __init__(
        self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8
    ) -> None:
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.t = 0
        self.m: dict[str, np.ndarray] = {}
        self.v: dict[str, np.ndarray] = {}

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Update every array of ``params`` in place from the gradient of the same name."""
        self.t += 1
        correction1 = 1.0 - self.beta1**self.t
        correction2 = 1.0 - self.beta2**self.t
        for name, g in grads.items():
            p = params[name]
            if name not in self.m:
                self.m[name] = np.zeros_like(p)
                self.v[name] = np.zeros_like(p)
            m, v = self.m[name], self.v[name]
            m *= self.beta1
            m += (1.0 - self.beta1) * g
            v *= self.beta2
            v += (1.0 - self.beta2) * np.square(g)
            denom = np.sqrt(v / correction2)
            denom += self.eps
            p -= (self.lr / correction1) * m / denom
