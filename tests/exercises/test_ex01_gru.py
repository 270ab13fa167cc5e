"""Exercise 01 (``GRUFromScratch``): given code, checks, known mistakes, broken answers."""
from __future__ import annotations

import ast
import re
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from autograder.checks import ex01_gru as checks
from autograder.diagnose import diagnose
from autograder.errors import NotImplementedYet
from autograder.grade import grade_submission
from autograder.mistakes.ex01_gru import MISTAKES, gru_states
from autograder.notebook_checks import local_student
from reference.functional import sigmoid
from reference.gradcheck import FORWARD_ATOL_F64
import helpers
from helpers import edited, failure_of

NOTEBOOK = "01_gru.ipynb"
EXERCISE = "ex01_gru"
ANSWER_CELL = "gru_from_scratch"
TOTAL_POINTS = 25
# Every check, called with the student only (the hidden one at a fixed seed).
CHECKS = {
    "parameter_shapes": checks.check_parameter_shapes,
    "one_step": checks.check_one_step,
    "sequence_from_zeros": partial(checks.check_sequence, with_h_prev=False),
    "sequence_from_h_prev": partial(checks.check_sequence, with_h_prev=True),
    "state_count": checks.check_state_count,
    "numpy_only": checks.check_no_torch,
    "random_sizes": partial(checks.check_random_sizes, seed=11),
}
SEQUENCE_CHECKS = ("sequence_from_zeros", "sequence_from_h_prev", "random_sizes")
NOT_CARRIED = "state not carried between steps"
# One wrong answer per known mistake: (old, new) edits of the solution's answer cell.
WRONG_ANSWERS = {
    "z and 1 - z swapped": [("h = (1.0 - z) * h + z * n", "h = z * h + (1.0 - z) * n")],
    "reset applied after the recurrent product": [(
        "n = np.tanh(self.W_h @ np.concatenate([r * h, x]) + self.b_h)",
        "H = self.hidden_size\n"
        "            n = np.tanh(r * (self.W_h[:, :H] @ h) + self.W_h[:, H:] @ x + self.b_h)",
    )],
    "[x, h] instead of [h, x]": [
        ("np.concatenate([h, x])", "np.concatenate([x, h])"),
        ("np.concatenate([r * h, x])", "np.concatenate([x, r * h])"),
    ],
    "reset gate left out": [("np.concatenate([r * h, x])", "hx")],
    "tanh and sigmoid swapped": [
        ("z = sigmoid(", "z = np.tanh("),
        ("r = sigmoid(", "r = np.tanh("),
        ("n = np.tanh(", "n = sigmoid("),
    ],
    NOT_CARRIED: [(
        "hx = np.concatenate([h, x])",
        "h = hidden_states[0]\n            hx = np.concatenate([h, x])",
    )],
    "initial state missing from the output": [("hidden_states = [h]", "hidden_states = []")],
    "biases ignored": [(" + self.b_z", ""), (" + self.b_r", ""), (" + self.b_h", "")],
}
# An import the sandbox refuses in this exercise.
TORCH_IMPORT = [("class GRUFromScratch:", "import torch\n\n\nclass GRUFromScratch:")]
# Broken answers specific to this exercise: edits, the check, and what its message says.
BROKEN_ANSWERS = {
    "column_vectors": (
        [("hidden_states.append(h)", "hidden_states.append(h.reshape(-1, 1))")],
        "sequence_from_zeros", r"State 1 has shape \(5, 1\).*one-dimensional",
    ),
    "only_the_last_state": (
        [("return hidden_states", "return h")],
        "one_step", r"should return a list of 2 hidden states.*array of shape \(4,\)",
    ),
    "no_return": (
        [("return hidden_states", "pass")],
        "sequence_from_h_prev", r"returned None \(is `return hidden_states` missing\?\)",
    ),
    "float32_states": (
        [("hidden_states.append(h)", "hidden_states.append(h.astype(np.float32))")],
        "state_count", r"State 1 has dtype float32; keep float64",
    ),
    "transposed_weights": (
        [("shape = (hidden_size, hidden_size + input_size)",
          "shape = (hidden_size + input_size, hidden_size)")],
        "parameter_shapes", r"W_z has shape \(7, 4\); expected \(4, 7\)\. It looks transposed",
    ),
    "first_state_not_h_prev": (
        [("hidden_states = [h]", "hidden_states = [np.zeros(self.hidden_size)]")],
        "state_count", r"should start with h_prev itself.*first differs at unit 0",
    ),
    "nearly_right": (
        [("hidden_states.append(h)", "hidden_states.append(h + 1e-9)")],
        "one_step", r"agree with the expected ones to 1e-05 but not to 1e-12",
    ),
    "class_renamed": (
        [("class GRUFromScratch:", "class MyGRU:")],
        "one_step", r"defines no GRUFromScratch",
    ),
    "torch_in_forward": (
        [*TORCH_IMPORT, (
            "z = sigmoid(self.W_z @ hx + self.b_z)",
            "z = torch.sigmoid(torch.as_tensor(self.W_z @ hx + self.b_z)).numpy()",
        )],
        "numpy_only", r"NumPy only, but GRUFromScratch uses torch \(through torch\)",
    ),
    "torch_imported_inside_forward": (
        [("z = sigmoid(", "import torch\n            z = sigmoid(")],
        "numpy_only", r"NumPy only, but GRUFromScratch uses torch\.",
    ),
    "torch_through_a_helper_function": (
        [("class GRUFromScratch:", "from torch import as_tensor, tanh\n\n\ndef candidate(a):\n"
          "    return tanh(as_tensor(a)).numpy()\n\n\nclass GRUFromScratch:"),
         ("n = np.tanh(", "n = candidate(")],
        "numpy_only", r"uses torch \(through as_tensor, tanh\)",
    ),
}


