"""Are the committed stubs in ``assignments/`` exactly what nbgrader releases from ``solutions/``?"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT = "rnn"


def _release_into(course: Path) -> Path:
    """Copy the nbgrader source and config into ``course`` and run the real release there."""
    shutil.copytree(ROOT / "solutions", course / "solutions")
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    subprocess.run(
        [sys.executable, "-m", "nbgrader", "generate_assignment", ASSIGNMENT, "--force",
         "--log-level=ERROR"],
        cwd=course, check=True, capture_output=True, text=True,
    )
    return course / "assignments" / ASSIGNMENT


def _files(folder: Path) -> set[str]:
    return {
        str(p.relative_to(folder)) for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts
    }


@pytest.mark.slow
def test_committed_assignments_equal_a_fresh_release(tmp_path: Path) -> None:
    """Does regenerating the release reproduce every committed file, and nothing more?"""
    fresh = _release_into(tmp_path)
    committed = ROOT / "assignments" / ASSIGNMENT
    assert _files(fresh) == _files(committed), (
        "assignments/ has drifted from solutions/: run "
        "`python -m nbgrader generate_assignment rnn --force` and commit the result"
    )
    for name in sorted(_files(fresh)):
        if name.endswith(".ipynb"):
            same = json.loads((fresh / name).read_text()) == json.loads((committed / name).read_text())
        else:
            same = (fresh / name).read_bytes() == (committed / name).read_bytes()
        assert same, f"assignments/{ASSIGNMENT}/{name} differs from a fresh release of solutions/"


def test_released_notebooks_hold_no_solution_or_hidden_test_markers() -> None:
    """Does any released notebook still contain solution code or hidden tests?"""
    released = sorted((ROOT / "assignments" / ASSIGNMENT).glob("*.ipynb"))
    for notebook in released:
        text = notebook.read_text()
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
            assert marker not in text, f"{notebook.name} contains '{marker}'"
