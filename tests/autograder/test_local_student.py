"""The in-kernel handle used by nbgrader test cells: same probes, same messages."""
from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest

from autograder.errors import CheckFailed, NotImplementedYet
from autograder.notebook_checks import LocalStudent, local_student


@pytest.fixture
def probes(fake_probes):
    spec = importlib.util.spec_from_file_location("fake_probes_for_local", fake_probes)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _namespace(source: str) -> dict:
    ns: dict = {"__name__": "__main__"}
    exec(compile(source, "/tmp/ipykernel_1/cell.py", "exec"), ns)
    return ns


def test_values_cross_as_plain_data(probes):
    """Does a tensor come back as an array and a tuple stay a tuple, as in the sandbox?"""
    student = LocalStudent(_namespace("import torch\ndef f():\n    return (torch.ones(2), 1)"), probes)
    value = student.call("call", "f")
    assert isinstance(value, tuple) and isinstance(value[0], np.ndarray)


def test_errors_become_the_same_messages(probes):
    """Do a stub and an exception give NotImplementedYet and the student's line?"""
    ns = _namespace("def stub():\n    raise NotImplementedError\ndef bad():\n    return 1 / 0")
    student = LocalStudent(ns, probes)
    with pytest.raises(NotImplementedYet, match="`stub` is not implemented yet"):
        student.call("call", "stub")
    with pytest.raises(CheckFailed, match=r"(?s)ZeroDivisionError.*line 4, in bad"):
        student.call("call", "bad")
    with pytest.raises(CheckFailed, match="object of type"):
        student.call("student_value", "__builtins__")


def test_limits_are_accepted_and_ignored(probes):
    """Can checks pass timeout/memory to a local handle unchanged?"""
    student = LocalStudent(_namespace("def f():\n    return 2"), probes)
    assert student.with_limits(timeout=1) is student
    assert student.call("call", "f", timeout=5, memory_mib=10) == 2


def test_local_student_finds_the_exercise_probes(monkeypatch, probes):
    """Does local_student accept "ex01_demo" and "01_demo" and load autograder.probes.ex01_demo?"""
    monkeypatch.setitem(sys.modules, "autograder.probes.ex01_demo", probes)
    assert local_student({}, "ex01_demo").probes is probes
    assert local_student({}, "01_demo").probes is probes
