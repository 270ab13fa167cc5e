"""The pytest plugin, run on small graded test modules with pytester."""
from __future__ import annotations

import json
import re
import runpy
from pathlib import Path

import pytest

from autograder.results import to_gradescope

FIXTURES = Path(__file__).parent / "fixtures"

# The demo exercise: double 2 points, half 0.5, a hidden check 1 (3.5 in all).
CHECKS = runpy.run_path(str(FIXTURES / "demo_checks.py"))["demo_checks"](timeout=2.0, half_points=0.5)


def notebook_source(double: str, half: str) -> str:
    return f"def double(x):\n    {double}\n\ndef half(x):\n    {half}\n"


def _write_notebook(folder, cells, source, name="01_demo.ipynb"):
    import nbformat
    from nbformat.v4 import new_notebook

    folder.mkdir(parents=True, exist_ok=True)
    notebook = new_notebook()
    notebook.cells = [cells.demo("print('demo')"), cells.solution(source, grade_id="answers")]
    nbformat.write(notebook, str(folder / name))
    return folder / name


@pytest.fixture
def grader(pytester, cells, fake_probes):
    """``grader(double=..., half=..., *args)`` runs the plugin on a fresh submission."""
    pytester.makepyfile(test_ex01_demo=CHECKS.format(probes=fake_probes))

    def run(*args, double="return 2 * x", half="return x / 2", write=True):
        submission = pytester.path / "submission"
        if write:
            _write_notebook(submission, cells, notebook_source(double, half))
        return pytester.runpytest("-p", "autograder.plugin", "--no-prestart", "--submission",
                                  str(submission), *args)

    return run


def test_options_and_markers_are_registered(pytester):
    """Does the plugin add its options and register its markers?"""
    help_text = pytester.runpytest("-p", "autograder.plugin", "--help").stdout.str()
    assert "--submission=PATH" in help_text and "--results-json=PATH" in help_text
    markers = pytester.runpytest("-p", "autograder.plugin", "--markers").stdout.str()
    for marker in ("points(n)", "hidden:", "exercise(name)"):
        assert marker in markers


def test_a_correct_notebook_scores_full_marks_and_exits_zero(grader):
    """Does a correct submission end with the full score and exit status 0?"""
    result = grader()
    assert result.ret == 0
    assert result.outlines[-1] == "Score: 3.5 / 3.5"


def test_the_report_lists_checks_a_table_and_the_score_last(grader):
    """Does a wrong answer show its message, a table row and a fractional score?"""
    result = grader(half="return x // 2")
    assert result.ret == 1
    lines = result.outlines
    assert lines[-1] == "Score: 3 / 3.5"
    check_line = next(line for line in lines if line.startswith("FAIL"))
    assert re.search(r"FAIL\s+01_demo\s+half\s+0 / 0\.5\s+half\(3\) should be 1\.5", check_line)
    assert any(re.match(r"PASS\s+01_demo\s+triple_of_random_input\s+1 / 1 \(hidden\)", line) for line in lines)
    assert any(re.match(r"01_demo\s+2 / 3\s+3 / 3\.5", line) for line in lines)
    assert any(re.match(r"total\s+2 / 3\s+3 / 3\.5", line) for line in lines)


def test_a_failing_check_shows_its_message_not_a_traceback(grader):
    """Is pytest's failure report replaced by the student-facing message?"""
    output = grader(half="return x // 2").stdout.str()
    assert "half(3) should be 1.5, got something else" in output
    assert "raise CheckFailed" not in output
    assert "def test_half" not in output


def test_student_errors_reach_the_report(grader):
    """Do a stub, an exception and an infinite loop become messages in the report?"""
    result = grader(double="raise NotImplementedError()", half="while True:\n        pass")
    output = result.stdout.str()
    assert "`double` is not implemented yet" in output
    assert "took longer than 2 s (infinite loop?)" in output
    assert result.outlines[-1] == "Score: 0 / 3.5"


def test_a_missing_notebook_scores_zero(grader, pytester):
    """Does a submission without the notebook fail its checks with "notebook not found"?"""
    (pytester.path / "submission").mkdir()
    result = grader(write=False)
    assert "notebook not found" in result.stdout.str()
    assert result.outlines[-1] == "Score: 0 / 3.5"
    assert result.ret == 1


def test_results_json_follows_gradescopes_schema(grader, pytester):
    """Does --results-json write scores, statuses, outputs and hidden visibility?"""
    target = pytester.path / "out" / "results.json"
    grader("--results-json", str(target), half="return x // 2")
    data = json.loads(target.read_text())
    assert data["score"] == 3.0
    assert data["output_format"] == "text" and "stdout_visibility" in data
    by_name = {test["name"]: test for test in data["tests"]}
    assert set(by_name) == {"01_demo: double", "01_demo: half", "01_demo: triple_of_random_input"}
    assert by_name["01_demo: half"]["status"] == "failed"
    assert by_name["01_demo: half"]["score"] == 0 and by_name["01_demo: half"]["max_score"] == 0.5
    assert "should be 1.5" in by_name["01_demo: half"]["output"]
    assert by_name["01_demo: triple_of_random_input"]["visibility"] == "after_published"
    assert by_name["01_demo: double"]["visibility"] == "visible"


