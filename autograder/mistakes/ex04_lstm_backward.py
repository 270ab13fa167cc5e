"""Known wrong LSTM backward passes for exercise 04, each one change away from BPTT.

Every mistake reads what a student's ``lstm_lm_backward`` reads, the cache of the
notebook's ``lstm_lm_forward``: ``"params"`` (the 14 arrays), ``"x"`` (N, T, V) one-hot
inputs, ``"h_prev"``, ``"c_prev"`` (N, T, H) the states entering each step, the gates
``"f", "i", "o"`` and the candidate ``"g"`` (N, T, H), ``"c"``, ``"h"`` (N, T, H),
``"probs"`` (N, T, V) and ``"targets"`` (N, T). Each returns what the student returns:
``(grads, dh0, dc0)``. One function, :func:`bptt`, holds the derivation; every mistake is
that function with one switch flipped, and a test checks that the unswitched function
equals the reference backward.

Shape legend: N batch, T time steps, H hidden units, V vocabulary size.
"""
from __future__ import annotations

from functools import partial
from typing import Callable

import numpy as np

from autograder.diagnose import Mistake
from reference.functional import sigmoid, sigmoid_grad_from_output, tanh_grad_from_output

# The lecture's clipping threshold, the one a student might apply inside backward.
COURSE_MAX_NORM = 5.0
# Each gate's parameter suffix and the cache key of its activation (c: the candidate g).
GATE_KEYS = {"f": "f", "i": "i", "o": "o", "c": "g"}


