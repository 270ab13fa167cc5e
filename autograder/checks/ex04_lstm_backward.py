"""Checks for exercise 04: ``lstm_lm_backward``, BPTT of the LSTM language model.

Every check takes the student handle (``student.call(probe, ...)`` runs a probe of
``autograder.probes.ex04_lstm_backward`` next to the student's code: the notebook's given
forward pass, then the student's backward pass) and raises ``CheckFailed`` with a message
for the student: which gradient is wrong first (in the order a backward pass computes
them), where it first differs, at which sequence length, and the name of a known mistake
when one matches. Expected values come from the answer key in one place, the section
"Expected values" below.

Shape legend: N batch, T time steps, H hidden units, V vocabulary size.
"""
from __future__ import annotations

import functools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import torch

from autograder.compare import describe, mismatch_array
from autograder.diagnose import Mistake, diagnose
from autograder.errors import CheckFailed
from autograder.expected import precomputed
from autograder.mistakes.ex04_lstm_backward import MISTAKES
from reference.char_lm import numpy_model as answer_key
from reference.char_lm.data import Vocabulary
from reference.char_lm.train import train_numpy
from reference.char_lm.twin import TorchCharLM
from reference.datasets import LECTURE_CORPUS
from reference.gradcheck import (
    BACKWARD_ATOL_F64,
    FINITE_DIFF_RTOL,
    TRAINING_LOSS_MARGIN,
    numerical_gradient,
    rel_error,
)

PARAM_NAMES = ("Wf", "Uf", "bf", "Wi", "Ui", "bi", "Wo", "Uo", "bo", "Wc", "Uc", "bc", "Why", "by")
# The order feedback walks the gradients in: the order a backward pass computes them.
FEEDBACK_ORDER = (
    "Why", "by", "Wo", "Uo", "bo", "Wc", "Uc", "bc", "Wi", "Ui", "bi", "Wf", "Uf", "bf",
    "dh0", "dc0",
)  # fmt: skip
# What each axis of a gradient counts, for "first differs at ..." messages.
AXES = {
    "W": ("character", "unit"),
    "U": ("unit", "unit"),
    "b": ("unit",),
    "Why": ("unit", "character"),
    "by": ("character",),
    "dh0": ("row", "unit"),
    "dc0": ("row", "unit"),
}
# How the student's result is named in messages.
CALL = "lstm_lm_backward(cache)"

# Scale of the random parameters and initial states of the gradient cases: large enough
# that no path is negligible next to the tolerance, small enough that no gate saturates.
PARAM_SCALE = 0.5
STATE_SCALE = 0.5
# The training run of ``check_training``, about half a second. Its batches are small
# enough (N T V 4H < 2^18) that no matrix product is split over threads, which on a busy
# machine would make the run many times slower.
TRAINING = {
    "steps": 200,
    "hidden_size": 32,
    "seq_len": 25,
    "batch_size": 2,
    "lr": 2e-2,
    "seed": 0,
}
# Seconds the student's training run may take in the sandbox (the reference needs ~1 s).
TRAINING_TIME_LIMIT = 60.0


@dataclass(frozen=True)
class CaseSpec:
    """Sizes and seed of one gradient case: N rows, T steps, V characters, H units."""

    seed: int
    N: int
    T: int
    V: int
    H: int


# One step from a non-zero state: N, V, H all different so transposes show.
ONE_STEP = CaseSpec(seed=401, N=3, T=1, V=6, H=5)
# Lengths 1 .. T of the same sequences: the first length that goes wrong says whether
# the mistake is inside a step or in what flows back from the next one.
THROUGH_TIME = CaseSpec(seed=402, N=2, T=4, V=7, H=5)
AUTOGRAD = CaseSpec(seed=403, N=3, T=5, V=6, H=4)
# Tiny: the central differences run the forward pass four times per gradient.
FINITE_DIFF = CaseSpec(seed=404, N=2, T=3, V=4, H=3)
# A model that is confidently wrong at every position, so its gradients are large
# (global norm above the course's clipping threshold, see ``confident_case``).
CONFIDENT = CaseSpec(seed=405, N=2, T=4, V=5, H=24)


# Expected values: the only place that calls the answer key -----------------------------


@precomputed
def _reference_gradients(case: dict) -> dict[str, np.ndarray]:
    """The reference backward's gradients: the 14 parameters, ``dh0`` and ``dc0``."""
    _, cache = answer_key.forward(*_arguments(case), cell="lstm")
    grads, dh0, dc0 = answer_key.backward(cache)
    return {**grads, "dh0": dh0, "dc0": dc0}


