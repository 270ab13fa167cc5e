"""Training a PyTorch ``CharRNN`` on shuffled windows of a text.

Shape legend: N batch, T time steps, V vocabulary size.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from reference.char_lm.data import Vocabulary, make_windows
from reference.char_lm.progress import progress_bar
from reference.char_lm.torch_model import CharRNN
from reference.char_lm.train import MAX_GRAD_NORM
from reference.datasets import LECTURE_CORPUS


@dataclass
class TorchRun:
    """A trained PyTorch model, its vocabulary and per-step losses."""

    model: CharRNN
    vocab: Vocabulary
    losses: list[float] = field(default_factory=list)


def train_torch(
    text: str = LECTURE_CORPUS,
    cell: str = "lstm",
    steps: int = 600,
    hidden_size: int = 128,
    seq_len: int = 25,
    batch_size: int = 64,
    lr: float = 3e-3,
    max_norm: float = MAX_GRAD_NORM,
    seed: int = 0,
    embed_size: int = 32,
    num_layers: int = 2,
    dropout: float = 0.2,
    progress: bool | None = None,
) -> TorchRun:
    """Train ``CharRNN`` with Adam and ``clip_grad_norm_`` for ``steps`` batches.

    Every window of ``seq_len`` characters (``data.make_windows``) is a training
    sequence; each pass visits them in a fresh random order, ``batch_size`` at a time.
    All randomness (initial weights, order, dropout) comes from ``seed``, inside a
    forked RNG state, so the caller's global torch RNG is left as it was.
    """
    vocab = Vocabulary.from_text(text)
    inputs, targets = (torch.from_numpy(a) for a in make_windows(vocab.encode(text), seq_len))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = CharRNN(vocab.size, cell, embed_size, hidden_size, num_layers, dropout)
        run = TorchRun(model, vocab)
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        loss_fn = nn.CrossEntropyLoss()
        order = torch.randperm(len(inputs))
        position = 0
        model.train()
        bar = progress_bar(steps, progress, desc=f"torch {cell}")
        for step in bar:
            if position >= len(order):
                order, position = torch.randperm(len(inputs)), 0
            batch = order[position : position + batch_size]
            position += batch_size
            logits, _ = model(inputs[batch])  # (N, T, V)
            loss = loss_fn(logits.reshape(-1, vocab.size), targets[batch].reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), max_norm)
            optimizer.step()
            run.losses.append(loss.item())
            if step % 20 == 0:
                bar.set_postfix(loss=f"{run.losses[-1]:.3f}")
        bar.close()
    model.eval()
    return run
