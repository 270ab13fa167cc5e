"""Grade a whole class: ``python -m autograder batch SUBMITTED --workers N --out DIR``.

``SUBMITTED`` is laid out as nbgrader's ``submitted/<student>/<assignment>/*.ipynb``.
Each worker is a long-lived grading process (``autograder.batch_worker``) that runs the
same plugin as ``pytest autograder`` for one student after another; the results go to
``DIR/<student>.json`` (see ``autograder.batch_store``) and, at the end, ``DIR/scores.csv``.

A re-run skips every student whose record carries the same fingerprint: the sha256 of
the submitted files and of the grader (the ``autograder`` and ``reference`` sources and
the graded test modules). A student whose grading does not finish within ``timeout``
seconds, or whose grading process dies, gets an ``"error"`` record (retried next run);
their worker is replaced and nobody else's grade is touched.
"""
from __future__ import annotations

import hashlib
import os
import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from autograder import batch_store
from autograder.batch_worker import GradingProcess, StudentTimeout, WorkerFailed
from autograder.sandbox import PACKAGE_DIR, PROJECT_DIR

DEFAULT_ASSIGNMENT = "rnn"
# A backstop only: every sandboxed call already has its own limit (15 s by default).
DEFAULT_STUDENT_TIMEOUT = 900.0
_SKIPPED_PARTS = {"__pycache__", ".ipynb_checkpoints"}


@dataclass(frozen=True)
class Student:
    """One student's submission: ``folder`` is ``SUBMITTED/<name>/<assignment>``."""

    name: str
    folder: Path


@dataclass
class BatchSummary:
    """What a run did: students graded now, skipped (unchanged) and failed."""

    graded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    scores_csv: Path | None = None

    def line(self) -> str:
        return (f"graded {len(self.graded)}, skipped {len(self.skipped)} (unchanged), "
                f"errors {len(self.errors)}; scores: {self.scores_csv}")


def find_students(submitted: Path, assignment: str = DEFAULT_ASSIGNMENT) -> list[Student]:
    """Every student folder of ``submitted`` (sorted), whether or not it holds the assignment."""
    submitted = Path(submitted)
    if not submitted.is_dir():
        raise FileNotFoundError(f"no such folder of submissions: {submitted}")
    return [
        Student(path.name, path / assignment)
        for path in sorted(submitted.iterdir())
        if path.is_dir() and not path.name.startswith(".")
    ]


def _files(folder: Path) -> Iterable[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.rglob("*")
        if p.is_file() and not _SKIPPED_PARTS.intersection(p.relative_to(folder).parts)
    )


def tree_hash(folders: Iterable[Path], suffixes: tuple[str, ...] | None = None) -> str:
    """sha256 over the relative names and bytes of the files under ``folders``."""
    digest = hashlib.sha256()
    for folder in folders:
        folder = Path(folder)
        for path in _files(folder):
            if suffixes is not None and path.suffix not in suffixes:
                continue
            digest.update(str(path.relative_to(folder)).encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def submission_hash(folder: Path) -> str:
    return tree_hash([folder])


def grader_hash(tests_dir: Path = PACKAGE_DIR) -> str:
    """The grader's version: every source and data file that can change a grade."""
    folders = [PACKAGE_DIR, PROJECT_DIR / "reference"]
    if Path(tests_dir).resolve() != PACKAGE_DIR:
        folders.append(Path(tests_dir).resolve())
    return tree_hash(folders, suffixes=(".py", ".json", ".txt", ".pt", ".npz"))


def _worker_env(workers: int) -> dict[str, str]:
    """Split the cores between workers (torch and BLAS otherwise oversubscribe them)."""
    env = dict(os.environ, MPLBACKEND="Agg")
    threads = str(max(1, (os.cpu_count() or 1) // max(1, workers)))
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env.setdefault(name, threads)
    return env


def grade_class(
    submitted: Path,
    out: Path,
    *,
    assignment: str = DEFAULT_ASSIGNMENT,
    workers: int = 2,
    timeout: float = DEFAULT_STUDENT_TIMEOUT,
    tests_dir: Path = PACKAGE_DIR,
    force: bool = False,
    progress: bool = True,
    grader_version: str | None = None,
    on_record: Callable[[dict], None] | None = None,
) -> BatchSummary:
    """Grade every student in ``submitted`` into ``out``; see the module docstring.

    ``force`` re-grades unchanged submissions too. ``grader_version`` replaces the hash
    of the grader's sources in the fingerprint (tests pin it while the sources are
    being edited). ``on_record`` is called with each record once it is safely on disk.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    batch_store.remove_partial_files(out)
    grader = grader_hash(tests_dir) if grader_version is None else grader_version
    summary = BatchSummary()
    todo: queue.Queue[tuple[Student, dict[str, str]]] = queue.Queue()
    for student in find_students(submitted, assignment):
        fingerprint = {"submission": submission_hash(student.folder), "grader": grader}
        if not force and batch_store.is_current(batch_store.read_record(out, student.name), fingerprint):
            summary.skipped.append(student.name)
        else:
            todo.put((student, fingerprint))
    total = todo.qsize()
    lock = threading.Lock()
    stop = threading.Event()
    failures: list[BaseException] = []
    bar = tqdm(total=total, unit="student", desc="grading", disable=not progress or total == 0)
    env = _worker_env(workers)
    processes = [GradingProcess(tests_dir, env=env) for _ in range(max(1, min(workers, total)))]

    def work(process: GradingProcess) -> None:
        try:
            while not stop.is_set():
                try:
                    student, fingerprint = todo.get_nowait()
                except queue.Empty:
                    return
                record = _grade_one(process, student, assignment, fingerprint, timeout)
                if stop.is_set() and record["status"] == "error":
                    return  # interrupted, not the student's doing: leave the old record
                batch_store.write_record(out, record)
                with lock:
                    (summary.graded if record["status"] == "graded" else summary.errors).append(student.name)
                    bar.update(1)
                if on_record is not None:
                    on_record(record)
        except BaseException as exc:  # stop the others; re-raised by the caller's thread
            with lock:
                failures.append(exc)
            stop.set()
        finally:
            process.close(kill=stop.is_set())

    threads = [threading.Thread(target=work, args=(process,), name=f"grader-{k}", daemon=True)
               for k, process in enumerate(processes)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    except BaseException:  # Ctrl-C: stop the grading processes where they are
        stop.set()
        for process in processes:
            process.kill()
        raise
    finally:
        bar.close()
        summary.scores_csv = batch_store.write_scores_csv(out)
    if failures:
        raise failures[0]
    for names in (summary.graded, summary.skipped, summary.errors):
        names.sort()
    return summary


def _grade_one(process: GradingProcess, student: Student, assignment: str, fingerprint: dict[str, str],
               timeout: float) -> dict:
    try:
        results = process.grade(student.folder, timeout)
    except StudentTimeout as exc:
        return batch_store.make_record(student.name, assignment, fingerprint, error=str(exc))
    except WorkerFailed as exc:
        return batch_store.make_record(student.name, assignment, fingerprint, error=f"the grader failed: {exc}")
    return batch_store.make_record(student.name, assignment, fingerprint, results)
