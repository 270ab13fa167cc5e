"""An import guard for the notebook kernel that nbgrader grades in.

``nbgrader autograde`` and ``nbgrader validate`` run the student's cells and the test
cells in one kernel, so the sandbox (``autograder.worker``) is not there. What can be
kept is the sandbox's first rule: code written in the notebook may not import the
answer key. ``nbgrader_config.py`` starts every kernel with::

    --IPKernelApp.exec_lines=__import__('autograder.kernel_guard').kernel_guard.install()

From then on an import of ``reference`` (or ``solutions``) fails with the sandbox's
``RefusedImport`` unless the importing code lives in the ``autograder`` or
``reference`` packages themselves (the checks that the test cells call need the
reference). The guard is a finder at the front of ``sys.meta_path``, so it sees
``import`` statements, ``__import__`` and ``importlib.import_module`` alike.

This is a guard rail, not a wall: code in the same process can remove the finder, read
the files, or reach the reference through the check modules. Grades that must resist
tampering come from ``pytest autograder`` or the batch grader (student code in a
sandboxed process, comparisons in the grader's).
"""
from __future__ import annotations

import sys
from importlib import abc
from types import FrameType

from autograder.guard import RefusedImport
from autograder.sandbox import PACKAGE_DIR, PROJECT_DIR

REFUSED = ("reference", "solutions")


def _importer(frame: FrameType | None) -> str:
    """The file of the first frame outside the import machinery ("" when none)."""
    machinery = ("<frozen importlib.", str(__file__))
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(machinery) and not filename.endswith("importlib/__init__.py"):
            return filename
        frame = frame.f_back
    return ""


class AnswerKeyGuard(abc.MetaPathFinder):
    """Refuses ``refused`` packages to importers outside ``trusted`` folders."""

    def __init__(self, refused: tuple[str, ...] = REFUSED,
                 trusted: tuple[str, ...] = (str(PACKAGE_DIR), str(PROJECT_DIR / "reference"))) -> None:
        self.refused = tuple(refused)
        self.trusted = tuple(folder.rstrip("/") + "/" for folder in trusted)

    def find_spec(self, fullname, path, target=None):
        if fullname.partition(".")[0] not in self.refused:
            return None
        if _importer(sys._getframe(1)).startswith(self.trusted):
            return None  # let the other finders load it
        raise RefusedImport(fullname)


def install() -> AnswerKeyGuard:
    """Put the guard first on ``sys.meta_path`` (once) and return it."""
    for finder in sys.meta_path:
        if isinstance(finder, AnswerKeyGuard):
            return finder
    guard = AnswerKeyGuard()
    sys.meta_path.insert(0, guard)
    return guard
