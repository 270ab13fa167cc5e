"""The visible checks' inputs, and the answer key's results for them, recorded ahead.

The inputs are not listed here: each visible test of ``autograder/test_exNN_*.py`` (every
test function not marked ``hidden``, once per parametrization) runs against a student
handle that keeps what the checks send to the notebook and answers nothing (so each
check stops at its first probe call, the one that carries its inputs). From those
probe calls, one function per exercise calls the check module's ``@precomputed``
functions (which record while ``autograder.expected.recording()`` is active) and runs
the known mistakes on the same inputs the check's diagnosis gives them.

Exercise 02 needs nothing recorded: its expected values come from torch itself (see
``autograder.student_bundle.standins.trend``).
"""
from __future__ import annotations

import importlib
import inspect
import itertools
import warnings
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest

from autograder.diagnose import Mistake
from autograder.expected import Recorder


class VisibleInputsError(ValueError):
    """A visible test that cannot be run to collect its inputs."""


class _Collected(Exception):
    """Ends a check at its first probe call, once the call's arguments are kept."""


class CollectingStudent:
    """A student handle that keeps each probe call ``(probe, args, kwargs)`` and then stops."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple, dict]] = []

    def with_limits(self, timeout: float | None = None, memory_mib: int | None = None) -> CollectingStudent:
        return self

    def call(self, probe: str, *args: Any, timeout: float | None = None, memory_mib: int | None = None,
             **kwargs: Any) -> Any:
        self.calls.append((probe, args, kwargs))
        raise _Collected(probe)


def _marks(function: Callable) -> list:
    return list(getattr(function, "pytestmark", []))


def _parametrizations(function: Callable) -> Iterator[dict[str, Any]]:
    """Every combination of the function's ``parametrize`` values, skipping hidden params."""
    grids = []
    for mark in _marks(function):
        if mark.name != "parametrize":
            continue
        names, values = mark.args[0], mark.args[1]
        names = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
        rows = []
        for value in values:
            if all(hasattr(value, attribute) for attribute in ("values", "marks", "id")):  # pytest.param
                if any(m.name == "hidden" for m in value.marks):
                    continue
                row = tuple(value.values)
            else:
                row = (value,) if len(names) == 1 else tuple(value)
            rows.append(dict(zip(names, row)))
        grids.append(rows)
    for combination in itertools.product(*grids):
        merged: dict[str, Any] = {}
        for row in combination:
            merged.update(row)
        yield merged


def visible_tests(module: ModuleType) -> Iterator[tuple[str, Callable[[Any], None]]]:
    """(test id, a function of the student handle) for every visible test of ``module``."""
    for name, function in sorted(vars(module).items()):
        if not name.startswith("test_") or not inspect.isfunction(function):
            continue
        if any(mark.name == "hidden" for mark in _marks(function)):
            continue
        parameters = inspect.signature(function).parameters
        for params in _parametrizations(function):
            fixtures = [p for p in parameters if p not in params]
            if len(fixtures) != 1:
                raise VisibleInputsError(
                    f"{module.__name__}.{name} takes the fixtures {fixtures}: a visible test "
                    "takes one, the exercise's student handle, besides its parameters"
                )
            labels = [getattr(value, "__name__", repr(value)) for value in params.values()]
            test_id = name + (f"[{'-'.join(labels)}]" if labels else "")
            yield test_id, lambda student, f=function, p=params, h=fixtures[0]: f(**{h: student}, **p)


def probe_calls(exercise: str) -> list[tuple[str, tuple, dict]]:
    """Every probe call the visible tests of ``exercise`` (e.g. "01_gru") start with."""
    with warnings.catch_warnings():
        # Outside the grader's pytest session its marks (points, hidden) are unregistered.
        warnings.simplefilter("ignore", pytest.PytestUnknownMarkWarning)
        module = importlib.import_module(f"autograder.test_ex{exercise}")
    calls = []
    for _, run in visible_tests(module):
        student = CollectingStudent()
        try:
            run(student)
        except _Collected:
            pass
        calls.extend(student.calls)
    return calls


def record_mistakes(recorder: Recorder, store: str, mistakes: tuple[Mistake, ...] | list[Mistake],
                    *args: Any) -> None:
    """Each mistake's result on ``args``, recorded (a mistake that raises is recorded as such)."""
    for mistake in mistakes:
        try:
            recorder.call(store, mistake.name, mistake.fn, *args)
        except Exception:  # noqa: BLE001 - recorded; the diagnosis will skip it
            continue


# One function per exercise ------------------------------------------------------------


def record_ex01_gru(recorder: Recorder) -> None:
    """States of the lecture GRU, and of every known mistake, for each ``forward`` the checks run."""
    from autograder.checks import ex01_gru as checks
    from autograder.mistakes import ex01_gru as bank

    for probe, args, _ in probe_calls("01_gru"):
        if probe != "run_forward":
            continue
        case = checks.Case(*args)
        checks.expected_states(case)
        # What ``_diagnosis`` hands every mistake: the parameters, the inputs as a list
        # of vectors, and the start state.
        record_mistakes(recorder, bank.__name__, bank.MISTAKES, case.params, list(case.inputs), case.start)


def record_ex03_gates(recorder: Recorder) -> None:
    """Every layer's gates and states, the key's and each mistake's, for each LSTM the checks build."""
    from autograder.checks import ex03_gates as checks
    from autograder.mistakes import ex03_gates as bank

    for probe, args, _ in probe_calls("03_gates"):
        if probe != "gate_activations":
            continue
        weights, x, num_layers = args
        checks._expected_activations(weights, x, num_layers)
        record_mistakes(recorder, bank.__name__, bank.MISTAKES, weights, x, num_layers)


def record_ex04_lstm_backward(recorder: Recorder) -> None:
    """Gradients (the key's and autograd's), the notebook's cache and every mistake's
    gradients for each case the checks send, and the reference's training loss."""
    from autograder.checks import ex04_lstm_backward as checks
    from autograder.mistakes import ex04_lstm_backward as bank

    checks._reference_training_loss(checks._corpus(), **checks.TRAINING)
    for probe, args, _ in probe_calls("04_lstm_backward"):
        if probe != "backward":
            continue
        for case in args[0]:
            checks._reference_gradients(case)
            checks._autograd_gradients(case)
            cache = checks._notebook_cache(case)
            record_mistakes(recorder, bank.__name__, bank.MISTAKES, cache)


# The exercise (as in "01_gru") -> its recording function, and whether its mistakes are
# recorded (their implementations then stay out of the bundle).
RECORDERS: dict[str, Callable[[Recorder], None]] = {
    "01_gru": record_ex01_gru,
    "03_gates": record_ex03_gates,
    "04_lstm_backward": record_ex04_lstm_backward,
}
RECORDED_BANKS = tuple(f"autograder.mistakes.ex{exercise}" for exercise in RECORDERS)
