"""Does the built bundle hold what a student needs, and nothing of the answers?"""
from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from answer_text import backward_lines, file_lines, solution_lines, telling_lines
from bundle_support import RELEASED, ROOT, SOLUTIONS, bundle_env

from autograder.student_bundle import build_student_bundle
from autograder.student_bundle.hidden import hidden_tests

MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
pytestmark = pytest.mark.slow  # every test here reads a bundle the session builds once


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def _shown_lines() -> set[str]:
    """Every line the released notebooks show a student anyway."""
    return set().union(*(file_lines(path) for path in RELEASED.glob("*.ipynb")))


def test_no_file_holds_a_line_of_the_solutions(bundle) -> None:
    """Is every telling line of the solution cells absent from every file of the bundle?"""
    answers = set().union(*(telling_lines(solution_lines(p), _shown_lines()) for p in SOLUTIONS.glob("*.ipynb")))
    assert len(answers) > 50
    found = {str(path.relative_to(bundle)): sorted(answers & file_lines(path)) for path in _files(bundle)}
    assert not {name: lines for name, lines in found.items() if lines}


def test_no_file_holds_the_reference_backward_passes(bundle) -> None:
    """Is every telling line of the answer key's backward functions absent from the bundle?"""
    backward = telling_lines(backward_lines(ROOT / "reference"), _shown_lines())
    assert len(backward) > 50
    found = {str(path.relative_to(bundle)): sorted(backward & file_lines(path)) for path in _files(bundle)}
    assert not {name: lines for name, lines in found.items() if lines}
    for path in bundle.rglob("*.py"):
        names = {n.name for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.FunctionDef)}
        assert "step_backward" not in names, path


def test_no_markers_and_no_hidden_test_names(bundle) -> None:
    """Are nbgrader's markers and the hidden tests' names nowhere in the bundle's grader?"""
    hidden = [name for path in (ROOT / "autograder").glob("test_ex*.py") for name in hidden_tests(path.read_text())]
    assert hidden
    for path in _files(bundle):
        if path.suffix in (".wire", ".pt"):
            continue
        text = path.read_text(encoding="utf-8")
        assert not [m for m in MARKERS if m in text], path
        if path.suffix == ".py":
            assert not [name for name in hidden if name in text], path


def test_no_reference_package_and_no_import_of_it(bundle) -> None:
    """Is there no ``reference`` folder, and does no shipped module import ``reference``?"""
    assert not [p for p in bundle.rglob("*") if p.is_dir() and p.name in ("reference", "solutions")]
    for path in bundle.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            )
            assert not [m for m in modules if m.split(".")[0] == "reference"], (path, node.lineno)


def test_instructor_tools_stay_home(bundle) -> None:
    """Are the bundle builder and the instructor's command line left out?"""
    grader = bundle / "autograder"
    assert not (grader / "student_bundle").exists()
    assert not (grader / "__main__.py").exists()
    assert (grader / "worker.py").is_file() and (grader / "conftest.py").is_file()


def test_packages_the_notebooks_import_ship_too(bundle) -> None:
    """Does the playground, which a released notebook imports, ship whole and installable?"""
    shipped = sorted(p.name for p in (bundle / "playground").glob("*.py"))
    assert shipped == sorted(p.name for p in (ROOT / "playground").glob("*.py"))
    include = tomllib.loads((bundle / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    assert include["include"] == ["autograder*", "playground*"]


def test_every_shipped_module_imports_without_the_key(bundle, without_reference) -> None:
    """Do the checks, probes, stand-ins and the playground import in a Python without ``reference``?"""
    modules = sorted(
        ".".join(p.relative_to(bundle).with_suffix("").parts).removesuffix(".__init__")
        for folder in ("autograder", "playground") for p in (bundle / folder).rglob("*.py")
        if not p.name.startswith(("test_", "conftest"))
    )
    code = "import refuse_reference, importlib\nfor m in %r: importlib.import_module(m)\n" % modules
    completed = subprocess.run(
        [sys.executable, "-c", code], cwd=bundle, env=bundle_env(bundle, without_reference),
        capture_output=True, text=True,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]


def test_project_files(bundle) -> None:
    """Does the bundle carry its pyproject (student package, pytest set-up), README and constraints?"""
    project = tomllib.loads((bundle / "pyproject.toml").read_text())
    assert project["project"]["name"] == "rnn-course-student"
    names = [r.split(">")[0].split("=")[0].split("<")[0] for r in project["project"]["dependencies"]]
    assert names == ["numpy", "torch", "matplotlib", "nbformat", "pytest"]
    course = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert project["tool"]["pytest"]["ini_options"] == dict(course, testpaths=["autograder"])
    readme = (bundle / "README.md").read_text()
    assert "python -m pip install -c constraints.txt -e ." in readme and "pytest autograder" in readme
    assert (bundle / "constraints.txt").read_bytes() == (ROOT / "constraints.txt").read_bytes()


def test_the_bundle_builds_a_wheel_with_its_recordings(bundle, tmp_path) -> None:
    """Does pip build the bundle into a wheel that carries the recordings and stand-ins?"""
    source = shutil.copytree(bundle, tmp_path / "source")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path / "wheel")],
        cwd=source, check=True, capture_output=True,
    )
    (wheel,) = (tmp_path / "wheel").glob("rnn_course_student-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.startswith("autograder/_expected/") and n.endswith(".wire") for n in names)
    assert "autograder/_standins/trend.py" in names
    assert not any(n.startswith("reference/") for n in names)


def test_building_twice_gives_the_same_files(tmp_path) -> None:
    """Is the bundle deterministic: two builds, identical file for file, byte for byte?"""
    once, again = build_student_bundle(tmp_path / "once"), build_student_bundle(tmp_path / "again")
    first = {str(p.relative_to(once)): p.read_bytes() for p in _files(once)}
    second = {str(p.relative_to(again)): p.read_bytes() for p in _files(again)}
    assert sorted(first) == sorted(second)
    assert [name for name in first if first[name] != second[name]] == []
