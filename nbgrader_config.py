"""nbgrader configuration: the course directory is this repository.

Instructors author in ``solutions/<assignment>/`` (nbgrader's *source*) and release
stubs into ``assignments/<assignment>/`` with::

    nbgrader generate_assignment rnn --force
"""
import os

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import GetGrades

from autograder.nbgrader_feedback import HiddenTestsFeedback

c = get_config()  # noqa: F821  (injected by nbgrader)

c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"
c.CourseDirectory.course_id = "rnn-course"
# Released stubs raise NotImplementedError so an untouched stub grades as
# "not implemented yet", never as a NameError.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints",
    "*.pyc",
    "__pycache__",
    "feedback",
]
# autograde and validate run student and test cells in one kernel: start it with the
# guard that refuses the answer key to notebook code (see autograder/kernel_guard.py).
c.Execute.extra_arguments = [
    "--IPKernelApp.exec_lines=__import__('autograder.kernel_guard').kernel_guard.install()",
]
# Feedback shows a failing hidden test's diagnosis, never the test's source.
c.GenerateFeedback.preprocessors = [GetGrades, HiddenTestsFeedback, CSSHTMLHeaderPreprocessor]
