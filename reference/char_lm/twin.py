"""The NumPy language model's twin in PyTorch: the same math, for autograd.

It is built from the cells' own twins (``TorchRNN``, ``TorchGRU``, ``TorchLSTM``) plus
the same output layer and loss, and it starts from a copy of the NumPy parameters, so
its autograd gradients are an independent oracle for ``numpy_model.backward``.

Shape legend: N batch, T time steps, H hidden units, V vocabulary size.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from reference.char_lm import cells
from reference.char_lm.numpy_model import infer_cell

OUTPUT_PARAMS = ("Why", "by")


class TorchCharLM(nn.Module):
    """``numpy_model.forward`` in torch ops.

    Args:
        params: NumPy parameters (``numpy_model.init_params``); copied, dtype kept.
        cell: ``"rnn"``, ``"gru"`` or ``"lstm"`` (None: read from the parameter names).
    """

    def __init__(self, params: dict[str, np.ndarray], cell: str | None = None) -> None:
        super().__init__()
        self.cell = cells.check_cell(cell or infer_cell(params))
        module = cells.cell_module(self.cell)
        own = {name: value for name, value in params.items() if name not in OUTPUT_PARAMS}
        if self.cell == "lstm":
            self.recurrent = module.TorchLSTM(own)
        elif self.cell == "gru":
            self.recurrent = module.TorchGRU(own, reset_after=cells.is_reset_after(params))
        else:
            self.recurrent = module.TorchRNN(own)
        self.Why = nn.Parameter(torch.tensor(params["Why"]))  # (H, V)
        self.by = nn.Parameter(torch.tensor(params["by"]))  # (V,)

    def forward(
        self,
        inputs: torch.Tensor,
        targets: torch.Tensor,
        h0: torch.Tensor,
        c0: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Mean cross-entropy over the N * T positions of inputs and targets (N, T),
        from the state h0 (and for the LSTM c0), each (N, H)."""
        H, V = self.Why.shape
        x = F.one_hot(inputs, V).to(self.Why.dtype)  # (N, T, V)
        if self.cell == "lstm":
            h, _ = self.recurrent(x, h0, c0)  # (N, T, H)
        else:
            h = self.recurrent(x, h0)  # (N, T, H)
        logits = h @ self.Why + self.by  # (N, T, V)
        return F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1))

    def grads(self) -> dict[str, np.ndarray]:
        """The gradients after ``backward()``, keyed like the NumPy parameters."""
        return {
            name.rsplit(".", 1)[-1]: param.grad.detach().numpy().copy()
            for name, param in self.named_parameters()
        }
