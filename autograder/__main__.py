"""The instructor's commands: ``python -m autograder COMMAND ...``.

    batch SUBMITTED [--workers N] [--out DIR]   grade a class (see ``autograder.batch``)
    bundle gradescope OUT.zip                    Gradescope's autograder zip
    bundle student OUT                           notebooks and visible checks, no answers

Students run ``pytest autograder`` instead. Every command is a subparser whose
``run`` default takes the parsed arguments and returns the exit status; a new bundle
kind is one more parser under ``bundle``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.sandbox import PACKAGE_DIR


def _run_batch(args: argparse.Namespace) -> int:
    from autograder.batch import grade_class

    try:
        summary = grade_class(
            args.submitted, args.out,
            assignment=args.assignment, workers=args.workers, timeout=args.timeout,
            tests_dir=args.tests, force=args.force, progress=not args.quiet,
        )
    except KeyboardInterrupt:
        print(f"interrupted: finished grades are kept in {args.out}; run the same command to go on",
              file=sys.stderr)
        return 130
    print(summary.line())
    for name in summary.errors:
        print(f"error: {name}: see {Path(args.out) / (name + '.json')}", file=sys.stderr)
    return 1 if summary.errors else 0


def _run_gradescope_bundle(args: argparse.Namespace) -> int:
    from autograder.gradescope import write_bundle

    path = write_bundle(args.out, assignment=args.assignment)
    print(f"wrote {path}")
    return 0


def _run_student_bundle(args: argparse.Namespace) -> int:
    from autograder.student_bundle import BundleError, build_student_bundle

    try:
        path = build_student_bundle(args.out, released=PACKAGE_DIR.parent / "assignments" / args.assignment)
    except BundleError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from autograder.batch import DEFAULT_ASSIGNMENT, DEFAULT_STUDENT_TIMEOUT

    parser = argparse.ArgumentParser(prog="python -m autograder", description="The course's instructor commands.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    batch = commands.add_parser("batch", help="grade every submission of a class",
                                description="Grade nbgrader's submitted/<student>/<assignment>/*.ipynb.")
    batch.add_argument("submitted", type=Path, metavar="SUBMITTED",
                       help="folder with one subfolder per student (nbgrader's submitted/)")
    batch.add_argument("--out", type=Path, default=Path("grades"), metavar="DIR",
                       help="where <student>.json and scores.csv go (default: grades)")
    batch.add_argument("--workers", type=int, default=2, metavar="N", help="grading processes (default: 2)")
    batch.add_argument("--assignment", default=DEFAULT_ASSIGNMENT, metavar="ID",
                       help=f"assignment folder inside each student's (default: {DEFAULT_ASSIGNMENT})")
    batch.add_argument("--timeout", type=float, default=DEFAULT_STUDENT_TIMEOUT, metavar="SECONDS",
                       help=f"backstop per student (default: {DEFAULT_STUDENT_TIMEOUT:g})")
    batch.add_argument("--force", action="store_true", help="re-grade unchanged submissions too")
    batch.add_argument("--quiet", action="store_true", help="no progress bar")
    batch.add_argument("--tests", type=Path, default=PACKAGE_DIR, metavar="DIR",
                       help="folder of graded test modules (default: the autograder package)")
    batch.set_defaults(run=_run_batch)

    bundle = commands.add_parser("bundle", help="write a zip for another place to grade or work")
    kinds = bundle.add_subparsers(dest="kind", required=True, metavar="KIND")
    gradescope = kinds.add_parser("gradescope", help="Gradescope's autograder zip (contains the answer key)")
    gradescope.add_argument("out", type=Path, metavar="OUT.zip")
    gradescope.add_argument("--assignment", default=DEFAULT_ASSIGNMENT, metavar="ID",
                            help=f"released assignment whose given files ship (default: {DEFAULT_ASSIGNMENT})")
    gradescope.set_defaults(run=_run_gradescope_bundle)
    student = kinds.add_parser("student", help="the students' folder: notebooks and visible checks, no answer code")
    student.add_argument("out", type=Path, metavar="OUT", help="a new or empty folder")
    student.add_argument("--assignment", default=DEFAULT_ASSIGNMENT, metavar="ID",
                         help=f"released assignment whose notebooks ship (default: {DEFAULT_ASSIGNMENT})")
    student.set_defaults(run=_run_student_bundle)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
