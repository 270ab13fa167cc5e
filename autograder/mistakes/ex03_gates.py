"""Known wrong ways to step through a trained ``nn.LSTM`` by hand (exercise 03).

Every mistake works on what the check hands the student, in NumPy: the module's
``state_dict`` as arrays (``weight_ih_l{k}`` (4H, D_k), ``weight_hh_l{k}`` (4H, H),
``bias_ih_l{k}`` and ``bias_hh_l{k}`` (4H,), gate rows packed as i, f, g, o), one
sequence ``x`` (T, D) and the number of layers. Each returns what a student's
``lstm_gate_activations`` returns: one dict per layer with keys ``"i", "f", "g", "o",
"c", "h"``, each (T, H). One function, :func:`stepped_gates`, holds the equations; every
mistake is that function with one switch flipped, and a test checks that the unswitched
function agrees with ``torch.nn.LSTM``.
"""
from __future__ import annotations

from functools import partial
from typing import Callable

import numpy as np

from autograder.diagnose import Mistake
from reference.functional import sigmoid

# The order in which PyTorch stacks the four gates' rows.
TORCH_GATE_ORDER = "ifgo"


def stepped_gates(
    weights: dict[str, np.ndarray],
    x: np.ndarray,
    num_layers: int,
    *,
    gate_order: str = TORCH_GATE_ORDER,
    use_bias_hh: bool = True,
    transpose: bool = True,
    carry_cell: bool = True,
    candidate: Callable[[np.ndarray], np.ndarray] = np.tanh,
    stacked: bool = True,
    squash_cell: bool = True,
) -> list[dict[str, np.ndarray]]:
    """Every gate and state of a stacked LSTM stepped over ``x``, with mistake switches.

    weights: ``nn.LSTM.state_dict()`` as arrays. x: (T, D). Starts from zero states.
    gate_order: how the 4H rows are read, e.g. "ifgo" (PyTorch, right) or "ifog".
    use_bias_hh: adds ``bias_hh`` as well as ``bias_ih``.
    transpose: multiplies row vectors by each gate's block transposed, ``x @ W_i.T``
        (right); False multiplies by the (H, D) block as it is stored, which only runs
        when D == H.
    carry_cell: feeds ``c_{t-1}`` into ``c_t`` (False restarts the cell at zero every step).
    candidate: the activation of g (tanh is right).
    stacked: feeds layer k's h into layer k + 1 (False feeds ``x`` into every layer).
    squash_cell: ``h = o * tanh(c)`` (False: ``h = o * c``).

    Returns one dict per layer, keys i, f, g, o, c, h, each (T, H).
    """
    layers = []
    inputs = x  # (T, D_k)
    for k in range(num_layers):
        w_ih = weights[f"weight_ih_l{k}"]  # (4H, D_k)
        w_hh = weights[f"weight_hh_l{k}"]  # (4H, H)
        bias = weights[f"bias_ih_l{k}"] + (weights[f"bias_hh_l{k}"] if use_bias_hh else 0.0)
        hidden_size = w_hh.shape[1]

        def as_columns(packed: np.ndarray) -> np.ndarray:
            """The four (H, *) row blocks side by side, each transposed if ``transpose``."""
            blocks = np.split(packed, 4, axis=0)
            return np.concatenate([b.T if transpose else b for b in blocks], axis=1)

        projected = inputs @ as_columns(w_ih) + bias  # (T, 4H)
        recurrent = as_columns(w_hh)  # (H, 4H)
        h = np.zeros(hidden_size, dtype=x.dtype)
        c = np.zeros(hidden_size, dtype=x.dtype)
        steps: dict[str, list[np.ndarray]] = {name: [] for name in "ifgoch"}
        for t in range(x.shape[0]):
            blocks = np.split(projected[t] + h @ recurrent, 4)  # 4 x (H,)
            pre = dict(zip(gate_order, blocks))
            i, f, o = sigmoid(pre["i"]), sigmoid(pre["f"]), sigmoid(pre["o"])
            g = candidate(pre["g"])
            c = f * (c if carry_cell else 0.0) + i * g
            h = o * (np.tanh(c) if squash_cell else c)
            for name, value in zip("ifgoch", (i, f, g, o, c, h)):
                steps[name].append(value)
        layers.append({name: np.stack(values) for name, values in steps.items()})
        if stacked:
            inputs = layers[-1]["h"]
    return layers


MISTAKES = [
    Mistake(
        "the i, f, o, g gate order (CS231n's)",
        "PyTorch stacks the rows of weight_ih/weight_hh/bias as i, f, g, o: the third "
        "block of H rows is the candidate g (tanh) and the fourth is the output gate o.",
        partial(stepped_gates, gate_order="ifog"),
    ),
    Mistake(
        "bias_hh forgotten",
        "nn.LSTM keeps two biases per layer and adds both: the pre-activation is "
        "W_ih x + b_ih + W_hh h + b_hh.",
        partial(stepped_gates, use_bias_hh=False),
    ),
    Mistake(
        "weights not transposed",
        "weight_ih is stored as (4H, D) for column vectors (W_ih @ x); with a row vector "
        "x of shape (D,) write x @ W_ih.T (and h @ W_hh.T).",
        partial(stepped_gates, transpose=False),
    ),
    Mistake(
        "cell state not carried",
        "c_t = f_t * c_{t-1} + i_t * g_t needs the previous step's cell state: keep c from "
        "one step to the next (it starts at zero only at t = 0).",
        partial(stepped_gates, carry_cell=False),
    ),
    Mistake(
        "sigmoid on g",
        "g is the candidate cell value and uses tanh (values in (-1, 1)); only i, f and o "
        "are sigmoid gates.",
        partial(stepped_gates, candidate=sigmoid),
    ),
    Mistake(
        "every layer reads x",
        "in a stacked LSTM, layer k + 1 reads the sequence of hidden states h of layer k, "
        "not the original input x.",
        partial(stepped_gates, stacked=False),
    ),
    Mistake(
        "tanh missing on the cell state",
        "the hidden state is h_t = o_t * tanh(c_t), not o_t * c_t.",
        partial(stepped_gates, squash_cell=False),
    ),
]
