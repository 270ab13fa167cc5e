"""The batch grader on a class of four: records, scores.csv, re-runs, isolation, a kill."""
from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from instructor_support import CLASS, CORRECT, EXPECTED_SCORES, ROOT, write_submission

from autograder import batch_store
from autograder.__main__ import main
from autograder.batch import find_students, grade_class, grader_hash, submission_hash


# The grader's fingerprint, pinned: the real one hashes sources that may be edited meanwhile.
GRADER = "demo grader"


def grade(submitted: Path, out: Path, tests: Path, **options):
    """``grade_class`` with the demo tests, no progress bar and the pinned fingerprint."""
    return grade_class(submitted, out, tests_dir=tests, progress=False, grader_version=GRADER, **options)


def read_scores(out: Path) -> list[dict[str, str]]:
    with open(out / "scores.csv", newline="") as stream:
        return list(csv.DictReader(stream))


@pytest.fixture(scope="module")
def graded(demo_tests, tmp_path_factory) -> tuple[Path, Path]:
    """The demo class graded once: (submitted, grades). Copy before changing either."""
    folder = tmp_path_factory.mktemp("graded_class")
    submitted = folder / "submitted"
    for student, source in CLASS.items():
        write_submission(submitted, student, source)
    summary = grade(submitted, folder / "grades", demo_tests, workers=2)
    assert summary.graded == ["ann", "ben", "cat", "dan"] and not summary.skipped and not summary.errors
    return submitted, folder / "grades"


@pytest.fixture
def copy_of_graded(graded, tmp_path) -> tuple[Path, Path]:
    """A private copy of the graded class, records included."""
    submitted, out = graded
    return shutil.copytree(submitted, tmp_path / "submitted"), shutil.copytree(out, tmp_path / "grades")


def test_a_class_gets_one_record_per_student_and_a_scores_table(graded):
    """Do the correct, stub, hanging and exiting submissions earn 4, 0, 1 and 3 of 4?"""
    _, out = graded
    rows = read_scores(out)
    assert list(rows[0]) == ["student", "score", "max_score", "01_demo", "status"]
    assert {row["student"]: float(row["score"]) for row in rows} == EXPECTED_SCORES
    assert {row["student"]: float(row["01_demo"]) for row in rows} == EXPECTED_SCORES
    assert {row["max_score"] for row in rows} == {"4"} and {row["status"] for row in rows} == {"graded"}

    cat = json.loads((out / "cat.json").read_text())
    checks = {check["name"]: check for check in cat["checks"]}
    assert set(checks) == {"double", "half", "triple_of_random_input"}
    assert {"name", "points", "max", "message"} <= set(checks["double"])
    assert checks["double"]["points"] == 0 and checks["double"]["max"] == 2
    assert "took longer than 1 s" in checks["double"]["message"]
    assert checks["half"]["points"] == 1 and checks["half"]["passed"]
    assert checks["triple_of_random_input"]["hidden"]
    dan = {check["name"]: check for check in json.loads((out / "dan.json").read_text())["checks"]}
    assert dan["half"]["points"] == 0 and "exit" in dan["half"]["message"]


def test_a_rerun_skips_unchanged_submissions_and_regrades_changed_ones(copy_of_graded, demo_tests):
    """Is only the student whose notebook changed graded again, and is the table updated?"""
    submitted, out = copy_of_graded
    again = grade(submitted, out, demo_tests, workers=2)
    assert again.graded == [] and again.skipped == ["ann", "ben", "cat", "dan"]

    write_submission(submitted, "ben", CORRECT)
    third = grade(submitted, out, demo_tests, workers=2)
    assert third.graded == ["ben"] and third.skipped == ["ann", "cat", "dan"]
    assert {row["student"]: float(row["score"]) for row in read_scores(out)}["ben"] == 4.0


def test_a_changed_grader_makes_every_record_stale(demo_tests, tmp_path):
    """Does editing a graded test module change the grader's fingerprint?"""
    tests = shutil.copytree(demo_tests, tmp_path / "graded")
    before = grader_hash(tests)
    assert grader_hash(tests) == before
    module = tests / "test_ex01_demo.py"
    module.write_text(module.read_text() + "\n# a changed grader\n")
    assert grader_hash(tests) != before
    record = batch_store.make_record("ann", "rnn", {"submission": "s", "grader": before}, [])
    assert not batch_store.is_current(record, {"submission": "s", "grader": grader_hash(tests)})


def test_a_crash_of_the_grading_process_costs_only_that_student(copy_of_graded, demo_tests):
    """Does a grader-side crash give one error record (retried next run) and spare the next student?"""
    submitted, out = copy_of_graded
    write_submission(submitted, "bob", CORRECT + "\nCRASH_THE_GRADER = True\n")
    write_submission(submitted, "bud", CORRECT)
    summary = grade(submitted, out, demo_tests, workers=1)
    assert summary.errors == ["bob"] and summary.graded == ["bud"]
    bob = json.loads((out / "bob.json").read_text())
    assert bob["status"] == "error" and "exited unexpectedly" in bob["error"]
    rows = {row["student"]: row for row in read_scores(out)}
    assert rows["bob"]["score"] == "" and rows["bob"]["status"] == "error"
    assert float(rows["bud"]["score"]) == 4.0 and float(rows["dan"]["score"]) == EXPECTED_SCORES["dan"]
    assert not batch_store.is_current(bob, bob["fingerprint"]), "an error is graded again next run"


