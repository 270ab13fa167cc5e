"""The small trained ``CharLSTM`` whose gates exercise 03 looks at, made reproducibly.

    python -m reference.char_lm.gates_checkpoint solutions/rnn/char_lstm_gates.pt

trains a 2-layer ``CharLSTM`` on the lecture's corpus with fixed seeds (single-threaded,
so the same torch build writes the same weights) until it has nearly memorised the text,
and saves a checkpoint that ``torch.load(path, weights_only=True)`` reads back as::

    {"state_dict": {name: tensor}, "vocab": str, "config": {"embed_size": int,
     "hidden_size": int, "num_layers": int}}

``vocab`` is the vocabulary's characters in index order; the model is rebuilt as
``CharLSTM(len(vocab), **config)``. Small sizes keep the file near 230 KB.
"""
from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import torch

from reference.char_lm.torch_model import CharLSTM
from reference.char_lm.train_torch import train_torch
from reference.datasets import LECTURE_CORPUS

# The model's sizes, saved in the checkpoint as its "config".
CONFIG = {"embed_size": 16, "hidden_size": 64, "num_layers": 2}
# How it is trained: about 25 passes over the corpus's windows, a few seconds on one core.
TRAINING = {"steps": 300, "seq_len": 40, "batch_size": 64, "lr": 1e-2, "seed": 0}


def train_gates_model(progress: bool | None = False) -> tuple[CharLSTM, str, list[float]]:
    """Train the checkpoint's model on ``LECTURE_CORPUS``, single-threaded and seeded.

    Returns the trained ``CharLSTM`` in eval mode, its vocabulary string and the loss of
    every training step. Torch's thread count is restored afterwards.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        run = train_torch(
            LECTURE_CORPUS, cell="lstm", progress=progress, **CONFIG, **TRAINING
        )
    finally:
        torch.set_num_threads(threads)
    model = CharLSTM(run.vocab.size, **CONFIG)
    model.load_state_dict(run.model.state_dict())
    model.eval()
    return model, run.vocab.chars, run.losses


def save_checkpoint(model: CharLSTM, vocab: str, path: str | Path) -> None:
    """Write ``model``'s weights, ``vocab`` and ``CONFIG`` to ``path`` (plain tensors only)."""
    state = {name: tensor.detach().clone() for name, tensor in model.state_dict().items()}
    torch.save({"state_dict": state, "vocab": vocab, "config": dict(CONFIG)}, path)


def load_checkpoint(path: str | Path) -> tuple[CharLSTM, str]:
    """The ``CharLSTM`` (eval mode) and vocabulary string saved at ``path``."""
    checkpoint = torch.load(path, weights_only=True)
    model = CharLSTM(len(checkpoint["vocab"]), **checkpoint["config"])
    model.load_state_dict(checkpoint["state_dict"])
    model.eval()
    return model, checkpoint["vocab"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, help="where to write the checkpoint (.pt)")
    parser.add_argument("--progress", action="store_true", help="show a progress bar")
    args = parser.parse_args(argv)
    model, vocab, losses = train_gates_model(progress=args.progress)
    args.path.parent.mkdir(parents=True, exist_ok=True)
    save_checkpoint(model, vocab, args.path)
    print(f"final training loss {losses[-1]:.3f}; wrote {args.path} ({args.path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