@precomputed
def _autograd_gradients(case: dict) -> dict[str, np.ndarray]:
    """Gradients of the same loss by torch autograd of the reference's twin, float64."""
    model = TorchCharLM(case["params"], cell="lstm")
    h0, c0 = (torch.tensor(case[key], requires_grad=True) for key in ("h0", "c0"))
    inputs, targets = (torch.from_numpy(case[key]) for key in ("inputs", "targets"))
    model(inputs, targets, h0, c0).backward()
    return {**model.grads(), "dh0": h0.grad.numpy(), "dc0": c0.grad.numpy()}


def _reference_loss(params, inputs, targets, h0, c0) -> float:
    """The mean loss of the reference forward pass."""
    return float(answer_key.forward(params, inputs, targets, h0, c0, cell="lstm")[0])


@precomputed
def _notebook_cache(case: dict) -> dict:
    """The cache the notebook's ``lstm_lm_forward`` builds for ``case`` (see its
    docstring), assembled from the reference forward pass: what mistakes are run on."""
    _, cache = answer_key.forward(*_arguments(case), cell="lstm")
    cell = cache["cell_cache"]
    h_prev = np.concatenate([case["h0"][:, None], cache["h"][:, :-1]], axis=1)  # (N, T, H)
    c_prev = np.concatenate([case["c0"][:, None], cell["c"][:, :-1]], axis=1)  # (N, T, H)
    return {
        "params": case["params"],
        "x": cache["x"],
        "h_prev": h_prev,
        "c_prev": c_prev,
        **{key: cell[key] for key in ("f", "i", "o", "g", "c")},
        "h": cache["h"],
        "probs": cache["probs"],
        "targets": case["targets"],
    }


def _corpus() -> str:
    """The text the training check learns: the lecture's corpus."""
    return LECTURE_CORPUS


def _corpus_loss(params: dict[str, np.ndarray], text: str) -> float:
    """Mean loss of the model on the whole text, read once from a zero state."""
    encoded = Vocabulary.from_text(text).encode(text)
    zeros = np.zeros((1, params["Why"].shape[0]))
    return _reference_loss(params, encoded[None, :-1], encoded[None, 1:], zeros, zeros)


@precomputed
@functools.lru_cache(maxsize=4)
def _reference_training_loss(text: str, **config) -> float:
    """The corpus loss after the reference trains with the training check's config."""
    run = train_numpy(text, cell="lstm", progress=False, **config)
    return _corpus_loss(run.params, text)


# Inputs -----------------------------------------------------------------------------


def _arguments(case: dict) -> tuple:
    return tuple(case[key] for key in ("params", "inputs", "targets", "h0", "c0"))


def param_shapes(V: int, H: int) -> dict[str, tuple[int, ...]]:
    """The shape of each of the 14 parameters."""
    shapes = {"Why": (H, V), "by": (V,)}
    for k in "fioc":
        shapes.update({"W" + k: (V, H), "U" + k: (H, H), "b" + k: (H,)})
    return {name: shapes[name] for name in PARAM_NAMES}


def make_case(spec: CaseSpec) -> dict:
    """Random float64 parameters, inputs, targets (N, T) and states h0, c0 (N, H)."""
    rng = np.random.default_rng(spec.seed)
    N, T, V, H = spec.N, spec.T, spec.V, spec.H
    params = {
        name: PARAM_SCALE * rng.standard_normal(shape) for name, shape in param_shapes(V, H).items()
    }
    return {
        "params": params,
        "inputs": rng.integers(0, V, (N, T)),
        "targets": rng.integers(0, V, (N, T)),
        "h0": STATE_SCALE * rng.standard_normal((N, H)),
        "c0": STATE_SCALE * rng.standard_normal((N, H)),
    }


def first_steps(case: dict, length: int) -> dict:
    """The same case cut to its first ``length`` steps."""
    return {
        **case,
        "inputs": case["inputs"][:, :length],
        "targets": case["targets"][:, :length],
    }


def confident_case(spec: CaseSpec = CONFIDENT) -> dict:
    """A case whose model is sure of the wrong character at every position.

    The gate biases are 3, so f, i, o sit near 0.95 and the candidate near 1 whatever
    the input, and the hidden units turn large and positive within a step; ``Why`` then
    gives the last character a logit far above the target's (always character 0). Every
    position's loss gradient is nearly e_last - e_0, all aligned, so ``dWhy`` alone has a
    global norm of about sqrt(2H), about 6 for H = 24: above the clipping norm 5.
    """
    case = make_case(spec)
    params = {name: 0.1 * value for name, value in case["params"].items()}
    for k in "fioc":
        params["b" + k] = np.full(spec.H, 3.0)
    params["Why"][:, -1] += 1.0
    params["Why"][:, 0] -= 1.0
    return {**case, "params": params, "targets": np.zeros_like(case["targets"])}


