"""The student bundle's top-level files: ``pyproject.toml``, ``README.md``, ``constraints.txt``.

The metadata is derived from the course's own ``pyproject.toml``: the same version,
Python and dependency ranges (only what grading needs), and the same pytest settings,
except that pytest's default path is the grader.
"""
from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

NAME = "rnn-course-student"
# The distributions the shipped code imports (by their names in ``dependencies``).
DEPENDENCIES = ("numpy", "torch", "matplotlib", "nbformat", "pytest")
TESTPATHS = ["autograder"]
# The course's extra that installs Jupyter, offered by the bundle too.
NOTEBOOKS = "notebooks"

README = """# Recurrent neural networks: the exercises and their grader

The course's notebooks (`assignments/rnn/`) and the grader that checks them
(`autograder/`). The grader holds the visible checks and what they expect; it does not
contain the answers.

## Set up

```bash
python -m pip install -c constraints.txt -e .
```

## Grade your work

```bash
pytest autograder
```

To work in the notebooks, install Jupyter too (`python -m pip install -c constraints.txt
-e ".[notebooks]"`), open them with `jupyter lab assignments/rnn`, fill in the cells
marked `YOUR CODE HERE`, and run `pytest autograder` again. Each check prints one line (what is wrong, where, and a hint);
the run ends with a table per exercise and `Score: X / Y`. To grade notebooks kept
elsewhere: `pytest autograder --submission PATH` (a folder of notebooks, or one).

The instructor grades with more checks (random sizes and seeds) than these.
"""


def _toml_value(value) -> str:
    """A TOML value for a string, bool or list of strings (JSON's escapes are TOML's)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[\n" + "".join(f"    {_toml_value(item)},\n" for item in value) + "]"
    raise TypeError(f"no TOML for {type(value).__name__}")


def _requirement_name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0].lower()


def pyproject(course_pyproject: Path, packages: tuple[str, ...] = ("autograder",)) -> str:
    """The bundle's ``pyproject.toml``, from the course's, installing ``packages``."""
    course = tomllib.loads(Path(course_pyproject).read_text(encoding="utf-8"))
    project = course["project"]
    by_name = {_requirement_name(r): r for r in project["dependencies"]}
    missing = [name for name in DEPENDENCIES if name not in by_name]
    if missing:
        raise KeyError(f"the course's pyproject.toml does not list {missing}")
    pytest_options = dict(course["tool"]["pytest"]["ini_options"], testpaths=TESTPATHS)
    lines = [
        "[build-system]",
        f"requires = {_toml_value(course['build-system']['requires'])}",
        f"build-backend = {_toml_value(course['build-system']['build-backend'])}",
        "",
        "[project]",
        f"name = {_toml_value(NAME)}",
        f"version = {_toml_value(project['version'])}",
        f"description = {_toml_value('The exercises of the RNN course and their grader, without the answers')}",
        'readme = "README.md"',
        f"requires-python = {_toml_value(project['requires-python'])}",
        f"dependencies = {_toml_value([by_name[name] for name in DEPENDENCIES])}",
        "",
        "[project.optional-dependencies]",
        "# Jupyter, to work in the notebooks (and the playground's widgets).",
        f"{NOTEBOOKS} = {_toml_value(project['optional-dependencies'][NOTEBOOKS])}",
        "",
        "[tool.setuptools.packages.find]",
        f"include = {_toml_value([f'{package}*' for package in packages])}",
        "",
        "[tool.setuptools.package-data]",
        'autograder = ["_expected/*.wire"]',
        "",
        "[tool.pytest.ini_options]",
    ]
    lines.extend(f"{key} = {_toml_value(value)}" for key, value in pytest_options.items())
    return "\n".join(lines) + "\n"


def write_project_files(out: Path, project_dir: Path, packages: tuple[str, ...] = ("autograder",)) -> None:
    """``pyproject.toml`` (installing ``packages``), ``README.md`` and ``constraints.txt`` in ``out``."""
    out = Path(out)
    text = pyproject(Path(project_dir) / "pyproject.toml", packages)
    (out / "pyproject.toml").write_text(text, encoding="utf-8")
    (out / "README.md").write_text(README, encoding="utf-8")
    (out / "constraints.txt").write_bytes((Path(project_dir) / "constraints.txt").read_bytes())
