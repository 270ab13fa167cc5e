"""``python -m reference.char_lm``: train a character model on a text, then sample it.

Trains the NumPy model (``--torch``: the PyTorch ``CharRNN``), shows a progress bar,
prints the loss at a few points of training and a sample at each of a few temperatures.
"""
from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from reference.char_lm.cells import CELLS
from reference.char_lm.sampling import sample
from reference.char_lm.train import train_numpy
from reference.char_lm.train_torch import train_torch
from reference.datasets import LECTURE_CORPUS

SAMPLE_TEMPERATURES = (0.2, 0.5, 1.0)
# Learning rates of Adam when --lr is not given.
DEFAULT_LR = {"numpy": 5e-3, "torch": 3e-3}
# Sequences per step when --batch-size is not given.
DEFAULT_BATCH = {"numpy": 1, "torch": 64}
# How many points of the loss history are printed.
LOSS_REPORTS = 5


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m reference.char_lm",
        description="Train a character-level language model and sample from it.",
        epilog="Models this small run fastest on one BLAS thread: set OPENBLAS_NUM_THREADS=1 "
        "(and OMP_NUM_THREADS=1 for --torch) when the machine is busy.",
    )
    parser.add_argument("--cell", choices=CELLS, default="lstm", help="recurrent cell")
    parser.add_argument("--steps", type=int, default=2000, help="training steps (updates)")
    parser.add_argument(
        "--text", type=Path, help="UTF-8 text file (default: the lecture's soliloquy)"
    )
    parser.add_argument("--hidden", type=int, default=128, help="hidden size H")
    parser.add_argument("--seq-len", type=int, default=25, help="characters per sequence T")
    parser.add_argument("--batch-size", type=int, help="sequences per step N (numpy 1, torch 64)")
    parser.add_argument("--lr", type=float, help="Adam learning rate (numpy 5e-3, torch 3e-3)")
    parser.add_argument("--seed", type=int, default=0, help="seed of every random draw")
    parser.add_argument("--torch", action="store_true", help="train the PyTorch CharRNN instead")
    parser.add_argument("--sample-length", type=int, default=200, help="characters per sample")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return parser


def loss_report(losses: Sequence[float], points: int = LOSS_REPORTS) -> list[str]:
    """Lines giving the mean loss over the steps leading up to a few evenly spaced steps."""
    steps = len(losses)
    marks = sorted({max(1, round(steps * k / points)) for k in range(1, points + 1)})
    window = max(1, steps // (2 * points))
    return [
        f"step {mark:>6}: loss {np.mean(losses[max(0, mark - window) : mark]):.4f}"
        for mark in marks
    ]


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    text = args.text.read_text(encoding="utf-8") if args.text else LECTURE_CORPUS
    framework = "torch" if args.torch else "numpy"
    options = dict(
        text=text,
        cell=args.cell,
        steps=args.steps,
        hidden_size=args.hidden,
        seq_len=args.seq_len,
        batch_size=DEFAULT_BATCH[framework] if args.batch_size is None else args.batch_size,
        lr=DEFAULT_LR[framework] if args.lr is None else args.lr,
        seed=args.seed,
        progress=False if args.no_progress else None,
    )
    print(f"{framework} {args.cell}: {len(text)} characters, H={args.hidden}, T={args.seq_len}")
    if args.torch:
        run = train_torch(**options)
    else:
        run = train_numpy(**options)
    vocab = run.vocab
    print(f"vocabulary: V={vocab.size}, log(V)={np.log(vocab.size):.4f}")
    for line in loss_report(run.losses):
        print(line)

    start = vocab.encode(text[0])
    for temperature in SAMPLE_TEMPERATURES:
        if args.torch:
            generator = torch.Generator().manual_seed(args.seed)
            indices = run.model.generate(start, args.sample_length, temperature, generator)
        else:
            rng = np.random.default_rng(args.seed)
            indices = sample(run.params, run.cell, start, args.sample_length, temperature, rng)
        print(f"\n--- temperature {temperature} ---\n{text[0]}{vocab.decode(indices)}")
    return 0
