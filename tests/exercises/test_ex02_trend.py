"""Exercise 02 (``TrendClassifier``): answer key, given code, checks, known mistakes."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import helpers
from helpers import edited, failures_of
from autograder.checks import ex02_trend as checks
from autograder.errors import CheckFailed, NotImplementedYet
from autograder.grade import grade_submission
from autograder.mistakes.ex02_trend import MISTAKES, trend_logits
from autograder.notebook_checks import local_student
from reference import trend, trend_setup
from reference.datasets import generate_trend_data

NOTEBOOK = "02_trend.ipynb"
EXERCISE = "ex02_trend"
ANSWER_CELL = "trend_classifier"
TOTAL_POINTS = 20
# The checks that need no training, each called with the student only.
QUICK_CHECKS = {
    "structure": checks.check_structure,
    "output_shape": checks.check_output_shape,
    "returns_logits": checks.check_returns_logits,
    "matches_reference": checks.check_matches_reference,
}
HIDDEN_SEEDS = (11, 22, 33)


def student_with(solution, source: str):
    """A local handle on the solution notebook whose answer cell holds ``source``."""
    return helpers.student_with(solution, EXERCISE, ANSWER_CELL, source)


# Given code = reference -----------------------------------------------------------


@pytest.mark.parametrize("n_samples, seq_len, seed", [(500, 20, 0), (7, 3, 123), (1, 1, 9)])
def test_given_generator_equals_the_reference(given, n_samples, seq_len, seed) -> None:
    """Does the notebook's ``generate_trend_data`` draw exactly the reference's data?"""
    X, y = given["generate_trend_data"](n_samples, seq_len, np.random.default_rng(seed))
    X_ref, y_ref = generate_trend_data(n_samples, seq_len, np.random.default_rng(seed))
    for got, expected in ((X, X_ref), (y, y_ref)):
        assert got.dtype == expected.dtype == torch.float32
        assert torch.equal(got, expected)


def test_given_generator_continues_a_shared_generator_like_the_reference(given) -> None:
    """Does a generator used twice (training, then test set) give the reference's test set?"""
    given_rng, reference_rng = np.random.default_rng(5), np.random.default_rng(5)
    for _ in range(2):
        X, y = given["generate_trend_data"](30, 8, given_rng)
        X_ref, y_ref = generate_trend_data(30, 8, reference_rng)
    assert torch.equal(X, X_ref) and torch.equal(y, y_ref)


def test_given_generator_refuses_to_draw_unseeded(given) -> None:
    """Does the notebook's generator, like the reference's, insist on an explicit rng?"""
    with pytest.raises(TypeError):
        given["generate_trend_data"](10, 5)


# The answer key -----------------------------------------------------------------


def test_reference_reads_the_last_step() -> None:
    """Is the reference's logit the linear layer applied to h_n, with no sigmoid?"""
    torch.manual_seed(0)
    model = trend.TrendClassifier(hidden_size=5)
    x = torch.randn(4, 6, 1)
    _, (h_n, _) = model.lstm(x)
    assert model(x).shape == (4, 1)
    assert torch.allclose(model(x), model.fc(h_n[-1]))


def test_solution_equals_the_reference(answer) -> None:
    """Does the notebook's solution compute the reference's logits from the same weights?"""
    torch.manual_seed(3)
    reference = trend.TrendClassifier(hidden_size=6)
    mine = answer["TrendClassifier"](hidden_size=6)
    mine.load_state_dict(reference.state_dict())
    x = torch.randn(5, 9, 1)
    assert torch.equal(mine(x), reference(x))


def test_arrays_round_trip() -> None:
    """Does ``model_from_arrays(model_to_arrays(m))`` compute exactly what ``m`` computes?"""
    torch.manual_seed(1)
    model = trend.TrendClassifier(hidden_size=7)
    arrays = trend_setup.model_to_arrays(model)
    assert sorted(arrays) == sorted(model.state_dict())
    assert all(a.dtype == np.float32 for a in arrays.values())
    x = torch.randn(3, 5, 1)
    assert torch.equal(trend.model_from_arrays(arrays)(x), model(x))


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda a: a.pop("fc.bias"), r"missing \['fc.bias'\]"),
        (lambda a: a.update(extra=np.zeros(1, np.float32)), r"unexpected \['extra'\]"),
        (lambda a: a.update({"lstm.weight_hh_l0": np.zeros((4, 4), np.float32)}), "lstm.weight_hh_l0 has shape"),
        (lambda a: a.update({"fc.weight": np.zeros(3, np.float32)}), "fc.weight must be"),
    ],
)
def test_arrays_that_do_not_fit_are_named(edit, message) -> None:
    """Does ``model_from_arrays`` name the entry that is missing, extra or misshapen?"""
    torch.manual_seed(2)
    arrays = trend_setup.model_to_arrays(trend.TrendClassifier(hidden_size=3))
    edit(arrays)
    with pytest.raises(ValueError, match=message):
        trend.model_from_arrays(arrays)


