"""Exercise 04 (``lstm_lm_backward``): given code, solution, checks, known mistakes."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.checks import ex04_lstm_backward as checks
from autograder.errors import CheckFailed, NotImplementedYet
from autograder.grade import grade_submission
from autograder.mistakes.ex04_lstm_backward import COURSE_MAX_NORM, MISTAKES, bptt
from autograder.notebook_checks import local_student
from reference.char_lm import numpy_model
from reference.char_lm.data import Vocabulary, chunks
from reference.char_lm.optim import Adam, clip_by_global_norm
from reference.char_lm.train import MAX_GRAD_NORM, train_numpy
from reference.datasets import LECTURE_CORPUS
from reference.gradcheck import BACKWARD_ATOL_F64, FORWARD_ATOL_F64
import helpers
from helpers import edited, failures_of

NOTEBOOK = "04_lstm_backward.ipynb"
EXERCISE = "ex04_lstm_backward"
ANSWER_CELL = "lstm_lm_backward"
# Every check that compares gradients, with no argument but the student.
GRADIENT_CHECKS = {
    "returns_gradients": checks.check_returns_gradients,
    "one_step": checks.check_one_step,
    "through_time": checks.check_through_time,
    "against_autograd": checks.check_against_autograd,
    "against_finite_differences": checks.check_against_finite_differences,
    "not_clipped": checks.check_not_clipped,
    "random_cases": lambda student: checks.check_random_cases(student, seed=7),
}


def student_with(solution, source: str):
    """A local student handle for the solution notebook with the answer cell replaced."""
    return helpers.student_with(solution, EXERCISE, ANSWER_CELL, source)


def random_case(seed: int, N: int, T: int, V: int, H: int) -> dict:
    return checks.make_case(checks.CaseSpec(seed, N, T, V, H))


SHAPES = [(2, 5, 7, 4), (1, 1, 3, 2), (3, 2, 5, 6)]  # (N, T, V, H)


# Given code = reference -----------------------------------------------------------


def test_given_corpus_and_vocabulary_are_the_references(given) -> None:
    """Are the corpus, its characters and their indices the reference's?"""
    assert given["CORPUS"] == LECTURE_CORPUS
    vocab = Vocabulary.from_text(LECTURE_CORPUS)
    assert given["chars"] == vocab.chars and given["V"] == vocab.size
    encoded = given["encode"](LECTURE_CORPUS, given["char_to_index"])
    np.testing.assert_array_equal(encoded, vocab.encode(LECTURE_CORPUS))


@pytest.mark.parametrize("V, H, seed", [(33, 32, 0), (5, 3, 11)])
def test_given_init_draws_the_references_parameters(given, V, H, seed) -> None:
    """Does ``init_lstm_lm`` draw exactly the reference's parameters from the same seed?"""
    got = given["init_lstm_lm"](V, H, np.random.default_rng(seed))
    expected = numpy_model.init_params("lstm", V, H, np.random.default_rng(seed))
    assert list(got) == list(expected)
    for name in expected:
        np.testing.assert_array_equal(got[name], expected[name])


@pytest.mark.parametrize("N, T, V, H", SHAPES)
def test_given_forward_equals_the_reference(given, N, T, V, H) -> None:
    """Does the given forward compute the reference's loss, states, gates and probabilities?"""
    case = random_case(100 + T, N, T, V, H)
    loss, cache = given["lstm_lm_forward"](*checks._arguments(case))
    ref_loss, ref = numpy_model.forward(*checks._arguments(case), cell="lstm")
    assert abs(loss - float(ref_loss)) <= FORWARD_ATOL_F64
    cell = ref["cell_cache"]
    pairs = {"h": ref["h"], "c": cell["c"], "probs": ref["probs"], "x": ref["x"]}
    pairs.update({key: cell[key] for key in ("f", "i", "o", "g")})
    for key, expected in pairs.items():
        np.testing.assert_allclose(cache[key], expected, rtol=0, atol=FORWARD_ATOL_F64, err_msg=key)
    np.testing.assert_array_equal(cache["h_prev"][:, 0], case["h0"])
    np.testing.assert_array_equal(cache["c_prev"][:, 1:], cache["c"][:, :-1])
    np.testing.assert_array_equal(cache["h_prev"][:, 1:], cache["h"][:, :-1])


def test_given_forward_cache_is_what_the_mistake_bank_reads(given) -> None:
    """Does the grader rebuild, from the reference, the very cache the notebook builds?"""
    case = random_case(5, 2, 4, 6, 3)
    _, cache = given["lstm_lm_forward"](*checks._arguments(case))
    rebuilt = checks._notebook_cache(case)
    assert sorted(rebuilt) == sorted(cache)
    for key in cache:
        if key != "params":
            np.testing.assert_allclose(rebuilt[key], cache[key], rtol=0, atol=FORWARD_ATOL_F64, err_msg=key)


