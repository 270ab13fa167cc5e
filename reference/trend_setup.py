"""Exercise 2's set-up, everything but the model: what the grader and the student share.

The sizes and targets of the lecture's experiment, the seeded data sets, the full-batch
training loop (Adam, ``BCEWithLogitsLoss``), the scores, and the conversion between a
model's weights and plain arrays (the form in which weights travel between the grader
and a student's process). None of it is the answer: the answer key's model is
``reference.trend.TrendClassifier``. Kept apart so that a student bundle can ship it.

Shape legend: N batch, T time steps, H hidden units.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch
from torch import nn

from reference.datasets import generate_trend_data

HIDDEN_SIZE = 32
SEQ_LEN = 20
TRAIN_SAMPLES = 500
TEST_SAMPLES = 100
EPOCHS = 50
LEARNING_RATE = 0.01
# The lecture's promise: a correct model reaches this test accuracy after EPOCHS epochs.
PASS_ACCURACY = 0.90
# ...and has learned: its mean test loss falls far below chance (log 2 = 0.69). Trained
# models end near 0.01; untrained ones stay above 0.6, even the few whose random
# weights happen to sort most test sequences right.
PASS_TEST_LOSS = 0.2


def trend_datasets(
    seed: int, seq_len: int = SEQ_LEN
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The grader's training and test sets, both drawn from one generator seeded ``seed``.

    Returns:
        X_train (TRAIN_SAMPLES, T, 1), y_train (TRAIN_SAMPLES, 1),
        X_test (TEST_SAMPLES, T, 1), y_test (TEST_SAMPLES, 1), all float32.
    """
    rng = np.random.default_rng(seed)
    X_train, y_train = generate_trend_data(TRAIN_SAMPLES, seq_len, rng)
    X_test, y_test = generate_trend_data(TEST_SAMPLES, seq_len, rng)
    return X_train, y_train, X_test, y_test


@contextmanager
def one_thread() -> Iterator[None]:
    """Runs torch on one thread inside the block: a model this small only loses time to more."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def train_full_batch(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    epochs: int = EPOCHS,
    lr: float = LEARNING_RATE,
) -> list[float]:
    """The lecture's loop: ``epochs`` full-batch Adam steps on ``BCEWithLogitsLoss``.

    Deterministic given the model's initial weights (no shuffling, no dropout), so
    seeding the model's construction seeds the whole run. Runs on one thread.

    Args:
        model: maps (N, T, 1) to (N, 1) logits; trained in place.
        X: (N, T, 1) sequences; y: (N, 1) labels 0.0 / 1.0.

    Returns:
        The loss before each update, one float per epoch.
    """
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    criterion = nn.BCEWithLogitsLoss()
    model.train()
    losses = []
    with one_thread():
        for _ in range(epochs):
            optimizer.zero_grad()
            loss = criterion(model(X), y)
            loss.backward()
            optimizer.step()
            losses.append(float(loss.detach()))
    return losses


@torch.no_grad()
def accuracy(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of sequences whose predicted label (logit > 0) equals ``y``.

    Args:
        X: (N, T, 1) sequences; y: (N, 1) labels 0.0 / 1.0.
    """
    predictions = (model(X) > 0).to(y.dtype)  # (N, 1)
    return float((predictions == y).to(torch.float64).mean())


@torch.no_grad()
def mean_loss(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> float:
    """Mean ``BCEWithLogitsLoss`` of the model's logits on (X (N, T, 1), y (N, 1))."""
    return float(nn.functional.binary_cross_entropy_with_logits(model(X), y))


def model_to_arrays(model: nn.Module) -> dict[str, np.ndarray]:
    """The model's weights as float32 arrays under their ``state_dict`` names.

    Keys: ``lstm.weight_ih_l0`` (4H, 1), ``lstm.weight_hh_l0`` (4H, H),
    ``lstm.bias_ih_l0`` (4H,), ``lstm.bias_hh_l0`` (4H,), ``fc.weight`` (1, H),
    ``fc.bias`` (1,).
    """
    return {name: value.detach().numpy().copy() for name, value in model.state_dict().items()}


def hidden_size_of(arrays: dict[str, np.ndarray]) -> int:
    """H, read from the shape (1, H) of ``arrays["fc.weight"]``; ``ValueError`` if it has none."""
    fc_weight = np.asarray(arrays.get("fc.weight", np.empty((0, 0))))
    if fc_weight.ndim != 2:
        raise ValueError(f"fc.weight must be a (1, H) array, got shape {fc_weight.shape}")
    return fc_weight.shape[1]


def load_arrays(model: nn.Module, arrays: dict[str, np.ndarray]) -> nn.Module:
    """``model`` holding the given weights (keys as in ``model_to_arrays``), in eval mode.

    Raises ``ValueError`` naming the first missing, extra or wrongly shaped entry.
    """
    expected = model.state_dict()
    missing = sorted(set(expected) - set(arrays))
    extra = sorted(set(arrays) - set(expected))
    if missing or extra:
        raise ValueError(f"weights do not fit: missing {missing}, unexpected {extra}")
    state = {}
    for name, reference_value in expected.items():
        value = np.asarray(arrays[name])
        if value.shape != tuple(reference_value.shape):
            raise ValueError(
                f"{name} has shape {value.shape}, expected {tuple(reference_value.shape)}"
            )
        state[name] = torch.as_tensor(value, dtype=reference_value.dtype)
    model.load_state_dict(state)
    model.eval()
    return model
