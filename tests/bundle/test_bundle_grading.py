"""Does the bundle grade as the course's grader does, without the answer key?"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from bundle_support import RELEASED, SOLUTIONS, run_bundle_grader

# One known mistake per exercise whose bank ships as recordings: (notebook, the right
# line, the wrong one, the mistake's name as the diagnosis says it).
MISTAKES = (
    ("01_gru.ipynb", "h = (1.0 - z) * h + z * n", "h = z * h + (1.0 - z) * n", "z and 1 - z swapped"),
    (
        "03_gates.ipynb",
        'bias = getattr(lstm, f"bias_ih_l{k}") + getattr(lstm, f"bias_hh_l{k}")',
        'bias = getattr(lstm, f"bias_ih_l{k}")',
        "bias_hh forgotten",
    ),
    (
        "04_lstm_backward.ipynb",
        "dc = dc_next + dh * o * (1.0 - tanh_c**2)",
        "dc = dh * o * (1.0 - tanh_c**2)",
        "no cell-state gradient from the next step",
    ),
)


def _copy_notebooks(source: Path, target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.iterdir()):
        if path.is_file():
            shutil.copyfile(path, target / path.name)
    return target


def _with_line_replaced(path: Path, old: str, new: str) -> None:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    changed = 0
    for cell in notebook["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if old in source:
            cell["source"] = source.replace(old, new)
            changed += 1
    assert changed == 1, f"{old!r} is not in exactly one cell of {path.name}"
    path.write_text(json.dumps(notebook), encoding="utf-8")


@pytest.mark.slow
def test_solutions_earn_every_visible_point(bundle, without_reference, tmp_path) -> None:
    """Do the solution notebooks, graded by the bundle, pass every check for full marks?"""
    submission = _copy_notebooks(SOLUTIONS, tmp_path / "submission")
    results = run_bundle_grader(
        bundle, without_reference, tmp_path / "results.json", "--submission", str(submission)
    )
    failed = {name: r["output"] for name, r in results.items() if r["score"] != r["max_score"]}
    assert not failed
    assert len(results) >= 20
    assert not any("random" in name for name in results)


@pytest.mark.slow
def test_stubs_earn_nothing_and_are_told_not_implemented(bundle, without_reference, tmp_path) -> None:
    """Do the released stubs (the bundle's own notebooks) score zero, each "not implemented"?"""
    results = run_bundle_grader(bundle, without_reference, tmp_path / "results.json")
    assert results
    assert all(r["score"] == 0 for r in results.values())
    vague = {name: r["output"] for name, r in results.items() if "not implemented" not in r["output"]}
    assert not vague


@pytest.mark.slow
def test_known_mistakes_are_named(bundle, without_reference, tmp_path) -> None:
    """Does a known mistake in exercises 01, 03 and 04 still get its name in the bundle?"""
    submission = _copy_notebooks(SOLUTIONS, tmp_path / "submission")
    for notebook, right, wrong, _ in MISTAKES:
        _with_line_replaced(submission / notebook, right, wrong)
    tests = [f"autograder/test_ex{notebook.removesuffix('.ipynb')}.py" for notebook, *_ in MISTAKES]
    results = run_bundle_grader(
        bundle, without_reference, tmp_path / "results.json", "--submission", str(submission),
        paths=tuple(tests),
    )
    for notebook, _, _, name in MISTAKES:
        exercise = notebook.removesuffix(".ipynb")
        messages = [r["output"] for check, r in results.items() if check.startswith(exercise + ":")]
        assert any(f"This looks like {name}" in message for message in messages), messages


def test_released_notebooks_are_the_bundles(bundle) -> None:
    """Does the bundle hold every released file, byte for byte?"""
    for path in sorted(RELEASED.iterdir()):
        if path.is_file():
            assert (bundle / "assignments" / "rnn" / path.name).read_bytes() == path.read_bytes()
