"""Fixtures for the instructor workflow: a tiny graded exercise and a class to grade.

The batch tests grade with a one-exercise test module (``test_ex01_demo.py``, written
into ``tmp_path``) and a probe module of their own, so that a class of four grades in
seconds; short sandbox limits make a hanging student cheap. The nbgrader and Gradescope
tests use the real course through ``released_course``.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from instructor_support import ASSIGNMENT, CLASS, DEMO_CHECKS, DEMO_PROBES, ROOT, write_submission


def make_demo_tests(folder: Path) -> Path:
    """Write the demo exercise's graded test module (and its probes) into ``folder``."""
    folder.mkdir(parents=True)
    probes = folder.parent / "demo_probes.py"
    probes.write_text(DEMO_PROBES)
    (folder / "test_ex01_demo.py").write_text(DEMO_CHECKS.format(probes=str(probes)))
    return folder


@pytest.fixture(scope="module")
def demo_tests(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of graded test modules for the demo exercise (the same for a whole module,
    so that records graded by one test are current for the next)."""
    return make_demo_tests(tmp_path_factory.mktemp("demo") / "graded")


@pytest.fixture
def demo_class(tmp_path: Path) -> Path:
    """``submitted/`` with the four students of ``CLASS``."""
    submitted = tmp_path / "submitted"
    for student, source in CLASS.items():
        write_submission(submitted, student, source)
    return submitted


@pytest.fixture(scope="session")
def released_course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A course folder after the real ``nbgrader generate_assignment rnn`` (read-only:
    copy it before changing anything)."""
    course = tmp_path_factory.mktemp("course")
    shutil.copytree(ROOT / "solutions", course / "solutions")
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    subprocess.run(
        [sys.executable, "-m", "nbgrader", "generate_assignment", ASSIGNMENT, "--force", "--log-level=ERROR"],
        cwd=course, check=True, capture_output=True, text=True,
    )
    return course
