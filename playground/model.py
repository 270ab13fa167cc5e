"""The playground's character language model: one-hot characters -> a torch cell -> Linear.

The recurrent part is one of PyTorch's own cells (``nn.RNNCell``, ``nn.GRUCell``,
``nn.LSTMCell``), stepped one character at a time; every hidden state is projected to
next-character logits by ``nn.Linear(H, V)``. The parameters always live here, in
float64, whichever backend computes their gradients (see ``playground.backends``).

The GRU is PyTorch's: the reset gate acts *after* the recurrent matmul,
``n = tanh(x W_in + b_in + r * (h W_hn + b_hn))``, and its update gate is the lecture's
``1 - z``. The lecture's GRU (reset before the matmul) is exercise 1 and is not used here.

Shape legend: N batch, T time steps, H hidden units, V vocabulary size.
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

CELL_TYPES = {"rnn": nn.RNNCell, "gru": nn.GRUCell, "lstm": nn.LSTMCell}
# The sequence module that holds the same weights as each cell (see ``CharModel.as_layer``).
LAYER_TYPES = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}
CELLS = tuple(CELL_TYPES)
DTYPE = torch.float64
# Standard deviation of the output layer's initial weights: small, so that the first
# predictions are close to uniform (first loss close to log V), as in the reference.
OUTPUT_INIT_SCALE = 0.01
# PyTorch's order of the LSTM's gate blocks in weight_ih, weight_hh and the biases.
LSTM_TORCH_GATES = ("i", "f", "g", "o")

# The recurrent state: (h,) for the RNN and GRU, (h, c) for the LSTM, each (N, H).
State = tuple[torch.Tensor, ...]


def check_cell(cell: str) -> str:
    """``cell`` itself if it names one of ``CELLS``; a ValueError otherwise."""
    if cell not in CELL_TYPES:
        raise ValueError(f"cell must be one of {CELLS}, got {cell!r}")
    return cell


class CharModel(nn.Module):
    """Character language model with a single torch cell, drawn from ``seed``.

    The cell's weights are uniform in ±1/sqrt(H) (PyTorch's own rule), the output
    weights ``OUTPUT_INIT_SCALE * N(0, 1)`` and the output bias zero; every draw comes
    from one ``torch.Generator`` seeded with ``seed``.

    Attributes:
        cell: the ``nn.RNNCell`` / ``nn.GRUCell`` / ``nn.LSTMCell`` (input size V).
        output: ``nn.Linear(H, V)``.
    """

    def __init__(self, cell: str, vocab_size: int, hidden_size: int, seed: int) -> None:
        super().__init__()
        self.cell_name = check_cell(cell)
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.cell = CELL_TYPES[cell](vocab_size, hidden_size, dtype=DTYPE)
        self.output = nn.Linear(hidden_size, vocab_size, dtype=DTYPE)
        generator = torch.Generator().manual_seed(seed)
        bound = 1.0 / math.sqrt(hidden_size)
        with torch.no_grad():
            for param in self.cell.parameters():
                param.uniform_(-bound, bound, generator=generator)
            self.output.weight.normal_(0.0, OUTPUT_INIT_SCALE, generator=generator)
            self.output.bias.zero_()

    def initial_state(self, batch_size: int = 1) -> State:
        """Zeros: (h,) or, for the LSTM, (h, c), each (N, H)."""
        zeros = torch.zeros(batch_size, self.hidden_size, dtype=DTYPE)
        return (zeros, zeros.clone()) if self.cell_name == "lstm" else (zeros,)

    def step(self, x: torch.Tensor, state: State) -> State:
        """One time step: x (N, V) one-hot, the state (N, H) each -> the next state."""
        if self.cell_name == "lstm":
            return tuple(self.cell(x, state))
        return (self.cell(x, state[0]),)

    def forward(self, inputs: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        """Logits (N, T, V) for the next character after each of ``inputs`` (N, T), and
        the final state."""
        x = F.one_hot(inputs, self.vocab_size).to(DTYPE)  # (N, T, V)
        hs = []
        for t in range(x.shape[1]):
            state = self.step(x[:, t], state)
            hs.append(state[0])
        return self.output(torch.stack(hs, dim=1)), state  # (N, T, V)

    @torch.no_grad()
    def generate(
        self, start: np.ndarray, length: int, temperature: float, generator: torch.Generator
    ) -> list[int]:
        """``length`` indices that follow the indices ``start`` (at least one).

        ``start`` is read first to set the state; every new character is drawn from
        ``softmax(logits / temperature)`` with ``torch.multinomial`` and fed back in. A
        temperature of 0 takes the most likely character (no draw).
        """
        if temperature < 0 or math.isnan(temperature):
            raise ValueError(f"temperature must be 0 or positive, got {temperature}")
        if len(start) == 0:
            raise ValueError("sampling needs at least one start character")
        eye = torch.eye(self.vocab_size, dtype=DTYPE)  # row k: the one-hot of character k
        state = self.initial_state()
        for index in start:
            state = self.step(eye[int(index)][None], state)
        generated: list[int] = []
        for _ in range(length):
            logits = self.output(state[0])[0]  # (V,)
            if temperature == 0:
                index = int(logits.argmax())
            else:
                probs = torch.softmax(logits / temperature, dim=-1)
                index = int(torch.multinomial(probs, 1, generator=generator))
            generated.append(index)
            state = self.step(eye[index][None], state)
        return generated

    def as_layer(self) -> nn.RNNBase:
        """A one-layer, batch-first ``nn.RNN`` / ``nn.GRU`` / ``nn.LSTM`` holding a copy
        of the cell's weights (``weight_ih_l0 = cell.weight_ih``, ...): the same function
        of the inputs, in the form that functions written for sequence modules take."""
        cell = self.cell
        layer = LAYER_TYPES[self.cell_name](
            cell.input_size, cell.hidden_size, batch_first=True, dtype=DTYPE
        )
        with torch.no_grad():
            for name, param in cell.named_parameters():
                getattr(layer, f"{name}_l0").copy_(param)
        return layer