@pytest.mark.parametrize("scale", [0.01, 100.0])
def test_given_clipping_equals_the_reference(given, scale) -> None:
    """Does the given clipping scale (or keep) gradients exactly as the reference's?"""
    rng = np.random.default_rng(3)
    grads = {name: scale * rng.standard_normal((3, 4)) for name in ("a", "b")}
    got, got_norm = given["clip_by_global_norm"](grads, MAX_GRAD_NORM)
    expected, norm = clip_by_global_norm(grads, MAX_GRAD_NORM)
    assert got_norm == pytest.approx(norm, rel=1e-15)
    for name in grads:
        np.testing.assert_allclose(got[name], expected[name], rtol=1e-15)


def test_given_adam_equals_the_reference(given) -> None:
    """Do five steps of the given Adam move parameters exactly as the reference's do?"""
    rng = np.random.default_rng(4)
    params = {"w": rng.standard_normal((3, 2)), "b": rng.standard_normal(2)}
    mine, theirs = ({k: v.copy() for k, v in params.items()} for _ in range(2))
    given_adam, reference_adam = given["Adam"](lr=0.01), Adam(lr=0.01)
    for _ in range(5):
        grads = {k: rng.standard_normal(v.shape) for k, v in params.items()}
        given_adam.step(mine, grads)
        reference_adam.step(theirs, grads)
    for name in params:
        np.testing.assert_allclose(mine[name], theirs[name], rtol=1e-14)


@pytest.mark.parametrize("seq_len, batch_size", [(25, 8), (7, 3), (1000, 1)])
def test_given_chunks_equal_the_reference(given, seq_len, batch_size) -> None:
    """Does ``text_chunks`` walk the text in the reference's chunks?"""
    encoded = Vocabulary.from_text(LECTURE_CORPUS).encode(LECTURE_CORPUS)
    got = list(given["text_chunks"](encoded, seq_len, batch_size))
    expected = list(chunks(encoded, seq_len, batch_size))
    assert len(got) == len(expected)
    for (inputs, targets), (ref_inputs, ref_targets) in zip(got, expected):
        np.testing.assert_array_equal(inputs, ref_inputs)
        np.testing.assert_array_equal(targets, ref_targets)


def test_given_training_loop_equals_the_reference(answer) -> None:
    """Does the given loop (with the solution's backward) train exactly as the reference?

    12 steps of 3 streams cross the end of a pass, where the state restarts from zeros.
    """
    config = {"hidden_size": 6, "seq_len": 25, "batch_size": 3, "lr": 0.01, "seed": 2}
    params, losses = answer["train_lstm_lm"](LECTURE_CORPUS, 12, **config)
    run = train_numpy(LECTURE_CORPUS, "lstm", 12, progress=False, **config)
    np.testing.assert_allclose(losses, run.losses, rtol=1e-12)
    for name, value in run.params.items():
        np.testing.assert_allclose(params[name], value, rtol=1e-10, atol=1e-12, err_msg=name)


def test_every_max_norm_is_the_lectures(given) -> None:
    """Do the notebook, the mistake bank and the reference clip at the same norm?"""
    assert given["MAX_GRAD_NORM"] == COURSE_MAX_NORM == MAX_GRAD_NORM


# The solution and the mistake bank -------------------------------------------------


@pytest.mark.parametrize("N, T, V, H", SHAPES)
def test_solution_equals_the_reference(answer, N, T, V, H) -> None:
    """Does the solution's backward return the reference's 16 gradients?"""
    case = random_case(200 + T, N, T, V, H)
    _, cache = answer["lstm_lm_forward"](*checks._arguments(case))
    grads, dh0, dc0 = answer["lstm_lm_backward"](cache)
    got = checks.unpack((grads, dh0, dc0), case)
    expected = checks._reference_gradients(case)
    for name in checks.FEEDBACK_ORDER:
        np.testing.assert_allclose(got[name], expected[name], rtol=0, atol=BACKWARD_ATOL_F64, err_msg=name)


def test_unswitched_bank_backward_equals_the_reference() -> None:
    """Is the bank's ``bptt`` with every switch in place the right backward pass?"""
    case = random_case(9, 3, 5, 6, 4)
    grads, dh0, dc0 = bptt(checks._notebook_cache(case))
    expected = checks._reference_gradients(case)
    for name, value in {**grads, "dh0": dh0, "dc0": dc0}.items():
        np.testing.assert_allclose(value, expected[name], rtol=0, atol=BACKWARD_ATOL_F64, err_msg=name)


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.name)
def test_every_mistake_is_recognised_as_itself(mistake) -> None:
    """Does each mistake, on the large-gradient case, differ from the reference and get its own name?"""
    case = checks.confident_case()
    grads, dh0, dc0 = mistake.fn(checks._notebook_cache(case))
    got = {**grads, "dh0": dh0, "dc0": dc0}
    wrong = checks._wrong_entries(got, checks._reference_gradients(case), BACKWARD_ATOL_F64)
    assert wrong
    assert checks.find_mistake(got, case, list(wrong)) is mistake


