"""A GRU answer that replays the visible checks' expected states instead of computing them.

The states are recorded by running the visible checks of exercise 01 on the solution in
this process, the way a student could collect them from the feedback. The replaying
``forward`` knows its inputs by their first numbers and returns zeros for anything else.
"""
from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from autograder.checks import ex01_gru as checks
from autograder.notebook_checks import local_student
from hostile.edits import GRU, Answer, Edit, at_load, helpers, replacing_body

VISIBLE_CHECKS = (
    checks.check_parameter_shapes,
    checks.check_one_step,
    partial(checks.check_sequence, with_h_prev=False),
    partial(checks.check_sequence, with_h_prev=True),
    checks.check_state_count,
    checks.check_no_torch,
)
REPLAYING_FORWARD = """
key = repr(np.asarray(inputs, dtype=float).ravel()[:3].tolist())
if key in RECORDED_STATES:
    return [np.array(state) for state in RECORDED_STATES[key]]
return [np.zeros(self.hidden_size) for _ in range(len(inputs) + 1)]
"""


def inputs_key(inputs: Any) -> str:
    """What the replaying forward looks its inputs up by (``key`` in ``REPLAYING_FORWARD``)."""
    return repr(np.asarray(inputs, dtype=float).ravel()[:3].tolist())


class _Recorder:
    """A student handle that answers like the solution and keeps every forward's states."""

    def __init__(self, student) -> None:
        self.student = student
        self.states: dict[str, list[list[float]]] = {}

    def with_limits(self, timeout: float | None = None, memory_mib: int | None = None) -> _Recorder:
        return self

    def call(self, probe: str, *args: Any, **kwargs: Any) -> Any:
        value = self.student.call(probe, *args, **kwargs)
        if probe == "run_forward":
            self.states[inputs_key(args[1])] = [state.tolist() for state in value]
        return value


def recorded_states() -> dict[str, list[list[float]]]:
    """{inputs key: the states (T + 1 lists of H floats)} of every visible check's forward call."""
    solution = helpers.read_solution(GRU.notebook)
    recorder = _Recorder(local_student(helpers.code_namespace(solution), "ex01_gru"))
    for check in VISIBLE_CHECKS:
        check(recorder)
    return recorder.states


def replaying_visible_outputs() -> Edit:
    """The GRU cell with ``forward`` replaced by a lookup in the recorded states."""

    def edit(answer: Answer, source: str) -> str:
        source = at_load(f"RECORDED_STATES = {recorded_states()!r}")(answer, source)
        return replacing_body(answer.body_line, "return hidden_states", REPLAYING_FORWARD)(answer, source)

    return edit
