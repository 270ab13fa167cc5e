"""Writes the student bundle: the released notebooks and the grader, without the answers.

``build_student_bundle(out)`` fills the folder ``out`` with

* ``assignments/rnn/``: the released notebooks and the files released with them;
* the course's packages the notebooks import (the playground), whole;
* ``autograder/``: the modules students' grading reaches (``selection``), with hidden
  tests removed (``hidden``), imports of the answer key rewritten (``imports``), banks of
  known mistakes that would give the answer away replaced by recorded ones (``banks``),
  ``_standins/`` in place of the answer key's modules (``standins``) and ``_expected/``,
  the answer key's results for the visible checks' inputs (``visible``);
* ``pyproject.toml``, ``README.md`` and ``constraints.txt`` (``project``).

The same sources give the same bytes: files are written in sorted order, recordings
sorted by key, and nothing depends on time or on the build's location.
"""
from __future__ import annotations

import importlib
import shutil
from pathlib import Path

from autograder.expected import STORE_DIR, recording
from autograder.student_bundle import standins, visible
from autograder.student_bundle.banks import recorded_bank_source
from autograder.student_bundle.hidden import strip_hidden_tests
from autograder.student_bundle.imports import rewrite_imports
from autograder.student_bundle.project import write_project_files
from autograder.student_bundle.selection import PACKAGE, module_name, notebook_packages, shipped_modules

PACKAGE_DIR = Path(__file__).resolve().parents[1]
PROJECT_DIR = PACKAGE_DIR.parent
ASSIGNMENT = "rnn"
TEST_MODULE_PREFIX = "test_ex"
# Files and folders of a release that are not part of it.
_NOT_RELEASED = (".ipynb_checkpoints", "__pycache__", ".DS_Store")


class BundleError(RuntimeError):
    """The bundle cannot be built as asked (the reason is in the message)."""


def _bundle_path(out: Path, module: str, is_package: bool) -> Path:
    parts = module.split(".")
    return out.joinpath(*parts, "__init__.py") if is_package else out.joinpath(*parts).with_suffix(".py")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def copy_release(released: Path, out: Path) -> list[Path]:
    """The released assignment's files, copied into ``out/assignments/<id>/`` (sorted)."""
    if not released.is_dir() or not any(released.glob("*.ipynb")):
        raise BundleError(
            f"no released notebooks in {released}: release the assignment first "
            f"(nbgrader generate_assignment {ASSIGNMENT})"
        )
    target = out / "assignments" / released.name
    copied = []
    for path in sorted(released.rglob("*")):
        relative = path.relative_to(released)
        if not path.is_file() or any(part in _NOT_RELEASED for part in relative.parts):
            continue
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
        copied.append(destination)
    return copied


def write_grader(out: Path, package_dir: Path, released: Path) -> None:
    """The shipped ``autograder`` modules, the stand-ins and the recordings, into ``out``."""
    standin_map = standins.STANDINS
    for path in shipped_modules(package_dir):
        name = module_name(package_dir, path)
        source = path.read_text(encoding="utf-8")
        if name in visible.RECORDED_BANKS:
            source = recorded_bank_source(name, importlib.import_module(name).MISTAKES)
        elif path.name.startswith(TEST_MODULE_PREFIX) and path.parent == package_dir:
            source = strip_hidden_tests(source, path.name)
        target = _bundle_path(out, name, path.name == "__init__.py")
        _write(target, rewrite_imports(source, standin_map, f"{name} ({path.name})"))
    for name, source in sorted(standins.standin_sources(PROJECT_DIR, released).items()):
        target = _bundle_path(out, name, name == standins.BUNDLE_PACKAGE)
        _write(target, rewrite_imports(source, standin_map, name))
    with recording() as recorder:
        for exercise in sorted(visible.RECORDERS):
            visible.RECORDERS[exercise](recorder)
    recorder.write(out / PACKAGE / STORE_DIR.name)


def copy_package(source: Path, out: Path) -> None:
    """A package the notebooks import, copied whole into ``out`` (its imports checked)."""
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source.parent)
        if not path.is_file() or any(part in _NOT_RELEASED for part in relative.parts):
            continue
        target = out / relative
        if path.suffix == ".py":
            text = path.read_text(encoding="utf-8")
            _write(target, rewrite_imports(text, standins.STANDINS, str(relative)))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


def build_student_bundle(out: Path | str, released: Path | str | None = None) -> Path:
    """Write the student bundle into the folder ``out`` (new or empty) and return it.

    ``released`` is the folder of released notebooks (default: ``assignments/rnn``).
    Raises ``BundleError`` when ``out`` holds files or nothing has been released.
    """
    out = Path(out).resolve()
    released = Path(released).resolve() if released is not None else PROJECT_DIR / "assignments" / ASSIGNMENT
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BundleError(f"{out} exists and is not an empty folder")
    if out == PROJECT_DIR or PROJECT_DIR in out.parents and out.parts[len(PROJECT_DIR.parts)] == PACKAGE:
        raise BundleError(f"{out} is inside the course's own grader")
    out.mkdir(parents=True, exist_ok=True)
    copy_release(released, out)
    write_grader(out, PACKAGE_DIR, released)
    packages = notebook_packages(released, PROJECT_DIR)
    for package in packages:
        copy_package(PROJECT_DIR / package, out)
    write_project_files(out, PROJECT_DIR, packages=(PACKAGE, *packages))
    return out
