"""Checks for exercise 01: ``GRUFromScratch``, a GRU layer written in NumPy.

Every check takes the student handle (``student.call(probe, ...)`` runs a probe of
``autograder.probes.ex01_gru`` next to the student's code and returns plain data), draws
its inputs from an explicit seed, and raises ``CheckFailed`` with a message for the
student: what was expected, what came back, the step and unit where the states first
diverged, and the name of a known mistake when the states match one. Expected states
come from the answer key in one place, :func:`expected_states`.

The student's layout uses column vectors: ``W_*`` (H, H + D) acting on ``[h, x]``,
``b_*`` (H,), and ``forward`` returns T + 1 states (H,), the initial one first.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from autograder.compare import mismatch, mismatch_array
from autograder.diagnose import diagnose
from autograder.errors import CheckFailed
from autograder.expected import precomputed
from autograder.mistakes.ex01_gru import MISTAKES
from reference import gru as answer_key
from reference.gradcheck import FLOAT32_ATOL, FORWARD_ATOL_F64

# The student's float64 states against the answer key's (max abs diff): the same
# equations in the same precision agree to rounding.
ATOL = FORWARD_ATOL_F64
# Known mistakes move some state by far more than this; a student's mistaken variant
# computed in another order (or in float32) still matches.
MISTAKE_ATOL = FLOAT32_ATOL
# Scale of the random weights, biases, inputs and initial states: gates stay away from
# saturation, so every known mistake changes the states visibly.
SCALE = 0.5
GATES = ("z", "r", "h")
PARAMETER_NAMES = tuple(f"{kind}_{gate}" for gate in GATES for kind in ("W", "b"))
# (D, H) pairs for the shape check: D != H, a single input feature, a single unit.
SHAPE_SIZES = ((3, 4), (5, 2), (1, 3), (2, 1))


@dataclass(frozen=True)
class Case:
    """One call of ``forward``: parameters in the student's layout and its arguments.

    params: ``W_z, W_r, W_h`` (H, H + D), ``b_z, b_r, b_h`` (H,).
    inputs: (T, D). h_prev: (H,), or None to call ``forward`` without it.
    """

    params: dict[str, np.ndarray]
    inputs: np.ndarray
    h_prev: np.ndarray | None

    @property
    def hidden_size(self) -> int:
        return self.params["b_z"].shape[0]

    @property
    def input_size(self) -> int:
        return self.inputs.shape[1]

    @property
    def steps(self) -> int:
        return self.inputs.shape[0]

    @property
    def start(self) -> np.ndarray:
        """The state the sequence starts from: ``h_prev``, or zeros (H,)."""
        return np.zeros(self.hidden_size) if self.h_prev is None else self.h_prev

    def describe(self, as_array: bool = False) -> str:
        """The call in words, e.g. "GRUFromScratch(3, 4).forward(a list of 5 vectors (3,))"."""
        D, H, T = self.input_size, self.hidden_size, self.steps
        inputs = f"an array ({T}, {D})" if as_array else f"a list of {T} vector(s) ({D},)"
        start = f", a random h_prev ({H},)" if self.h_prev is not None else ""
        return f"GRUFromScratch({D}, {H}).forward({inputs}{start})"


def make_case(seed: int, input_size: int, hidden_size: int, steps: int, with_h_prev: bool) -> Case:
    """Random parameters (non-zero biases), inputs and initial state drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    combined = hidden_size + input_size
    params = {}
    for gate in GATES:
        params[f"W_{gate}"] = SCALE * rng.standard_normal((hidden_size, combined))
        params[f"b_{gate}"] = SCALE * rng.standard_normal(hidden_size)
    inputs = rng.standard_normal((steps, input_size))
    h_prev = rng.uniform(-0.9, 0.9, hidden_size) if with_h_prev else None
    return Case(params, inputs, h_prev)


# Expected values: the only place that calls the answer key ----------------------------


