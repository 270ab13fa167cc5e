"""Generating text from the NumPy language model, one character at a time.

Shape legend: H hidden units, V vocabulary size.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from reference.char_lm import cells
from reference.char_lm.data import Vocabulary
from reference.char_lm.numpy_model import infer_cell, initial_state
from reference.char_lm.temperature import GREEDY_TEMPERATURE, draw_index, temperature_probs


def sample(
    params: dict[str, np.ndarray],
    cell: str | None,
    start: str | Sequence[int],
    length: int,
    temperature: float = 1.0,
    rng: np.random.Generator | None = None,
    vocab: Vocabulary | None = None,
    h0: np.ndarray | None = None,
    c0: np.ndarray | None = None,
) -> list[int]:
    """Sample ``length`` characters that follow ``start``.

    The start characters are read first, one step each, to set the state; then every new
    character is drawn from ``softmax((h @ Why + by) / temperature)`` with one
    ``rng.random()`` draw and fed back in. A temperature of at most
    ``GREEDY_TEMPERATURE`` takes the argmax and draws nothing.

    Args:
        params: the model's parameters (``numpy_model.init_params``).
        cell: ``"rnn"``, ``"gru"`` or ``"lstm"`` (None: read from the parameter names).
        start: a string (then ``vocab`` is needed) or a sequence of indices, not empty.
        length: how many characters to generate.
        temperature: >= 0; low is conservative, high approaches uniform.
        rng: the generator every draw comes from (may be None only for greedy decoding).
        vocab: the vocabulary that encodes a string ``start``.
        h0, c0: (1, H) state to start from (None: zeros).

    Returns:
        the ``length`` generated indices (``start`` not included); decode them with
        ``vocab.decode``.
    """
    cell = cells.check_cell(cell or infer_cell(params))
    if isinstance(start, str):
        if vocab is None:
            raise ValueError("a string start needs the vocabulary that encodes it")
        start = vocab.encode(start)
    start = [int(i) for i in start]
    if not start:
        raise ValueError("sample needs at least one start character")
    greedy = temperature <= GREEDY_TEMPERATURE
    if rng is None and not greedy:
        raise ValueError("sampling at a positive temperature needs rng, a np.random.Generator")

    Why, by = params["Why"], params["by"]
    H, V = Why.shape
    zero_h, zero_c = initial_state(cell, 1, H, Why.dtype)
    h = zero_h if h0 is None else h0
    c = zero_c if c0 is None else c0
    inputs = np.eye(V, dtype=Why.dtype)  # row k: the one-hot vector of character k

    for index in start:
        h, c = cells.step(cell, inputs[index][None], h, c, params)  # (1, H)
    generated: list[int] = []
    for _ in range(length):
        probs = temperature_probs((h @ Why + by)[0], temperature)  # (V,)
        index = int(np.argmax(probs)) if greedy else draw_index(probs, rng)
        generated.append(index)
        h, c = cells.step(cell, inputs[index][None], h, c, params)
    return generated
