"""The pytest plugin behind ``pytest autograder``.

``autograder/conftest.py`` imports everything here, so the plugin is active whenever
pytest collects the ``autograder`` folder; tests load it with ``-p autograder.plugin``.

Options (group "autograder"):
    --submission PATH     a folder of notebooks or one notebook (default: assignments/rnn)
    --results-json PATH   also write Gradescope's results.json
    --no-prestart         start sandbox workers on first use instead of at session start

Markers:
    points(n)             what a check is worth (float; default 1)
    hidden                a randomized check that does not ship to students
    exercise("01_gru")    which exercise a test grades; without it, the module name
                          ``test_ex01_gru.py`` gives ``01_gru``

Fixtures:
    student               session-scoped factory: ``student("01_gru", forbid=("torch",))``
                          returns that exercise's ``SandboxStudent`` (cached per session)
    grading_seed          an int derived from the exercise, the submission's solution
                          cells and the test's name: the same submission grades the
                          same twice, and a notebook that hard-codes visible outputs
                          earns nothing on hidden checks

Each test's outcome is kept in ``item.stash[RESULT_KEY]`` as a ``CheckResult``. A
``CheckFailed`` replaces pytest's failure report by its message; the session ends with
one line per check, a per-exercise table and, as the very last line, ``Score: X / Y``.
The exit status is 0 only when every check passed.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from autograder import sandbox
from autograder.errors import CheckFailed
from autograder.notebook import NotebookUnreadable, exercise_prefix, find_notebook, load_notebook_code
from autograder.results import CheckResult, check_lines, score_line, table_lines, write_results_json

DEFAULT_SUBMISSION = sandbox.PROJECT_DIR / "assignments" / "rnn"
RESULT_KEY = pytest.StashKey[CheckResult]()
_PHASES_KEY = pytest.StashKey[dict]()
_MODULE_EXERCISE = re.compile(r"^test_ex(\d\d_\w+)$")


def exercise_of(item: pytest.Item) -> str:
    """The exercise a test grades: its ``exercise`` marker, else its module's name."""
    marker = item.get_closest_marker("exercise")
    if marker is not None and marker.args:
        return str(marker.args[0])
    module = getattr(item, "module", None)
    name = module.__name__.rsplit(".", 1)[-1] if module is not None else Path(str(item.path)).stem
    match = _MODULE_EXERCISE.match(name)
    return match.group(1) if match else name


def points_of(item: pytest.Item) -> float:
    marker = item.get_closest_marker("points")
    if marker is None:
        return 1.0
    if len(marker.args) != 1:
        raise pytest.UsageError(f"{item.nodeid}: use @pytest.mark.points(n) with one number")
    return float(marker.args[0])


def check_name(item: pytest.Item) -> str:
    name = item.name
    return name[len("test_"):] if name.startswith("test_") else name


def grading_seed_for(exercise: str, digest: str, name: str) -> int:
    """A 32-bit seed from the exercise, the submission digest and the check's name."""
    data = f"{exercise}\0{digest}\0{name}".encode()
    return int.from_bytes(hashlib.sha256(data).digest()[:4], "big")


@dataclass
class GradingSession:
    """Everything the plugin keeps for one pytest session."""

    submission: Path
    results_json: Path | None
    prestart: bool
    search_dirs: tuple[Path, ...] = (DEFAULT_SUBMISSION,)
    pool: sandbox.WorkerPool = field(default_factory=sandbox.WorkerPool)
    handles: dict[tuple, sandbox.SandboxStudent] = field(default_factory=dict)
    results: list[CheckResult] = field(default_factory=list)
    digests: dict[str, str] = field(default_factory=dict)

    def student(
        self,
        exercise: str,
        *,
        probes: str | None = None,
        forbid: tuple[str, ...] = (),
        files: tuple[str, ...] = (),
        preload: tuple[str, ...] | None = None,
        timeout: float = sandbox.DEFAULT_TIMEOUT,
        memory_mib: int = sandbox.DEFAULT_MEMORY_MIB,
    ) -> sandbox.SandboxStudent:
        """The (cached) handle on ``exercise``'s notebook in the submission."""
        probes = probes or f"autograder.probes.ex{exercise}"
        key = (exercise, probes, tuple(forbid), tuple(files), preload, timeout, memory_mib)
        if key not in self.handles:
            self.handles[key] = sandbox.SandboxStudent(
                pool=self.pool,
                exercise=exercise,
                notebook=find_notebook(self.submission, exercise),
                probes=probes,
                forbid=tuple(forbid),
                files=tuple(files),
                search_dirs=self.search_dirs,
                preload=preload,
                timeout=timeout,
                memory_mib=memory_mib,
                expected_name=f"{exercise}.ipynb (or {exercise_prefix(exercise)}*.ipynb)",
            )
        return self.handles[key]

    def digest(self, exercise: str) -> str:
        """The solution-cell digest of the exercise's notebook ("" when missing/broken)."""
        if exercise not in self.digests:
            notebook = find_notebook(self.submission, exercise)
            try:
                self.digests[exercise] = load_notebook_code(notebook).digest if notebook else ""
            except NotebookUnreadable:
                self.digests[exercise] = ""
        return self.digests[exercise]

    def notes(self) -> list[str]:
        seen, lines = set(), []
        for handle in self.handles.values():
            if handle.exercise in seen:
                continue
            seen.add(handle.exercise)
            lines.extend(f"{handle.exercise}: {note}" for note in handle.notes)
        return lines

    def close(self) -> None:
        for handle in self.handles.values():
            handle.close()
        self.pool.close()