@precomputed
def expected_states(case: Case) -> list[np.ndarray]:
    """The lecture GRU's states for ``case``: T + 1 arrays (H,), the start state first.

    The answer key uses row vectors, ``x @ W + h @ U + b`` with W (D, H), U (H, H); the
    student's ``W_z`` (H, H + D) holds ``Uz.T`` in its first H columns and ``Wz.T`` after.
    """
    hidden = case.hidden_size
    params = {}
    for gate in GATES:
        weights = case.params[f"W_{gate}"]
        params[f"W{gate}"] = weights[:, hidden:].T
        params[f"U{gate}"] = weights[:, :hidden].T
        params[f"b{gate}"] = case.params[f"b_{gate}"]
    states, _ = answer_key.forward(case.inputs[None], case.start[None], params, reset_after=False)
    return [case.start, *states[0]]


# Running the student's forward --------------------------------------------------------


def _run(student, case: Case, as_array: bool = False):
    """What the student's ``forward`` returned: a list of arrays, an array, or a type name."""
    return student.call("run_forward", case.params, case.inputs, case.h_prev, as_array=as_array)


def _as_state_list(got, case: Case, context: str) -> list[np.ndarray]:
    """The returned states as a list of arrays; CheckFailed if forward returned something else."""
    if isinstance(got, np.ndarray) and got.ndim == 2:
        return list(got)
    if isinstance(got, list):
        return got
    if isinstance(got, np.ndarray):
        what = f"an array of shape {got.shape}"
    elif got == "NoneType":
        what = "None (is `return hidden_states` missing?)"
    else:
        what = f"a {got}"
    raise CheckFailed(
        f"forward should return a list of {case.steps + 1} hidden states (the initial state, "
        f"then one per input), but it returned {what}.\nCase: {context}."
    )


def _diagnosis(got: list[np.ndarray], case: Case, expected: list[np.ndarray]) -> str:
    """"This looks like <name>: <hint>" when ``got`` matches a known mistake, else "".

    Only mistakes that change the result of this case compete (with one input, not
    carrying the state changes nothing, so it cannot explain a wrong first step).
    """
    args = (case.params, list(case.inputs), case.start)
    telling = [
        mistake for mistake in MISTAKES
        if mismatch(mistake.fn(*args), expected, atol=MISTAKE_ATOL) is not None
    ]
    mistake = diagnose(got, telling, *args, atol=MISTAKE_ATOL)
    return "" if mistake is None else mistake.message()


def _fail(problem: str, got: list[np.ndarray], case: Case, context: str) -> CheckFailed:
    """The failure: the known mistake (if any) first, then the problem, then the case."""
    lines = [
        _diagnosis(got, case, expected_states(case)),
        problem[0].upper() + problem[1:],
        f"Case: {context}.",
    ]
    return CheckFailed("\n".join(line for line in lines if line))


def _check_count(got: list[np.ndarray], case: Case, context: str) -> None:
    if len(got) != case.steps + 1:
        raise _fail(
            f"forward returned {len(got)} states for {case.steps} input(s); expected "
            f"{case.steps + 1}: the initial state first, then one per input.",
            got, case, context,
        )


def _check_shapes(got: list[np.ndarray], case: Case, context: str) -> None:
    hidden = case.hidden_size
    for step, state in enumerate(got):
        if state.shape != (hidden,):
            problem = (
                f"state {step} has shape {state.shape}; every state should be a vector of "
                f"shape ({hidden},). Keep h one-dimensional (no column vectors)."
            )
        elif state.dtype.kind != "f":
            problem = f"state {step} has dtype {state.dtype}; expected floats."
        elif state.dtype != np.float64:
            problem = (
                f"state {step} has dtype {state.dtype}; keep float64 throughout (the "
                f"parameters and inputs are float64, so no conversion is needed)."
            )
        else:
            continue
        raise CheckFailed(f"{problem[0].upper()}{problem[1:]}\nCase: {context}.")


def _compare_states(got, case: Case, context: str) -> None:
    """Every returned state against the answer key, with the first divergence named."""
    got = _as_state_list(got, case, context)
    _check_count(got, case, context)
    _check_shapes(got, case, context)
    got_stack, expected_stack = np.stack(got), np.stack(expected_states(case))
    problem = mismatch_array(
        got_stack, expected_stack, "the list of hidden states", ("step", "unit"), ATOL
    )
    if problem is None:
        return
    if np.max(np.abs(got_stack - expected_stack)) <= MISTAKE_ATOL:
        problem += (
            f"\nYour states agree with the expected ones to {MISTAKE_ATOL:g} but not to {ATOL:g}: "
            "look for a float32 conversion or a rounded constant."
        )
    raise _fail(problem, got, case, context)


