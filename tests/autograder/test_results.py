"""Results: points formatting, the table and the Score line."""
from __future__ import annotations

from autograder.results import CheckResult, check_lines, format_points, score_line, table_lines, totals


def _results():
    return [
        CheckResult("one_step", "01_gru", 2.0, 2.0, True),
        CheckResult("sequence", "01_gru", 0.0, 3.0, False, "hidden states are wrong: first differs\nmore"),
        CheckResult("trains", "02_trend", 0.5, 0.5, True, hidden=True),
    ]


def test_points_are_printed_without_useless_decimals():
    """Are whole numbers printed as ints and fractions with up to two decimals?"""
    assert [format_points(x) for x in (12.0, 12.5, 1 / 3, 0.0)] == ["12", "12.5", "0.33", "0"]


def test_score_line_and_totals():
    """Do the totals per exercise and the Score line add up?"""
    assert score_line(_results()) == "Score: 2.5 / 5.5"
    assert [(t.exercise, t.points, t.max_points, t.passed, t.checks) for t in totals(_results())] == [
        ("01_gru", 2.0, 5.0, 1, 2), ("02_trend", 0.5, 0.5, 1, 1)
    ]


def test_check_lines_show_the_first_line_of_a_failure():
    """Is there one line per check with the failure's first line only?"""
    lines = check_lines(_results())
    assert len(lines) == 3
    assert lines[1].startswith("FAIL") and lines[1].endswith("hidden states are wrong: first differs")
    assert "(hidden)" in lines[2]


def test_the_table_ends_with_the_total():
    """Does the table have a row per exercise and a total row?"""
    table = table_lines(_results())
    assert table[0].split() == ["exercise", "checks", "passed", "points"]
    assert table[-1].split() == ["total", "2", "/", "3", "2.5", "/", "5.5"]
