"""Do the bundle's source transformations (hidden tests, imports, selection, banks) hold?"""
from __future__ import annotations

import textwrap

import pytest
from bundle_support import ROOT

from autograder.mistakes import ex04_lstm_backward as bank
from autograder.student_bundle import BundleError, build_student_bundle
from autograder.student_bundle.banks import recorded_bank_source
from autograder.student_bundle.hidden import HiddenTestError, hidden_tests, strip_hidden_tests
from autograder.student_bundle.imports import ImportRewriteError, rewrite_imports
from autograder.student_bundle.selection import SelectionError, shipped_modules
from autograder.student_bundle.standins import STANDINS

TESTS = textwrap.dedent('''\
    import pytest


    @pytest.mark.points(2)
    def test_visible(handle) -> None:
        pass


    @pytest.mark.hidden
    @pytest.mark.points(3)
    def test_secret(handle, grading_seed) -> None:
        pass


    @pytest.mark.points(1)
    def test_last(handle) -> None:
        pass
''')


def test_hidden_tests_go_with_their_decorators() -> None:
    """Are hidden tests removed, decorators and all, and the visible ones kept intact?"""
    assert hidden_tests(TESTS) == ["test_secret"]
    stripped = strip_hidden_tests(TESTS)
    assert "test_secret" not in stripped and "hidden" not in stripped and "points(3)" not in stripped
    assert "def test_visible" in stripped and "def test_last" in stripped
    compile(stripped, "<stripped>", "exec")


def test_a_hidden_mark_that_cannot_go_stops_the_build() -> None:
    """Is a hidden ``pytest.param`` refused rather than shipped?"""
    source = 'import pytest\nCASES = [pytest.param(1, marks=pytest.mark.hidden)]\n'
    with pytest.raises(HiddenTestError, match="line 2"):
        strip_hidden_tests(source)


def test_imports_of_the_key_become_standins_or_unavailable_names() -> None:
    """Is each form of ``from reference ... import`` rewritten, and no import of the key left?"""
    source = textwrap.dedent('''\
        from reference import gru as answer_key
        from reference import trend as answer_key2
        from reference.gradcheck import (
            FLOAT32_ATOL,
            rel_error as error,
        )
        def later():
            from reference.char_lm.twin import TorchCharLM
            return TorchCharLM
    ''')
    rewritten = rewrite_imports(source, STANDINS)
    assert "answer_key = unavailable('reference.gru')" in rewritten
    assert "from autograder._standins import trend as answer_key2" in rewritten
    assert "from autograder._standins.gradcheck import FLOAT32_ATOL, rel_error as error" in rewritten
    assert "    TorchCharLM = unavailable('reference.char_lm.twin.TorchCharLM')" in rewritten
    namespace: dict = {}
    exec(compile(rewritten.replace("from autograder._standins", "from reference"), "<x>", "exec"), namespace)
    with pytest.raises(ImportRewriteError):
        rewrite_imports("import reference.gru\n", STANDINS)


def test_shipped_modules_are_what_grading_reaches() -> None:
    """Does selection ship the worker, checks, probes and their imports, but no instructor tool?"""
    names = {p.relative_to(ROOT / "autograder").as_posix() for p in shipped_modules(ROOT / "autograder")}
    assert {"worker.py", "plugin.py", "sandbox.py", "expected.py", "checks/ex04_lstm_backward.py",
            "probes/ex02_trend.py", "mistakes/ex01_gru.py", "notebook_checks.py", "__init__.py"} <= names
    assert not [n for n in names if n.startswith("student_bundle") or n == "__main__.py"]


def test_a_shipped_module_may_not_import_the_builder(tmp_path) -> None:
    """Is a student-facing module that imports the bundle builder refused?"""
    package = tmp_path / "autograder"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "worker.py").write_text("from autograder.student_bundle import build\n")
    with pytest.raises(SelectionError, match="stays with the instructor"):
        shipped_modules(package)


def test_recorded_bank_keeps_names_hints_and_order() -> None:
    """Does the generated bank list the same mistakes, in order, with no implementation?"""
    source = recorded_bank_source(bank.__name__, bank.MISTAKES)
    namespace: dict = {}
    exec(compile(source, "<bank>", "exec"), namespace)
    shipped = namespace["MISTAKES"]
    assert type(shipped) is type(bank.MISTAKES)
    assert [(m.name, m.hint) for m in shipped] == [(m.name, m.hint) for m in bank.MISTAKES]
    assert "def bptt" not in source and "np." not in source


def test_refuses_a_folder_that_holds_files(tmp_path) -> None:
    """Does the build refuse to write into a folder that is not empty?"""
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(BundleError, match="not an empty folder"):
        build_student_bundle(tmp_path)