def test_reference_trains_past_the_target_with_the_grader_loop() -> None:
    """Does the seeded full-batch loop take the reference model past the target accuracy?"""
    X_train, y_train, X_test, y_test = trend_setup.trend_datasets(seed=0)
    torch.manual_seed(0)
    model = trend.TrendClassifier()
    losses = trend_setup.train_full_batch(model, X_train, y_train)
    assert len(losses) == trend_setup.EPOCHS
    assert losses[-1] < losses[0]
    assert trend_setup.accuracy(model, X_test, y_test) >= trend_setup.PASS_ACCURACY


def test_training_leaves_the_thread_count_alone() -> None:
    """Does the one-thread training loop restore torch's thread count afterwards?"""
    before = torch.get_num_threads()
    X, y = generate_trend_data(8, 4, np.random.default_rng(0))
    torch.manual_seed(0)
    trend_setup.train_full_batch(trend.TrendClassifier(hidden_size=2), X, y, epochs=2)
    assert torch.get_num_threads() == before


def test_grader_data_sets_are_reproducible_and_distinct() -> None:
    """Does one seed give the same four tensors twice, with a test set unlike the training set?"""
    first, second = trend_setup.trend_datasets(seed=3), trend_setup.trend_datasets(seed=3)
    assert all(torch.equal(a, b) for a, b in zip(first, second))
    X_train, _, X_test, _ = first
    assert X_train.shape == (trend_setup.TRAIN_SAMPLES, trend_setup.SEQ_LEN, 1)
    assert X_test.shape == (trend_setup.TEST_SAMPLES, trend_setup.SEQ_LEN, 1)
    assert not torch.equal(X_train[: trend_setup.TEST_SAMPLES], X_test)


def test_accuracy_thresholds_logits_at_zero() -> None:
    """Does ``accuracy`` count a logit above zero as label 1 and at or below zero as label 0?"""

    class LastValue(torch.nn.Module):
        def forward(self, x):
            return x[:, -1, :]

    X = torch.tensor([[[2.0]], [[-1.0]], [[0.0]], [[0.5]]])
    y = torch.tensor([[1.0], [0.0], [0.0], [0.0]])
    assert trend_setup.accuracy(LastValue(), X, y) == 0.75


# The mistake bank ----------------------------------------------------------------


def bank_inputs(seed: int = 0, hidden_size: int = 8):
    """A reference model with the check's random weights, and an input (N != T, T > 1)."""
    rng = np.random.default_rng(seed)
    weights = checks.random_weights(hidden_size, rng)
    return trend.model_from_arrays(weights), checks.random_inputs(5, 9, rng)


def test_unswitched_bank_equals_the_reference() -> None:
    """Does the bank's function, with no switch set, compute the reference's logits?"""
    model, x = bank_inputs()
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy()
    np.testing.assert_array_equal(trend_logits(model, x), expected)


def test_mistakes_are_told_apart() -> None:
    """Does every mistake give logits unlike the reference's and unlike every other mistake's?"""
    model, x = bank_inputs()
    outputs = [trend_logits(model, x)] + [mistake.fn(model, x) for mistake in MISTAKES]
    for i in range(len(outputs)):
        for j in range(i):
            assert np.abs(outputs[i] - outputs[j]).max() > 1e-3, (i, j)


# The checks on the solution, the stub, wrong answers and broken submissions ---------


def test_solution_passes_every_check(answer) -> None:
    """Does the solution pass every check, training and the randomized sizes included?"""
    student = local_student(answer, EXERCISE)
    for check in QUICK_CHECKS.values():
        check(student)
    checks.check_trains(student)
    for seed in HIDDEN_SEEDS:
        case = checks.random_case(seed)
        checks.check_structure(student, hidden_size=case["hidden_size"])
        checks.check_output_shape(student, cases=[(case["n"], case["t"])], seed=seed, hidden_size=case["hidden_size"])
        checks.check_matches_reference(student, seed=seed, **case)


