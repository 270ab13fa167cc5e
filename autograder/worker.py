"""The sandbox worker: a clean parent that forks one child per probe call.

The grader starts this module in a separate interpreter (``sandbox.Worker``). The
parent imports numpy (and torch, when the exercise allows it) once, imports probe
modules as they are first asked for, and never runs student code. For every call it
hands the request to a *spare* child forked ahead of time, so a call costs a pipe
round trip, not a fork. The child:

1. puts itself in its own process group and closes every descriptor but its two pipes;
2. sets its limits: CPU seconds (a backstop for the parent's wall-clock timeout), data
   size (``RLIMIT_DATA``: current use + the call's MiB, which counts heap and anonymous
   mappings but not torch's reserved address space), file size, no core dumps;
3. moves into the scratch directory, captures ``sys.stdout``/``sys.stderr`` (bounded);
4. confines its file access in the kernel where Linux has Landlock (``landlock.confine``:
   no reading the protected folders, no writing outside the scratch directory, even from
   C code), installs the audit hook (``guard.install``), then compiles and runs the
   notebook's cells and the probe, and writes the result (``wire`` format) before
   ``os._exit``.

The parent waits for the result with the call's timeout, kills the child's process group
when it runs over, and reports the outcome to the grader: ``reply`` (followed by the
child's message, forwarded unread), ``timeout``, ``exited``, ``crashed``, ``too_large``
or ``grader_error``. A child never outlives its call, so one call's damage (a crash, an
exit, a patched numpy) cannot reach another.

Protocol with the grader (length-prefixed ``wire`` messages on two pipes): the parent
first sends ``{"ready": pid}``; then each request ``{"op": "call", ...}`` gets an envelope
``{"outcome": ..., ...}`` and, for ``reply``, the child's message as a second frame.
"""
from __future__ import annotations

import builtins
import gc
import importlib
import importlib.util
import json
import linecache
import math
import os
import resource
import select
import signal
import sys
import tempfile
import time
import traceback
from typing import Any

from autograder import guard, landlock, student_errors, wire

# Descriptor numbers the child's pipes are moved to, so they are easy to keep open
# (below the usual soft limit of 1024 open files, above anything opened at start-up).
_CHILD_REQUEST_FD = 500
_CHILD_RESULT_FD = 501
_FILE_SIZE_LIMIT = 64 * 2**20
_EXIT_NO_RESULT = 70


class _BoundedText:
    """A write-only text stream that keeps the first ``limit`` characters."""

    encoding = "utf-8"
    errors = "replace"

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[str] = []
        self.kept = 0
        self.dropped = 0

    def write(self, text: Any) -> int:
        text = str(text)
        room = self.limit - self.kept
        if room > 0:
            self.parts.append(text[:room])
            self.kept += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def flush(self) -> None:
        return None

    def isatty(self) -> bool:
        return False

    def writable(self) -> bool:
        return True

    def getvalue(self) -> str:
        text = "".join(self.parts)
        if self.dropped:
            text += f"\n... ({self.dropped} more characters not shown)"
        return text


def _data_size_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmData:"):
                return int(line.split()[1])
    return 0


