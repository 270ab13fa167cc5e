"""Wall time a student waits for ``pytest autograder``.

Runs ``python -m pytest autograder --submission solutions/rnn`` (all four graded
notebooks, every check passing) and the same on the untouched stubs in
``assignments/rnn``, a few times each, and prints the median wall times.

Usage: python benchmarks/bench_grading.py [--rounds 5]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUBMISSIONS = {
    "solutions (full marks)": ROOT / "solutions" / "rnn",
    "released stubs (zero)": ROOT / "assignments" / "rnn",
}


def grade_once(submission: Path) -> tuple[float, str]:
    """Seconds one ``pytest autograder`` run takes, and its last line (the score)."""
    start = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "autograder", "--submission", str(submission),
         "-q", "-p", "no:cacheprovider"],
        cwd=ROOT, capture_output=True, text=True,
    )
    elapsed = time.perf_counter() - start
    return elapsed, completed.stdout.strip().splitlines()[-1]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    times: dict[str, list[float]] = {name: [] for name in SUBMISSIONS}
    scores: dict[str, str] = {}
    for _ in range(args.rounds):  # interleaved, so a burst of load hits both alike
        for name, path in SUBMISSIONS.items():
            elapsed, scores[name] = grade_once(path)
            times[name].append(elapsed)
    for name, samples in times.items():
        print(f"{name:<24} median {statistics.median(samples):5.2f} s  "
              f"best {min(samples):5.2f} s  ({scores[name]})")


if __name__ == "__main__":
    main()
