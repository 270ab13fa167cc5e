"""The student bundle: notebooks and grader, with expected values instead of the answer key.

``python -m autograder bundle student OUT`` (or ``build_student_bundle(OUT)``) writes a
folder students install with ``python -m pip install -c constraints.txt -e .`` and grade
with ``pytest autograder``. It holds the visible checks only, and no answer code: the
answer key's results for the visible checks' inputs are recorded ahead
(``autograder.expected``), and modules that are not the answer stand in for the key's.

Modules, one job each: ``build`` (the whole), ``selection`` (which grader modules ship),
``hidden`` (hidden tests out), ``imports`` (answer-key imports rewritten), ``visible``
(the visible checks' inputs and their recorded results), ``banks`` (recorded known
mistakes), ``standins`` (what replaces the answer key's modules), ``project``
(pyproject, README, constraints).
"""
from autograder.student_bundle.build import BundleError, build_student_bundle

__all__ = ["BundleError", "build_student_bundle"]
