"""Fixtures for the student bundle's tests: one bundle per session, and a Python without the key."""
from __future__ import annotations

from pathlib import Path

import pytest
from bundle_support import REFUSE_REFERENCE

from autograder.student_bundle import build_student_bundle


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A student bundle built from this repository (shared: tests only read it)."""
    return build_student_bundle(tmp_path_factory.mktemp("bundle") / "student")


@pytest.fixture(scope="session")
def without_reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the ``refuse_reference`` plugin module."""
    folder = tmp_path_factory.mktemp("refuse")
    (folder / "refuse_reference.py").write_text(REFUSE_REFERENCE, encoding="utf-8")
    return folder
