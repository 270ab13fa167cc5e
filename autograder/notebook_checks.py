"""The student handle inside a notebook, for nbgrader test cells.

nbgrader runs test cells in the student's own kernel, so there the handle is a thin
adapter over the notebook's globals instead of a sandbox::

    from autograder.notebook_checks import local_student
    from autograder.checks.ex01_gru import check_one_step
    student = local_student(globals(), "ex01_gru")
    check_one_step(student)

Calls go through the same probes, the same plain-data conversion (``wire.roundtrip``)
and the same error messages as in the sandbox; only isolation and limits are absent.
"""
from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from autograder import student_errors, wire
from autograder.errors import CheckFailed


class LocalStudent:
    """``student.call(probe, *args, **kwargs)`` over a dict of notebook globals."""

    def __init__(self, ns: dict[str, Any], probes: ModuleType) -> None:
        self.ns = ns
        self.probes = probes

    def with_limits(self, timeout: float | None = None, memory_mib: int | None = None) -> LocalStudent:
        """No limits apply inside a kernel; accepted so checks run unchanged."""
        return self

    def call(self, probe: str, *args: Any, timeout: float | None = None, memory_mib: int | None = None,
             **kwargs: Any) -> Any:
        """Run ``probe(ns, *args, **kwargs)`` here; plain data back or ``CheckFailed``."""
        __tracebackhide__ = True
        function = getattr(self.probes, probe)
        ns = self.ns
        try:
            value = function(ns, *args, **kwargs)
        except Exception as exc:
            error = student_errors.describe_exception(exc, lambda frame: frame.f_globals is ns)
            raise student_errors.to_check_failed(error, probe=probe) from None
        try:
            return wire.roundtrip(value)
        except wire.WireError as exc:
            raise CheckFailed(
                f"the result could not be read: it contains {exc} "
                "(expected numbers, strings, NumPy arrays or torch tensors, in lists/tuples/dicts)."
            ) from None


def local_student(ns: dict[str, Any], exercise: str) -> LocalStudent:
    """The handle for ``exercise`` (``"ex01_gru"`` or ``"01_gru"``) over ``globals()``."""
    name = exercise if exercise.startswith("ex") else f"ex{exercise}"
    return LocalStudent(ns, importlib.import_module(f"autograder.probes.{name}"))
