"""A long-lived grading process for the batch grader, and the handle that drives it.

Starting ``pytest autograder`` costs seconds per student (importing torch in pytest and
in two sandbox workers). A batch worker pays that once: it keeps one ``WorkerPool`` of
sandbox workers alive and runs the plugin in-process, one ``pytest.main`` session per
student. Isolation between students is unchanged: every probe call still runs in a
fresh child forked from a clean sandbox worker, and nothing a session builds (handles,
scratch folders, results) survives into the next one.

Protocol (one JSON object per line): the parent writes ``{"submission": PATH}`` on the
worker's stdin; the worker answers ``{"results": [...]}`` (``CheckResult`` fields) or
``{"error": "..."}`` on its original stdout. pytest's own output goes to /dev/null.
The worker's first line is ``{"ready": true}``.

Run as ``python -m autograder.batch_worker TESTS_DIR``.
"""
from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from autograder.results import CheckResult, as_dicts, from_gradescope
from autograder.sandbox import PACKAGE_DIR, PROJECT_DIR, WorkerPool

# Seconds a worker may take to import pytest, torch and the checks on a busy machine.
STARTUP_TIMEOUT = 300.0
# pytest exit statuses that mean "every check ran" (all passed / some failed).
_FINISHED = (0, 1)


class StudentTimeout(TimeoutError):
    """Grading one submission took longer than the batch's per-student limit."""


class WorkerFailed(RuntimeError):
    """The grading process died or could not grade (a grader problem, not a grade)."""


class KeptPool(WorkerPool):
    """A pool that outlives pytest sessions: ``close`` is a no-op, ``shutdown`` stops it."""

    def close(self) -> None:
        """Called by the plugin at the end of every session: the workers stay up."""

    def shutdown(self) -> None:
        super().close()


class _SharedPool:
    """pytest plugin: gives this session's ``GradingSession`` the long-lived pool."""

    def __init__(self, pool: WorkerPool) -> None:
        self.pool = pool

    @pytest.hookimpl(trylast=True)  # after the autograder plugin created the session
    def pytest_configure(self, config: pytest.Config) -> None:
        from autograder.plugin import grading_session

        grading_session(config).pool = self.pool


def pytest_arguments(tests_dir: Path, submission: Path, results_json: Path) -> list[str]:
    """The command line of one grading session (as ``grade.grade_submission`` runs it)."""
    plugin = [] if tests_dir == PACKAGE_DIR else ["-p", "autograder.plugin"]
    return [
        str(tests_dir), *plugin,
        "--submission", str(submission),
        "--results-json", str(results_json),
        "-q", "-p", "no:cacheprovider",
        # The shared pool's workers start on first use and then serve every student.
        "--no-prestart",
        # Nobody reads pytest's output here: no tracebacks to format (the plugin keeps
        # each check's message), and no end-of-session gc.collect() passes of the
        # unraisable-exception plugin (each costs ~0.2 s with torch loaded).
        "--tb=no", "-p", "no:unraisableexception",
        # pytest-benchmark (a development tool, when installed) asks git, hg and `file`
        # about the project in every session: three programs run per student for nothing.
        "-p", "no:benchmark",
    ]


def grade_in_process(submission: Path, tests_dir: Path, pool: WorkerPool) -> list[CheckResult]:
    """Grade one submission with the plugin in this process, on ``pool``'s workers."""
    with tempfile.TemporaryDirectory(prefix="batch-") as tmp:
        target = Path(tmp) / "results.json"
        status = pytest.main(pytest_arguments(tests_dir, submission, target), plugins=[_SharedPool(pool)])
        if int(status) not in _FINISHED or not target.is_file():
            raise WorkerFailed(f"pytest stopped with exit status {int(status)} before grading every check")
        return from_gradescope(json.loads(target.read_text()))