# The checks -----------------------------------------------------------------------


def check_parameter_shapes(student, sizes=SHAPE_SIZES) -> None:
    """Does ``GRUFromScratch(D, H)`` create W_z, W_r, W_h of shape (H, H + D) and b_* (H,)?"""
    all_shapes = student.call("parameter_shapes", [list(size) for size in sizes])
    for (input_size, hidden_size), shapes in zip(sizes, all_shapes):
        context = f"GRUFromScratch(input_size={input_size}, hidden_size={hidden_size})"
        for name in PARAMETER_NAMES:
            is_weight = name.startswith("W")
            expected = [hidden_size, hidden_size + input_size] if is_weight else [hidden_size]
            got = shapes.get(name) if isinstance(shapes, dict) else None
            if got is None:
                raise CheckFailed(f"{context} has no attribute {name}: create it in __init__.")
            if list(got) != expected:
                hint = ""
                if is_weight and list(got) == expected[::-1]:
                    hint = (" It looks transposed: one row per hidden unit, "
                            "one column per entry of [h, x].")
                raise CheckFailed(
                    f"{context}: {name} has shape {tuple(got)}; expected {tuple(expected)}.{hint}"
                )


def check_one_step(student, seed: int = 1) -> None:
    """Does one input from a random h_prev give the lecture's state h_1?"""
    case = make_case(seed, input_size=3, hidden_size=4, steps=1, with_h_prev=True)
    _compare_states(_run(student, case), case, f"one step, {case.describe()}")


def check_sequence(student, with_h_prev: bool, seed: int = 2) -> None:
    """Does a whole sequence give the lecture's states at every step?

    Without h_prev the inputs are a list of vectors (D,) and the start is zeros; with
    h_prev they are one array (T, D).
    """
    case = make_case(seed + int(with_h_prev), 2, 5, steps=6, with_h_prev=with_h_prev)
    got = _run(student, case, as_array=with_h_prev)
    _compare_states(got, case, case.describe(as_array=with_h_prev))


def check_state_count(student, seed: int = 4) -> None:
    """Does forward return T + 1 states of shape (H,), the first equal to h_prev?"""
    case = make_case(seed, input_size=4, hidden_size=3, steps=5, with_h_prev=True)
    context = case.describe()
    got = _as_state_list(_run(student, case), case, context)
    _check_count(got, case, context)
    _check_shapes(got, case, context)
    problem = mismatch_array(got[0], case.h_prev, "the first state", ("unit",), ATOL)
    if problem is not None:
        raise _fail(f"the list should start with h_prev itself. {problem}", got, case, context)


def check_no_torch(student) -> None:
    """Does the notebook's GRU run on NumPy alone, without torch?"""
    case = make_case(5, input_size=2, hidden_size=2, steps=2, with_h_prev=False)
    _run(student, case)  # the class must run; in the sandbox importing torch fails here
    found = student.call("torch_references")
    if found["names"] or found["mentions_torch"]:
        through = f" (through {', '.join(found['names'])})" if found["names"] else ""
        raise CheckFailed(
            f"This exercise is NumPy only, but GRUFromScratch uses torch{through}.\n"
            "Remove every torch import and use np.tanh and the given sigmoid."
        )


def random_cases(seed: int, count: int = 3) -> list[Case]:
    """Cases of random sizes (D, H in 1..7, T in 1..8), with and without h_prev."""
    rng = np.random.default_rng(seed)
    cases = []
    for index in range(count):
        input_size, hidden_size = (int(v) for v in rng.integers(1, 8, size=2))
        steps = int(rng.integers(1, 9))
        case_seed = int(rng.integers(2**31))
        with_h_prev = index % 2 == 0
        cases.append(make_case(case_seed, input_size, hidden_size, steps, with_h_prev))
    return cases


def check_random_sizes(student, seed: int) -> None:
    """Do random sizes and seeds give the lecture's states at every step?"""
    for case in random_cases(seed):
        _compare_states(_run(student, case), case, f"random sizes, {case.describe()}")