_STATE_KEY = pytest.StashKey[GradingSession]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("autograder", "grading the course's notebooks")
    group.addoption("--submission", metavar="PATH", default=None,
                    help="folder of notebooks, or one notebook, to grade (default: assignments/rnn)")
    group.addoption("--results-json", metavar="PATH", default=None,
                    help="also write Gradescope's results.json to PATH")
    group.addoption("--no-prestart", action="store_true", default=False,
                    help="start sandbox workers on first use, not at session start")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "points(n): how many points a check is worth (default 1)")
    config.addinivalue_line("markers", "hidden: a randomized check that does not ship to students")
    config.addinivalue_line("markers", "exercise(name): the exercise a check grades, e.g. exercise('01_gru')")
    base = config.invocation_params.dir
    submission = config.getoption("--submission")
    results_json = config.getoption("--results-json")
    config.stash[_STATE_KEY] = GradingSession(
        submission=(base / submission).resolve() if submission else DEFAULT_SUBMISSION,
        results_json=(base / results_json).resolve() if results_json else None,
        prestart=not config.getoption("--no-prestart"),
    )


def grading_session(config: pytest.Config) -> GradingSession:
    """This run's ``GradingSession``; a batch grader swaps in a long-lived worker pool."""
    return config.stash[_STATE_KEY]


def pytest_sessionstart(session: pytest.Session) -> None:
    """Start the sandbox workers now: their imports overlap with collection."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        # The grade report lists every check with its message; pytest's short summary
        # of failures would only repeat it.
        reporter.reportchars = ""
    state = grading_session(session.config)
    if state.prestart and not session.config.option.collectonly:
        state.pool.prestart(sandbox.default_preload(), sandbox.default_preload(("torch",)))


def pytest_collection_finish(session: pytest.Session) -> None:
    for item in session.items:
        points_of(item)  # reject a malformed marker before anything runs


@pytest.fixture(scope="session")
def student(request: pytest.FixtureRequest):
    """Factory: ``student("01_gru", forbid=("torch",), files=(...), timeout=..., memory_mib=...)``."""
    return grading_session(request.config).student


@pytest.fixture
def grading_seed(request: pytest.FixtureRequest) -> int:
    """A seed for hidden checks, fixed by the submission's solution cells and the check."""
    exercise = exercise_of(request.node)
    return grading_seed_for(exercise, grading_session(request.config).digest(exercise), check_name(request.node))


def _message(call: pytest.CallInfo, report: pytest.TestReport) -> str:
    if report.skipped:
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
        return f"skipped: {reason.removeprefix('Skipped: ')}"
    excinfo = call.excinfo
    if excinfo is None:
        return "" if report.passed else str(report.longrepr or "")
    exc = excinfo.value
    if isinstance(exc, CheckFailed):
        return str(exc)
    if isinstance(exc, AssertionError):
        return str(exc).strip() or "assertion failed"
    return f"the grader could not run this check ({type(exc).__name__}: {exc}); please report this."


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if call.excinfo is not None and isinstance(call.excinfo.value, CheckFailed):
        report.longrepr = str(call.excinfo.value)
    phases = item.stash.setdefault(_PHASES_KEY, {})
    phases[call.when] = (report.passed, _message(call, report))
    if call.when == "teardown":
        setup = phases.get("setup", (False, "not run"))
        body = phases.get("call", (False, setup[1]))
        teardown = phases["teardown"]
        passed = setup[0] and body[0] and teardown[0]
        message = next((m for ok, m in (setup, body, teardown) if not ok and m), "")
        if body[0] and setup[0] and not teardown[0]:
            message = f"failed after the check ran: {teardown[1]}"
        max_points = points_of(item)
        result = CheckResult(
            name=check_name(item),
            exercise=exercise_of(item),
            points=max_points if passed else 0.0,
            max_points=max_points,
            passed=passed,
            message=message,
            hidden=item.get_closest_marker("hidden") is not None,
        )
        item.stash[RESULT_KEY] = result
        grading_session(item.config).results.append(result)
    return report


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    state = grading_session(config)
    if not state.results:
        return
    terminalreporter.section("grade report")
    for line in check_lines(state.results):
        terminalreporter.write_line(line)
    notes = state.notes()
    if notes:
        terminalreporter.write_line("")
        for note in notes:
            terminalreporter.write_line(f"note: {note}")
    terminalreporter.write_line("")
    for line in table_lines(state.results):
        terminalreporter.write_line(line)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int):
    state = grading_session(session.config)
    if session.exitstatus == pytest.ExitCode.OK and any(not r.passed for r in state.results):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    try:
        return (yield)
    finally:
        state.close()
        if state.results_json is not None:
            write_results_json(state.results_json, state.results)
        reporter: Any = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None and not session.config.option.collectonly:
            reporter.write_line(score_line(state.results))
