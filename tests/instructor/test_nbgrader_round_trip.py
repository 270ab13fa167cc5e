"""nbgrader for real: release, submissions, autograde, gradebook, feedback, validate.

Runs the nbgrader command line in a temporary course (a copy of ``solutions/`` and
``nbgrader_config.py``) on the two NumPy exercises, 01 and 04 (each notebook is run in
full, demos and training included; 02 and 03 would double the time and add nothing
nbgrader-specific). Students: ``ann`` solved everything (the released notebooks with
the solutions' answer cells), ``ben`` submitted the untouched stubs, ``cat`` swapped
the update gate's two terms in exercise 1, ``max`` tries to import the answer key.
"""
from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from instructor_support import ASSIGNMENT, ROOT, answered, with_edit

from autograder.grade import grade_submission

pytestmark = pytest.mark.slow

NOTEBOOKS = ("01_gru.ipynb", "04_lstm_backward.ipynb")
MAX_POINTS = {"01_gru": 25.0, "04_lstm_backward": 30.0}
# cat's exercise 1 keeps parameter_shapes (3), state_count (3) and numpy_only (2).
CAT_EXERCISE_1 = 8.0
SWAPPED_UPDATE = ("h = (1.0 - z) * h + z * n", "h = z * h + (1.0 - z) * n")
# Hidden test code of the two notebooks; none of it may reach a student.
HIDDEN_CALLS = ("check_random_sizes", "check_random_cases")
CHEAT = (
    "import importlib\n"
    "for attempt in (lambda: importlib.import_module('reference.gru'), lambda: __import__('reference')):\n"
    "    try:\n"
    "        attempt()\n"
    "        print('ANSWER KEY IMPORTED')\n"
    "    except ImportError as error:\n"
    "        print('REFUSED:', error)\n"
)


def nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    """``nbgrader ARGS`` run in ``course`` (``validate`` takes no ``--log-level``)."""
    quiet = [] if args[0] == "validate" else ["--log-level=ERROR"]
    return subprocess.run([sys.executable, "-m", "nbgrader", *args, *quiet], cwd=course, capture_output=True, text=True)


def submit(course: Path, student: str, notebooks: dict[str, nbformat.NotebookNode]) -> None:
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    for name, notebook in notebooks.items():
        nbformat.write(notebook, str(folder / name))


