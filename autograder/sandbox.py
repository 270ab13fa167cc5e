"""The grader's side of the sandbox: worker processes and the student handle.

A check talks to the student's notebook only through a handle with one method,
``student.call(probe_name, *args, **kwargs) -> plain data``. ``SandboxStudent`` is that
handle in pytest: each call runs the notebook's selected cells and then the probe in a
fresh child of a worker process (see ``autograder.worker``), under a time and memory
limit, and comes back as plain data or as a ``CheckFailed`` with a student-readable
message. Nothing the child sends is trusted beyond being decoded as plain data.

``WorkerPool`` keeps one worker per set of preloaded modules (``PRELOAD``: numpy, torch,
matplotlib, minus what an exercise forbids) for the whole session and can start them
early, in the background.
"""
from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from autograder import student_errors, wire
from autograder.errors import CheckFailed, GraderError
from autograder.notebook import NotebookCode, NotebookUnreadable, load_notebook_code

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
DEFAULT_TIMEOUT = 15.0
DEFAULT_MEMORY_MIB = 1024
DEFAULT_OUTPUT_LIMIT = 2000
DEFAULT_MAX_BYTES = 64 * 2**20
# How long a worker may take to start (importing torch on a slow, busy machine).
STARTUP_TIMEOUT = 180.0
# Extra seconds the grader waits beyond a call's own limit before giving up on a worker.
_WORKER_GRACE = 30.0


# glibc's malloc asks for transparent huge pages (glibc >= 2.35; ignored elsewhere). A
# worker forks a child for every call, and fork copies one page-table entry per page of
# the worker's heap: with torch loaded, 2 MiB pages make that copy (and the child's exit)
# about twice as fast.
HUGE_PAGES_TUNABLE = "glibc.malloc.hugetlb=1"


def with_huge_pages(tunables: str) -> str:
    """``tunables`` (a ``GLIBC_TUNABLES`` value) with huge pages asked for, unless it
    already says something about them."""
    if "glibc.malloc.hugetlb" in tunables:
        return tunables
    return f"{tunables}:{HUGE_PAGES_TUNABLE}" if tunables else HUGE_PAGES_TUNABLE


def protected_folders() -> tuple[str, ...]:
    """Folders student code may not read: the answer key, the grader, the sources, and
    git's object store, which holds every committed version of all three."""
    folders = [PACKAGE_DIR, PROJECT_DIR / "reference", PROJECT_DIR / "solutions", PROJECT_DIR / ".git"]
    return tuple(str(p.resolve()) for p in folders if p.exists())


class Worker:
    """One worker process; ``call`` sends a request and returns (envelope, payload)."""

    def __init__(self, preload: tuple[str, ...]) -> None:
        self.preload = preload
        self.process: subprocess.Popen | None = None
        self.ready = False
        self._request_w = self._response_r = -1
        self._log: Any = None

    def start(self) -> None:
        """Launch the process without waiting for it (it imports its modules meanwhile)."""
        if self.process is not None:
            return
        request_r, request_w = os.pipe()
        response_r, response_w = os.pipe()
        code = (
            "import sys; sys.path.insert(0, sys.argv.pop(1)); "
            "from autograder.worker import main; main()"
        )
        # One BLAS/OpenMP thread: the grader computes references beside the worker and a
        # batch grader runs several workers, so more threads would only fight for cores.
        env = dict(os.environ, MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1",
                   OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
        env["GLIBC_TUNABLES"] = with_huge_pages(env.get("GLIBC_TUNABLES", ""))
        # The worker's own stderr (an import error at start-up) is kept for the report.
        self._log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-c", code, str(PROJECT_DIR), str(request_r), str(response_w),
             json.dumps(list(self.preload))],
            pass_fds=(request_r, response_w),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            start_new_session=True,
            env=env,
        )
        os.close(request_r)
        os.close(response_w)
        self._request_w, self._response_r = request_w, response_r
        self.ready = False

    def _read(self, timeout: float) -> bytes:
        ready, _, _ = select.select([self._response_r], [], [], timeout)
        if not ready:
            raise TimeoutError("the sandbox worker did not answer")
        return wire.read_frame(self._response_r)

    def _wait_ready(self) -> None:
        if not self.ready:
            self._read(STARTUP_TIMEOUT)
            self.ready = True

    def _startup_failure(self, exc: BaseException) -> dict[str, Any]:
        log = ""
        if self._log is not None:
            self._log.seek(0)
            log = self._log.read()[-3000:].decode("utf-8", "replace")
        return {"outcome": "grader_error", "message": f"the sandbox worker did not start ({exc!r}):\n{log}"}

    def call(self, request: dict[str, Any], timeout: float, max_bytes: int) -> tuple[dict[str, Any], bytes]:
        """Run one request; a dead or hung worker is replaced and reported as a crash."""
        self.start()
        try:
            self._wait_ready()
        except (OSError, EOFError, TimeoutError, wire.WireError) as exc:
            failure = self._startup_failure(exc)
            self.close()
            return failure, b""
        try:
            wire.write_frame(self._request_w, wire.encode(request))
            envelope = wire.decode(self._read(timeout + _WORKER_GRACE))
            payload = b""
            if envelope.get("outcome") == "reply":
                payload = wire.read_frame(self._response_r, max_bytes + 1024)
            return envelope, payload
        except (OSError, EOFError, TimeoutError, wire.WireError) as exc:
            self.close()
            return {"outcome": "worker_lost", "message": f"{type(exc).__name__}: {exc}"}, b""

    def close(self) -> None:
        """Stop the process (and any child it still has) and forget it."""
        for fd in (self._request_w, self._response_r):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._request_w = self._response_r = -1
        if self._log is not None:
            self._log.close()
            self._log = None
        process, self.process = self.process, None
        if process is None:
            return
        try:
            process.wait(timeout=2)  # it exits by itself when the request pipe closes
        except subprocess.TimeoutExpired:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            process.wait()