def student_with(solution, source: str):
    """A local handle on the solution notebook whose answer cell holds ``source``."""
    return helpers.student_with(solution, EXERCISE, ANSWER_CELL, source)


# The solution and the stub -------------------------------------------------------------


@pytest.mark.parametrize("name", CHECKS)
def test_solution_passes(solution, answer_source, name) -> None:
    """Does the solution's answer pass every check?"""
    CHECKS[name](student_with(solution, answer_source))


def test_solution_passes_random_sizes_for_many_seeds(solution, answer_source) -> None:
    """Does the solution pass the hidden check whatever seed the grader draws?"""
    student = student_with(solution, answer_source)
    for seed in range(25):
        checks.check_random_sizes(student, seed=seed)


@pytest.mark.parametrize("name", CHECKS)
def test_stub_is_not_implemented(solution, name) -> None:
    """Does every check report the released stub as not implemented yet?"""
    stub = helpers.released_stub(solution)
    student = local_student(helpers.code_namespace(stub), EXERCISE)
    with pytest.raises(NotImplementedYet, match="not implemented yet"):
        CHECKS[name](student)


# Known mistakes ------------------------------------------------------------------------


def test_wrong_answers_cover_the_bank() -> None:
    """Is there a wrong answer for every known mistake, and a known mistake for every one?"""
    assert set(WRONG_ANSWERS) == {mistake.name for mistake in MISTAKES}


@pytest.mark.parametrize("name", WRONG_ANSWERS)
def test_wrong_answer_is_named(solution, answer_source, name) -> None:
    """Does every sequence check fail a wrong answer with its mistake's name and hint first?"""
    mistake = next(m for m in MISTAKES if m.name == name)
    student = student_with(solution, edited(answer_source, WRONG_ANSWERS[name]))
    for check in SEQUENCE_CHECKS:
        message = failure_of(CHECKS[check], student)
        assert message.startswith(mistake.message()), (check, message)
        assert re.search(r"\nCase: .*GRUFromScratch\(\d+, \d+\)\.forward\(", message)


@pytest.mark.parametrize("name", WRONG_ANSWERS)
def test_one_step_names_every_mistake_it_can_see(solution, answer_source, name) -> None:
    """Does one step name every mistake, and pass the one a single step cannot show?"""
    student = student_with(solution, edited(answer_source, WRONG_ANSWERS[name]))
    if name == NOT_CARRIED:
        checks.check_one_step(student)
    else:
        assert failure_of(checks.check_one_step, student).startswith(f"This looks like {name}:")