@pytest.mark.slow
def test_a_grading_that_never_ends_is_stopped_by_the_backstop(copy_of_graded, demo_tests):
    """Does a hang in the grader's own process become an error after the per-student timeout?"""
    submitted, out = copy_of_graded
    write_submission(submitted, "bob", CORRECT + "\nHANG_THE_GRADER = True\n")
    write_submission(submitted, "bud", CORRECT)
    summary = grade(submitted, out, demo_tests, workers=1, timeout=10)
    assert summary.errors == ["bob"] and summary.graded == ["bud"]
    assert "did not finish within 10 s" in json.loads((out / "bob.json").read_text())["error"]
    assert json.loads((out / "bud.json").read_text())["score"] == 4.0


def test_a_killed_run_keeps_every_finished_grade_and_a_rerun_completes(demo_class, demo_tests, tmp_path):
    """After SIGKILL mid-run, are the written records whole, and does a re-run grade only the rest?"""
    out = tmp_path / "grades"
    code = ("import sys; from autograder.batch import grade_class; "
            "grade_class(sys.argv[1], sys.argv[2], workers=1, tests_dir=sys.argv[3], progress=False, "
            f"grader_version={GRADER!r})")
    command = [sys.executable, "-c", code, str(demo_class), str(out), str(demo_tests)]
    run = subprocess.Popen(command, cwd=ROOT, start_new_session=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while run.poll() is None and not list(out.glob("*.json")):
            try:
                run.wait(timeout=0.02)
            except subprocess.TimeoutExpired:
                pass
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
        run.wait()

    finished = sorted(path.stem for path in out.glob("*.json"))
    assert finished, "the run ended before writing any record"
    for name in finished:
        record = json.loads((out / f"{name}.json").read_text())
        assert record["status"] == "graded" and record["score"] == EXPECTED_SCORES[name]

    summary = grade(demo_class, out, demo_tests, workers=1)
    assert summary.skipped == finished
    assert sorted(summary.graded) == sorted(set(EXPECTED_SCORES) - set(finished))
    assert {row["student"]: float(row["score"]) for row in read_scores(out)} == EXPECTED_SCORES
    assert not list(out.glob(".partial-*"))


def test_the_command_line_grades_and_prints_a_summary(copy_of_graded, demo_tests, monkeypatch, capsys):
    """Does ``python -m autograder batch`` exit 0 and say how many it graded and skipped?"""
    submitted, out = copy_of_graded
    monkeypatch.setattr("autograder.batch.grader_hash", lambda tests_dir: GRADER)
    write_submission(submitted, "bud", CORRECT)
    args = ["batch", str(submitted), "--out", str(out), "--workers", "2", "--tests", str(demo_tests), "--quiet"]
    assert main(args) == 0
    assert capsys.readouterr().out.startswith("graded 1, skipped 4 (unchanged), errors 0;")


def test_students_without_the_assignment_folder_are_listed_and_hashed(tmp_path):
    """Is a student with no assignment folder still in the class (and graded as empty)?"""
    write_submission(tmp_path / "submitted", "ann", CORRECT)
    (tmp_path / "submitted" / "zoe" / "other").mkdir(parents=True)
    (tmp_path / "submitted" / ".hidden").mkdir()
    students = find_students(tmp_path / "submitted", "rnn")
    assert [s.name for s in students] == ["ann", "zoe"]
    assert not students[1].folder.exists()
    assert submission_hash(students[1].folder) != submission_hash(students[0].folder)


def test_the_submission_hash_ignores_checkpoints_but_not_files(tmp_path):
    """Do checkpoint folders leave the hash alone while any submitted file changes it?"""
    folder = write_submission(tmp_path / "submitted", "ann", CORRECT)
    before = submission_hash(folder)
    (folder / ".ipynb_checkpoints").mkdir()
    (folder / ".ipynb_checkpoints" / "01_demo-checkpoint.ipynb").write_text("{}")
    assert submission_hash(folder) == before
    (folder / "notes.txt").write_text("extra")
    assert submission_hash(folder) != before


def test_an_error_record_has_empty_scores_in_the_table(tmp_path):
    """Does the table leave an errored student's score empty and name the status?"""
    fingerprint = {"submission": "s", "grader": "g"}
    batch_store.write_record(tmp_path, batch_store.make_record("eve", "rnn", fingerprint, error="boom"))
    table = batch_store.scores_table(batch_store.all_records(tmp_path))
    assert table.splitlines() == ["student,score,max_score,status", "eve,,,error"]
    assert not batch_store.is_current(batch_store.read_record(tmp_path, "eve"), fingerprint)
