"""Training the NumPy language model: one step, and the loop over a text.

The loop walks the text in consecutive chunks of ``seq_len`` characters (``data.chunks``)
and carries the final hidden state of one chunk into the next (truncated BPTT); the
state starts from zeros at the beginning of every pass over the text.

Shape legend: N batch, T time steps, H hidden units, V vocabulary size.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from reference.char_lm.data import Vocabulary, chunks
from reference.char_lm.numpy_model import backward, forward, init_params, initial_state
from reference.char_lm.optim import Adam, clip_by_global_norm
from reference.char_lm.progress import progress_bar
from reference.datasets import LECTURE_CORPUS

# Global norm the gradients are clipped to, in both frameworks (the lecture's value).
MAX_GRAD_NORM = 5.0


class StepResult(NamedTuple):
    """What one training step returns: the loss before the update, the final state
    (h (N, H), c (N, H) or None) to carry into the next chunk, and the gradients'
    global norm before clipping."""

    loss: float
    h: np.ndarray
    c: np.ndarray | None
    grad_norm: float


def train_step(
    params: dict[str, np.ndarray],
    optimizer: Adam,
    inputs: np.ndarray,
    targets: np.ndarray,
    h0: np.ndarray | None = None,
    c0: np.ndarray | None = None,
    cell: str | None = None,
    max_norm: float = MAX_GRAD_NORM,
) -> StepResult:
    """Forward, backward, clip by global norm, and one optimiser update of ``params``
    (in place), on inputs and targets (N, T) from the state ``h0``, ``c0`` (N, H)."""
    loss, cache = forward(params, inputs, targets, h0, c0, cell)
    grads, _, _ = backward(cache)
    grads, norm = clip_by_global_norm(grads, max_norm)
    optimizer.step(params, grads)
    return StepResult(float(loss), cache["h_last"], cache["c_last"], norm)


@dataclass
class NumpyRun:
    """A trained NumPy model: its cell, parameters, vocabulary and per-step losses."""

    cell: str
    params: dict[str, np.ndarray]
    vocab: Vocabulary
    losses: list[float] = field(default_factory=list)


def endless_chunks(
    encoded: np.ndarray, seq_len: int, batch_size: int
) -> Iterator[tuple[np.ndarray, np.ndarray, bool]]:
    """``data.chunks`` over and over; the flag is True on the first chunk of each pass."""
    while True:
        for k, (inputs, targets) in enumerate(chunks(encoded, seq_len, batch_size)):
            yield inputs, targets, k == 0


def train_numpy(
    text: str = LECTURE_CORPUS,
    cell: str = "lstm",
    steps: int = 2000,
    hidden_size: int = 128,
    seq_len: int = 25,
    batch_size: int = 1,
    lr: float = 5e-3,
    max_norm: float = MAX_GRAD_NORM,
    seed: int = 0,
    dtype=np.float64,
    progress: bool | None = None,
) -> NumpyRun:
    """Train a NumPy character model on ``text`` with Adam for ``steps`` chunks.

    The parameters are drawn from ``np.random.default_rng(seed)``; nothing else is
    random. ``progress``: show a tqdm bar (None: only on a terminal).
    """
    vocab = Vocabulary.from_text(text)
    encoded = vocab.encode(text)
    params = init_params(cell, vocab.size, hidden_size, np.random.default_rng(seed), dtype)
    optimizer = Adam(lr=lr)
    run = NumpyRun(cell, params, vocab)
    stream = endless_chunks(encoded, seq_len, batch_size)
    h = c = None
    bar = progress_bar(steps, progress, desc=f"numpy {cell}")
    for step in bar:
        inputs, targets, new_pass = next(stream)
        if new_pass:
            h, c = initial_state(cell, batch_size, hidden_size, dtype)
        loss, h, c, _ = train_step(params, optimizer, inputs, targets, h, c, cell, max_norm)
        run.losses.append(loss)
        if step % 20 == 0:
            bar.set_postfix(loss=f"{loss:.3f}")
    bar.close()
    return run