def random_specs(seed: int, count: int = 2) -> list[CaseSpec]:
    """Sizes for randomized cases: N in 1..4, T in 1..6, V in 2..8, H in 1..7."""
    rng = np.random.default_rng(seed)
    return [
        CaseSpec(
            seed=int(rng.integers(2**31)),
            N=int(rng.integers(1, 5)),
            T=int(rng.integers(1, 7)),
            V=int(rng.integers(2, 9)),
            H=int(rng.integers(1, 8)),
        )
        for _ in range(count)
    ]


# Reading what came back -------------------------------------------------------------


def unpack(result, case: dict) -> dict[str, np.ndarray]:
    """The student's ``(grads, dh0, dc0)`` as one dict of 16 float arrays.

    Raises CheckFailed naming the first thing that is not as the docstring asks: three
    returned values, a dict with the 14 parameter names, arrays of the parameters'
    shapes, and dh0, dc0 of h0's shape.
    """
    if not isinstance(result, (list, tuple)) or len(result) != 3:
        raise CheckFailed(
            f"{CALL} should return three values, (grads, dh0, dc0); it returned {describe(result)}."
        )
    grads, dh0, dc0 = result
    if not isinstance(grads, dict):
        raise CheckFailed(
            f"The first value {CALL} returns should be a dict {{name: gradient}}; it is {describe(grads)}."
        )
    missing = [name for name in PARAM_NAMES if name not in grads]
    extra = sorted(name for name in grads if name not in PARAM_NAMES)
    if missing or extra:
        parts = []
        if missing:
            parts.append("it lacks " + ", ".join(missing))
        if extra:
            parts.append("it has keys that are not parameters: " + ", ".join(extra))
        raise CheckFailed(
            f"grads should have exactly the 14 keys of params ({', '.join(PARAM_NAMES)}); "
            + "; ".join(parts) + "."
        )
    got = {name: grads[name] for name in PARAM_NAMES}
    got.update(dh0=dh0, dc0=dc0)
    expected_shapes = {name: value.shape for name, value in case["params"].items()}
    expected_shapes.update(dh0=case["h0"].shape, dc0=case["c0"].shape)
    for name in FEEDBACK_ORDER:
        value, shape = got[name], expected_shapes[name]
        label = f"grads[{name!r}]" if name in PARAM_NAMES else name
        like = f"params[{name!r}]" if name in PARAM_NAMES else name[1:]
        if not isinstance(value, np.ndarray) or value.dtype.kind not in "biuf":
            raise CheckFailed(
                f"{label} should be an array of shape {shape} (like {like}); it is {describe(value)}."
            )
        if value.shape != shape:
            raise CheckFailed(
                f"{label} has shape {tuple(value.shape)}; it should have {like}'s shape {shape}."
            )
        if value.dtype.kind == "f" and value.dtype.itemsize < 8:
            raise CheckFailed(
                f"{label} has dtype {value.dtype}: the cache holds float64 arrays, so keep the "
                "gradients in float64 too (np.zeros_like(params[name]) does)."
            )
    return {name: value.astype(np.float64) for name, value in got.items()}


# Comparing --------------------------------------------------------------------------


def _axes(name: str) -> tuple[str, ...]:
    return AXES.get(name) or AXES[name[0]]


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _label(name: str) -> str:
    return f"the gradient of {name}" if name in PARAM_NAMES else name


def _wrong_entries(got: dict, expected: dict, atol: float) -> dict[str, str]:
    """{name: why it differs} for every gradient not within ``atol``, in feedback order."""
    wrong = {}
    for name in FEEDBACK_ORDER:
        label = f"grads[{name!r}]" if name in PARAM_NAMES else name
        problem = mismatch_array(got[name], expected[name], label, axes=_axes(name), atol=atol)
        if problem:
            wrong[name] = problem
    return wrong


def find_mistake(got: dict, case: dict, wrong: list[str]) -> Mistake | None:
    """The known mistake that reproduces every wrong gradient of the student, if any.

    Only the wrong gradients are compared, so a mistake that also spoils a gradient the
    student got right (e.g. overwriting dWhy when the student computed it outside the
    loop) still matches.
    """
    restricted = {
        Mistake(m.name, m.hint, functools.partial(_wrong_part, m.fn, wrong)): m for m in MISTAKES
    }
    match = diagnose(
        {name: got[name] for name in wrong}, restricted, _notebook_cache(case), atol=BACKWARD_ATOL_F64
    )
    return None if match is None else restricted[match]