@pytest.mark.parametrize("seed", range(20))
def test_random_cases_keep_the_axes_apart(seed) -> None:
    """Do the randomized sizes always have N != T and T >= 2, so every mistake shows?"""
    case = checks.random_case(seed)
    assert case["n"] != case["t"] and case["t"] >= 2 and case["hidden_size"] >= 3


def test_stub_is_not_implemented_on_every_check(solution) -> None:
    """Does an untouched stub fail every check with "not implemented"?"""
    stub = helpers.released_stub(solution)
    student = local_student(helpers.code_namespace(stub), EXERCISE)
    for check in (*QUICK_CHECKS.values(), checks.check_trains):
        with pytest.raises(NotImplementedYet, match="(?i)not implemented"):
            check(student)


LAST_STEP = "output[:, -1, :]"
# Each mistake of the bank, written into the solution as a student would write it:
# (edits to the answer cell, the quick checks that fail).
WRONG_ANSWERS = {
    "a sigmoid inside forward": (
        [(f"return self.fc({LAST_STEP})", f"return torch.sigmoid(self.fc({LAST_STEP}))")],
        {"returns_logits", "matches_reference"},
    ),
    "the first time step instead of the last": (
        [(LAST_STEP, "output[:, 0, :]")],
        {"matches_reference"},
    ),
    "an LSTM without batch_first=True": (
        [(", batch_first=True)", ")")],
        {"structure", "matches_reference"},
    ),
    "the cell state c_n instead of the hidden state h_n": (
        [("output, _ = self.lstm(x)", "output, (h_n, c_n) = self.lstm(x)"), (LAST_STEP, "c_n[-1]")],
        {"matches_reference"},
    ),
    "the hidden states averaged over time": (
        [(LAST_STEP, "output.mean(dim=1)")],
        {"matches_reference"},
    ),
}


def test_every_mistake_has_a_wrong_answer() -> None:
    """Is every mistake of the bank written out as a wrong answer below?"""
    assert sorted(WRONG_ANSWERS) == sorted(m.name for m in MISTAKES)


@pytest.mark.parametrize("name", sorted(WRONG_ANSWERS))
def test_wrong_answer_is_diagnosed(solution, answer_source, name) -> None:
    """Does a solution with one known mistake fail exactly the expected checks, each naming it?"""
    edits, failing = WRONG_ANSWERS[name]
    student = student_with(solution, edited(answer_source, edits))
    failures = failures_of(student, QUICK_CHECKS)
    assert set(failures) == failing
    for message in failures.values():
        assert f"This looks like {name}:" in message
    for seed in HIDDEN_SEEDS:
        with pytest.raises(CheckFailed, match=f"This looks like {name}:"):
            checks.check_matches_reference(student, seed=seed, **checks.random_case(seed))