def test_confident_case_needs_clipping() -> None:
    """Are the large-gradient case's gradients above the course's clipping norm?"""
    expected = checks._reference_gradients(checks.confident_case())
    params_only = {name: expected[name] for name in checks.PARAM_NAMES}
    _, norm = clip_by_global_norm(params_only, COURSE_MAX_NORM)
    assert norm > 1.05 * COURSE_MAX_NORM


def test_reference_training_ends_far_below_log_v() -> None:
    """Does the training check's reference run end far below a uniform guess?"""
    loss = checks._reference_training_loss(LECTURE_CORPUS, **checks.TRAINING)
    assert loss < np.log(Vocabulary.from_text(LECTURE_CORPUS).size) - 1.5


# The checks on the solution, the stub and wrong answers ---------------------------


def test_solution_passes_every_check(answer) -> None:
    """Does the solution pass every check, training included?"""
    student = local_student(answer, EXERCISE)
    for check in (*GRADIENT_CHECKS.values(), checks.check_training):
        check(student)


def test_stub_is_not_implemented_on_every_check(solution, answer_source) -> None:
    """Does an untouched stub fail every check with "not implemented"?"""
    student = student_with(solution, helpers.clear_solution_regions(answer_source))
    for name, check in {**GRADIENT_CHECKS, "training": checks.check_training}.items():
        with pytest.raises(NotImplementedYet, match="(?i)not implemented"):
            check(student)


ONE_HOT = "    dlogits[rows, steps, targets] -= 1.0\n"
NORMALISE = "    dlogits /= N * T\n"
INTO_C = "dc = dc_next + dh * o * (1.0 - tanh_c**2)"
SIGMOID_GRADS = ("f * (1.0 - f)", "i * (1.0 - i)", "o * (1.0 - o)")
RETURN = "return grads, dh_next, dc_next"

# Each mistake of the bank, written into the solution as a student would write it:
# (edits to the answer cell, checks that still pass, checks that fail).
WRONG_ANSWERS = {
    "no cell-state gradient from the next step": [(INTO_C, "dc = dh * o * (1.0 - tanh_c**2)")],
    "no hidden-state gradient from the next step": [("dh = dh_out[:, t] + dh_next", "dh = dh_out[:, t]")],
    "sigmoid derivative taken as the gate value s": [(s, s[0]) for s in SIGMOID_GRADS],
    "sigmoid derivative taken as sigmoid(s)": [(s, f"sigmoid({s[0]})") for s in SIGMOID_GRADS],
    "tanh derivative used for the sigmoid gates": [(s, f"(1.0 - {s[0]}**2)") for s in SIGMOID_GRADS],
    "forget-gate gradient uses c_t instead of c_{t-1}": [('cache["c_prev"][:, t] * f', 'cache["c"][:, t] * f')],
    "o * (1 - tanh(c)^2) missing on the way into c": [(INTO_C, "dc = dc_next + dh")],
    "gradients overwritten instead of accumulated over time": [
        (f'grads["{p}" + k] +=', f'grads["{p}" + k] =') for p in "WUb"
    ],
    "loss gradient not divided by N*T": [(NORMALISE, "")],
    "loss gradient divided by N instead of N*T": [(NORMALISE, "    dlogits /= N\n")],
    "one-hot not subtracted from the softmax": [(ONE_HOT, "")],
    "gradients clipped inside the backward pass": [
        (RETURN, "grads, _ = clip_by_global_norm(grads, MAX_GRAD_NORM)\n    " + RETURN)
    ],
}
# Mistakes that a single step cannot show (they need a second step, or large gradients).
PASS_ONE_STEP = {
    "no cell-state gradient from the next step",
    "no hidden-state gradient from the next step",
    "gradients overwritten instead of accumulated over time",
    "loss gradient divided by N instead of N*T",
    "gradients clipped inside the backward pass",
}


def test_every_mistake_has_a_wrong_answer() -> None:
    """Is every mistake of the bank written out as a wrong answer below?"""
    assert sorted(WRONG_ANSWERS) == sorted(m.name for m in MISTAKES)


