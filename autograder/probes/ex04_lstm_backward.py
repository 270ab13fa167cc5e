"""Probes for exercise 04: run the notebook's forward pass and the student's backward.

Each probe calls the functions of the notebook's globals ``ns`` (the given
``lstm_lm_forward`` and ``train_lstm_lm``, the student's ``lstm_lm_backward``) and
returns what came back as plain data; every verdict is reached in the grader's process
(``autograder.checks.ex04_lstm_backward``).
"""
from __future__ import annotations

import numpy as np

from autograder.probes import notebook_function

FORWARD = "lstm_lm_forward"
BACKWARD = "lstm_lm_backward"
TRAIN = "train_lstm_lm"


def _as_plain(value):
    """``value`` with containers kept, numbers as arrays, anything else as its type name."""
    if isinstance(value, dict):
        return {str(key): _as_plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_as_plain(item) for item in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    try:
        array = np.asarray(value)
    except Exception:  # noqa: BLE001 - any object that is not array-like
        return type(value).__name__
    return array if array.dtype.kind in "biuf" else type(value).__name__


def backward(ns, cases):
    """What ``lstm_lm_backward`` returns on the cache of each case's forward pass.

    cases: a list of dicts with ``params`` (the 14 arrays), ``inputs``, ``targets``
    (N, T) int and ``h0``, ``c0`` (N, H). Each case gets its own copies.
    Returns one entry per case: the returned value, containers kept, arrays as arrays
    and anything that is not a number as its type name.
    """
    results = []
    for case in cases:
        params = {name: np.array(value) for name, value in case["params"].items()}
        _, cache = notebook_function(ns, FORWARD)(
            params,
            np.array(case["inputs"]),
            np.array(case["targets"]),
            np.array(case["h0"]),
            np.array(case["c0"]),
        )
        results.append(_as_plain(notebook_function(ns, BACKWARD)(cache)))
    return results


def train(ns, text, steps, hidden_size, seq_len, batch_size, lr, seed):
    """The parameters ``train_lstm_lm`` ends with (it uses the student's backward).

    Returns {"params": {name: array}, "losses": the per-step losses}.
    """
    params, losses = notebook_function(ns, TRAIN)(
        text,
        steps,
        hidden_size=hidden_size,
        seq_len=seq_len,
        batch_size=batch_size,
        lr=lr,
        seed=seed,
    )
    return {"params": _as_plain(params), "losses": _as_plain(list(losses))}
