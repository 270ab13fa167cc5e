"""What went wrong in student code, as plain data, and the message a student reads.

``describe_exception`` runs where the student's code ran (the sandbox child, or the
notebook's kernel for nbgrader test cells) and reduces an exception to a small dict of
strings, keeping only the student's own frames. ``to_check_failed`` runs in the grader
and turns such a dict (or a worker outcome such as a timeout) into ``CheckFailed``.
"""
from __future__ import annotations

import linecache
import signal
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import Any

from autograder.errors import CheckFailed, NotImplementedYet
from autograder.guard import RefusedImport, RefusedOperation

MAX_TEXT = 600
_MEMORY_WORDS = ("can't allocate memory", "not enough memory", "out of memory", "std::bad_alloc")


def _short(text: str, limit: int = MAX_TEXT) -> str:
    text = str(text)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text) - limit} more characters)"


def _safe_text(value: Any, use_repr: bool = False) -> str:
    """``str``/``repr`` of a student object, which may itself raise."""
    try:
        return repr(value) if use_repr else str(value)
    except Exception:
        return f"<unprintable {type(value).__name__}>"


def _student_frames(
    tb: TracebackType | None, is_student: Callable[[FrameType], bool]
) -> list[dict[str, Any]]:
    frames = []
    while tb is not None:
        frame = tb.tb_frame
        if is_student(frame):
            code = frame.f_code
            filename = code.co_filename
            line = linecache.getline(filename, tb.tb_lineno).strip()
            frames.append(
                {
                    "file": filename,
                    "line": tb.tb_lineno,
                    "function": getattr(code, "co_qualname", code.co_name),
                    "source": _short(line, 200),
                }
            )
        tb = tb.tb_next
    return frames[-3:]


def _chain(exc: BaseException) -> list[BaseException]:
    seen, chain = set(), []
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    return chain


def describe_exception(exc: BaseException, is_student: Callable[[FrameType], bool]) -> dict[str, Any]:
    """Reduce an exception from student code (or a probe) to plain data.

    ``is_student(frame)`` says which frames are the student's: only those appear in
    ``where``. The result's ``kind`` is one of ``check``, ``not_implemented``,
    ``refused_import``, ``refused``, ``memory``, ``exit``, ``exception``.
    """
    where = _student_frames(exc.__traceback__, is_student)
    if isinstance(exc, CheckFailed):
        kind = "not_implemented" if isinstance(exc, NotImplementedYet) else "check"
        return {"kind": kind, "message": _short(exc.message, 4000), "where": where, "function": ""}
    for link in _chain(exc):
        if isinstance(link, RefusedImport):
            return {"kind": "refused_import", "module": link.module, "where": where}
        if isinstance(link, RefusedOperation):
            return {"kind": "refused", "what": _short(link.what, 300), "where": where}
    if isinstance(exc, NotImplementedError):
        function = where[-1]["function"] if where else ""
        return {"kind": "not_implemented", "message": "", "function": function, "where": where}
    if isinstance(exc, MemoryError) or (
        isinstance(exc, RuntimeError) and any(w in _safe_text(exc) for w in _MEMORY_WORDS)
    ):
        return {"kind": "memory", "where": where}
    if isinstance(exc, SystemExit):
        return {"kind": "exit", "code": _short(_safe_text(exc.code, use_repr=True), 100), "where": where}
    return {
        "kind": "exception",
        "type": type(exc).__name__,
        "message": _short(_safe_text(exc)),
        "where": where,
    }


def describe_syntax_error(exc: SyntaxError, label: str) -> dict[str, Any]:
    """A cell that does not compile: which cell, which line, what Python said."""
    return {
        "kind": "syntax",
        "cell": label,
        "line": exc.lineno or 0,
        "message": _short(exc.msg or "invalid syntax", 200),
        "text": _short((exc.text or "").rstrip(), 200),
    }


def sanitize(error: Any) -> dict[str, Any]:
    """Keep only well-typed fields of an error report (it may come from a hostile child)."""
    if type(error) is not dict:
        return {"kind": "bad_value", "message": "an unexpected error report"}
    clean: dict[str, Any] = {}
    for key, value in error.items():
        if type(key) is str and type(value) in (str, int, float, bool):
            clean[key] = _short(value, 4000) if type(value) is str else value
    frames = error.get("where")
    if type(frames) is list:
        keys = {"file": str, "line": int, "function": str, "source": str}
        clean["where"] = [
            {k: f[k] for k in keys}
            for f in frames[-3:]
            if type(f) is dict and all(type(f.get(k)) is t for k, t in keys.items())
        ]
    notes = error.get("notes")
    if type(notes) is list:
        clean["notes"] = [_short(n, 400) for n in notes[:5] if type(n) is str]
    return clean


