"""Known mistakes: recognise a wrong answer by reproducing it.

An exercise lists the mistakes students make as ``Mistake(name, hint, fn)`` records in
``autograder/mistakes/exNN_name.py``; ``fn`` is a deliberately wrong implementation. When
a check finds the student's result wrong, ``diagnose`` runs each ``fn`` on the same inputs
in the grader's process and returns the first whose output matches the student's (the
comparison is ``autograder.compare.mismatch``, so arrays, dicts and lists all work).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from autograder.compare import DEFAULT_ATOL, mismatch
from autograder.errors import CheckFailed


@dataclass(frozen=True)
class Mistake:
    """A named wrong implementation with the hint that corrects it."""

    name: str
    hint: str
    fn: Callable[..., Any]

    def message(self) -> str:
        """The sentence a student reads: ``This looks like <name>: <hint>``."""
        return f"This looks like {self.name}: {self.hint}"


def diagnose(got: Any, candidates: Iterable[Mistake], *args: Any, atol: float = DEFAULT_ATOL,
             rtol: float = 0.0, **kwargs: Any) -> Mistake | None:
    """The first mistake whose ``fn(*args, **kwargs)`` reproduces ``got``, or None.

    A candidate that raises on these inputs simply does not match.
    """
    for mistake in candidates:
        try:
            produced = mistake.fn(*args, **kwargs)
        except Exception:
            continue
        if mismatch(got, produced, atol=atol, rtol=rtol) is None:
            return mistake
    return None


def explain(failure: CheckFailed, got: Any, candidates: Iterable[Mistake], *args: Any,
            atol: float = DEFAULT_ATOL, rtol: float = 0.0, **kwargs: Any) -> CheckFailed:
    """``failure`` with the matching mistake's sentence put first, when one matches."""
    mistake = diagnose(got, candidates, *args, atol=atol, rtol=rtol, **kwargs)
    if mistake is None:
        return failure
    return type(failure)(f"{mistake.message()}\n{failure.message}", failure.output)
