"""PyTorch character language models: Embedding -> recurrent layers -> Linear.

``CharLSTM`` is the lecture's model (its attribute names ``embed``, ``lstm``, ``fc`` are
what exercise 3's checkpoint is saved under); ``CharRNN`` is the same model with any of
the three ``torch.nn`` recurrent layers, registered under the cell's name (``rnn``,
``gru`` or ``lstm``).

Shape legend: N batch, T time steps, H hidden units, V vocabulary size.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from reference.char_lm.temperature import GREEDY_TEMPERATURE, temperature_probs_torch

RECURRENT_LAYERS = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


class CharRNN(nn.Module):
    """Character language model with a stack of ``torch.nn`` RNN, GRU or LSTM layers.

    Args:
        vocab_size: V.
        cell: ``"rnn"``, ``"gru"`` or ``"lstm"``; also the attribute name of the layers.
        embed_size: size of the character embeddings.
        hidden_size: H.
        num_layers: number of stacked recurrent layers.
        dropout: dropout between stacked layers (used only when ``num_layers > 1``).
    """

    def __init__(
        self,
        vocab_size: int,
        cell: str = "lstm",
        embed_size: int = 32,
        hidden_size: int = 128,
        num_layers: int = 2,
        dropout: float = 0.2,
    ) -> None:
        super().__init__()
        if cell not in RECURRENT_LAYERS:
            raise ValueError(f"cell must be one of {sorted(RECURRENT_LAYERS)}, got {cell!r}")
        self.cell = cell
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.embed = nn.Embedding(vocab_size, embed_size)
        layers = RECURRENT_LAYERS[cell](
            embed_size,
            hidden_size,
            num_layers,
            batch_first=True,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        self.add_module(cell, layers)
        self.fc = nn.Linear(hidden_size, vocab_size)

    @property
    def recurrent(self) -> nn.Module:
        """The recurrent layers (``self.rnn``, ``self.gru`` or ``self.lstm``)."""
        return getattr(self, self.cell)

    def forward(self, x: torch.Tensor, hidden=None):
        """Logits for the next character at every position.

        Args:
            x: long tensor (N, T) of character indices.
            hidden: the state to start from, as returned by a previous call (for the
                LSTM a tuple ``(h, c)``, each (num_layers, N, H)), or None for zeros.

        Returns:
            logits: (N, T, V).
            hidden: the final state, in the same form as ``hidden``.
        """
        embedded = self.embed(x)  # (N, T, E)
        outputs, hidden = self.recurrent(embedded, hidden)  # (N, T, H)
        return self.fc(outputs), hidden  # (N, T, V)

    def generate(
        self,
        start: Sequence[int],
        length: int,
        temperature: float = 1.0,
        generator: torch.Generator | None = None,
    ) -> list[int]:
        """Sample ``length`` characters that follow the indices ``start``.

        ``start`` (at least one index) is read first to set the state; each new character
        is drawn from ``softmax(logits / temperature)`` with ``torch.multinomial`` and fed
        back in. A temperature near zero picks the argmax instead (no draw). Runs in eval
        mode under ``torch.no_grad()`` and restores the train/eval mode afterwards.

        Returns:
            the ``length`` generated indices (``start`` not included).
        """
        if len(start) == 0:
            raise ValueError("generate needs at least one start index")
        was_training = self.training
        self.eval()
        device = self.fc.weight.device
        generated: list[int] = []
        try:
            with torch.no_grad():
                x = torch.as_tensor(list(start), dtype=torch.long, device=device)[None]  # (1, T)
                hidden = None
                for _ in range(length):
                    logits, hidden = self(x, hidden)
                    probs = temperature_probs_torch(logits[0, -1], temperature)  # (V,)
                    if temperature <= GREEDY_TEMPERATURE:
                        next_index = int(probs.argmax())
                    else:
                        next_index = int(torch.multinomial(probs, 1, generator=generator))
                    generated.append(next_index)
                    x = torch.tensor([[next_index]], dtype=torch.long, device=device)
        finally:
            self.train(was_training)
        return generated


class CharLSTM(CharRNN):
    """The lecture's model: Embedding -> ``nn.LSTM`` (attribute ``lstm``) -> Linear."""

    def __init__(
        self,
        vocab_size: int,
        embed_size: int = 32,
        hidden_size: int = 128,
        num_layers: int = 2,
        dropout: float = 0.2,
    ) -> None:
        super().__init__(vocab_size, "lstm", embed_size, hidden_size, num_layers, dropout)
