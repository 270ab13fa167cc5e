"""The character language model, in NumPy (any cell, from scratch) and in PyTorch.

Modules, one job each:
    data          ``Vocabulary``, ``make_windows``, ``chunks`` (text as integers)
    cells         one interface over ``reference.rnn``, ``reference.gru``, ``reference.lstm``
    numpy_model   ``init_params``, ``forward``, ``backward``: one-hot -> cell -> ``Why, by``
    optim         ``clip_by_global_norm`` and ``Adam``
    temperature   the next-character distribution at a temperature (NumPy and torch)
    sampling      ``sample``: text from the NumPy model
    train         ``train_step`` and the NumPy training loop (hidden state carried)
    twin          ``TorchCharLM``: the NumPy model in torch ops, the autograd oracle
    torch_model   ``CharRNN`` and the lecture's ``CharLSTM`` (with ``generate``)
    train_torch   the PyTorch training loop
    cli           ``python -m reference.char_lm``

Shape legend: N batch, T time steps, H hidden units, V vocabulary size.
"""
from reference.char_lm.data import Vocabulary, chunks, make_windows
from reference.char_lm.numpy_model import backward, forward, init_params, initial_state, one_hot
from reference.char_lm.optim import Adam, clip_by_global_norm, global_norm
from reference.char_lm.sampling import sample
from reference.char_lm.temperature import (
    GREEDY_TEMPERATURE,
    temperature_probs,
    temperature_probs_torch,
)
from reference.char_lm.torch_model import CharLSTM, CharRNN
from reference.char_lm.train import MAX_GRAD_NORM, NumpyRun, StepResult, train_numpy, train_step
from reference.char_lm.train_torch import TorchRun, train_torch
from reference.char_lm.twin import TorchCharLM
from reference.datasets import LECTURE_CORPUS, generate_trend_data

__all__ = [
    "LECTURE_CORPUS",
    "GREEDY_TEMPERATURE",
    "MAX_GRAD_NORM",
    "Adam",
    "CharLSTM",
    "CharRNN",
    "NumpyRun",
    "StepResult",
    "TorchCharLM",
    "TorchRun",
    "Vocabulary",
    "backward",
    "chunks",
    "clip_by_global_norm",
    "forward",
    "generate_trend_data",
    "global_norm",
    "init_params",
    "initial_state",
    "make_windows",
    "one_hot",
    "sample",
    "temperature_probs",
    "temperature_probs_torch",
    "train_numpy",
    "train_step",
    "train_torch",
]