def _set_limits(timeout: float, memory_mib: int, data_kib: int) -> None:
    """``data_kib`` is the data size at fork time, measured by the parent."""
    # CPU seconds are only a backstop (the parent enforces wall-clock time); every
    # thread counts, so allow one timeout's worth per core.
    cpu = int(math.ceil(timeout)) * max(1, os.cpu_count() or 1) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    data = data_kib * 1024 + memory_mib * 2**20
    resource.setrlimit(resource.RLIMIT_DATA, (data, data))
    resource.setrlimit(resource.RLIMIT_FSIZE, (_FILE_SIZE_LIMIT, _FILE_SIZE_LIMIT))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # Past the file-size limit a write fails with an OSError instead of killing us.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def _close_other_fds() -> None:
    """Close every descriptor except 0-2 and the child's two pipes."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    os.closerange(3, _CHILD_REQUEST_FD)
    os.closerange(_CHILD_RESULT_FD + 1, max(_CHILD_RESULT_FD + 1, min(soft, 65536)))


class _ParentState:
    """What the parent prepared for its children: probe modules, the module index and
    the data size, all measured once instead of in every child."""

    def __init__(self) -> None:
        self.modules: dict[str, Any] = {}
        self.module_index: dict[str, tuple[str, ...]] = {}
        self.data_kib = 0

    def freeze(self) -> None:
        """Take the index and size, then move every object out of the collector's reach:
        a child's garbage collections then leave the parent's pages alone."""
        gc.collect()
        self.module_index = guard.module_index()
        gc.freeze()
        self.data_kib = _data_size_kib()


def _run_call(request: dict[str, Any], parent: _ParentState) -> None:
    """Everything a child does for one call; always ends in ``os._exit``."""
    # Bind what the reply needs now: student code may patch modules later.
    encode, write_frame, exit_now = wire.encode, wire.write_frame, os._exit
    describe, describe_syntax = student_errors.describe_exception, student_errors.describe_syntax_error
    WireError, TooLarge = wire.WireError, wire.TooLarge
    max_bytes = int(request["max_bytes"])
    capture = _BoundedText(int(request["output_limit"]))
    torch = sys.modules.get("torch")
    tensor_type = getattr(torch, "Tensor", None) if torch is not None else None
    ns: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}

    def is_student(frame) -> bool:
        return frame.f_globals is ns

    def reply(message: dict[str, Any]) -> None:
        message["stdout"] = capture.getvalue()
        try:
            data = encode(message, max_bytes, tensor_type)
        except TooLarge as exc:
            data = encode({"status": "error", "error": {"kind": "too_large", "message": str(exc)},
                           "stdout": capture.getvalue()}, max_bytes)
        except WireError as exc:
            data = encode({"status": "error", "error": {"kind": "bad_value", "message": str(exc)},
                           "stdout": capture.getvalue()}, max_bytes)
        write_frame(_CHILD_RESULT_FD, data)
        exit_now(0)

    module = parent.modules[request["probes"]]
    probe = getattr(module, request["probe"])
    scratch = os.path.realpath(request["scratch"])
    _set_limits(float(request["timeout"]), int(request["memory_mib"]), parent.data_kib)
    os.chdir(scratch)
    tempfile.tempdir = scratch
    os.environ["TMPDIR"] = scratch
    os.environ["MPLBACKEND"] = "Agg"
    sys.stdout = sys.stderr = capture
    refused = ("reference", "autograder", *request["forbid"])
    landlock.confine(scratch, request["protected"])
    guard.install(scratch, request["protected"], refused, parent.module_index)
    # Student code may patch builtins (isinstance, str, ...); the reply is built with the
    # originals. The dict's methods are bound now for the same reason.
    builtins_dict = builtins.__dict__
    saved_builtins = dict(builtins_dict)
    clear_builtins, update_builtins = builtins_dict.clear, builtins_dict.update

    def restore_builtins() -> None:
        clear_builtins()
        update_builtins(saved_builtins)

    notes: list[str] = []
    syntax_error = None
    for filename, source in request["cells"]:
        lines = [line + "\n" for line in source.split("\n")]
        linecache.cache[filename] = (len(source), None, lines, filename)
        try:
            code = compile(source, filename, "exec", dont_inherit=True)
        except SyntaxError as exc:
            if syntax_error is None:
                syntax_error = describe_syntax(exc, filename[1:-1])
            continue
        try:
            exec(code, ns)
        except BaseException as exc:  # the student's cell failed at load time
            students_builtins = dict(builtins_dict)
            restore_builtins()
            error = describe(exc, is_student)
            if error["kind"] in ("refused", "refused_import", "memory", "exit"):
                reply({"status": "error", "error": error})
            clear_builtins()
            update_builtins(students_builtins)
            notes.append(f"while your notebook was loading, {filename[1:-1]} raised "
                         f"{error.get('type', error['kind'])}: {error.get('message', '')}".rstrip(": "))
    try:
        value = probe(ns, *request["args"], **request["kwargs"])
    except BaseException as exc:
        restore_builtins()
        error = syntax_error or describe(exc, is_student)
        error["notes"] = notes
        reply({"status": "error", "error": error})
    restore_builtins()
    reply({"status": "ok", "value": value})


def _child_main(request_fd: int, result_fd: int, parent: _ParentState) -> None:
    os.setpgid(0, 0)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if request_fd != _CHILD_REQUEST_FD:
        os.dup2(request_fd, _CHILD_REQUEST_FD)
    if result_fd != _CHILD_RESULT_FD:
        os.dup2(result_fd, _CHILD_RESULT_FD)
    _close_other_fds()
    try:
        request = wire.decode(wire.read_frame(_CHILD_REQUEST_FD))
    except EOFError:
        os._exit(0)  # the parent discarded this spare
    try:
        _run_call(request, parent)
    except BaseException:  # a fault in the grader's own set-up code, not the student's
        message = {"status": "grader_error", "message": traceback.format_exc(limit=8)}
        wire.write_frame(_CHILD_RESULT_FD, wire.encode(message))
        os._exit(0)


class _Spare:
    """A child forked ahead of time, waiting for its request."""

    def __init__(self, parent: _ParentState) -> None:
        request_r, self.request_w = os.pipe()
        self.result_r, result_w = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            try:
                os.close(self.request_w)
                os.close(self.result_r)
                _child_main(request_r, result_w, parent)
            finally:
                os._exit(_EXIT_NO_RESULT)
        os.close(request_r)
        os.close(result_w)

    def discard(self) -> None:
        """Kill the child (and its process group) and collect it."""
        self.reap(kill=True)

    def run(self, raw_request: bytes, timeout: float, max_bytes: int) -> tuple[dict[str, Any], bytes]:
        """Send the request, collect the reply or the way the child ended.

        A reply counts as soon as its last byte arrives (the length prefix says when),
        without waiting for the child's exit; ``reap`` collects the child afterwards.
        """
        try:
            wire.write_frame(self.request_w, raw_request)
        except BrokenPipeError:
            pass  # the child already died; its status tells how
        deadline = time.monotonic() + timeout
        data = bytearray()
        expected = -1
        while expected < 0 or len(data) < expected:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.discard()
                return {"outcome": "timeout"}, b""
            ready, _, _ = select.select([self.result_r], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(self.result_r, 1 << 20)
            if not chunk:
                break
            data += chunk
            if expected < 0 and len(data) >= 8:
                expected = 8 + int.from_bytes(data[:8], "big")
                if expected > max_bytes + 8:
                    self.discard()
                    return {"outcome": "too_large", "message": f"more than {max_bytes} bytes"}, b""
        if expected >= 0 and len(data) == expected:
            return {"outcome": "reply"}, bytes(data[8:])
        status = self.reap(kill=False)
        if os.WIFSIGNALED(status):
            return {"outcome": "crashed", "signal": os.WTERMSIG(status)}, b""
        return {"outcome": "exited", "code": os.WEXITSTATUS(status)}, b""

    def reap(self, kill: bool = True, wait: bool = True) -> int:
        """Collect the child (killing it first if asked); returns its wait status.

        With ``wait=False`` the child is only killed: tearing down a process that
        imported torch takes milliseconds, which the next call need not wait for.
        """
        if kill:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        for fd in (self.request_w, self.result_r):
            try:
                os.close(fd)
            except OSError:
                pass
        if not wait:
            return 0
        try:
            return os.waitpid(self.pid, 0)[1]
        except ChildProcessError:
            return 0


class Server:
    """The worker's parent loop: read requests, run each in a fresh child, answer."""

    def __init__(self, request_fd: int, response_fd: int) -> None:
        self.request_fd = request_fd
        self.response_fd = response_fd
        self.state = _ParentState()
        self.spare: _Spare | None = None
        self.exited: list[int] = []

    def _send(self, envelope: dict[str, Any], payload: bytes | None = None) -> None:
        wire.write_frame(self.response_fd, wire.encode(envelope))
        if payload is not None:
            wire.write_frame(self.response_fd, payload)

    def _load_probes(self, spec: str) -> bool:
        """Import a probe module (a dotted name or a .py path); True if it was new."""
        if spec in self.state.modules:
            return False
        if spec.endswith(".py"):
            name = "_grader_probes_" + str(abs(hash(spec)))
            loader_spec = importlib.util.spec_from_file_location(name, spec)
            module = importlib.util.module_from_spec(loader_spec)
            loader_spec.loader.exec_module(module)
        else:
            module = importlib.import_module(spec)
        self.state.modules[spec] = module
        return True

    def _call(self, raw: bytes, request: dict[str, Any]) -> None:
        try:
            if self._load_probes(request["probes"]):
                self.state.freeze()
                if self.spare is not None:
                    self.spare.discard()  # forked before the module existed here
                    self.spare = None
            if not callable(getattr(self.state.modules[request["probes"]], request["probe"], None)):
                raise LookupError(f"no probe {request['probe']!r} in {request['probes']}")
        except Exception:
            self._send({"outcome": "grader_error", "message": traceback.format_exc(limit=5)})
            return
        spare, self.spare = self.spare or _Spare(self.state), None
        # The wall-clock budget covers loading the cells and the probe itself.
        envelope, payload = spare.run(raw, float(request["timeout"]), int(request["max_bytes"]))
        self._send(envelope, payload if envelope["outcome"] == "reply" else None)
        spare.reap(kill=True, wait=False)
        self.exited.append(spare.pid)
        self.spare = _Spare(self.state)

    def _collect_exited(self, block: bool = False) -> None:
        """Reap children killed after earlier calls (without blocking, unless asked)."""
        still_running = []
        for pid in self.exited:
            try:
                done, _ = os.waitpid(pid, 0 if block else os.WNOHANG)
            except ChildProcessError:
                continue
            if not done:
                still_running.append(pid)
        self.exited = still_running

    def serve(self) -> None:
        self.state.freeze()
        self._send({"ready": os.getpid()})
        self.spare = _Spare(self.state)
        try:
            while True:
                try:
                    raw = wire.read_frame(self.request_fd)
                except EOFError:
                    return
                request = wire.decode(raw)
                self._collect_exited()
                if request.get("op") == "call":
                    self._call(raw, request)
                elif request.get("op") == "ping":
                    self._send({"pong": os.getpid()})
                else:
                    return
        finally:
            if self.spare is not None:
                self.spare.discard()
            self._collect_exited(block=True)


def main() -> None:
    """Entry point: ``main()`` with argv ``[-c, request_fd, response_fd, preload_json]``."""
    request_fd, response_fd = int(sys.argv[1]), int(sys.argv[2])
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the grader decides when we stop
    for name in json.loads(sys.argv[3]):
        importlib.import_module(name)
    Server(request_fd, response_fd).serve()
    os._exit(0)  # skip interpreter shutdown: tearing torch down takes most of a second
