"""One training step of the character LSTM: NumPy from scratch against PyTorch.

Both steps do the same work on the same batch: one-hot input (N, T, V), one LSTM layer,
the output layer, mean softmax cross-entropy over N * T positions, full backward, global
norm clipping to 5 and one Adam update, in float32. The two are timed interleaved in one
process (NumPy step, PyTorch step, NumPy step, ...), so both see the same machine load,
and the medians are compared.

    python benchmarks/bench_char_lm.py [--repeats 30] [--threads K]
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from reference.char_lm.data import Vocabulary, make_windows
from reference.char_lm.numpy_model import init_params, initial_state
from reference.char_lm.optim import Adam
from reference.char_lm.train import MAX_GRAD_NORM, train_step
from reference.datasets import LECTURE_CORPUS

N, T, H = 64, 40, 128
LR = 3e-3
# Target of the NumPy implementation: at most this many times the PyTorch step's time.
TARGET_RATIO = 1.5


class TorchStep:
    """The PyTorch step: nn.LSTM (one layer, one-hot input), Linear, CE, Adam."""

    def __init__(self, vocab_size: int, seed: int) -> None:
        torch.manual_seed(seed)
        self.lstm = nn.LSTM(vocab_size, H, batch_first=True)
        self.fc = nn.Linear(H, vocab_size)
        self.params = [*self.lstm.parameters(), *self.fc.parameters()]
        self.optimizer = torch.optim.Adam(self.params, lr=LR)
        self.vocab_size = vocab_size

    def __call__(self, inputs: torch.Tensor, targets: torch.Tensor) -> float:
        x = F.one_hot(inputs, self.vocab_size).to(torch.float32)  # (N, T, V)
        h, _ = self.lstm(x)  # (N, T, H)
        logits = self.fc(h)  # (N, T, V)
        loss = F.cross_entropy(logits.reshape(-1, self.vocab_size), targets.reshape(-1))
        self.optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(self.params, MAX_GRAD_NORM)
        self.optimizer.step()
        return loss.item()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30, help="timed steps of each")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps of each first")
    parser.add_argument("--threads", type=int, help="torch.set_num_threads (default: torch's)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    vocab = Vocabulary.from_text(LECTURE_CORPUS)
    windows, next_chars = make_windows(vocab.encode(LECTURE_CORPUS), T)
    rng = np.random.default_rng(args.seed)
    params = init_params("lstm", vocab.size, H, rng, dtype=np.float32)
    optimizer = Adam(lr=LR)
    h0, c0 = initial_state("lstm", N, H, np.float32)
    torch_step = TorchStep(vocab.size, args.seed)

    numpy_times, torch_times = [], []
    for repeat in range(args.warmup + args.repeats):
        rows = rng.choice(len(windows), N, replace=False)
        inputs, targets = windows[rows], next_chars[rows]  # (N, T) each

        start = time.perf_counter()
        train_step(params, optimizer, inputs, targets, h0, c0, "lstm")
        numpy_time = time.perf_counter() - start

        inputs_t, targets_t = torch.from_numpy(inputs), torch.from_numpy(targets)
        start = time.perf_counter()
        torch_step(inputs_t, targets_t)
        torch_time = time.perf_counter() - start

        if repeat >= args.warmup:
            numpy_times.append(numpy_time)
            torch_times.append(torch_time)

    numpy_median = statistics.median(numpy_times)
    torch_median = statistics.median(torch_times)
    ratio = numpy_median / torch_median
    print(f"char LM LSTM training step, N={N} T={T} V={vocab.size} H={H} float32, "
          f"{args.repeats} interleaved repeats, torch threads {torch.get_num_threads()}")
    print(f"numpy   median {numpy_median * 1e3:8.2f} ms")
    print(f"pytorch median {torch_median * 1e3:8.2f} ms")
    print(f"ratio numpy / pytorch {ratio:.2f} (target <= {TARGET_RATIO})")


if __name__ == "__main__":
    main()
