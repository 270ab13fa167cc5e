"""Gradescope's autograder zip: ``python -m autograder bundle gradescope OUT.zip``.

Gradescope unpacks the zip into ``/autograder/source``, runs ``setup.sh`` once when it
builds the image, then ``run_autograder`` in a fresh container for every submission
(the student's files in ``/autograder/submission``, the grade expected in
``/autograder/results/results.json``). The zip holds:

* ``setup.sh``: installs ``requirements.txt`` (the runtime dependencies, pinned to
  ``constraints.txt``; torch from PyTorch's CPU index) and the package itself;
* ``run_autograder``: copies the submitted notebooks and runs ``pytest autograder
  --submission ... --results-json ...``; if pytest writes nothing, a zero score with
  the reason;
* the package: ``pyproject.toml``, ``reference/`` (the answer key: this zip is for the
  instructor's Gradescope account only), ``autograder/``, and the released assignment's
  given files (``assignments/<id>/`` without its notebooks).

Both scripts read ``AUTOGRADER_ROOT`` (default ``/autograder``) so that a test can run
them in a temporary folder, ``AUTOGRADER_PYTHON`` (default ``python3``), and
``setup.sh`` skips the installs when ``AUTOGRADER_SKIP_INSTALL`` is set.
"""
from __future__ import annotations

import importlib.metadata
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement

from autograder.sandbox import PROJECT_DIR

DISTRIBUTION = "rnn-course"
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
PACKAGES = ("reference", "autograder")
PROJECT_FILES = ("pyproject.toml", "README.md", "constraints.txt")
_EXECUTABLE = 0o100755 << 16
_REGULAR = 0o100644 << 16
# ``_expected`` holds a student bundle's recordings: with it, the grader would replay
# them instead of computing with the answer key (see ``autograder.expected``).
_SKIPPED = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache", "_expected"}

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder image.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PYTHON="${AUTOGRADER_PYTHON:-python3}"
if [ -n "${AUTOGRADER_SKIP_INSTALL:-}" ]; then
    echo "AUTOGRADER_SKIP_INSTALL is set: using the packages already installed"
    exit 0
fi
"$PYTHON" -m pip install --no-cache-dir --upgrade pip
"$PYTHON" -m pip install --no-cache-dir -r "$ROOT/source/requirements.txt"
"$PYTHON" -m pip install --no-cache-dir --no-deps -e "$ROOT/source"
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission, each in a fresh container.
set -uo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PYTHON="${AUTOGRADER_PYTHON:-python3}"
SOURCE="$ROOT/source"
RESULTS="$ROOT/results/results.json"
NOTEBOOKS="$(mktemp -d)"
mkdir -p "$ROOT/results"
rm -f "$RESULTS"

# The submitted notebooks, wherever the student put them (a zip may add folders).
find "$ROOT/submission" -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' \\
    -exec cp {} "$NOTEBOOKS/" \\;

cd "$SOURCE" || exit 1
"$PYTHON" -m pytest autograder --submission "$NOTEBOOKS" --results-json "$RESULTS" \\
    -p no:cacheprovider

if [ ! -s "$RESULTS" ]; then
    cat > "$RESULTS" <<'JSON'
{"score": 0,
 "output": "The autograder stopped before grading this submission. Please tell your instructor.",
 "stdout_visibility": "visible",
 "tests": []}
JSON
fi
exit 0
"""


def read_constraints(path: Path) -> dict[str, str]:
    """``name -> version`` of every ``name==version`` line (names normalised)."""
    pins = {}
    for line in Path(path).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = (part.strip() for part in line.split("==", 1))
            pins[_normalise(name)] = version
    return pins


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_closure(distribution: str = DISTRIBUTION) -> set[str]:
    """The installed runtime dependencies of ``distribution`` (no extras), transitively."""
    environment = dict(default_environment(), extra="")
    seen: set[str] = set()
    todo = [distribution]
    while todo:
        name = todo.pop()
        try:
            requirements = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        for text in requirements:
            requirement = Requirement(text)
            if requirement.marker is not None and not requirement.marker.evaluate(environment):
                continue
            dependency = _normalise(requirement.name)
            if dependency not in seen:
                seen.add(dependency)
                todo.append(dependency)
    return seen


def requirements_text(constraints: Path = PROJECT_DIR / "constraints.txt") -> str:
    """requirements.txt: every runtime dependency that constraints.txt pins, pinned."""
    pins = read_constraints(constraints)
    names = sorted(name for name in runtime_closure() if name in pins)
    if "torch" not in names:
        raise RuntimeError(f"{DISTRIBUTION} is not installed with its dependencies: cannot derive requirements")
    lines = [
        f"# Runtime dependencies of {DISTRIBUTION}, pinned as in constraints.txt.",
        "# torch comes from PyTorch's CPU-only index (no CUDA libraries to download).",
        f"--extra-index-url {TORCH_CPU_INDEX}",
        *(f"{name}=={pins[name]}" for name in names),
    ]
    return "\n".join(lines) + "\n"


def _tree(folder: Path) -> Iterable[Path]:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not _SKIPPED.intersection(path.relative_to(folder).parts) and path.suffix != ".pyc":
            yield path


def given_files(assignment: str) -> list[Path]:
    """The released assignment's files other than notebooks (e.g. a trained checkpoint).

    Taken from ``assignments/<id>/``; before the first release, from ``solutions/<id>/``
    (nbgrader copies such files unchanged).
    """
    for folder in (PROJECT_DIR / "assignments" / assignment, PROJECT_DIR / "solutions" / assignment):
        files = [path for path in _tree(folder) if path.suffix != ".ipynb"]
        if any(folder.glob("*.ipynb")) or files:
            return files
    return []


def _add(archive: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = _EXECUTABLE if executable else _REGULAR
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def write_bundle(out: Path | str, assignment: str = "rnn") -> Path:
    """Write the autograder zip to ``out``; returns its path."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w") as archive:
        _add(archive, "setup.sh", SETUP_SH.encode(), executable=True)
        _add(archive, "run_autograder", RUN_AUTOGRADER.encode(), executable=True)
        _add(archive, "requirements.txt", requirements_text().encode())
        for name in PROJECT_FILES:
            _add(archive, name, (PROJECT_DIR / name).read_bytes())
        for package in PACKAGES:
            for path in _tree(PROJECT_DIR / package):
                _add(archive, str(path.relative_to(PROJECT_DIR)), path.read_bytes())
        for path in given_files(assignment):
            _add(archive, f"assignments/{assignment}/{path.name}", path.read_bytes())
    return out
