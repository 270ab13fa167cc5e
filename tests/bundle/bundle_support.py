"""Paths and helpers shared by the student bundle's tests (the fixtures are in conftest.py).

``run_bundle_grader`` runs ``python -m pytest autograder`` inside a built bundle the way
a student would, with the bundle first on the path and ``reference`` refused: the
project's editable install would otherwise make the answer key importable.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions" / "rnn"
RELEASED = ROOT / "assignments" / "rnn"

# A pytest plugin (loaded with -p before the grader) that refuses to import the answer key.
REFUSE_REFERENCE = '''"""Refuses every import of ``reference``, as in a Python without the course installed."""
import sys


class RefuseReference:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name == "reference" or name.startswith("reference."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, RefuseReference)
'''



def bundle_env(bundle: Path, without_reference: Path) -> dict[str, str]:
    """The environment of a student's shell in the bundle: its grader first on the path."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    env["PYTHONPATH"] = os.pathsep.join([str(without_reference), str(bundle)])
    return env


def run_bundle_grader(
    bundle: Path, without_reference: Path, results: Path, *args: str, paths: tuple[str, ...] = ("autograder",)
) -> dict[str, dict]:
    """``pytest autograder`` in the bundle (``paths`` instead of ``autograder``, then ``args``);
    returns {check name: result}.

    Results come from the Gradescope file the grader writes: each has ``score``,
    ``max_score`` and ``output`` (the message a student reads).
    """
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "refuse_reference", "-p", "no:cacheprovider", "-q",
         "--results-json", str(results), *paths, *args],
        cwd=bundle, env=bundle_env(bundle, without_reference), capture_output=True, text=True,
    )
    assert results.is_file(), completed.stdout[-3000:] + completed.stderr[-3000:]
    assert "Score: " in completed.stdout.splitlines()[-1], completed.stdout[-3000:]
    return {test["name"]: test for test in json.loads(results.read_text())["tests"]}
