"""The exceptions a check raises; their message is the feedback a student reads."""
from __future__ import annotations


class CheckFailed(Exception):
    """A check did not pass. ``str(exc)`` is written for the student, never a traceback.

    ``output`` holds what the student's code printed during the failing call (already
    truncated), so a report can show it next to the message.
    """

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.output = output

    def __str__(self) -> str:
        if not self.output:
            return self.message
        printed = "\n".join("    " + line for line in self.output.splitlines())
        return f"{self.message}\nYour code printed:\n{printed}"


class NotImplementedYet(CheckFailed):
    """The student's function still raises ``NotImplementedError`` (an untouched stub)."""


class GraderError(RuntimeError):
    """Something is wrong on the grader's side (a missing probe, a broken worker).

    Never raised because of what a student wrote; the report shows it with a traceback.
    """
