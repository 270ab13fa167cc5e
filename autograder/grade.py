"""Grade one submission from Python (for a batch grader): ``grade_submission(path)``.

Runs ``pytest autograder --submission PATH --results-json FILE`` in a fresh interpreter
(so every submission gets its own workers and nothing leaks between students) and reads
the results back as ``CheckResult``s.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from autograder.results import CheckResult, from_gradescope
from autograder.sandbox import PACKAGE_DIR, PROJECT_DIR


def grade_submission(
    path: Path | str,
    *,
    results_json: Path | str | None = None,
    extra_args: Sequence[str] = (),
    timeout: float | None = None,
    tests_dir: Path | str = PACKAGE_DIR,
) -> list[CheckResult]:
    """Grade the notebooks at ``path`` (a folder or one notebook); one result per check.

    ``results_json`` keeps Gradescope's file at that path (otherwise a temporary file is
    used). ``extra_args`` go to pytest (e.g. ``["-k", "gru"]``); ``timeout`` bounds the
    whole run in seconds. ``tests_dir`` is the folder of graded test modules (the
    ``autograder`` package itself by default; another folder gets the plugin via ``-p``).
    Raises ``RuntimeError`` when pytest did not get as far as writing results.
    """
    tests_dir = Path(tests_dir).resolve()
    plugin = [] if tests_dir == PACKAGE_DIR else ["-p", "autograder.plugin"]
    with tempfile.TemporaryDirectory(prefix="grade-") as tmp:
        target = Path(results_json) if results_json is not None else Path(tmp) / "results.json"
        command = [
            sys.executable, "-m", "pytest", str(tests_dir), *plugin,
            "--submission", str(Path(path).resolve()),
            "--results-json", str(target.resolve()),
            "-q", "-p", "no:cacheprovider", *extra_args,
        ]
        cwd = PROJECT_DIR if tests_dir == PACKAGE_DIR else tests_dir
        completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)
        if not target.is_file():
            raise RuntimeError(f"grading {path} produced no results:\n{completed.stdout[-2000:]}{completed.stderr[-2000:]}")
        return from_gradescope(json.loads(target.read_text()))