def test_wrong_first_steps_say_where_they_diverged(solution, answer_source) -> None:
    """Does a wrong state show step, unit, expected and returned value?"""
    student = student_with(solution, edited(answer_source, WRONG_ANSWERS["biases ignored"]))
    message = failure_of(checks.check_one_step, student)
    number = r"-?\d\.\d+"
    pattern = rf"first differs at step 1, unit \d+: expected {number}, got {number}"
    assert re.search(pattern, message)


def test_unknown_mistake_gives_the_divergence_without_a_name(solution, answer_source) -> None:
    """Does an answer that matches no known mistake get the first divergence, unnamed?"""
    # The bias added after the sigmoid: no known mistake does that.
    source = edited(answer_source, [
        ("r = sigmoid(self.W_r @ hx + self.b_r)", "r = sigmoid(self.W_r @ hx) + self.b_r"),
    ])
    message = failure_of(CHECKS["sequence_from_h_prev"], student_with(solution, source))
    assert "This looks like" not in message
    assert message.startswith("The list of hidden states is wrong: first differs at step 1, unit")


def _cases() -> list[checks.Case]:
    return [
        checks.make_case(3, input_size=2, hidden_size=5, steps=6, with_h_prev=True),
        checks.make_case(4, input_size=4, hidden_size=1, steps=3, with_h_prev=False),
        *checks.random_cases(seed=7),
    ]


@pytest.mark.parametrize("case", _cases(), ids=lambda case: case.describe())
def test_bank_without_a_mistake_is_the_answer_key(case) -> None:
    """Is the bank's GRU, with no switch flipped, the answer key's lecture GRU?"""
    got = gru_states(case.params, list(case.inputs), case.start)
    expected = checks.expected_states(case)
    assert len(got) == len(expected) == case.steps + 1
    assert np.max(np.abs(np.stack(got) - np.stack(expected))) <= FORWARD_ATOL_F64


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda mistake: mistake.name)
def test_each_mistake_is_diagnosed_as_itself(mistake) -> None:
    """Does the diagnosis of a mistake's own output name that mistake, not an earlier one?"""
    case = checks.make_case(3, input_size=2, hidden_size=5, steps=6, with_h_prev=True)
    args = (case.params, list(case.inputs), case.start)
    assert diagnose(mistake.fn(*args), MISTAKES, *args, atol=checks.MISTAKE_ATOL) is mistake


# Broken answers specific to this exercise ---------------------------------------------


@pytest.mark.parametrize("name", BROKEN_ANSWERS)
def test_broken_answer_is_explained(solution, answer_source, name) -> None:
    """Does each broken answer fail its check with a message that says what is wrong?"""
    edits, check, pattern = BROKEN_ANSWERS[name]
    message = failure_of(CHECKS[check], student_with(solution, edited(answer_source, edits)))
    assert re.search(pattern, message, re.DOTALL), message


def test_states_stacked_in_one_array_are_accepted(solution, answer_source) -> None:
    """Does an answer that returns one (T + 1, H) array instead of a list still pass?"""
    source = edited(answer_source, [("return hidden_states", "return np.stack(hidden_states)")])
    student = student_with(solution, source)
    for name in ("one_step", "sequence_from_zeros", "state_count", "random_sizes"):
        CHECKS[name](student)


def test_forward_reads_parameters_set_after_construction(solution, answer_source) -> None:
    """Does an answer that caches its weights in __init__ fail (the checks set them later)?"""
    source = edited(answer_source, [
        ("self.hidden_size = hidden_size",
         "self.hidden_size = hidden_size\n        self.W_all = (self.W_z, self.W_r, self.W_h)"),
        ("hx = np.concatenate([h, x])",
         "W_z, W_r, W_h = self.W_all\n            hx = np.concatenate([h, x])"),
        ("self.W_z @", "W_z @"), ("self.W_r @", "W_r @"), ("self.W_h @", "W_h @"),
    ])
    message = failure_of(checks.check_one_step, student_with(solution, source))
    assert "first differs at step 1" in message