def bptt(
    cache: dict,
    *,
    carry_h: bool = True,
    carry_c: bool = True,
    gate_grad: Callable[[np.ndarray], np.ndarray] = sigmoid_grad_from_output,
    forget_reads: str = "c_prev",
    through_tanh_c: bool = True,
    accumulate: bool = True,
    subtract_one_hot: bool = True,
    mean_over: str = "NT",
    clip_to: float | None = None,
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Gradients of the mean loss through the whole sequence, with mistake switches.

    carry_h: adds the gradient flowing back from step t + 1 into dh_t (right).
    carry_c: adds the gradient flowing back from c_{t+1} into dc_t (right).
    gate_grad: the sigmoid gates' derivative, as a function of the gate's value s
        (right: s (1 - s)).
    forget_reads: the cell state the forget gate's gradient multiplies, "c_prev"
        (right: c_{t-1}) or "c" (c_t).
    through_tanh_c: the gradient from h_t reaches c_t times o_t (1 - tanh(c_t)^2)
        (right); False passes dh_t on unchanged.
    accumulate: sums every step's contribution to the weights (right); False keeps only
        the last one computed (the first step's, since the loop runs backwards).
    subtract_one_hot: dlogits = probs - one_hot(targets) (right) or probs alone.
    mean_over: what the loss gradient is divided by: "NT" (right), "N" or "1".
    clip_to: clips the 14 gradients by global norm before returning them (wrong).

    Returns grads (the 14 keys of params), dh0 (N, H), dc0 (N, H).
    """
    params = cache["params"]
    probs, targets = cache["probs"], cache["targets"]
    N, T, V = probs.shape
    H = params["Why"].shape[0]

    dlogits = probs.copy()  # (N, T, V)
    if subtract_one_hot:
        rows, steps = np.indices((N, T))
        dlogits[rows, steps, targets] -= 1.0
    dlogits /= {"NT": N * T, "N": N, "1": 1}[mean_over]

    grads = {name: np.zeros_like(value) for name, value in params.items()}
    dh_out = dlogits @ params["Why"].T  # (N, T, H)
    dh_next = np.zeros((N, H))
    dc_next = np.zeros((N, H))
    for t in reversed(range(T)):
        dlogits_t = dlogits[:, t]  # (N, V)
        gates = {k: cache[key][:, t] for k, key in GATE_KEYS.items()}  # each (N, H)
        tanh_c = np.tanh(cache["c"][:, t])
        dh = dh_out[:, t] + (dh_next if carry_h else 0.0)
        from_h = dh * gates["o"] * tanh_grad_from_output(tanh_c) if through_tanh_c else dh
        dc = from_h + (dc_next if carry_c else 0.0)
        da = {
            "f": dc * cache[forget_reads][:, t] * gate_grad(gates["f"]),
            "i": dc * gates["c"] * gate_grad(gates["i"]),
            "o": dh * tanh_c * gate_grad(gates["o"]),
            "c": dc * gates["i"] * tanh_grad_from_output(gates["c"]),
        }
        step_grads = {"Why": cache["h"][:, t].T @ dlogits_t, "by": dlogits_t.sum(axis=0)}
        for k, da_k in da.items():
            step_grads["W" + k] = cache["x"][:, t].T @ da_k
            step_grads["U" + k] = cache["h_prev"][:, t].T @ da_k
            step_grads["b" + k] = da_k.sum(axis=0)
        for name, value in step_grads.items():
            grads[name] = grads[name] + value if accumulate else value
        dh_next = sum(da_k @ params["U" + k].T for k, da_k in da.items())
        dc_next = dc * gates["f"]
    if clip_to is not None:
        norm = np.sqrt(sum(np.sum(g * g) for g in grads.values()))
        if norm > clip_to:
            grads = {name: g * (clip_to / norm) for name, g in grads.items()}
    return grads, dh_next, dc_next


MISTAKES = (
    Mistake(
        "no cell-state gradient from the next step",
        "c_t also feeds c_{t+1} = f_{t+1} * c_t + ..., so dc_t = dc_next + dh_t * o_t * "
        "(1 - tanh(c_t)^2), and the step hands dc_t * f_t back as the next dc_next.",
        partial(bptt, carry_c=False),
    ),
    Mistake(
        "no hidden-state gradient from the next step",
        "h_t feeds its own prediction and the gates of step t + 1, so dh_t = dlogits_t @ "
        "Why.T + dh_next, where dh_next is the sum of the four da_k @ U_k.T of step t + 1.",
        partial(bptt, carry_h=False),
    ),
    Mistake(
        "sigmoid derivative taken as the gate value s",
        "For s = sigmoid(a), ds/da = s * (1 - s): multiply df by f * (1 - f) (and i, o "
        "likewise), not by the gate value alone.",
        partial(bptt, gate_grad=lambda s: s),
    ),
    Mistake(
        "sigmoid derivative taken as sigmoid(s)",
        "The cache holds the gates after the sigmoid, s = sigmoid(a); the derivative is "
        "s * (1 - s), with no second sigmoid.",
        partial(bptt, gate_grad=sigmoid),
    ),
    Mistake(
        "tanh derivative used for the sigmoid gates",
        "1 - s^2 is the derivative of tanh (right for the candidate g only); the sigmoid "
        "gates f, i, o need s * (1 - s).",
        partial(bptt, gate_grad=tanh_grad_from_output),
    ),
    Mistake(
        "forget-gate gradient uses c_t instead of c_{t-1}",
        "c_t = f_t * c_{t-1} + i_t * g_t, so dL/df_t = dc_t * c_{t-1}: the state entering "
        "the step (cache['c_prev'][:, t]), not the one it produces.",
        partial(bptt, forget_reads="c"),
    ),
    Mistake(
        "o * (1 - tanh(c)^2) missing on the way into c",
        "h_t = o_t * tanh(c_t), so the gradient reaching c_t from h_t is dh_t * o_t * "
        "(1 - tanh(c_t)^2), not dh_t itself.",
        partial(bptt, through_tanh_c=False),
    ),
    Mistake(
        "gradients overwritten instead of accumulated over time",
        "The same weights act at every step, so their gradient is the sum of all steps' "
        "contributions: start from zeros and add (+=) at each step, never assign (=).",
        partial(bptt, accumulate=False),
    ),
    Mistake(
        "loss gradient not divided by N*T",
        "The loss is the mean over all N*T positions, so dlogits = (probs - "
        "one_hot(targets)) / (N*T).",
        partial(bptt, mean_over="1"),
    ),
    Mistake(
        "loss gradient divided by N instead of N*T",
        "The loss averages over time steps too, not only over the batch: divide "
        "probs - one_hot(targets) by N*T.",
        partial(bptt, mean_over="N"),
    ),
    Mistake(
        "one-hot not subtracted from the softmax",
        "The gradient of softmax cross-entropy on the logits is probs - one_hot(target): "
        "subtract 1 at the target's index at every position (then divide by N*T).",
        partial(bptt, subtract_one_hot=False),
    ),
    Mistake(
        "gradients clipped inside the backward pass",
        f"Return the raw gradients: the training step clips them (to global norm "
        f"{COURSE_MAX_NORM:g}) after calling backward, and the checks compare unclipped values.",
        partial(bptt, clip_to=COURSE_MAX_NORM),
    ),
)