def _place(frame: dict[str, Any]) -> str:
    file = frame["file"]
    place = file[1:-1] if file.startswith("<") and file.endswith(">") else "your notebook"
    function = frame["function"]
    inside = "" if function == "<module>" else f", in {function}"
    text = f"  {place}, line {frame['line']}{inside}"
    if frame["source"]:
        text += f":\n      {frame['source']}"
    return text


def _where_text(where: list[dict[str, Any]]) -> str:
    return "\n".join(_place(frame) for frame in where)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def to_check_failed(
    error: dict[str, Any], *, probe: str = "", timeout: float = 0.0, memory_mib: int = 0, output: str = ""
) -> CheckFailed:
    """The exception a check raises for an error dict (``describe_*`` or a worker outcome).

    Notes collected while the notebook loaded (a cell that raised) follow the message.
    """
    error = sanitize(error)
    exc = _build(error, probe, timeout, memory_mib, output)
    notes = error.get("notes") or []
    if notes:
        exc.message += "".join(f"\nNote: {note}" for note in notes)
        exc.args = (exc.message,)
    return exc


def _build(error: dict[str, Any], probe: str, timeout: float, memory_mib: int, output: str) -> CheckFailed:
    kind = error.get("kind")
    where = _where_text(error.get("where") or [])
    suffix = f"\n{where}" if where else ""
    if kind == "not_implemented":
        function = error.get("function") or ""
        name = f"`{function}`" if function and function != "<module>" else "your code"
        message = error.get("message") or f"{name} is not implemented yet (it raises NotImplementedError)."
        return NotImplementedYet(message + suffix, output)
    if kind == "check":
        return CheckFailed(error.get("message", "") + suffix, output)
    if kind == "refused_import":
        module = error.get("module", "?")
        return CheckFailed(f"importing {module} is not allowed in this exercise.{suffix}", output)
    if kind == "refused":
        return CheckFailed(f"your code tried to {error.get('what', '?')}, which is not allowed here.{suffix}", output)
    if kind == "memory":
        limit = f"more than {memory_mib} MiB of" if memory_mib > 0 else "too much"
        return CheckFailed(f"your code used {limit} memory.{suffix}", output)
    if kind == "exit":
        return CheckFailed(
            f"your code exited (sys.exit({error.get('code', '')})) instead of returning: "
            f"remove exit()/sys.exit() from your notebook.{suffix}",
            output,
        )
    if kind == "exception":
        text = f": {error['message']}" if error.get("message") else " (without a message)"
        return CheckFailed(f"your code raised {error.get('type')}{text}{suffix}", output)
    if kind == "syntax":
        text = f"\n      {error['text']}" if error.get("text") else ""
        return CheckFailed(
            f"syntax error in {error.get('cell')}, line {error.get('line')}: {error.get('message')}{text}",
            output,
        )
    if kind == "timeout":
        return CheckFailed(f"your code took longer than {timeout:g} s (infinite loop?)", output)
    if kind == "exited":
        return CheckFailed(
            f"your code exited (exit status {error.get('code')}) before returning: "
            "remove os._exit()/exit() calls from your notebook.",
            output,
        )
    if kind == "crashed":
        name = _signal_name(int(error.get("signal", 0)))
        if name == "SIGXCPU":
            return CheckFailed(f"your code took longer than {timeout:g} s of CPU time (infinite loop?)", output)
        return CheckFailed(f"your code crashed ({name}).", output)
    if kind == "too_large":
        return CheckFailed(
            f"your code returned too much data ({error.get('message', '')}): return only what the "
            "function is asked for, with the shapes its docstring gives.",
            output,
        )
    if kind == "bad_value":
        return CheckFailed(
            f"the result could not be read: it contains {error.get('message', 'something unexpected')} "
            "(expected numbers, strings, NumPy arrays or torch tensors, in lists/tuples/dicts).",
            output,
        )
    return CheckFailed(f"the check {probe or ''} failed in an unexpected way ({kind}).", output)