# The notebook itself -------------------------------------------------------------------


def test_given_sigmoid_equals_the_reference(solution) -> None:
    """Does the notebook's given sigmoid compute reference.functional.sigmoid, without overflow?"""
    given = helpers.given_namespace(solution)["sigmoid"]
    x = np.concatenate([np.linspace(-40.0, 40.0, 801), [-1000.0, -710.0, 0.0, 710.0, 1000.0]])
    assert np.max(np.abs(given(x) - sigmoid(x))) <= FORWARD_ATOL_F64
    assert given(x.astype(np.float32)).dtype == np.float32


def test_worked_example_matches_the_text(solution, answer_source) -> None:
    """Do the worked example's printed numbers follow from the answer?"""
    text = helpers.cell_by_grade_id(solution, "worked_example").source
    namespace = helpers.code_namespace(solution)
    gru = namespace["GRUFromScratch"](1, 1)
    gru.W_z, gru.W_r = np.array([[0.5, 1.0]]), np.array([[1.0, -1.0]])
    gru.W_h = np.array([[2.0, 1.0]])
    gru.b_z = gru.b_r = gru.b_h = np.zeros(1)
    states = gru.forward([np.array([1.0]), np.array([-1.0])], np.array([0.5]))
    for state in states[1:]:
        assert f"{state[0]:.4f}" in text


def test_points_add_up(solution) -> None:
    """Do the notebook's test cells and the pytest checks both give 25 points?"""
    cell_points = sum(
        cell.metadata["nbgrader"]["points"]
        for cell in solution.cells
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade")
    )
    module = Path(checks.__file__).parents[1] / "test_ex01_gru.py"
    tree = ast.parse(module.read_text())
    marker_points = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                is_call = isinstance(decorator, ast.Call)
                if is_call and ast.unparse(decorator.func) == "pytest.mark.points":
                    marker_points[node.name] = decorator.args[0].value
    # test_sequence is parametrized twice (from zeros, from h_prev).
    assert cell_points == TOTAL_POINTS
    assert sum(marker_points.values()) + marker_points["test_sequence"] == TOTAL_POINTS


def test_notebook_does_not_import_the_answer_key(solution) -> None:
    """Does no cell of the notebook import reference?"""
    for cell in solution.cells:
        if cell.cell_type == "code":
            assert not re.search(r"^\s*(from|import)\s+reference\b", cell.source, re.MULTILINE)


# Grading whole notebooks through the plugin and the sandbox (slow) ---------------------


def _grade(notebook, tmp_path: Path) -> list:
    path = helpers.write(notebook, tmp_path / "submission", NOTEBOOK)
    results = grade_submission(path, extra_args=["-k", "ex01"])
    return [r for r in results if r.exercise == "01_gru"]


@pytest.mark.slow
def test_grading_the_solution_gives_full_marks(solution, tmp_path) -> None:
    """Does the solution notebook earn 25 of 25 points in the real grader?"""
    results = _grade(solution, tmp_path)
    assert len(results) == len(CHECKS)
    assert all(r.passed for r in results), [r.message for r in results if not r.passed]
    assert sum(r.points for r in results) == sum(r.max_points for r in results) == TOTAL_POINTS


@pytest.mark.slow
def test_grading_the_stub_gives_zero_not_implemented(solution, tmp_path) -> None:
    """Does the released stub earn nothing, with "not implemented" on every check?"""
    results = _grade(helpers.released_stub(solution), tmp_path)
    assert len(results) == len(CHECKS)
    assert sum(r.points for r in results) == 0
    assert all("not implemented yet" in r.message for r in results)


@pytest.mark.slow
def test_grading_refuses_torch_with_a_clear_reason(solution, answer_source, tmp_path) -> None:
    """Does a notebook importing torch fail every check, each saying torch is not allowed?"""
    source = edited(answer_source, TORCH_IMPORT)
    results = _grade(helpers.with_cell_source(solution, ANSWER_CELL, source), tmp_path)
    assert len(results) == len(CHECKS)
    assert all("importing torch is not allowed in this exercise" in r.message for r in results)
