"""Known-mistake banks as the student bundle ships them: names and hints, results recorded.

Some banks hold one function whose default switches compute the right answer (exercise
01's ``gru_states``, 03's ``stepped_gates``, 04's ``bptt``); shipped as they are, they
would be answer code. In the bundle such a bank is a generated module with the same
``MISTAKES`` (same order, names and hints), where each function replays what the
mistake gave on the visible checks' inputs (``autograder.expected.recorded_mistake``),
so a student's wrong answer is still named.
"""
from __future__ import annotations

from collections.abc import Sequence

from autograder.diagnose import Mistake

HEADER = '''"""Known mistakes of {exercise}, as the student bundle ships them.

Names and hints as in the course's bank; each function replays what the mistake gave on
the visible checks' inputs (see ``autograder.expected``). Generated when the bundle was
built.
"""
from autograder.diagnose import Mistake
from autograder.expected import recorded_mistake

STORE = {store!r}

MISTAKES = {opening}
'''


def recorded_bank_source(store: str, mistakes: Sequence[Mistake]) -> str:
    """The source of the bundle's module ``store`` (e.g. ``"autograder.mistakes.ex01_gru"``).

    ``MISTAKES`` keeps the bank's container type (tuple or list), order, names and hints.
    """
    exercise = "exercise " + store.rsplit(".", 1)[-1][2:]
    opening, closing = ("(", ")") if isinstance(mistakes, tuple) else ("[", "]")
    lines = [HEADER.format(exercise=exercise, store=store, opening=opening).rstrip("\n")]
    for mistake in mistakes:
        lines.append("    Mistake(")
        lines.append(f"        {mistake.name!r},")
        lines.append(f"        {mistake.hint!r},")
        lines.append(f"        recorded_mistake(STORE, {mistake.name!r}),")
        lines.append("    ),")
    lines.append(closing)
    return "\n".join(lines) + "\n"
