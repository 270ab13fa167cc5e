"""Hostile and broken submissions of the real course, graded end to end by the real plugin.

Every case of ``hostile.cases`` is one edited (or damaged) notebook among otherwise
correct solution notebooks; the cases are dealt into a few submission folders, four to
a folder (one per exercise), and each folder is graded once by ``grade_submission`` in a
fresh pytest process, several folders at a time. The tests then read each case's
exercise out of its folder's results.
"""
from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from autograder import landlock
from autograder.grade import grade_submission
from autograder.results import CheckResult
from autograder.sandbox import PACKAGE_DIR, PROJECT_DIR
from hostile.cases import CASES, CHECKS, VICTIM_FILE, VICTIM_FOLDER, Case, pack
from hostile.edits import ANSWERS, REPO_TOKEN, VICTIMS_TOKEN, write_notebook

pytestmark = pytest.mark.slow

FOLDERS = pack(CASES)
# Grading runs at a time: each is mostly one process waiting for its sandbox workers.
PARALLEL_RUNS = 3
# A readable message: long enough for a diagnosis and a few printed lines, no more.
LONGEST_MESSAGE = 6000
GRADER_FILE = PACKAGE_DIR / "checks" / "ex01_gru.py"


def write_submission(folder: Path, cases: dict[str, Case], victims: Path) -> Path:
    """The four solution notebooks in ``folder``, with each exercise's case applied."""
    tokens = {REPO_TOKEN: str(PROJECT_DIR), VICTIMS_TOKEN: str(victims)}
    for exercise, answer in ANSWERS.items():
        item = cases.get(exercise)
        if item is None:
            write_notebook(folder, answer)
        else:
            write_notebook(folder, answer, item.edits, item.damage, tokens)
    return folder


@pytest.fixture(scope="module")
def victims(tmp_path_factory) -> Path:
    """Copies of a grader file outside any sandbox scratch folder, for the cases to attack."""
    folder = tmp_path_factory.mktemp("victims")
    shutil.copy(GRADER_FILE, folder / VICTIM_FILE)
    (folder / VICTIM_FOLDER).mkdir()
    shutil.copy(GRADER_FILE, folder / VICTIM_FOLDER / VICTIM_FILE)
    return folder


@pytest.fixture(scope="module")
def graded(tmp_path_factory, victims) -> dict[int, list[list[CheckResult]]]:
    """Per folder (by index): its results, from every grading of it.

    Folder 0 is graded twice, so that the two gradings can be compared.
    """
    root = tmp_path_factory.mktemp("submissions")
    paths = [write_submission(root / f"folder{index}", cases, victims) for index, cases in enumerate(FOLDERS)]
    runs = [*enumerate(paths), (0, paths[0])]
    with ThreadPoolExecutor(max_workers=PARALLEL_RUNS) as pool:
        outcomes = list(pool.map(lambda run: (run[0], grade_submission(run[1])), runs))
    results: dict[int, list[list[CheckResult]]] = {}
    for index, outcome in outcomes:
        results.setdefault(index, []).append(outcome)
    return results


def results_of(graded, exercise: str, folder: int) -> dict[str, CheckResult]:
    """{check name: result} of ``exercise`` in the first grading of ``folder``."""
    return {r.name: r for r in graded[folder][0] if r.exercise == exercise}


def folder_of(item: Case) -> int:
    return next(index for index, cases in enumerate(FOLDERS) if cases.get(item.exercise) is item)


@pytest.mark.parametrize("item", CASES, ids=[c.name for c in CASES])
def test_case_gets_its_verdict(graded, item: Case) -> None:
    """Do the case's checks score zero with its phrase, and the exercise's others full marks?"""
    results = results_of(graded, item.exercise, folder_of(item))
    assert sorted(results) == sorted(CHECKS[item.exercise])
    zero = sorted(name for name, r in results.items() if r.points == 0)
    assert zero == sorted(item.zero), {name: results[name].message[:300] for name in zero}
    for name in item.explained_by:
        assert item.phrase in results[name].message, (name, results[name].message)
    for name, result in results.items():
        assert len(result.message) < LONGEST_MESSAGE, name
        if name not in item.zero:
            assert result.passed and result.points == result.max_points, (name, result.message)


@pytest.mark.parametrize("folder", range(len(FOLDERS)))
def test_untouched_notebooks_keep_full_marks(graded, folder: int) -> None:
    """Does every exercise left as the solution in a folder get full marks next to hostile ones?"""
    untouched = [exercise for exercise in ANSWERS if exercise not in FOLDERS[folder]]
    for exercise in untouched:
        for name, result in results_of(graded, exercise, folder).items():
            assert result.passed and result.points == result.max_points, (exercise, name, result.message)


def test_grading_twice_gives_identical_results(graded) -> None:
    """Does grading the same submission again give the same scores and messages?"""
    first, second = graded[0]
    assert first == second


def test_grader_files_are_untouched(graded, victims) -> None:
    """Are the grader files that cases tried to delete or overwrite unchanged, and nothing added?"""
    original = GRADER_FILE.read_text()
    assert sorted(p.relative_to(victims).as_posix() for p in victims.rglob("*")) == [
        VICTIM_FOLDER, f"{VICTIM_FOLDER}/{VICTIM_FILE}", VICTIM_FILE,
    ]
    assert (victims / VICTIM_FILE).read_text() == original
    assert (victims / VICTIM_FOLDER / VICTIM_FILE).read_text() == original


def test_kernel_rules_leave_out_protected_folders_and_links_to_them(tmp_path) -> None:
    """Do Landlock's read rules cover a protected folder's neighbours, but not it nor links to it?"""
    course = tmp_path.resolve() / "course"
    key = course / "reference"
    key.mkdir(parents=True)
    (course / "assignments").mkdir()
    (course / "key_link").symlink_to(key)
    (course / "above_link").symlink_to(course)
    entries = landlock.readable_entries([str(key)])
    assert str(course / "assignments") in entries
    for path in (key, course / "key_link", course / "above_link", course, course.parent):
        assert str(path) not in entries
