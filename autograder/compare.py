"""Comparisons that explain themselves: what came back, what was expected, where it diverged.

Every check compares the student's results (plain data from the sandbox) with the
answer key through these helpers. Each ``mismatch_*`` function returns ``None`` when the
values agree and a student-readable sentence when they do not; each ``assert_*`` raises
``CheckFailed`` with that sentence. The order of tests is fixed: type, shape, dtype
kind, NaN/inf, then values, so the message names the first thing that is wrong.

Tolerances are never defined here: the default is ``reference.gradcheck.FLOAT32_ATOL``
(agreement to float32 precision); pass another named tolerance from
``reference.gradcheck`` when a check needs one.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from autograder.errors import CheckFailed
from reference.gradcheck import FLOAT32_ATOL

DEFAULT_ATOL = FLOAT32_ATOL
_SHOWN = 6


def describe(value: Any) -> str:
    """A short description of any returned value, for "got ..." phrases."""
    if value is None:
        return "None (did you forget a return statement?)"
    if isinstance(value, np.ndarray):
        return f"an array of shape {tuple(value.shape)} and dtype {value.dtype}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of length {len(value)}"
    if isinstance(value, dict):
        return f"a dict with keys {sorted(value)}"
    return f"a {type(value).__name__} ({value!r})"[:120]


def _numbers(array: np.ndarray) -> str:
    flat = np.asarray(array).ravel()
    shown = ", ".join(f"{x:.6g}" for x in flat[:_SHOWN])
    return f"[{shown}{', ...' if flat.size > _SHOWN else ''}]"


def _position(index: tuple[int, ...], axes: Sequence[str] | None) -> str:
    if not index:
        return "the value"
    if axes is not None and len(axes) == len(index):
        return ", ".join(f"{name} {i}" for name, i in zip(axes, index))
    return "index " + ", ".join(str(i) for i in index)


def _shape_hint(got: tuple[int, ...], expected: tuple[int, ...]) -> str:
    if len(got) == len(expected) and got == tuple(reversed(expected)) and got != expected:
        return " (transposed?)"
    if tuple(d for d in got if d != 1) == tuple(d for d in expected if d != 1):
        return " (an extra or missing dimension of size 1?)"
    return ""


def mismatch_array(
    got: Any,
    expected: np.ndarray,
    what: str,
    axes: Sequence[str] | None = None,
    atol: float = DEFAULT_ATOL,
    rtol: float = 0.0,
) -> str | None:
    """Why ``got`` is not ``expected`` (an array) within ``|got - exp| <= atol + rtol*|exp|``.

    ``axes`` names the dimensions for the message, e.g. ``("step", "unit")`` gives
    "first differs at step 3, unit 1".
    """
    expected = np.asarray(expected)
    if type(got) in (int, float) and expected.ndim == 0:
        got = np.asarray(got, dtype=np.float64)
    if not isinstance(got, np.ndarray):
        return f"{what} should be an array of shape {tuple(expected.shape)}, but it is {describe(got)}."
    if got.shape != expected.shape:
        return (
            f"{what} has shape {tuple(got.shape)}, expected {tuple(expected.shape)}"
            f"{_shape_hint(tuple(got.shape), tuple(expected.shape))}."
        )
    if expected.dtype.kind in "fc" and got.dtype.kind not in "fc":
        return f"{what} has dtype {got.dtype}: expected floating-point values (did an integer array sneak in?)."
    if expected.dtype.kind == "b" and got.dtype.kind != "b":
        return f"{what} has dtype {got.dtype}: expected booleans."
    got_f = got.astype(np.complex128 if got.dtype.kind == "c" else np.float64)
    exp_f = expected.astype(np.complex128 if expected.dtype.kind == "c" else np.float64)
    bad_got = ~np.isfinite(got_f) & np.isfinite(exp_f)
    if bad_got.any():
        index = tuple(int(i) for i in np.argwhere(bad_got)[0])
        return (
            f"{what} contains {got_f[index]} at {_position(index, axes)} "
            f"(expected {exp_f[index]:.6g}): look for an overflow, a division by zero or log(0)."
        )
    with np.errstate(invalid="ignore"):
        diff = np.abs(got_f - exp_f)
        wrong = ~(diff <= atol + rtol * np.abs(exp_f))
    wrong &= ~(np.isnan(got_f) & np.isnan(exp_f))
    if not wrong.any():
        return None
    index = tuple(int(i) for i in np.argwhere(wrong)[0])
    count, total = int(wrong.sum()), wrong.size
    max_diff = float(np.nanmax(np.where(wrong, diff, 0.0)))
    message = (
        f"{what} is wrong: first differs at {_position(index, axes)}: "
        f"expected {exp_f[index]:.6g}, got {got_f[index]:.6g}.\n"
        f"  {count} of {total} values differ; max abs diff {max_diff:.3g} (tolerance {atol:g}"
        f"{f' + {rtol:g}*|expected|' if rtol else ''})."
    )
    if expected.ndim >= 2:
        row = index[:-1]
        where = _position(row, axes[:-1] if axes is not None and len(axes) == expected.ndim else None)
        message += f"\n  expected at {where}: {_numbers(exp_f[row])}\n  got at {where}:      {_numbers(got_f[row])}"
    else:
        message += f"\n  expected {_numbers(exp_f)}\n  got      {_numbers(got_f)}"
    return message


def assert_array_close(
    got: Any,
    expected: np.ndarray,
    what: str,
    axes: Sequence[str] | None = None,
    atol: float = DEFAULT_ATOL,
    rtol: float = 0.0,
) -> None:
    """Raise ``CheckFailed`` with ``mismatch_array``'s explanation if the arrays differ."""
    __tracebackhide__ = True
    problem = mismatch_array(got, expected, what, axes, atol, rtol)
    if problem:
        raise CheckFailed(problem)


