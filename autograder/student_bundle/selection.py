"""Which modules of the ``autograder`` package ship in the student bundle.

Exactly those the student's grading reaches: the pytest entry (``conftest``), the test
modules, the checks and probes (named by strings, so listed as seeds), the sandbox
worker (started by name), ``notebook_checks`` (imported by the notebooks' test cells),
and every ``autograder`` module those import, transitively. Instructor tools (batch
grading, bundles, this package) ship only if something students run imports them, and
this package never does.

Besides the grader, the course's own packages that the released notebooks import (the
playground) ship whole.
"""
from __future__ import annotations

import ast
import json
from pathlib import Path

from autograder.notebook import strip_magics

PACKAGE = "autograder"
# Never shipped; a shipped module that imports it is an error.
BUILDER = f"{PACKAGE}.student_bundle"
# Modules started or imported by name rather than by an import statement.
SEED_PATTERNS = (
    "conftest.py",
    "test_ex*.py",
    "worker.py",
    "notebook_checks.py",
    "expected.py",
    "checks/*.py",
    "probes/*.py",
)


class SelectionError(ValueError):
    """A shipped module imports something the bundle cannot hold."""


def module_name(package_dir: Path, path: Path) -> str:
    """``autograder/checks/ex01_gru.py`` -> ``autograder.checks.ex01_gru`` (packages: no ``__init__``)."""
    parts = list(path.relative_to(package_dir).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([PACKAGE, *parts])


def module_path(package_dir: Path, name: str) -> Path | None:
    """The file of module ``name`` inside the package folder, or None if there is none."""
    parts = name.split(".")[1:]
    base = package_dir.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported(tree: ast.AST, name: str, is_package: bool) -> set[str]:
    """Names of every ``autograder`` module an import in ``tree`` may refer to."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return {module for module in found if module == PACKAGE or module.startswith(PACKAGE + ".")}


def shipped_modules(package_dir: Path) -> list[Path]:
    """The package's files that ship, sorted: the seeds, their imports, and the ``__init__``
    of every package on the way."""
    package_dir = Path(package_dir)
    pending = sorted(path for pattern in SEED_PATTERNS for path in package_dir.glob(pattern))
    selected: set[Path] = set()
    while pending:
        path = pending.pop()
        if path in selected:
            continue
        selected.add(path)
        name = module_name(package_dir, path)
        for parent in path.relative_to(package_dir).parents:
            init = package_dir / parent / "__init__.py"
            if init.is_file() and init not in selected:
                pending.append(init)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for imported in _imported(tree, name, path.name == "__init__.py"):
            if imported == BUILDER or imported.startswith(BUILDER + "."):
                raise SelectionError(f"{path.name} imports {imported}, which stays with the instructor")
            target = module_path(package_dir, imported)
            if target is not None and target not in selected:
                pending.append(target)
    return sorted(selected)


def notebook_packages(released: Path, project_dir: Path) -> list[str]:
    """The course's own top-level packages that the released notebooks import, sorted.

    A package counts when ``project_dir/<name>/__init__.py`` exists (the playground,
    say); ``autograder`` is left out (it ships by the rules above). A notebook that
    imports ``reference`` is an error: notebooks never import the answer key.
    """
    found: set[str] = set()
    for notebook in sorted(Path(released).glob("*.ipynb")):
        for source in _code_cells(notebook):
            try:
                tree = ast.parse(strip_magics(source)[0])
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    found.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    found.add(node.module.split(".")[0])
            if "reference" in found:
                raise SelectionError(f"{notebook.name} imports reference, the answer key")
    return sorted(
        name for name in found
        if name != PACKAGE and (Path(project_dir) / name / "__init__.py").is_file()
    )


def _code_cells(notebook: Path) -> list[str]:
    cells = json.loads(Path(notebook).read_text(encoding="utf-8")).get("cells", [])
    return [
        "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        for cell in cells if cell.get("cell_type") == "code"
    ]