@pytest.fixture(scope="module")
def course(released_course: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The course after submissions, ``autograde`` and ``generate_feedback``."""
    course = tmp_path_factory.mktemp("nbgrader") / "course"
    shutil.copytree(released_course, course)
    released = course / "assignments" / ASSIGNMENT
    solutions = ROOT / "solutions" / ASSIGNMENT

    def solved(name: str) -> nbformat.NotebookNode:
        return answered(released / name, solutions / name)

    submit(course, "ann", {name: solved(name) for name in NOTEBOOKS})
    submit(course, "ben", {name: nbformat.read(str(released / name), as_version=4) for name in NOTEBOOKS})
    submit(course, "cat", {NOTEBOOKS[0]: with_edit(solved(NOTEBOOKS[0]), *SWAPPED_UPDATE),
                           NOTEBOOKS[1]: solved(NOTEBOOKS[1])})
    cheat = solved(NOTEBOOKS[0])
    answer = next(cell for cell in cheat.cells if cell.get("metadata", {}).get("nbgrader", {}).get("solution"))
    answer.source = CHEAT + answer.source
    submit(course, "max", {NOTEBOOKS[0]: cheat})

    for student in ("ann", "ben", "cat", "max"):
        assert nbgrader(course, "db", "student", "add", student).returncode == 0
    autograde = nbgrader(course, "autograde", ASSIGNMENT)
    assert autograde.returncode == 0, autograde.stderr[-3000:]
    feedback = nbgrader(course, "generate_feedback", ASSIGNMENT)
    assert feedback.returncode == 0, feedback.stderr[-3000:]
    return course


def _cell(notebook: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    return next(c for c in notebook.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id)


def test_released_notebooks_hold_no_hidden_tests_and_call_the_shared_checks(released_course):
    """Are hidden tests stripped from the release, and do test cells call the pytest checks?"""
    for name in NOTEBOOKS:
        exercise = name.removesuffix(".ipynb")
        text = (released_course / "assignments" / ASSIGNMENT / name).read_text()
        assert "HIDDEN TESTS" not in text
        assert not [call for call in HIDDEN_CALLS if call in text], f"{name} ships a hidden test"
        source = nbformat.read(str(ROOT / "solutions" / ASSIGNMENT / name), as_version=4)
        graded = [c for c in source.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade")]
        assert sum(c.metadata.nbgrader.points for c in graded) == MAX_POINTS[exercise]
        called = {match for cell in graded for match in re.findall(r"checks\.(check_\w+)\(", cell.source)}
        pytest_module = (ROOT / "autograder" / f"test_ex{exercise}.py").read_text()
        used = {node.attr for node in ast.walk(ast.parse(pytest_module))
                if isinstance(node, ast.Attribute) and node.attr.startswith("check_")}
        assert called and called <= used, f"{name} calls checks that pytest autograder does not: {called - used}"


def test_the_gradebook_holds_full_marks_zero_and_the_partial_score(course):
    """Does nbgrader's gradebook give ann full marks, ben zero and cat 8 of 25 on exercise 1?"""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        def score(student: str, exercise: str) -> tuple[float, float]:
            notebook = gradebook.find_submission_notebook(exercise, ASSIGNMENT, student)
            return notebook.score, notebook.max_score

        for exercise, points in MAX_POINTS.items():
            assert score("ann", exercise) == (points, points)
            assert score("ben", exercise) == (0.0, points)
        assert score("cat", "01_gru") == (CAT_EXERCISE_1, MAX_POINTS["01_gru"])
        assert score("cat", "04_lstm_backward") == (MAX_POINTS["04_lstm_backward"],) * 2


def test_pytest_autograder_gives_the_same_partial_score(course):
    """Does ``pytest autograder`` grade cat's exercise 1 exactly as nbgrader did?"""
    notebook = course / "submitted" / "cat" / ASSIGNMENT / "01_gru.ipynb"
    results = grade_submission(notebook, extra_args=["-k", "test_ex01_gru"])
    assert sum(r.points for r in results) == CAT_EXERCISE_1
    assert sum(r.max_points for r in results) == MAX_POINTS["01_gru"]


def test_feedback_shows_the_hidden_tests_diagnosis_but_not_their_source(course):
    """Does cat's feedback explain the failing hidden test without quoting its code?"""
    for student in ("ann", "ben", "cat"):
        for name in NOTEBOOKS:
            assert (course / "feedback" / student / ASSIGNMENT / name.replace(".ipynb", ".html")).is_file()
    page = (course / "feedback" / "cat" / ASSIGNMENT / "01_gru.html").read_text()
    graded = nbformat.read(str(course / "autograded" / "cat" / ASSIGNMENT / "01_gru.ipynb"), as_version=4)
    hidden = _cell(graded, "test_random_sizes")
    assert "check_random_sizes" in hidden.source, "autograde ran the hidden test"
    diagnosis = next(o for o in hidden.outputs if o.output_type == "error").evalue.splitlines()[0]
    assert "swapped" in diagnosis
    assert diagnosis.replace("<", "&lt;").replace(">", "&gt;") in page
    for secret in (*HIDDEN_CALLS, "101, 202, 303", "HIDDEN TESTS"):
        assert secret not in page, f"the feedback shows {secret!r}"


def test_the_kernel_refuses_the_answer_key_to_notebook_code(course):
    """Is an import of ``reference`` from a student's cell refused while the checks still run?"""
    graded = nbformat.read(str(course / "autograded" / "max" / ASSIGNMENT / "01_gru.ipynb"), as_version=4)
    printed = "".join(o.get("text", "") for o in _cell(graded, "gru_from_scratch").outputs)
    assert "ANSWER KEY IMPORTED" not in printed
    assert printed.count("REFUSED: importing reference is not allowed") == 2
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        assert gradebook.find_submission_notebook("01_gru", ASSIGNMENT, "max").score == MAX_POINTS["01_gru"]


def test_validate_passes_a_solved_notebook_and_fails_a_stub(course):
    """Does ``nbgrader validate`` accept ann's exercise 1 and reject ben's?"""
    solved = nbgrader(course, "validate", str(course / "submitted" / "ann" / ASSIGNMENT / "01_gru.ipynb"))
    stub = nbgrader(course, "validate", str(course / "submitted" / "ben" / ASSIGNMENT / "01_gru.ipynb"))
    assert "Success! Your notebook passes all the tests." in solved.stdout
    assert "VALIDATION FAILED" in stub.stdout and "not implemented yet" in stub.stdout
