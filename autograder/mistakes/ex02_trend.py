"""Known wrong ``TrendClassifier.forward`` passes for exercise 02.

Each takes a model holding the right layers (``model.lstm``, an ``nn.LSTM(1, H,
batch_first=True)``, and ``model.fc``, an ``nn.Linear(H, 1)``) and an input x (N, T, 1)
as an array, and returns what a student's ``forward`` with that one mistake returns,
as an (N, 1) array. One function, :func:`trend_logits`, holds the computation; every
mistake is that function with one switch set, so a test can check that the default
switches give the right answer.
"""
from __future__ import annotations

from functools import partial

import numpy as np
import torch

from autograder.diagnose import Mistake


@torch.no_grad()
def trend_logits(
    model,
    x: np.ndarray,
    *,
    read: str = "last",
    batch_first: bool = True,
    squash: bool = False,
) -> np.ndarray:
    """The classifier's output for x (N, T, 1), with switches for known mistakes.

    read: which summary of the sequence reaches the linear layer: "last" (the output
        at the last step, equal to h_n; right), "first" (the output at step 0),
        "cell" (the final cell state c_n) or "mean" (the outputs averaged over time).
    batch_first: False runs the LSTM as if built without ``batch_first=True``: it then
        reads the batch axis as time and the time axis as the batch.
    squash: applies a sigmoid to the logits.
    """
    inputs = torch.from_numpy(np.array(x, dtype=np.float32))  # (N, T, 1)
    if not batch_first:
        # A time-major LSTM given (N, T, 1) reads N steps of a batch of T sequences; the
        # same as a batch-major LSTM given the transposed input, transposed back.
        outputs, (h_n, c_n) = model.lstm(inputs.transpose(0, 1))  # (T, N, H)
        outputs = outputs.transpose(0, 1)  # (N, T, H), axes as a student indexes them
    else:
        outputs, (h_n, c_n) = model.lstm(inputs)  # (N, T, H)
    summaries = {
        "last": lambda: outputs[:, -1, :],
        "first": lambda: outputs[:, 0, :],
        "cell": lambda: c_n[-1],
        "mean": lambda: outputs.mean(dim=1),
    }
    logits = model.fc(summaries[read]())  # (N, 1)
    if squash:
        logits = torch.sigmoid(logits)
    return logits.numpy()


MISTAKES = [
    Mistake(
        "a sigmoid inside forward",
        "forward must return raw logits: BCEWithLogitsLoss applies the sigmoid itself, so "
        "a sigmoid in forward is applied twice. Return self.fc(...) as it is.",
        partial(trend_logits, squash=True),
    ),
    Mistake(
        "the first time step instead of the last",
        "output[:, 0, :] is the state after one number; the state that has read the whole "
        "sequence is output[:, -1, :] (equal to h_n[-1]).",
        partial(trend_logits, read="first"),
    ),
    Mistake(
        "an LSTM without batch_first=True",
        "without batch_first=True nn.LSTM reads (T, N, 1), so your (N, T, 1) batch is "
        "treated as N time steps of T sequences. Build it with nn.LSTM(1, H, batch_first=True).",
        partial(trend_logits, batch_first=False),
    ),
    Mistake(
        "the cell state c_n instead of the hidden state h_n",
        "lstm(x) returns output, (h_n, c_n); c_n is the LSTM's internal memory. The "
        "classifier reads the hidden state: output[:, -1, :] or h_n[-1].",
        partial(trend_logits, read="cell"),
    ),
    Mistake(
        "the hidden states averaged over time",
        "averaging output over the time axis mixes early steps that have seen little of "
        "the sequence into the answer; read only the last step, output[:, -1, :].",
        partial(trend_logits, read="mean"),
    ),
]
