"""Moving one layer's weights between ``torch.nn.RNN/LSTM/GRU`` and per-gate NumPy arrays.

PyTorch keeps layer ``k`` as ``weight_ih_l{k}`` (G*H, D_k), ``weight_hh_l{k}`` (G*H, H),
``bias_ih_l{k}`` and ``bias_hh_l{k}`` (G*H,), with its G gates stacked along the rows
in a fixed order (RNN: one block; LSTM: i, f, g, o; GRU: r, z, n), and it multiplies
column vectors (``W @ x``). Our cells use row vectors (``x @ W``), so every gate's block
is transposed on the way in and out. Each cell module decides what a gate means; this
module only reads and writes the blocks.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch
from torch import nn


@dataclass(frozen=True)
class GateBlock:
    """One gate of one layer, in our row-vector layout.

    W: (D, H) input weights, U: (H, H) recurrent weights, b_ih and b_hh: (H,) the two
    biases PyTorch keeps apart (zeros when the module has ``bias=False``).
    """

    W: np.ndarray
    U: np.ndarray
    b_ih: np.ndarray
    b_hh: np.ndarray


def read_layer(module: nn.RNNBase, layer: int, kind: type[nn.RNNBase]) -> list[GateBlock]:
    """Gate blocks of layer ``layer`` of ``module``, in PyTorch's gate order.

    ``module`` may be stacked and batch-first or not; it must be unidirectional and an
    instance of ``kind``. Arrays are copies in the module's dtype.
    """
    if not isinstance(module, kind):
        raise TypeError(f"expected a torch.nn.{kind.__name__}, got {type(module).__name__}")
    if module.bidirectional:
        raise ValueError("only unidirectional modules can be converted")
    if not 0 <= layer < module.num_layers:
        raise IndexError(f"layer {layer} out of range for a {module.num_layers}-layer module")
    if getattr(module, "proj_size", 0):
        raise ValueError("LSTMs with proj_size > 0 have no counterpart here")

    def array(name: str) -> np.ndarray:
        return getattr(module, f"{name}_l{layer}").detach().cpu().numpy()

    w_ih, w_hh = array("weight_ih"), array("weight_hh")  # (G*H, D), (G*H, H)
    if module.bias:
        b_ih, b_hh = array("bias_ih"), array("bias_hh")  # (G*H,)
    else:
        b_ih = b_hh = np.zeros(w_ih.shape[0], dtype=w_ih.dtype)
    H = module.hidden_size
    blocks = []
    for k in range(w_ih.shape[0] // H):
        rows = slice(k * H, (k + 1) * H)
        blocks.append(
            GateBlock(
                W=np.ascontiguousarray(w_ih[rows].T),
                U=np.ascontiguousarray(w_hh[rows].T),
                b_ih=b_ih[rows].copy(),
                b_hh=b_hh[rows].copy(),
            )
        )
    return blocks


def build_module(kind: type[nn.RNNBase], blocks: Sequence[GateBlock], **options) -> nn.RNNBase:
    """A one-layer, batch-first ``kind`` module holding ``blocks`` (PyTorch's gate order).

    The module's dtype is the blocks' dtype; ``options`` go to the constructor
    (e.g. ``nonlinearity="tanh"``).
    """
    D, H = blocks[0].W.shape
    dtype = torch.from_numpy(np.asarray(blocks[0].W)).dtype
    module = kind(D, H, num_layers=1, batch_first=True, dtype=dtype, **options)

    def rows(arrays: list[np.ndarray]) -> torch.Tensor:
        return torch.from_numpy(np.concatenate(arrays, axis=0))

    with torch.no_grad():
        module.weight_ih_l0.copy_(rows([block.W.T for block in blocks]))
        module.weight_hh_l0.copy_(rows([block.U.T for block in blocks]))
        module.bias_ih_l0.copy_(rows([block.b_ih for block in blocks]))
        module.bias_hh_l0.copy_(rows([block.b_hh for block in blocks]))
    return module
