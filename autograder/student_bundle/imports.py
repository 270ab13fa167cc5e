"""Imports of the answer key rewritten for the student bundle, where ``reference`` is absent.

Every ``from reference... import ...`` of a shipped module becomes one of two things:

* an import of the bundle module that stands in for it (``STANDINS``), when the
  bundle has one (a copy of a part that is not the answer, or a stand-in written for
  the bundle);
* ``name = unavailable("reference....")`` otherwise: the name stays bound, so the
  module imports, and using it raises ``autograder.expected.NotInBundle``. Only the
  ``@precomputed`` functions use such names, and in the bundle they replay recordings.

Afterwards no shipped file imports ``reference`` (``assert_no_answer_key`` checks).
"""
from __future__ import annotations

import ast

ANSWER_KEY = "reference"
UNAVAILABLE = "from autograder.expected import unavailable"


class ImportRewriteError(ValueError):
    """An import of the answer key that cannot be rewritten (or one left behind)."""


def _is_answer_key(module: str | None) -> bool:
    return module is not None and (module == ANSWER_KEY or module.startswith(ANSWER_KEY + "."))


def _split(module: str) -> tuple[str, str]:
    parent, _, leaf = module.rpartition(".")
    return parent, leaf


def _statements(node: ast.ImportFrom, standins: dict[str, str]) -> list[str]:
    """The lines that replace one ``from reference... import ...``."""
    lines: list[str] = []
    names: list[str] = []  # names imported from a module that has a stand-in
    for alias in node.names:
        if alias.name == "*":
            raise ImportRewriteError(f"line {node.lineno}: 'from {node.module} import *' cannot be rewritten")
        bound = alias.asname or alias.name
        full = f"{node.module}.{alias.name}"
        if full in standins:  # a module imported from its package
            parent, leaf = _split(standins[full])
            lines.append(f"from {parent} import {leaf}" + (f" as {bound}" if bound != leaf else ""))
        elif node.module in standins:  # a name imported from a module
            names.append(alias.name + (f" as {bound}" if bound != alias.name else ""))
        else:
            if UNAVAILABLE not in lines:
                lines.insert(0, UNAVAILABLE)
            lines.append(f"{bound} = unavailable({full!r})")
    if names:
        lines.append(f"from {standins[node.module]} import {', '.join(names)}")
    return lines


def _offset(source: str) -> list[int]:
    """Character offset of the start of each line (1-based line numbers index it)."""
    starts = [0, 0]
    for line in source.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    return starts


def rewrite_imports(source: str, standins: dict[str, str], filename: str = "<module>") -> str:
    """``source`` with every import of the answer key rewritten (see the module docstring).

    ``standins`` maps answer-key modules (``"reference.gradcheck"``) to the bundle modules
    that take their place (``"autograder._standins.gradcheck"``).
    """
    tree = ast.parse(source, filename=filename)
    replacements = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(_is_answer_key(alias.name) for alias in node.names):
            raise ImportRewriteError(f"{filename}, line {node.lineno}: use 'from reference... import ...'")
        if isinstance(node, ast.ImportFrom) and node.level == 0 and _is_answer_key(node.module):
            replacements.append((node, _statements(node, standins)))
    starts = _offset(source)
    for node, lines in sorted(replacements, key=lambda item: (item[0].lineno, item[0].col_offset), reverse=True):
        begin = starts[node.lineno] + node.col_offset
        end = starts[node.end_lineno] + node.end_col_offset
        indent = "\n" + " " * node.col_offset
        source = source[:begin] + indent.join(lines) + source[end:]
    assert_no_answer_key(source, filename)
    return source


def assert_no_answer_key(source: str, filename: str = "<module>") -> None:
    """``ImportRewriteError`` if ``source`` imports ``reference`` anywhere."""
    for node in ast.walk(ast.parse(source, filename=filename)):
        modules = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            modules = [node.module]
        for module in modules:
            if _is_answer_key(module):
                raise ImportRewriteError(f"{filename}, line {node.lineno} still imports {module}")
