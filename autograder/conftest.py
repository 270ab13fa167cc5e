"""Makes ``pytest autograder`` grade: this folder's initial conftest loads the plugin.

The plugin's code lives in ``autograder.plugin`` (a normal, testable module); importing
its hooks and fixtures here registers them for every test in this folder.
"""
from autograder.plugin import (  # noqa: F401
    grading_seed,
    pytest_addoption,
    pytest_collection_finish,
    pytest_configure,
    pytest_runtest_makereport,
    pytest_sessionstart,
    pytest_sessionfinish,
    pytest_terminal_summary,
    student,
)
