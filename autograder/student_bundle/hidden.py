"""Hidden tests taken out of the test modules that ship to students.

A hidden test is a module-level test function decorated ``@pytest.mark.hidden``; it is
removed with its decorators and the blank lines after it. A ``hidden`` mark anywhere
else (a class, a ``pytest.param``) cannot be removed this way and stops the build.
"""
from __future__ import annotations

import ast


class HiddenTestError(ValueError):
    """A hidden mark the stripping cannot remove."""


def _is_hidden_mark(node: ast.AST) -> bool:
    """Whether ``node`` is ``pytest.mark.hidden`` (or ``mark.hidden``), called or not."""
    if isinstance(node, ast.Call):
        node = node.func
    return isinstance(node, ast.Attribute) and node.attr == "hidden" and (
        isinstance(node.value, ast.Attribute) and node.value.attr == "mark"
        or isinstance(node.value, ast.Name) and node.value.id == "mark"
    )


def hidden_tests(source: str) -> list[str]:
    """Names of the module-level functions of ``source`` marked hidden."""
    tree = ast.parse(source)
    return [
        node.name for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and any(_is_hidden_mark(decorator) for decorator in node.decorator_list)
    ]


def strip_hidden_tests(source: str, filename: str = "<module>") -> str:
    """``source`` without its hidden tests; ``HiddenTestError`` if a hidden mark remains."""
    tree = ast.parse(source, filename=filename)
    lines = source.splitlines(keepends=True)
    doomed: set[int] = set()  # 0-based line indices
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
            _is_hidden_mark(decorator) for decorator in node.decorator_list
        ):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
            last = node.end_lineno
            while last < len(lines) and not lines[last].strip():
                last += 1
            doomed.update(range(first, last))
    kept = "".join(line for index, line in enumerate(lines) if index not in doomed)
    kept = kept.rstrip("\n") + "\n"
    left = [node for node in ast.walk(ast.parse(kept, filename=filename)) if _is_hidden_mark(node)]
    if left:
        raise HiddenTestError(f"{filename}, line {left[0].lineno}: a hidden mark outside a test function's decorators")
    return kept
