"""What counts as answer code, as lines of text, for the tests that keep it out of the bundle.

A line is compared without its indentation and its trailing comment. Only telling lines
count: long enough, not a plain copy of a name (``self.size = size``, ``n = len(text)``),
and not shown by a released notebook anyway (given code, stubs, docstrings).
"""
from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from pathlib import Path

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
# Shorter lines ("return h", "h = x") are too common to tell anything.
MIN_LENGTH = 16
# Calls that, on names alone, compute nothing worth hiding.
_PLAIN_CALLS = ("len", "range", "list", "tuple", "dict", "int", "float", "str")
TEXT_SUFFIXES = (".py", ".md", ".toml", ".txt", ".cfg", ".ini", ".json")


def normalized(line: str) -> str:
    """The code of a line: no indentation, no trailing comment."""
    return line.split("#", 1)[0].strip()


def notebook_sources(path: Path) -> list[str]:
    """The source of every cell of a notebook."""
    cells = json.loads(Path(path).read_text(encoding="utf-8")).get("cells", [])
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in cells]


def solution_lines(path: Path) -> Iterator[str]:
    """The lines between BEGIN and END SOLUTION markers of a notebook."""
    for source in notebook_sources(path):
        inside = False
        for line in source.split("\n"):
            if BEGIN in line:
                inside = True
            elif END in line:
                inside = False
            elif inside:
                yield line


def _is_plain(line: str) -> bool:
    """Whether ``line`` only binds a name, an attribute, a constant or ``len(name)``-like call."""
    try:
        (statement,) = ast.parse(line).body
    except (SyntaxError, ValueError):
        return False
    if not isinstance(statement, ast.Assign):
        return False
    value = statement.value
    if isinstance(value, (ast.Name, ast.Attribute, ast.Constant)):
        return True
    return (
        isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in _PLAIN_CALLS
        and all(isinstance(arg, (ast.Name, ast.Attribute, ast.Constant)) for arg in value.args)
        and not value.keywords
    )


def telling_lines(lines, shown: set[str]) -> set[str]:
    """The normalized lines that are long enough, not plain, and not in ``shown``."""
    result = {normalized(line) for line in lines}
    return {line for line in result if len(line) >= MIN_LENGTH and line not in shown and not _is_plain(line)}


def file_lines(path: Path) -> set[str]:
    """Normalized lines of a text file, or of a notebook's cells."""
    if path.suffix == ".ipynb":
        return {normalized(line) for source in notebook_sources(path) for line in source.split("\n")}
    if path.suffix in TEXT_SUFFIXES:
        return {normalized(line) for line in path.read_text(encoding="utf-8").splitlines()}
    return set()


def backward_lines(reference_dir: Path) -> list[str]:
    """The body lines of every function of ``reference`` whose name contains "backward"."""
    lines: list[str] = []
    for path in sorted(Path(reference_dir).rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        text = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef) and "backward" in node.name:
                body_start = node.body[0].lineno
                if isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant):
                    body_start = node.body[0].end_lineno + 1  # skip the docstring
                lines.extend(text[body_start - 1 : node.end_lineno])
    return lines
