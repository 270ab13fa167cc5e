"""Known mistakes are recognised by running them on the student's inputs."""
from __future__ import annotations

import numpy as np

from autograder.diagnose import Mistake, diagnose, explain
from autograder.errors import CheckFailed


def _correct(x):
    return np.tanh(x)


BANK = [
    Mistake("a crash", "never matches", lambda x: 1 / 0),
    Mistake("sigmoid instead of tanh", "the candidate uses tanh.", lambda x: 1 / (1 + np.exp(-x))),
    Mistake("a missing activation", "apply tanh to the pre-activation.", lambda x: x),
]


def test_the_matching_mistake_is_found():
    """Is the mistake whose output equals the student's returned, skipping crashing ones?"""
    x = np.linspace(-1, 1, 5)
    assert diagnose(x.copy(), BANK, x).name == "a missing activation"
    assert diagnose(_correct(x) + 0.3, BANK, x) is None


def test_the_message_has_the_documented_form():
    """Is the sentence "This looks like <name>: <hint>"?"""
    assert BANK[1].message() == "This looks like sigmoid instead of tanh: the candidate uses tanh."


def test_explain_puts_the_diagnosis_first():
    """Does explain() prefix a failure with the matching mistake, and keep it otherwise?"""
    x = np.linspace(-1, 1, 5)
    failure = CheckFailed("h is wrong")
    explained = explain(failure, x.copy(), BANK, x)
    assert explained.message.startswith("This looks like a missing activation")
    assert explained.message.endswith("h is wrong")
    assert explain(failure, x + 5, BANK, x) is failure