class WorkerPool:
    """Workers keyed by their preloaded modules, shared by every handle of a session."""

    def __init__(self) -> None:
        self.workers: dict[tuple[str, ...], Worker] = {}

    def get(self, preload: tuple[str, ...]) -> Worker:
        if preload not in self.workers:
            self.workers[preload] = Worker(preload)
        return self.workers[preload]

    def prestart(self, *preloads: tuple[str, ...]) -> None:
        """Start workers now so their imports overlap with other work."""
        for preload in preloads:
            self.get(preload).start()

    def close(self) -> None:
        for worker in self.workers.values():
            worker.close()
        self.workers.clear()


@dataclass
class _Shared:
    """State shared between a handle and its ``with_limits`` copies."""

    code: NotebookCode | None = None
    load_error: str = ""
    scratch: tempfile.TemporaryDirectory | None = None


# What a worker imports before serving calls (pyplot builds its font cache once, there).
PRELOAD = ("numpy", "torch", "matplotlib.pyplot")


def default_preload(forbid: tuple[str, ...] = ()) -> tuple[str, ...]:
    """``PRELOAD`` without the modules an exercise forbids (e.g. no torch for exercise 1)."""
    return tuple(m for m in PRELOAD if m.split(".")[0] not in forbid)


@dataclass
class SandboxStudent:
    """The student's notebook, reachable only through probes run in the sandbox.

    ``notebook`` is None when the submission has no notebook for the exercise: every
    call then fails with "notebook not found". ``probes`` is a module name
    (``autograder.probes.ex01_gru``) or a path to a ``.py`` file. ``files`` are copied
    next to the student's code (looked up beside the notebook, then in
    ``search_dirs``). ``forbid`` lists modules the student may not import.
    """

    pool: WorkerPool
    exercise: str
    notebook: Path | None
    probes: str
    forbid: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    search_dirs: tuple[Path, ...] = ()
    preload: tuple[str, ...] | None = None
    timeout: float = DEFAULT_TIMEOUT
    memory_mib: int = DEFAULT_MEMORY_MIB
    output_limit: int = DEFAULT_OUTPUT_LIMIT
    max_bytes: int = DEFAULT_MAX_BYTES
    expected_name: str = ""
    _shared: _Shared = field(default_factory=_Shared, repr=False)

    def with_limits(self, timeout: float | None = None, memory_mib: int | None = None) -> SandboxStudent:
        """The same notebook with other limits (e.g. a training check needs more time)."""
        return replace(
            self,
            timeout=self.timeout if timeout is None else float(timeout),
            memory_mib=self.memory_mib if memory_mib is None else int(memory_mib),
        )

    # --- loading -----------------------------------------------------------------

    def load(self) -> NotebookCode | None:
        """Read the notebook once (None when missing or unreadable; see ``load_error``)."""
        shared = self._shared
        if shared.code is None and not shared.load_error:
            if self.notebook is None:
                where = self.expected_name or f"{self.exercise}.ipynb"
                shared.load_error = f"notebook not found: expected {where} in the submission."
            else:
                try:
                    shared.code = load_notebook_code(self.notebook)
                except NotebookUnreadable as exc:
                    shared.load_error = str(exc)
        return shared.code

    @property
    def notes(self) -> tuple[str, ...]:
        code = self.load()
        return code.notes if code is not None else ()

    @property
    def digest(self) -> str:
        """sha256 of the solution cells ("" without a notebook): seeds the hidden checks."""
        code = self.load()
        return code.digest if code is not None else ""

    def _scratch_dir(self) -> str:
        shared = self._shared
        if shared.scratch is None:
            shared.scratch = tempfile.TemporaryDirectory(prefix=f"grader-{self.exercise}-")
            for name in self.files:
                for folder in (self.notebook.parent, *self.search_dirs):
                    source = Path(folder) / name
                    if source.is_file():
                        shutil.copy(source, Path(shared.scratch.name) / Path(name).name)
                        break
        return shared.scratch.name

    def close(self) -> None:
        """Remove the scratch directory."""
        if self._shared.scratch is not None:
            self._shared.scratch.cleanup()
            self._shared.scratch = None

    # --- calling -----------------------------------------------------------------

    def call(self, probe: str, *args: Any, timeout: float | None = None, memory_mib: int | None = None,
             **kwargs: Any) -> Any:
        """Run the notebook's cells and ``probe(ns, *args, **kwargs)`` in a fresh sandbox.

        ``timeout`` (seconds) and ``memory_mib`` override this handle's limits for one
        call (a training check needs more time); they are not passed to the probe.
        """
        __tracebackhide__ = True
        if timeout is not None or memory_mib is not None:
            return self.with_limits(timeout, memory_mib).call(probe, *args, **kwargs)
        code = self.load()
        if code is None:
            raise CheckFailed(self._shared.load_error)
        missing = [n for n in self.files if not (Path(self._scratch_dir()) / Path(n).name).is_file()]
        if missing:
            raise CheckFailed(f"the file {missing[0]} that this notebook needs is missing from the submission.")
        request = {
            "op": "call",
            "cells": [[cell.filename, cell.source] for cell in code.cells],
            "probes": self.probes,
            "probe": probe,
            "args": list(args),
            "kwargs": dict(kwargs),
            "timeout": float(self.timeout),
            "memory_mib": int(self.memory_mib),
            "output_limit": int(self.output_limit),
            "max_bytes": int(self.max_bytes),
            "scratch": self._scratch_dir(),
            "forbid": list(self.forbid),
            "protected": list(protected_folders()),
        }
        preload = self.preload if self.preload is not None else default_preload(self.forbid)
        envelope, payload = self.pool.get(preload).call(request, self.timeout, self.max_bytes)
        return self._outcome(probe, envelope, payload)

    def _fail(self, error: dict[str, Any], probe: str, output: str = "") -> CheckFailed:
        return student_errors.to_check_failed(
            error, probe=probe, timeout=self.timeout, memory_mib=self.memory_mib, output=output
        )

    def _outcome(self, probe: str, envelope: dict[str, Any], payload: bytes) -> Any:
        __tracebackhide__ = True
        outcome = envelope.get("outcome")
        if outcome == "grader_error":
            raise GraderError(f"probe {probe!r} of {self.probes}: {envelope.get('message')}")
        if outcome == "timeout":
            raise self._fail({"kind": "timeout"}, probe)
        if outcome == "crashed":
            raise self._fail({"kind": "crashed", "signal": envelope.get("signal", 0)}, probe)
        if outcome == "exited":
            raise self._fail({"kind": "exited", "code": envelope.get("code")}, probe)
        if outcome == "too_large":
            raise self._fail({"kind": "too_large", "message": envelope.get("message", "")}, probe)
        if outcome == "worker_lost":
            raise self._fail({"kind": "crashed", "signal": int(signal.SIGKILL)}, probe)
        try:
            reply = wire.decode(payload, self.max_bytes + 1024)
        except wire.WireError as exc:
            raise self._fail({"kind": "bad_value", "message": f"an unreadable reply ({exc})"}, probe) from None
        if type(reply) is not dict or reply.get("status") not in ("ok", "error", "grader_error"):
            raise self._fail({"kind": "bad_value", "message": "an unexpected reply"}, probe)
        output = reply.get("stdout") if type(reply.get("stdout")) is str else ""
        if reply["status"] == "grader_error":
            raise GraderError(f"probe {probe!r} of {self.probes}: {reply.get('message')}")
        if reply["status"] == "error":
            error = reply.get("error")
            if type(error) is not dict:
                raise self._fail({"kind": "bad_value", "message": "an unexpected error report"}, probe)
            raise self._fail(error, probe, output)
        return reply.get("value")


def measure_round_trip(student: SandboxStudent, probe: str, repeats: int = 20) -> float:
    """Median seconds of ``student.call(probe)`` after a warm-up call (for benchmarks)."""
    student.call(probe)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        student.call(probe)
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2]
