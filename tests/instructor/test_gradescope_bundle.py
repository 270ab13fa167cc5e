"""Gradescope's autograder zip: its contents, its pins, and a run laid out as on Gradescope."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from instructor_support import ASSIGNMENT, ROOT

from autograder.__main__ import main
from autograder.gradescope import read_constraints, write_bundle


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_bundle(tmp_path_factory.mktemp("gradescope") / "autograder.zip", assignment=ASSIGNMENT)


def unpack(bundle: Path, root: Path) -> Path:
    """Unzip into ``root/source`` as Gradescope does, keeping the files' modes."""
    source = root / "source"
    with zipfile.ZipFile(bundle) as archive:
        for info in archive.infolist():
            path = Path(archive.extract(info, source))
            path.chmod((info.external_attr >> 16) & 0o777)
    return source


def test_the_zip_holds_the_scripts_the_package_and_the_given_files(bundle):
    """Are setup.sh, run_autograder, requirements, reference, autograder and the checkpoint there?"""
    with zipfile.ZipFile(bundle) as archive:
        infos = {info.filename: info for info in archive.infolist()}
    for name in ("setup.sh", "run_autograder", "requirements.txt", "pyproject.toml", "README.md",
                 "reference/gru.py", "autograder/plugin.py", "autograder/conftest.py",
                 "autograder/checks/ex01_gru.py", "autograder/test_ex04_lstm_backward.py",
                 f"assignments/{ASSIGNMENT}/char_lstm_gates.pt"):
        assert name in infos, f"{name} is missing from the bundle"
    for script in ("setup.sh", "run_autograder"):
        assert (infos[script].external_attr >> 16) & 0o111, f"{script} is not executable"
    assert not [name for name in infos if "__pycache__" in name or name.endswith((".pyc", ".ipynb"))]
    assert not [name for name in infos if name.startswith(("solutions/", "tests/"))]


def test_requirements_pin_the_runtime_dependencies_as_constraints_does(bundle):
    """Is every requirement pinned to constraints.txt, torch from the CPU index, no extras?"""
    with zipfile.ZipFile(bundle) as archive:
        lines = archive.read("requirements.txt").decode().splitlines()
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in lines
    pins = dict(line.split("==") for line in lines if "==" in line)
    constraints = read_constraints(ROOT / "constraints.txt")
    assert {name: constraints[name] for name in pins} == pins
    for name in ("torch", "numpy", "matplotlib", "tqdm", "nbformat", "pytest"):
        assert name in pins, f"{name} is not in requirements.txt"
    for name in ("nbgrader", "jupyterlab", "ipykernel"):
        assert name not in pins, f"{name} is only needed by instructors and notebooks"


def test_the_scripts_are_valid_bash(bundle, tmp_path):
    """Does bash parse both scripts?"""
    source = unpack(bundle, tmp_path / "autograder")
    for script in ("setup.sh", "run_autograder"):
        subprocess.run(["bash", "-n", str(source / script)], check=True)


def test_the_command_line_writes_the_zip(tmp_path, capsys):
    """Does ``python -m autograder bundle gradescope OUT.zip`` write a readable zip?"""
    out = tmp_path / "out" / "autograder.zip"
    assert main(["bundle", "gradescope", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {out}"
    with zipfile.ZipFile(out) as archive:
        assert archive.testzip() is None and "run_autograder" in archive.namelist()


@pytest.mark.slow
def test_run_autograder_writes_gradescopes_results(bundle, released_course, tmp_path):
    """Graded as on Gradescope, does exercise 1 solved and the rest stubbed give 25 points,
    with every test's fields and the hidden ones shown only after publishing?"""
    root = tmp_path / "autograder"
    source = unpack(bundle, root)
    submission = root / "submission" / "my_work"  # a student's upload may add a folder
    shutil.copytree(released_course / "assignments" / ASSIGNMENT, submission)
    shutil.copy(ROOT / "solutions" / ASSIGNMENT / "01_gru.ipynb", submission / "01_gru.ipynb")
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), AUTOGRADER_PYTHON=sys.executable,
               AUTOGRADER_SKIP_INSTALL="1")
    subprocess.run(["bash", str(source / "setup.sh")], env=env, check=True, capture_output=True)
    shutil.copy(source / "run_autograder", root / "run_autograder")  # where Gradescope runs it from
    run = subprocess.run([str(root / "run_autograder")], env=env, cwd=root, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr

    results = json.loads((root / "results" / "results.json").read_text())
    tests = results["tests"]
    assert results["score"] == 25 == sum(test["score"] for test in tests)
    assert sum(test["max_score"] for test in tests) == 100
    for test in tests:
        assert {"name", "score", "max_score", "status", "output", "visibility"} <= set(test)
        assert test["status"] == ("passed" if test["name"].startswith("01_gru") else "failed")
    hidden = [test for test in tests if test["extra_data"]["hidden"]]
    assert hidden and all(test["visibility"] == "after_published" for test in hidden)
    assert all(test["visibility"] == "visible" for test in tests if test not in hidden)
    stub = next(test for test in tests if test["name"].startswith("04_lstm_backward"))
    assert "not implemented yet" in stub["output"]
