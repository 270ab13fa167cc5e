"""The batch grader's output folder: one JSON record per student and ``scores.csv``.

A record (``DIR/<student>.json``)::

    {"student": "alice", "assignment": "rnn", "status": "graded",   # or "error"
     "score": 87.5, "max_score": 100.0,
     "exercises": {"01_gru": {"score": 25.0, "max_score": 25.0}, ...},
     "checks": [{"exercise": "01_gru", "name": "one_step", "points": 4.0, "max": 4.0,
                 "passed": true, "hidden": false, "message": ""}, ...],
     "error": "",                                                     # why, when "error"
     "fingerprint": {"submission": "<sha256>", "grader": "<sha256>"}}

Every file is written to a temporary name in the same folder and moved into place with
``os.replace``, so a reader (or a re-run after a kill) sees either the old file or the
complete new one. ``scores.csv`` is rebuilt from the records, never updated in place.
"""
from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from autograder.results import CheckResult, score, totals

SCORES_CSV = "scores.csv"
_TEMP_PREFIX = ".partial-"


def make_record(
    student: str,
    assignment: str,
    fingerprint: dict[str, str],
    results: list[CheckResult] | None = None,
    error: str = "",
) -> dict[str, Any]:
    """A student's record: their checks and totals, or (``results=None``) an error."""
    if results is None:
        return {
            "student": student, "assignment": assignment, "status": "error",
            "score": None, "max_score": None, "exercises": {}, "checks": [],
            "error": error, "fingerprint": dict(fingerprint),
        }
    earned, possible = score(results)
    return {
        "student": student,
        "assignment": assignment,
        "status": "graded",
        "score": earned,
        "max_score": possible,
        "exercises": {t.exercise: {"score": t.points, "max_score": t.max_points} for t in totals(results)},
        "checks": [
            {"exercise": r.exercise, "name": r.name, "points": r.points, "max": r.max_points,
             "passed": r.passed, "hidden": r.hidden, "message": r.message}
            for r in results
        ],
        "error": "",
        "fingerprint": dict(fingerprint),
    }


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and ``os.replace``."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def record_path(out: Path, student: str) -> Path:
    return Path(out) / f"{student}.json"


def write_record(out: Path, record: dict[str, Any]) -> Path:
    path = record_path(out, record["student"])
    write_atomically(path, json.dumps(record, indent=2) + "\n")
    return path


def read_record(out: Path, student: str) -> dict[str, Any] | None:
    """The student's record, or None when there is none (or it cannot be read)."""
    try:
        record = json.loads(record_path(out, student).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and record.get("student") == student else None


def is_current(record: dict[str, Any] | None, fingerprint: dict[str, str]) -> bool:
    """Was this exact submission graded, by this exact grader? (Errors are retried.)"""
    return record is not None and record.get("status") == "graded" and record.get("fingerprint") == fingerprint


def remove_partial_files(out: Path) -> None:
    """Delete temporaries a killed run left behind (they never replaced a record)."""
    for path in Path(out).glob(f"{_TEMP_PREFIX}*"):
        path.unlink(missing_ok=True)


def all_records(out: Path) -> list[dict[str, Any]]:
    """Every readable record in ``out``, sorted by student."""
    records = []
    for path in sorted(Path(out).glob("*.json")):
        record = read_record(out, path.stem)
        if record is not None:
            records.append(record)
    return records


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def scores_table(records: list[dict[str, Any]]) -> str:
    """CSV: ``student, score, max_score``, one column per exercise (points), ``status``."""
    exercises = sorted({name for record in records for name in record.get("exercises", {})})
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", "score", "max_score", *exercises, "status"])
    for record in records:
        per_exercise = record.get("exercises", {})
        writer.writerow([
            record["student"], _number(record.get("score")), _number(record.get("max_score")),
            *(_number(per_exercise.get(name, {}).get("score")) for name in exercises),
            record.get("status", ""),
        ])
    return buffer.getvalue()


def write_scores_csv(out: Path) -> Path:
    """Rebuild ``DIR/scores.csv`` from every record in ``DIR``."""
    path = Path(out) / SCORES_CSV
    write_atomically(path, scores_table(all_records(out)))
    return path
