"""Exercise 2's answer key: an LSTM that tells upward from downward trends.

The grader's side of the exercise (the seeded data sets, the full-batch training loop of
the lecture, the scores, weights as plain arrays) lives in ``reference.trend_setup``.

Shape legend: N batch, T time steps, H hidden units.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from reference.trend_setup import HIDDEN_SIZE, hidden_size_of, load_arrays


class TrendClassifier(nn.Module):
    """One LSTM layer read at its last time step, then a linear layer to one logit.

    Args:
        hidden_size: H.
    """

    def __init__(self, hidden_size: int = HIDDEN_SIZE) -> None:
        super().__init__()
        self.lstm = nn.LSTM(input_size=1, hidden_size=hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of "trending up" (apply a sigmoid for probabilities).

        Args:
            x: (N, T, 1) sequences.

        Returns:
            (N, 1) logits, computed from the hidden state of the last step.
        """
        outputs, _ = self.lstm(x)  # (N, T, H)
        return self.fc(outputs[:, -1, :])  # (N, 1)


def model_from_arrays(arrays: dict[str, np.ndarray]) -> TrendClassifier:
    """A ``TrendClassifier`` holding the given weights (keys as in ``model_to_arrays``).

    H is read from ``fc.weight``'s shape. Raises ``ValueError`` naming the first
    missing, extra or wrongly shaped entry.
    """
    return load_arrays(TrendClassifier(hidden_size=hidden_size_of(arrays)), arrays)
