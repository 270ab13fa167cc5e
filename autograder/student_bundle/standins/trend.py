"""Stands in for ``reference.trend`` in the student bundle: exercise 2's model, as torch computes it.

Exercise 02's checks score weights in a model that holds them: random weights at fixed
inputs (the logits a right ``forward`` returns) and the weights a student's model ends
its training with (test accuracy and loss). The answer key's ``TrendClassifier`` stays
with the instructor; here torch's own layers are the oracle: ``nn.LSTM`` computes the
final hidden state ``h_n`` and ``nn.Linear`` maps it to the logit. The exercise's set-up
(``reference.trend_setup``) ships as it is.

Shape legend: N batch, T time steps, H hidden units.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from reference.trend_setup import hidden_size_of, load_arrays


class FinalStateLogit(nn.Module):
    """``nn.LSTM(1, H, batch_first=True)``'s final hidden state through ``nn.Linear(H, 1)``.

    Holds the two layers as ``lstm`` and ``fc``, the names the weights travel under.
    """

    def __init__(self, hidden_size: int) -> None:
        super().__init__()
        self.lstm = nn.LSTM(1, hidden_size, num_layers=1, batch_first=True)
        self.fc = nn.Linear(in_features=hidden_size, out_features=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 1) logits for x (N, T, 1)."""
        _, (h_n, _) = self.lstm(x)  # h_n: (1, N, H), the state after the last step
        return self.fc(h_n[0])  # (N, 1)


def model_from_arrays(arrays: dict[str, np.ndarray]) -> FinalStateLogit:
    """The model holding the given weights, as ``reference.trend.model_from_arrays`` builds it.

    H is read from ``fc.weight``'s shape. Raises ``ValueError`` naming the first
    missing, extra or wrongly shaped entry.
    """
    return load_arrays(FinalStateLogit(hidden_size_of(arrays)), arrays)