def _wrong_part(fn, wrong: list[str], cache: dict) -> dict[str, np.ndarray]:
    grads, dh0, dc0 = fn(cache)
    flat = {**grads, "dh0": dh0, "dc0": dc0}
    return {name: flat[name] for name in wrong}


def _failure(got: dict, case: dict, wrong: dict[str, str], situation: str, advice: str = "") -> CheckFailed:
    """The message for gradients that differ: which ones (in the order a backward pass
    computes them), the first in detail, then the matching known mistake if any."""
    names = list(wrong)
    count = "1 of the 16 gradients is" if len(names) == 1 else f"{len(names)} of the 16 gradients are"
    lines = [f"{_capitalised(situation)}, {count} wrong: {', '.join(names)}." + (f" {advice}" if advice else "")]
    lines.append(wrong[names[0]])
    mistake = find_mistake(got, case, names)
    if mistake is not None:
        lines.append(mistake.message())
    return CheckFailed("\n".join(lines))


def compare_to_reference(got: dict, case: dict, situation: str, advice: str = "") -> None:
    """CheckFailed unless all 16 gradients equal the reference's for ``case``."""
    wrong = _wrong_entries(got, _reference_gradients(case), BACKWARD_ATOL_F64)
    if wrong:
        raise _failure(got, case, wrong, situation, advice)


def _student_gradients(student, cases: list[dict]) -> list[dict[str, np.ndarray]]:
    results = student.call("backward", cases)
    return [unpack(result, case) for result, case in zip(results, cases)]


def _sizes(case: dict) -> str:
    (N, T), H = case["inputs"].shape, case["h0"].shape[1]
    return f"N={N}, T={T}, V={case['params']['by'].shape[0]}, H={H}"


# Checks -----------------------------------------------------------------------------


def check_returns_gradients(student) -> None:
    """``lstm_lm_backward`` returns a dict of the 14 gradients (parameters' shapes), dh0, dc0."""
    _student_gradients(student, [make_case(THROUGH_TIME)])


def check_one_step(student) -> None:
    """One step (T = 1) from non-zero h0, c0: all gradients equal the reference's."""
    case = make_case(ONE_STEP)
    (got,) = _student_gradients(student, [case])
    compare_to_reference(got, case, f"for a single step ({_sizes(case)})")


def check_through_time(student, spec: CaseSpec = THROUGH_TIME) -> None:
    """Lengths 1, 2, ..., T of the same sequences: all gradients equal the reference's.

    The message names the first length that goes wrong: wrong from length 1 means a
    mistake inside a step; right for 1 but wrong from 2 on means the gradient flowing
    back through time or the sum over the steps.
    """
    case = make_case(spec)
    cases = [first_steps(case, length) for length in range(1, spec.T + 1)]
    for length, (got, short) in enumerate(zip(_student_gradients(student, cases), cases), start=1):
        if length == 1:
            situation = f"already for sequences of 1 step ({_sizes(short)})"
            advice = "The mistake is inside a single step."
        else:
            right = "1 step" if length == 2 else f"1 to {length - 1} steps"
            situation = f"for sequences of {length} steps ({_sizes(short)}), though right for {right}"
            advice = (
                "Look at what one step hands back to the previous one (dh_next, dc_next) "
                "and at how the steps' contributions add up."
            )
        compare_to_reference(got, short, situation, advice)


def check_against_autograd(student) -> None:
    """All gradients equal PyTorch autograd's for the same model in float64."""
    case = make_case(AUTOGRAD)
    (got,) = _student_gradients(student, [case])
    wrong = _wrong_entries(got, _autograd_gradients(case), BACKWARD_ATOL_F64)
    if wrong:
        raise _failure(got, case, wrong, f"compared with PyTorch autograd of the same model ({_sizes(case)})")


def _rate_along(loss, array: np.ndarray, direction: np.ndarray) -> float:
    """Central difference of ``loss()`` as ``array`` moves along ``direction`` (unit norm)."""
    base = array.copy()
    t = np.zeros(1)

    def moved() -> float:
        array[...] = base + t[0] * direction
        return loss()

    try:
        return float(numerical_gradient(moved, t)[0])
    finally:
        array[...] = base