def main(argv: list[str] | None = None) -> None:
    """Serve grading requests from stdin until it closes."""
    argv = sys.argv[1:] if argv is None else argv
    tests_dir = Path(argv[0]).resolve()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what an interrupt stops
    channel = os.fdopen(os.dup(1), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    pool = KeptPool()
    channel.write(json.dumps({"ready": True}) + "\n")
    try:
        for line in sys.stdin:
            request = json.loads(line)
            try:
                results = grade_in_process(Path(request["submission"]), tests_dir, pool)
                reply: dict[str, Any] = {"results": as_dicts(results)}
            except Exception as exc:  # a grader problem: report it, keep serving
                reply = {"error": f"{type(exc).__name__}: {exc}"}
            channel.write(json.dumps(reply) + "\n")
    finally:
        pool.shutdown()


class GradingProcess:
    """The parent's handle on one batch worker; restarts it after a timeout or a crash.

    ``recycle_after`` bounds how many students one process grades before it is replaced
    (pytest sessions leave a little memory behind).
    """

    def __init__(self, tests_dir: Path = PACKAGE_DIR, env: Mapping[str, str] | None = None,
                 recycle_after: int = 100) -> None:
        self.tests_dir = Path(tests_dir).resolve()
        self.env = dict(os.environ if env is None else env)
        self.recycle_after = recycle_after
        self.process: subprocess.Popen | None = None
        self.graded = 0
        self._buffer = b""
        self._log: Any = None

    def start(self) -> None:
        if self.process is not None:
            return
        self._log = tempfile.TemporaryFile()
        cwd = PROJECT_DIR if self.tests_dir == PACKAGE_DIR else self.tests_dir
        self.process = subprocess.Popen(
            [sys.executable, "-m", "autograder.batch_worker", str(self.tests_dir)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
            cwd=cwd, env=self.env,
        )
        self._buffer = b""
        self.graded = 0
        reply = self._read_line(STARTUP_TIMEOUT, starting=True)
        if not reply.get("ready"):
            self.close()
            raise WorkerFailed(f"the grading process did not start properly: {reply}")

    def grade(self, submission: Path, timeout: float) -> list[CheckResult]:
        """Grade ``submission`` within ``timeout`` seconds (``StudentTimeout`` otherwise)."""
        if self.process is not None and (self.graded >= self.recycle_after or self.process.poll() is not None):
            self.close()  # recycled, or died between two students: start afresh
        self.start()
        assert self.process is not None and self.process.stdin is not None
        try:
            self.process.stdin.write((json.dumps({"submission": str(submission)}) + "\n").encode())
            self.process.stdin.flush()
        except OSError as exc:
            failure = self._failure(f"the grading process stopped ({exc})")
            self.close()
            raise failure from None
        reply = self._read_line(timeout)
        self.graded += 1
        if "error" in reply:
            raise WorkerFailed(str(reply["error"]))
        return [CheckResult(**fields) for fields in reply["results"]]

    def _read_line(self, timeout: float, starting: bool = False) -> dict[str, Any]:
        assert self.process is not None and self.process.stdout is not None
        fd = self.process.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            ready = select.select([fd], [], [], max(remaining, 0))[0] if remaining > 0 else []
            if not ready:
                self.close(kill=True)
                if starting:
                    raise WorkerFailed(f"the grading process did not start within {timeout:.0f} s")
                raise StudentTimeout(f"grading did not finish within {timeout:.0f} s")
            chunk = os.read(fd, 65536)
            if not chunk:
                failure = self._failure("the grading process exited unexpectedly")
                self.close()
                raise failure
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        try:
            return json.loads(line)
        except ValueError:
            failure = self._failure(f"the grading process sent an unreadable line: {line[:200]!r}")
            self.close(kill=True)
            raise failure from None

    def _failure(self, what: str) -> WorkerFailed:
        log = ""
        if self._log is not None:
            self._log.seek(0)
            log = self._log.read()[-3000:].decode("utf-8", "replace").strip()
        return WorkerFailed(f"{what}:\n{log}" if log else what)

    def kill(self) -> None:
        """Stop a grading in progress from another thread (its ``grade`` then fails)."""
        process = self.process
        if process is not None:
            process.kill()

    def close(self, kill: bool = False) -> None:
        """Stop the process: closing its stdin lets it shut its sandbox workers down;
        ``kill`` ends a hung one at once (its workers exit when their pipes close)."""
        process, self.process = self.process, None
        if process is not None:
            if kill:
                process.kill()
            try:
                if process.stdin is not None:
                    process.stdin.close()
            except OSError:
                pass
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()
        if self._log is not None:
            self._log.close()
            self._log = None


if __name__ == "__main__":
    main()
