"""Check results, the report a student reads, and Gradescope's results.json."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

_SHORT = 110


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one graded check."""

    name: str
    exercise: str
    points: float
    max_points: float
    passed: bool
    message: str = ""
    hidden: bool = False


@dataclass(frozen=True)
class ExerciseTotal:
    """Points and passed checks of one exercise."""

    exercise: str
    points: float
    max_points: float
    passed: int
    checks: int


def format_points(value: float) -> str:
    """``12.0`` -> ``"12"``, ``12.5`` -> ``"12.5"``, ``1/3`` -> ``"0.33"``."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def totals(results: list[CheckResult]) -> list[ExerciseTotal]:
    """Per-exercise totals, in the order exercises first appear."""
    order: dict[str, list[CheckResult]] = {}
    for result in results:
        order.setdefault(result.exercise, []).append(result)
    return [
        ExerciseTotal(
            exercise=exercise,
            points=sum(r.points for r in group),
            max_points=sum(r.max_points for r in group),
            passed=sum(r.passed for r in group),
            checks=len(group),
        )
        for exercise, group in order.items()
    ]


def score(results: list[CheckResult]) -> tuple[float, float]:
    return sum(r.points for r in results), sum(r.max_points for r in results)


def score_line(results: list[CheckResult]) -> str:
    """The report's last line, exactly ``Score: X / Y``."""
    earned, possible = score(results)
    return f"Score: {format_points(earned)} / {format_points(possible)}"


def _first_line(message: str) -> str:
    line = message.strip().splitlines()[0] if message.strip() else ""
    return line if len(line) <= _SHORT else line[: _SHORT - 3] + "..."


def check_lines(results: list[CheckResult]) -> list[str]:
    """One line per check: status, exercise, name, points, and the message's first line."""
    width = max((len(r.name) for r in results), default=0)
    ex_width = max((len(r.exercise) for r in results), default=0)
    lines = []
    for r in results:
        status = "PASS" if r.passed else "FAIL"
        points = f"{format_points(r.points)} / {format_points(r.max_points)}"
        hidden = " (hidden)" if r.hidden else ""
        text = f"{status}  {r.exercise:<{ex_width}}  {r.name:<{width}}  {points:>9}{hidden}"
        if not r.passed and r.message:
            text += f"  {_first_line(r.message)}"
        lines.append(text.rstrip())
    return lines


def table_lines(results: list[CheckResult]) -> list[str]:
    """The per-exercise table with a total row."""
    rows = [(t.exercise, f"{t.passed} / {t.checks}", f"{format_points(t.points)} / {format_points(t.max_points)}")
            for t in totals(results)]
    earned, possible = score(results)
    passed = sum(r.passed for r in results)
    rows.append(("total", f"{passed} / {len(results)}", f"{format_points(earned)} / {format_points(possible)}"))
    header = ("exercise", "checks passed", "points")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
    def fmt(row):
        return f"{row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]:>{widths[2]}}"
    rule = "-" * len(fmt(header))
    return [fmt(header), rule, *[fmt(r) for r in rows[:-1]], rule, fmt(rows[-1])]


def to_gradescope(results: list[CheckResult]) -> dict[str, Any]:
    """Gradescope's results.json: hidden checks become visible ``after_published``."""
    earned, _ = score(results)
    tests = []
    for r in results:
        tests.append(
            {
                "name": f"{r.exercise}: {r.name}",
                "score": r.points,
                "max_score": r.max_points,
                "status": "passed" if r.passed else "failed",
                "output": r.message,
                "output_format": "text",
                "visibility": "after_published" if r.hidden else "visible",
                "extra_data": {"exercise": r.exercise, "check": r.name, "hidden": r.hidden},
            }
        )
    return {
        "score": earned,
        "output": score_line(results),
        "output_format": "text",
        "stdout_visibility": "hidden",
        "visibility": "visible",
        "tests": tests,
    }


def from_gradescope(data: dict[str, Any]) -> list[CheckResult]:
    """Results back from a results.json written by ``to_gradescope``."""
    results = []
    for test in data.get("tests", []):
        extra = test.get("extra_data", {})
        name = test["name"]
        exercise = extra.get("exercise", name.split(": ", 1)[0])
        results.append(
            CheckResult(
                name=extra.get("check", name.split(": ", 1)[-1]),
                exercise=exercise,
                points=float(test["score"]),
                max_points=float(test["max_score"]),
                passed=test["status"] == "passed",
                message=test.get("output", ""),
                hidden=bool(extra.get("hidden", test.get("visibility") == "after_published")),
            )
        )
    return results


def write_results_json(path: Path, results: list[CheckResult]) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(to_gradescope(results), indent=2) + "\n")


def as_dicts(results: list[CheckResult]) -> list[dict[str, Any]]:
    return [asdict(r) for r in results]