# Broken submissions beyond the bank: (edits, {check: words its message must contain}).
BROKEN = {
    "fc applied to h_n": (
        [("output, _ = self.lstm(x)", "output, (h_n, c_n) = self.lstm(x)"), (LAST_STEP, "h_n")],
        {"output_shape": "use h_n[-1]", "returns_logits": "(1, 8, 1)", "matches_reference": "(1, 6, 1)"},
    ),
    "fc at every step": (
        [(LAST_STEP, "output")],
        {"output_shape": "every time step", "returns_logits": "(8, 12, 1)", "matches_reference": "(6, 15, 1)"},
    ),
    "a GRU": (
        [("nn.LSTM(", "nn.GRU(")],
        {"structure": "exactly one nn.LSTM; it holds: GRU, Linear", "returns_logits": "Could not set the weights",
         "matches_reference": "Could not set the weights"},
    ),
    "two stacked layers": (
        [(", batch_first=True)", ", num_layers=2, batch_first=True)")],
        {"structure": "num_layers=2 (expected 1)", "returns_logits": "Could not set the weights",
         "matches_reference": "Could not set the weights"},
    ),
    "a Linear to two outputs": (
        [("nn.Linear(hidden_size, 1)", "nn.Linear(hidden_size, 2)")],
        {"structure": "maps 32 -> 2 features", "output_shape": "expected (5, 1)",
         "returns_logits": "Could not set the weights", "matches_reference": "Could not set the weights"},
    ),
    "an nn.Sigmoid layer": (
        [("self.fc = nn.Linear(hidden_size, 1)", "self.fc = nn.Linear(hidden_size, 1)\n        self.out = nn.Sigmoid()"),
         (f"return self.fc({LAST_STEP})", f"return self.out(self.fc({LAST_STEP}))")],
        {"structure": "This looks like a sigmoid inside forward", "returns_logits": "every output lies in [0, 1]",
         "matches_reference": "This looks like a sigmoid inside forward"},
    ),
    "forward returning the LSTM's state too": (
        [(f"return self.fc({LAST_STEP})", f"return self.fc({LAST_STEP}), output")],
        {"output_shape": "returned a tuple", "returns_logits": "returned a tuple", "matches_reference": "returned a tuple"},
    ),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_submission_is_explained(solution, answer_source, name) -> None:
    """Does each broken model fail exactly the expected checks, with a message that says why?"""
    edits, expected = BROKEN[name]
    failures = failures_of(student_with(solution, edited(answer_source, edits)), QUICK_CHECKS)
    assert set(failures) == set(expected)
    for check_name, words in expected.items():
        assert words in failures[check_name], failures[check_name]


def test_missing_class_is_named(solution, answer_source) -> None:
    """Does a notebook without a ``TrendClassifier`` fail every check saying the name is missing?"""
    student = student_with(solution, edited(answer_source, [("class TrendClassifier(", "class TrendModel(")]))
    failures = failures_of(student, {**QUICK_CHECKS, "trains": checks.check_trains})
    assert len(failures) == 5
    assert all("'TrendClassifier' is not defined" in message for message in failures.values())


def test_training_is_measured_by_the_grader(solution, answer_source, monkeypatch) -> None:
    """Does a notebook that stops Adam from learning fail training, whatever it reports itself?

    The answer cell turns ``Adam.step`` into a no-op, so the weights that come back are
    the initial ones. With the check's seed those happen to sort 97% of the test set
    right; the grader's own test loss still shows that nothing was learned.
    """
    monkeypatch.setattr(torch.optim.Adam, "step", torch.optim.Adam.step)  # restored afterwards
    sabotage = "\n\ntorch.optim.Adam.step = lambda self, closure=None: None\n"
    student = student_with(solution, answer_source + sabotage)
    with pytest.raises(CheckFailed, match="at least 90% is expected") as failure:
        checks.check_trains(student)
    assert "classifies 97% of 100 test sequences" in str(failure.value)
    assert "mean test loss of 0.6" in str(failure.value)


# Whole notebooks through the real plugin --------------------------------------------


def graded(tmp_path, notebook) -> dict:
    """{check name: CheckResult} of exercise 02 for ``notebook``, graded by ``pytest autograder``."""
    path = helpers.write(notebook, tmp_path, NOTEBOOK)
    results = grade_submission(path, extra_args=["-k", "test_ex02_trend"])
    return {result.name: result for result in results if result.exercise == "02_trend"}


@pytest.mark.slow
def test_grading_the_solution_gives_full_marks(tmp_path, solution) -> None:
    """Does ``pytest autograder`` give the solution every point of the exercise?"""
    results = graded(tmp_path, solution)
    assert len(results) == 8
    assert all(result.passed for result in results.values()), results
    assert sum(result.points for result in results.values()) == TOTAL_POINTS
    assert sum(result.hidden for result in results.values()) == 3


@pytest.mark.slow
def test_grading_the_stub_gives_zero_not_implemented(tmp_path, solution) -> None:
    """Does ``pytest autograder`` give an untouched stub zero, "not implemented" on every check?"""
    results = graded(tmp_path, helpers.released_stub(solution))
    assert len(results) == 8
    assert sum(result.points for result in results.values()) == 0
    for result in results.values():
        assert "not implemented" in result.message.lower(), result


@pytest.mark.slow
def test_grading_names_a_mistake_through_the_sandbox(tmp_path, solution, answer_source) -> None:
    """Does a known mistake reach the report, named, when graded in the sandbox?"""
    edits, _ = WRONG_ANSWERS["an LSTM without batch_first=True"]
    notebook = helpers.with_cell_source(solution, ANSWER_CELL, edited(answer_source, edits))
    results = graded(tmp_path, notebook)
    assert not results["structure"].passed and not results["matches_reference"].passed
    assert "This looks like an LSTM without batch_first=True" in results["matches_reference"].message
    assert results["output_shape"].passed and results["returns_logits"].passed


def test_notebook_points_add_up(solution) -> None:
    """Do the notebook's autograded cells carry the exercise's 20 points?"""
    points = [
        cell.metadata.nbgrader.points
        for cell in solution.cells
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade")
    ]
    assert sum(points) == TOTAL_POINTS
