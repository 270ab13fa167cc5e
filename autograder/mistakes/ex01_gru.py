"""Known wrong GRUs for exercise 01, each one change away from the lecture's equations.

All of them work in the student's layout: column vectors, each weight ``W_*`` of shape
(H, H + D) acting on the stacked vector ``[h, x]`` (h first), each bias ``b_*`` (H,),
and they return what a student's ``forward`` returns: the list of hidden states (H,),
initial state first. One function, :func:`gru_states`, holds the equations; every
mistake is that function with one switch flipped, so the bank stays readable and a
test can check that the unswitched function is the right GRU.
"""
from __future__ import annotations

from functools import partial
from typing import Callable, Sequence

import numpy as np

from autograder.diagnose import Mistake
from reference.functional import sigmoid


def gru_states(
    params: dict[str, np.ndarray],
    inputs: Sequence[np.ndarray],
    h_prev: np.ndarray,
    *,
    order: str = "hx",
    reset: str = "before",
    gate: Callable[[np.ndarray], np.ndarray] = sigmoid,
    candidate: Callable[[np.ndarray], np.ndarray] = np.tanh,
    swap_update: bool = False,
    use_bias: bool = True,
    carry: bool = True,
    keep_initial: bool = True,
) -> list[np.ndarray]:
    """Hidden states of a GRU run over ``inputs``, with switches for known mistakes.

    params: ``W_z, W_r, W_h`` (H, H + D) and ``b_z, b_r, b_h`` (H,).
    inputs: T vectors (D,). h_prev: (H,) the initial state.
    order: "hx" multiplies ``[h, x]`` (right); "xh" multiplies ``[x, h]``.
    reset: "before" applies r to h before the recurrent product (right), "after"
        multiplies the recurrent product by r (PyTorch's placement), "none" drops r.
    gate / candidate: activations of z, r and of the candidate n.
    swap_update: uses ``z * h + (1 - z) * n`` instead of ``(1 - z) * h + z * n``.
    use_bias: adds the biases. carry: feeds each new state into the next step
        (False restarts every step from ``h_prev``).
    keep_initial: returns T + 1 states (False drops ``h_prev`` from the list).
    """
    hidden_size = h_prev.shape[0]
    input_size = params["W_z"].shape[1] - hidden_size

    def split(name: str) -> tuple[np.ndarray, np.ndarray]:
        """(the columns acting on h (H, H), the columns acting on x (H, D))."""
        weights = params[f"W_{name}"]
        if order == "hx":
            return weights[:, :hidden_size], weights[:, hidden_size:]
        return weights[:, input_size:], weights[:, :input_size]

    def bias(name: str) -> np.ndarray | float:
        return params[f"b_{name}"] if use_bias else 0.0

    (U_z, W_z), (U_r, W_r), (U_h, W_h) = split("z"), split("r"), split("h")
    states = [h_prev]
    h = h_prev
    for x in inputs:
        if not carry:
            h = h_prev
        z = gate(U_z @ h + W_z @ x + bias("z"))
        r = gate(U_r @ h + W_r @ x + bias("r"))
        if reset == "before":
            n = candidate(U_h @ (r * h) + W_h @ x + bias("h"))
        elif reset == "after":
            n = candidate(r * (U_h @ h) + W_h @ x + bias("h"))
        else:
            n = candidate(U_h @ h + W_h @ x + bias("h"))
        if swap_update:
            h = z * h + (1.0 - z) * n
        else:
            h = (1.0 - z) * h + z * n
        states.append(h)
    return states if keep_initial else states[1:]


MISTAKES: tuple[Mistake, ...] = (
    Mistake(
        "z and 1 - z swapped",
        "the new state is (1 - z) * h + z * n: z is the share of the new candidate n, "
        "and 1 - z the share of the old state h.",
        partial(gru_states, swap_update=True),
    ),
    Mistake(
        "reset applied after the recurrent product",
        "the reset gate scales the old state before it is multiplied: "
        "n = tanh(W_h [r * h, x] + b_h). Multiplying W_h's h-part by h first and then by "
        "r is PyTorch's variant, a different GRU.",
        partial(gru_states, reset="after"),
    ),
    Mistake(
        "[x, h] instead of [h, x]",
        "each weight acts on the stacked vector [h, x] with h first: its first H columns "
        "multiply h and its last D columns multiply x (np.concatenate([h, x])).",
        partial(gru_states, order="xh"),
    ),
    Mistake(
        "reset gate left out",
        "the candidate uses r * h, not h: n = tanh(W_h [r * h, x] + b_h). Compute r and "
        "multiply it into h before stacking with x.",
        partial(gru_states, reset="none"),
    ),
    Mistake(
        "tanh and sigmoid swapped",
        "the gates z and r squash to (0, 1) with sigmoid; only the candidate n uses tanh.",
        partial(gru_states, gate=np.tanh, candidate=sigmoid),
    ),
    Mistake(
        "state not carried between steps",
        "each step must start from the state the previous step produced "
        "(hidden_states[-1]), not from h_prev every time.",
        partial(gru_states, carry=False),
    ),
    Mistake(
        "initial state missing from the output",
        "the returned list starts with the initial state (zeros when h_prev is None), "
        "then one state per input: T + 1 states in all.",
        partial(gru_states, keep_initial=False),
    ),
    Mistake(
        "biases ignored",
        "every gate adds its bias after the matrix product: W_z [h, x] + b_z, and the "
        "same for b_r and b_h.",
        partial(gru_states, use_bias=False),
    ),
)