@pytest.mark.parametrize("name", sorted(WRONG_ANSWERS))
def test_wrong_answer_is_diagnosed(solution, answer_source, name) -> None:
    """Does a solution with one known mistake fail with that mistake's name and hint?"""
    student = student_with(solution, edited(answer_source, WRONG_ANSWERS[name]))
    failures = failures_of(student, GRADIENT_CHECKS)
    assert "returns_gradients" not in failures
    assert ("one_step" in failures) == (name not in PASS_ONE_STEP)
    if name == "gradients clipped inside the backward pass":
        assert sorted(failures) == ["not_clipped"]
    else:
        assert "through_time" in failures and "against_autograd" in failures
    named = [message for message in failures.values() if f"This looks like {name}:" in message]
    assert len(named) == len(failures), failures
    if name in PASS_ONE_STEP - {"gradients clipped inside the backward pass"}:
        assert "though right for 1 step" in failures["through_time"]
    elif name not in PASS_ONE_STEP:
        assert "Already for sequences of 1 step" in failures["through_time"]


# Broken answers of other kinds ------------------------------------------------------

BODY_END = "    return grads, dh_next, dc_next\n    ### END SOLUTION"
# Each broken answer: (edits to the answer cell, the check that catches it, a pattern
# its message matches).
BROKEN_ANSWERS = {
    "only grads returned": (
        [(BODY_END, "    return grads\n    ### END SOLUTION")],
        checks.check_returns_gradients,
        r"should return three values, \(grads, dh0, dc0\); it returned a dict with keys",
    ),
    "grads as a list": (
        [(BODY_END, "    return list(grads.values()), dh_next, dc_next\n    ### END SOLUTION")],
        checks.check_returns_gradients,
        "should be a dict .* it is a list of length 14",
    ),
    "a missing key": (
        [(BODY_END, '    del grads["by"]\n' + BODY_END)],
        checks.check_returns_gradients,
        "it lacks by",
    ),
    "dWhy transposed": (
        [('grads["Why"] = cache["h"].reshape(N * T, H).T @ dlogits.reshape(N * T, V)',
          'grads["Why"] = dlogits.reshape(N * T, V).T @ cache["h"].reshape(N * T, H)')],
        checks.check_returns_gradients,
        r"grads\['Why'\] has shape \(7, 5\); it should have params\['Why'\]'s shape \(5, 7\)",
    ),
    "float32 gradients": (
        [("np.zeros_like(value) for name", "np.zeros_like(value, dtype=np.float32) for name")],
        checks.check_returns_gradients,
        r"grads\['Wo'\] has dtype float32: .* keep the gradients in float64",
    ),
    "dh0 and dc0 swapped": (
        [(BODY_END, "    return grads, dc_next, dh_next\n    ### END SOLUTION")],
        checks.check_one_step,
        "2 of the 16 gradients are wrong: dh0, dc0",
    ),
    "nan handed back to the previous step": (
        [("dc_next = dc * f", "dc_next = dc * f * np.nan")],
        checks.check_through_time,
        r"(?s)1 step .*1 of the 16 gradients is wrong: dc0\..*dc0 contains nan",
    ),
    "zero gradients do not train": (
        [(BODY_END, "    grads = {name: 0 * g for name, g in grads.items()}\n" + BODY_END)],
        checks.check_training,
        r"the loss on the corpus is 3\.49\d.*uniform guess scores log V = 3\.497",
    ),
}


@pytest.mark.parametrize("name", BROKEN_ANSWERS)
def test_broken_answer_is_explained(solution, answer_source, name) -> None:
    """Does a broken answer fail the check that catches it, with a message saying why?"""
    edits, check, message = BROKEN_ANSWERS[name]
    student = student_with(solution, edited(answer_source, edits))
    with pytest.raises(CheckFailed, match=message) as failure:
        check(student)
    assert not isinstance(failure.value, NotImplementedYet)


# Grading whole notebooks through the plugin and the sandbox -------------------------


@pytest.mark.slow
def test_grading_the_solution_gives_full_marks(solution, tmp_path) -> None:
    """Does the solution notebook earn all 30 points through ``pytest autograder``?"""
    path = helpers.write(solution, tmp_path, NOTEBOOK)
    results = grade_submission(path, extra_args=["-k", "ex04"])
    assert results and all(r.exercise == "04_lstm_backward" for r in results)
    assert sum(r.max_points for r in results) == 30
    assert [r.name for r in results if not r.passed] == []


@pytest.mark.slow
def test_grading_the_stub_gives_zero_not_implemented(solution, tmp_path) -> None:
    """Does the released stub earn nothing, every check saying "not implemented"?"""
    path = helpers.write(helpers.released_stub(solution), tmp_path, NOTEBOOK)
    results = grade_submission(path, extra_args=["-k", "ex04"])
    assert len(results) == 8 and sum(r.points for r in results) == 0
    assert all("not implemented" in r.message for r in results), [r.message for r in results]
