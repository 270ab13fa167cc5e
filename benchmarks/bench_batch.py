"""Speed of the batch grader on a synthetic class: submissions per minute.

Run by hand: ``python benchmarks/bench_batch.py [--students 40] [--workers 2]``.

The class lives in a temporary folder laid out as nbgrader's
``submitted/<student>/rnn/``. Students cycle through four kinds: the solution
notebooks, the released stubs (``nbgrader generate_assignment`` run in a temporary
course), and the solution with one known mistake in exercise 1 (the update gate's two
terms swapped) or in exercise 4 (the cell-state gradient not multiplied by the forget
gate). The figure is the wall time of one ``grade_class`` call from a cold start,
grading processes and sandbox workers included. Because a shared machine's other load
slows the wall time, the CPU seconds the grading used (every process it started, from
``getrusage(RUSAGE_CHILDREN)``) are reported too, with the rate they allow on idle cores.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "rnn"
EXERCISES = ("01_gru.ipynb", "02_trend.ipynb", "03_gates.ipynb", "04_lstm_backward.ipynb")
# (notebook, line in the solution, the same line with the mistake)
MISTAKES = {
    "swapped_update": ("01_gru.ipynb", "h = (1.0 - z) * h + z * n", "h = z * h + (1.0 - z) * n"),
    "cell_path_without_forget": ("04_lstm_backward.ipynb", "dc_next = dc * f", "dc_next = dc"),
}
KINDS = ("solution", "stub", *MISTAKES)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    return parser.parse_args(argv)


def release(course: Path) -> Path:
    """Run the real ``nbgrader generate_assignment`` on a copy of the sources."""
    shutil.copytree(ROOT / "solutions", course / "solutions")
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", ASSIGNMENT, "--force",
                    "--log-level=ERROR"], cwd=course, check=True, capture_output=True)
    return course / "assignments" / ASSIGNMENT


def with_mistake(source: Path, target: Path, kind: str) -> None:
    """Copy the solution notebooks into ``target``, with mistake ``kind`` in one of them."""
    name, right, wrong = MISTAKES[kind]
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("00_*", ".ipynb_checkpoints"))
    notebook = nbformat.read(str(target / name), as_version=4)
    edited = [cell for cell in notebook.cells if right in cell.source]
    if len(edited) != 1:
        raise SystemExit(f"{name}: the line {right!r} is not in exactly one cell any more")
    edited[0].source = edited[0].source.replace(right, wrong)
    nbformat.write(notebook, str(target / name))


def make_class(folder: Path, students: int, released: Path) -> Counter:
    """Write ``students`` submissions into ``folder/submitted``; how many of each kind."""
    kinds: Counter = Counter()
    solutions = ROOT / "solutions" / ASSIGNMENT
    for k in range(students):
        kind = KINDS[k % len(KINDS)]
        target = folder / "submitted" / f"student{k:03d}" / ASSIGNMENT
        if kind == "solution":
            shutil.copytree(solutions, target, ignore=shutil.ignore_patterns("00_*", ".ipynb_checkpoints"))
        elif kind == "stub":
            shutil.copytree(released, target, ignore=shutil.ignore_patterns("00_*", ".ipynb_checkpoints"))
        else:
            with_mistake(solutions, target, kind)
        kinds[kind] += 1
    return kinds


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    from autograder.batch import grade_class

    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        folder = Path(tmp)
        kinds = make_class(folder, args.students, release(folder / "course"))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        summary = grade_class(folder / "submitted", folder / "grades", workers=args.workers, progress=False)
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        scores = (folder / "grades" / "scores.csv").read_text().splitlines()
    print(f"class: {args.students} students ({', '.join(f'{n} {kind}' for kind, n in kinds.items())})")
    print(summary.line().rsplit(";", 1)[0])
    print(f"{args.workers} workers: {seconds:.1f} s, {60 * args.students / seconds:.0f} submissions per minute")
    cores = min(args.workers, os.cpu_count() or 1)
    print(f"CPU: {cpu:.1f} s in all, {cpu / args.students:.2f} s per submission; on {cores} idle cores "
          f"that is {60 * args.students * cores / cpu:.0f} submissions per minute")
    print("first rows of scores.csv:", *scores[:5], sep="\n  ")


if __name__ == "__main__":
    main()