def check_against_finite_differences(student) -> None:
    """Every gradient matches central differences of the loss (tiny model).

    Each gradient is tested along two directions, the student's gradient and the
    reference's: the rate at which the loss changes must equal the dot product of the
    student's gradient with the direction. Both hold only if the two gradients are equal,
    and a whole direction keeps the rates far above the noise of the differences, which
    single tiny entries would not.
    """
    case = make_case(FINITE_DIFF)
    (got,) = _student_gradients(student, [case])
    expected = _reference_gradients(case)
    params = {name: value.copy() for name, value in case["params"].items()}
    h0, c0 = case["h0"].copy(), case["c0"].copy()
    arrays = {**params, "dh0": h0, "dc0": c0}

    def loss() -> float:
        return _reference_loss(params, case["inputs"], case["targets"], h0, c0)

    for name in FEEDBACK_ORDER:
        for whose, gradient in (("your", got[name]), ("the expected", expected[name])):
            norm = np.linalg.norm(gradient)
            if norm == 0:
                continue
            direction = gradient / norm
            numeric = _rate_along(loss, arrays[name], direction)
            claimed = float(np.sum(got[name] * direction))
            error = rel_error(claimed, numeric)
            if error <= FINITE_DIFF_RTOL:
                continue
            message = (
                f"{_capitalised(_label(name))} disagrees with central differences of the loss "
                f"({_sizes(case)}). Moving {name} along the direction of {whose} gradient, the "
                f"loss changes at rate {numeric:.6g}; your gradient says {claimed:.6g} "
                f"(relative error {error:.1e}, at most {FINITE_DIFF_RTOL:.0e} allowed)."
            )
            wrong = list(_wrong_entries(got, expected, BACKWARD_ATOL_F64)) or [name]
            mistake = find_mistake(got, case, wrong)
            if mistake is not None:
                message += "\n" + mistake.message()
            raise CheckFailed(message)


def check_not_clipped(student) -> None:
    """Large gradients (a confidently wrong model) come back unclipped and exact."""
    case = confident_case()
    (got,) = _student_gradients(student, [case])
    compare_to_reference(
        got, case, f"for a confidently wrong model whose gradients are large ({_sizes(case)})"
    )


def check_random_cases(student, seed: int) -> None:
    """Randomized sizes and values drawn from ``seed``: all gradients equal the reference's."""
    cases = [make_case(spec) for spec in random_specs(seed)]
    for got, case in zip(_student_gradients(student, cases), cases):
        compare_to_reference(got, case, f"for a randomized case ({_sizes(case)})")


def _trained_params(result, vocab_size: int) -> dict[str, np.ndarray]:
    """The parameters the training probe returned, checked to be 14 finite arrays."""
    params = result.get("params") if isinstance(result, dict) else None
    if not isinstance(params, dict):
        raise CheckFailed(f"train_lstm_lm should return (params, losses); params came back as {describe(params)}.")
    shapes = param_shapes(vocab_size, TRAINING["hidden_size"])
    for name, shape in shapes.items():
        value = params.get(name)
        if not isinstance(value, np.ndarray) or value.shape != shape:
            raise CheckFailed(
                f"After training, params[{name!r}] is {describe(value) if name in params else 'missing'}; "
                f"expected an array of shape {shape}. Does your backward pass change the parameters?"
            )
    return {name: params[name].astype(np.float64) for name in PARAM_NAMES}


def check_training(student, time_limit: float = TRAINING_TIME_LIMIT) -> None:
    """Training with the student's backward lowers the corpus loss as the reference does.

    The training runs next to the student's code (given forward, student's backward,
    clipping, Adam); its final parameters are evaluated here with the reference forward
    pass on the whole corpus. The reference trains meanwhile, in a thread of this process.
    """
    text = _corpus()
    vocab_size = len(set(text))
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        reference_run = pool.submit(_reference_training_loss, text, **TRAINING)
        result = student.with_limits(timeout=time_limit).call("train", text, **TRAINING)
        target = reference_run.result()
    finally:
        pool.shutdown(wait=False)
    params = _trained_params(result, vocab_size)
    finite = all(np.all(np.isfinite(value)) for value in params.values())
    reached = _corpus_loss(params, text) if finite else np.nan
    allowed = target + TRAINING_LOSS_MARGIN
    if np.isfinite(reached) and reached <= allowed:
        return
    if np.isfinite(reached):
        outcome = f"the loss on the corpus is {reached:.3f} nats per character"
    else:
        outcome = "training diverged (NaN or infinite parameters)"
    message = (
        f"After {TRAINING['steps']} training steps with your backward pass, {outcome}; the "
        f"reference reaches {target:.3f} and at most {allowed:.3f} passes (a uniform guess "
        f"scores log V = {np.log(vocab_size):.3f})."
    )
    try:
        check_through_time(student)
    except CheckFailed as failure:
        message += "\nYour gradients on short sequences tell why:\n" + failure.message
    raise CheckFailed(message)