def mismatch_dict(
    got: Any,
    expected: Mapping[str, np.ndarray],
    what: str,
    axes: Mapping[str, Sequence[str]] | Sequence[str] | None = None,
    atol: float = DEFAULT_ATOL,
    rtol: float = 0.0,
) -> str | None:
    """Compare dicts of arrays (e.g. gradients by parameter name).

    Missing keys are named first; then the message lists every wrong key and explains
    the first one. ``axes`` is one tuple for all keys or a dict of tuples per key.
    """
    if not isinstance(got, dict):
        return f"{what} should be a dict with keys {list(expected)}, but it is {describe(got)}."
    missing = [k for k in expected if k not in got]
    if missing:
        return f"{what} is missing the key(s) {missing} (it has {sorted(got)})."
    problems = {}
    for key, value in expected.items():
        key_axes = axes.get(key) if isinstance(axes, Mapping) else axes
        problem = mismatch_array(got[key], value, f"{what}[{key!r}]", key_axes, atol, rtol)
        if problem:
            problems[key] = problem
    if not problems:
        return None
    first = next(iter(problems.values()))
    if len(problems) == 1:
        return first
    return f"{what} has {len(problems)} wrong entries: {list(problems)}.\nThe first: {first}"


def assert_dict_close(got: Any, expected: Mapping[str, np.ndarray], what: str, axes=None,
                      atol: float = DEFAULT_ATOL, rtol: float = 0.0) -> None:
    """Raise ``CheckFailed`` naming the wrong keys of a dict of arrays."""
    __tracebackhide__ = True
    problem = mismatch_dict(got, expected, what, axes, atol, rtol)
    if problem:
        raise CheckFailed(problem)


def mismatch_list(
    got: Any,
    expected: Sequence[np.ndarray],
    what: str,
    item: str = "step",
    axes: Sequence[str] | None = None,
    atol: float = DEFAULT_ATOL,
    rtol: float = 0.0,
) -> str | None:
    """Compare lists of arrays, naming the list index as ``item`` ("at step 3")."""
    if not isinstance(got, (list, tuple)):
        return f"{what} should be a list of {len(expected)} arrays, but it is {describe(got)}."
    if len(got) != len(expected):
        return f"{what} has {len(got)} entries, expected {len(expected)}."
    for i, (got_i, exp_i) in enumerate(zip(got, expected)):
        problem = mismatch_array(got_i, exp_i, f"{what} at {item} {i}", axes, atol, rtol)
        if problem:
            return problem
    return None


def assert_list_close(got: Any, expected: Sequence[np.ndarray], what: str, item: str = "step",
                      axes=None, atol: float = DEFAULT_ATOL, rtol: float = 0.0) -> None:
    """Raise ``CheckFailed`` at the first list entry that differs."""
    __tracebackhide__ = True
    problem = mismatch_list(got, expected, what, item, axes, atol, rtol)
    if problem:
        raise CheckFailed(problem)


def mismatch(got: Any, expected: Any, what: str = "the result", atol: float = DEFAULT_ATOL,
             rtol: float = 0.0) -> str | None:
    """Structural comparison for any plain data (arrays, dicts, lists/tuples, numbers)."""
    if isinstance(expected, np.ndarray) or isinstance(expected, (float, np.floating)):
        return mismatch_array(got, np.asarray(expected), what, None, atol, rtol)
    if isinstance(expected, Mapping):
        if not isinstance(got, Mapping) or set(got) != set(expected):
            return f"{what} should be a dict with keys {sorted(expected)}, but it is {describe(got)}."
        for key in expected:
            problem = mismatch(got[key], expected[key], f"{what}[{key!r}]", atol, rtol)
            if problem:
                return problem
        return None
    if isinstance(expected, (list, tuple)):
        if not isinstance(got, (list, tuple)) or len(got) != len(expected):
            return f"{what} should be a sequence of length {len(expected)}, but it is {describe(got)}."
        for i, (g, e) in enumerate(zip(got, expected)):
            problem = mismatch(g, e, f"{what}[{i}]", atol, rtol)
            if problem:
                return problem
        return None
    if got != expected:
        return f"{what} should be {expected!r}, but it is {describe(got)}."
    return None
