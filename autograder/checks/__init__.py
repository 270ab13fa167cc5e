"""Checks: one module per exercise, ``exNN_name.py``, of plain functions.

A check takes a student handle (``student.call(probe, *args, **kwargs)``, the sandbox in
pytest or ``notebook_checks.local_student`` in nbgrader test cells), computes the
expected values with ``reference``, and raises ``CheckFailed`` through
``autograder.compare`` / ``autograder.diagnose`` when the student's results differ.
"""