def test_a_single_notebook_can_be_the_submission(pytester, cells, fake_probes):
    """Is a notebook path accepted, matched to its exercise by its number prefix?"""
    pytester.makepyfile(test_ex01_demo=CHECKS.format(probes=fake_probes))
    notebook = _write_notebook(pytester.path / "elsewhere", cells, notebook_source("return 2 * x", "return x / 2"),
                               name="01_my_attempt.ipynb")
    result = pytester.runpytest("-p", "autograder.plugin", "--no-prestart", "--submission", str(notebook))
    assert result.outlines[-1] == "Score: 3.5 / 3.5"


def test_the_grading_seed_follows_the_solution_cells(pytester, cells, fake_probes):
    """Is the seed the same for the same answers and different for other answers?"""
    pytester.makepyfile(
        test_ex01_demo="""
        def test_seed(grading_seed):
            print("SEED", grading_seed)
        """
    )

    def seed(source):
        _write_notebook(pytester.path / "sub", cells, source)
        output = pytester.runpytest("-p", "autograder.plugin", "--no-prestart", "-s",
                                    "--submission", str(pytester.path / "sub")).stdout.str()
        return re.search(r"SEED (\d+)", output).group(1)

    first = seed("x = 1")
    assert seed("x = 1") == first
    assert seed("x = 2") != first


def test_the_exercise_comes_from_the_marker_or_the_module(pytester):
    """Does the exercise marker override the name derived from test_exNN_name.py?"""
    pytester.makepyfile(
        test_ex07_sample="""
        import pytest

        def test_plain():
            pass

        @pytest.mark.exercise("08_other")
        def test_marked():
            pass
        """
    )
    lines = pytester.runpytest("-p", "autograder.plugin", "--no-prestart").outlines
    assert any(re.match(r"PASS\s+07_sample\s+plain", line) for line in lines)
    assert any(re.match(r"PASS\s+08_other\s+marked", line) for line in lines)


def test_a_skipped_check_earns_nothing(pytester):
    """Does a skipped check count zero points and make the exit status 1?"""
    pytester.makepyfile(
        test_ex01_demo="""
        import pytest

        @pytest.mark.points(2)
        def test_skipped():
            pytest.skip("needs a GPU")
        """
    )
    result = pytester.runpytest("-p", "autograder.plugin", "--no-prestart")
    assert result.ret == 1
    assert result.outlines[-1] == "Score: 0 / 2"
    assert any("skipped: needs a GPU" in line for line in result.outlines)


def test_a_grader_bug_is_reported_as_such(pytester):
    """Does an unexpected exception in a check say the grader failed, with pytest's traceback?"""
    pytester.makepyfile(
        test_ex01_demo="""
        def test_broken():
            {}["missing"]
        """
    )
    result = pytester.runpytest("-p", "autograder.plugin", "--no-prestart")
    output = result.stdout.str()
    assert "the grader could not run this check (KeyError" in output
    assert "Traceback" in output or "def test_broken" in output


def test_gradescope_output_round_trips():
    """Can results be rebuilt from the results.json they produce?"""
    from autograder.results import CheckResult, from_gradescope

    results = [CheckResult("a", "01_gru", 1.5, 2.0, False, "msg", hidden=True)]
    assert from_gradescope(to_gradescope(results)) == results


def test_conftest_loads_the_plugin():
    """Does autograder/conftest.py expose the plugin's hooks and fixtures?"""
    import autograder.conftest as conftest

    for name in ("pytest_addoption", "pytest_runtest_makereport", "pytest_terminal_summary", "student"):
        assert hasattr(conftest, name)



def test_grade_submission_returns_check_results(tmp_path, cells, fake_probes):
    """Does the batch entry point grade a folder in a subprocess and return CheckResults?"""
    from autograder.grade import grade_submission

    tests_dir = tmp_path / "graded"
    tests_dir.mkdir()
    (tests_dir / "test_ex01_demo.py").write_text(CHECKS.format(probes=fake_probes))
    submission = tmp_path / "submission"
    _write_notebook(submission, cells, notebook_source("return 2 * x", "return 0"))
    results = grade_submission(submission, tests_dir=tests_dir, extra_args=["--no-prestart"],
                               results_json=tmp_path / "results.json")
    assert [(r.name, r.points, r.max_points, r.passed, r.hidden) for r in results] == [
        ("double", 2.0, 2.0, True, False),
        ("half", 0.0, 0.5, False, False),
        ("triple_of_random_input", 1.0, 1.0, True, True),
    ]
    assert "should be 1.5" in results[1].message and (tmp_path / "results.json").is_file()
