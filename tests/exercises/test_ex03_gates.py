"""Exercise 03 (LSTM gates): checkpoint, given code, checks, known mistakes, heatmaps."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from autograder.checks import ex03_gates as checks
from autograder.errors import NotImplementedYet
from autograder.grade import grade_submission
from autograder.mistakes.ex03_gates import MISTAKES, stepped_gates
from autograder.notebook_checks import local_student
from reference.char_lm import CharLSTM, Vocabulary
from reference.char_lm import gates_checkpoint
from reference.datasets import LECTURE_CORPUS
import helpers
from helpers import failure_of

NOTEBOOK = "03_gates.ipynb"
EXERCISE = "ex03_gates"
GATES_CELL = "lstm_gate_activations"
PLOT_CELL = "plot_lstm_gates"
CHECKPOINT = helpers.SOLUTIONS / "char_lstm_gates.pt"
# Every check, with no argument but the student (hidden ones at a fixed seed).
GATE_CHECKS = {
    "one_layer": checks.check_one_layer,
    "two_layers": checks.check_two_layers,
    "matches_nn_lstm": checks.check_last_layer_matches_lstm,
    "random_one_layer": lambda student: checks.check_random_gate_activations(student, 1, seed=11),
    "random_two_layers": lambda student: checks.check_random_gate_activations(student, 2, seed=12),
}
FIGURE_CHECKS = {
    "figure": checks.check_gate_figure,
    "random_figure": lambda student: checks.check_random_gate_figure(student, seed=13),
}
# The line of the soliloquy a trained model must continue from memory.
FIRST_LINE = "To be or not to be that is the question"


def student_with(solution, grade_id: str, source: str):
    """A local student handle for the solution notebook with one answer cell replaced."""
    return helpers.student_with(solution, EXERCISE, grade_id, source)


def edited(solution, grade_id: str, edits: list[tuple[str, str]]) -> str:
    """The answer cell ``grade_id``'s source with each (old, new) replacement made."""
    return helpers.edited(helpers.cell_by_grade_id(solution, grade_id).source, edits)


def greedy_text(model: torch.nn.Module, vocab: str, start: str, length: int) -> str:
    """``length`` characters the model predicts after ``start``, argmax at every step."""
    indices = CharLSTM.generate(model, [vocab.index(ch) for ch in start], length, temperature=0.0)
    return "".join(vocab[i] for i in indices)


# The checkpoint and the given code ---------------------------------------------------


def test_checkpoint_is_small_and_loads_with_weights_only() -> None:
    """Is the shipped checkpoint a few hundred KB of plain tensors, vocabulary and sizes?"""
    assert CHECKPOINT.stat().st_size < 400_000
    checkpoint = torch.load(CHECKPOINT, weights_only=True)
    assert sorted(checkpoint) == ["config", "state_dict", "vocab"]
    assert checkpoint["vocab"] == Vocabulary.from_text(LECTURE_CORPUS).chars
    assert checkpoint["config"] == gates_checkpoint.CONFIG
    assert all(isinstance(t, torch.Tensor) for t in checkpoint["state_dict"].values())


def test_given_char_lstm_equals_the_reference(given) -> None:
    """Do the notebook's CharLSTM and loader compute what the reference CharLSTM computes?"""
    model, vocab = given["load_char_lstm"](CHECKPOINT)
    reference, reference_vocab = gates_checkpoint.load_checkpoint(CHECKPOINT)
    assert vocab == reference_vocab and not model.training
    x = torch.randint(len(vocab), (3, 11), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        logits, (h, c) = model(x)
        expected, (h_ref, c_ref) = reference(x)
    assert torch.equal(logits, expected) and torch.equal(h, h_ref) and torch.equal(c, c_ref)
    assert [name for name, _ in model.named_modules()] == [n for n, _ in reference.named_modules()]


def test_given_char_lstm_builds_like_the_reference(given) -> None:
    """Do both classes build the same layers and draw the same weights under one seed?"""
    torch.manual_seed(3)
    mine = given["CharLSTM"](9, embed_size=5, hidden_size=6, num_layers=3, dropout=0.1)
    torch.manual_seed(3)
    reference = CharLSTM(9, embed_size=5, hidden_size=6, num_layers=3, dropout=0.1)
    assert str(mine.lstm) == str(reference.lstm)
    for (name, value), (ref_name, ref_value) in zip(mine.state_dict().items(), reference.state_dict().items()):
        assert name == ref_name and torch.equal(value, ref_value)


def test_shipped_model_recites_the_first_line() -> None:
    """Has the shipped model learned the corpus well enough to finish its first line?"""
    model, vocab = gates_checkpoint.load_checkpoint(CHECKPOINT)
    assert greedy_text(model, vocab, FIRST_LINE[:10], len(FIRST_LINE) - 10) == FIRST_LINE[10:]


@pytest.mark.slow
def test_script_rebuilds_a_model_that_behaves_like_the_shipped_one(tmp_path: Path) -> None:
    """Does the checkpoint script write a model that predicts what the shipped one does?"""
    path = tmp_path / "char_lstm_gates.pt"
    assert gates_checkpoint.main([str(path)]) == 0
    rebuilt, vocab = gates_checkpoint.load_checkpoint(path)
    shipped, shipped_vocab = gates_checkpoint.load_checkpoint(CHECKPOINT)
    assert vocab == shipped_vocab
    assert greedy_text(rebuilt, vocab, "T", 200) == greedy_text(shipped, vocab, "T", 200)


def test_notebook_does_not_import_the_answer_key(solution) -> None:
    """Is ``reference`` absent from every code cell of the notebook?"""
    for cell in solution.cells:
        if cell.cell_type == "code":
            assert "reference" not in cell.source, cell.source[:80]


# The mistake bank ---------------------------------------------------------------------


@pytest.mark.parametrize("num_layers, input_size, hidden_size", [(1, 3, 5), (2, 4, 4), (3, 2, 3)])
def test_unswitched_bank_stepper_equals_nn_lstm(num_layers, input_size, hidden_size) -> None:
    """Does the bank's stepper, no switch flipped, give nn.LSTM's outputs and final states?"""
    weights, x = checks.lstm_case(num_layers, input_size, hidden_size, seq_len=6, seed=4)
    layers = stepped_gates(weights, x, num_layers)
    with torch.no_grad():
        output, (h_n, c_n) = checks.build_lstm(weights, num_layers)(torch.from_numpy(x)[None])
    np.testing.assert_allclose(layers[-1]["h"], output[0].numpy(), atol=1e-12)
    for k, layer in enumerate(layers):
        np.testing.assert_allclose(layer["h"][-1], h_n[k, 0].numpy(), atol=1e-12)
        np.testing.assert_allclose(layer["c"][-1], c_n[k, 0].numpy(), atol=1e-12)


def test_solution_equals_the_bank_stepper_and_the_answer_key(answer) -> None:
    """Do the notebook's solution, the bank's stepper and the answer key agree on every gate?"""
    weights, x = checks.lstm_case(**checks.TWO_LAYER_CASE)
    lstm = checks.build_lstm(weights, 2)
    mine = answer["lstm_gate_activations"](lstm, torch.from_numpy(x))
    for layers in (stepped_gates(weights, x, 2), checks._expected_activations(weights, x, 2)):
        for k in range(2):
            for key in checks.KEYS:
                np.testing.assert_allclose(mine[k][key], layers[k][key], atol=1e-12)


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.name)
def test_every_mistake_changes_the_gates_and_is_recognised_as_itself(mistake) -> None:
    """On the square two-layer case, does each mistake give wrong gates that only it explains?"""
    weights, x = checks.lstm_case(**checks.TWO_LAYER_CASE)
    wrong = mistake.fn(weights, x, 2)
    expected = checks._expected_activations(weights, x, 2)
    assert checks._first_divergence(wrong, expected) is not None
    assert checks._known_mistake(wrong, weights, x, 2) == f" {mistake.message()}"


# The checks on the solution and the stub -----------------------------------------------


def test_solution_passes_every_check(answer) -> None:
    """Does the solution pass every check, hidden ones included?"""
    student = local_student(answer, EXERCISE)
    for check in (*GATE_CHECKS.values(), *FIGURE_CHECKS.values()):
        check(student)


def test_stub_is_not_implemented_on_every_check(solution) -> None:
    """Does an untouched stub fail every check with "not implemented", naming the function?"""
    stub = local_student(helpers.code_namespace(helpers.released_stub(solution)), EXERCISE)
    for function, group in ((GATES_CELL, GATE_CHECKS), (PLOT_CELL, FIGURE_CHECKS)):
        for check in group.values():
            with pytest.raises(NotImplementedYet, match=f"(?i){function}.*not implemented"):
                check(stub)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
def test_random_sizes_vary_and_stay_small(seed) -> None:
    """Do hidden checks draw small sizes, square (D == H) about half of the time?"""
    sizes = checks.random_sizes(seed)
    assert 2 <= sizes["hidden_size"] <= 6 and 1 <= sizes["input_size"] <= 7 and 3 <= sizes["seq_len"] <= 8
    square = [checks.random_sizes(s)["input_size"] == checks.random_sizes(s)["hidden_size"] for s in range(40)]
    assert 10 <= sum(square) <= 30


# Known mistakes, written into the solution as a student would --------------------------

CHUNK = "z_i, z_f, z_g, z_o = torch.chunk"
BIASES = 'getattr(lstm, f"bias_ih_l{k}") + getattr(lstm, f"bias_hh_l{k}")'
CELL = "c = f * c + i * g"
# A per-gate answer that multiplies by each (H, D) block as it is stored: it runs when
# D == H (the two-layer case) and computes the wrong gates.
UNTRANSPOSED = '''
def lstm_gate_activations(lstm, x):
    layers, inputs = [], x
    with torch.no_grad():
        for k in range(lstm.num_layers):
            W_i, W_f, W_g, W_o = getattr(lstm, f"weight_ih_l{k}").chunk(4)
            U_i, U_f, U_g, U_o = getattr(lstm, f"weight_hh_l{k}").chunk(4)
            b_i, b_f, b_g, b_o = (getattr(lstm, f"bias_ih_l{k}") + getattr(lstm, f"bias_hh_l{k}")).chunk(4)
            h = torch.zeros(lstm.hidden_size, dtype=x.dtype)
            c = torch.zeros_like(h)
            steps = {name: [] for name in "ifgoch"}
            for x_t in inputs:
                i = torch.sigmoid(x_t @ W_i + h @ U_i + b_i)
                f = torch.sigmoid(x_t @ W_f + h @ U_f + b_f)
                g = torch.tanh(x_t @ W_g + h @ U_g + b_g)
                o = torch.sigmoid(x_t @ W_o + h @ U_o + b_o)
                c = f * c + i * g
                h = o * torch.tanh(c)
                for name, value in zip("ifgoch", (i, f, g, o, c, h)):
                    steps[name].append(value)
            layers.append({name: torch.stack(values).numpy() for name, values in steps.items()})
            inputs = torch.stack(steps["h"])
    return layers
'''
# Each mistake of the bank as edits to the answer cell (None: the whole cell above).
WRONG_ANSWERS = {
    "the i, f, o, g gate order (CS231n's)": [(CHUNK, "z_i, z_f, z_o, z_g = torch.chunk")],
    "bias_hh forgotten": [(BIASES, 'getattr(lstm, f"bias_ih_l{k}")')],
    "weights not transposed": None,
    "cell state not carried": [(CELL, "c = i * g")],
    "sigmoid on g": [("g = torch.tanh(z_g)", "g = torch.sigmoid(z_g)")],
    "every layer reads x": [('layer_input = layer["h"]', "layer_input = x.detach()")],
    "tanh missing on the cell state": [("h = o * torch.tanh(c)", "h = o * c")],
}
# Where each mistake first shows on the two-layer case: (layer, step, gate name).
FIRST_WRONG = {
    "the i, f, o, g gate order (CS231n's)": "Layer 0, step 0, candidate g",
    "bias_hh forgotten": "Layer 0, step 0, input gate i",
    "weights not transposed": "Layer 0, step 0, input gate i",
    "cell state not carried": "Layer 0, step 1, cell state c",
    "sigmoid on g": "Layer 0, step 0, candidate g",
    "every layer reads x": "Layer 1, step 0, input gate i",
    "tanh missing on the cell state": "Layer 0, step 0, hidden state h",
}


def test_every_mistake_has_a_wrong_answer() -> None:
    """Is every mistake of the bank written out as a wrong answer below?"""
    assert sorted(WRONG_ANSWERS) == sorted(FIRST_WRONG) == sorted(m.name for m in MISTAKES)


@pytest.mark.parametrize("name", sorted(WRONG_ANSWERS))
def test_wrong_answer_is_diagnosed_where_it_first_goes_wrong(solution, name) -> None:
    """Does one known mistake fail the two-layer check naming it, its layer, step and gate?"""
    edits = WRONG_ANSWERS[name]
    source = UNTRANSPOSED if edits is None else edited(solution, GATES_CELL, edits)
    student = student_with(solution, GATES_CELL, source)
    message = failure_of(checks.check_two_layers, student)
    assert FIRST_WRONG[name] in message
    assert message.endswith(next(m for m in MISTAKES if m.name == name).message())
    if name != "every layer reads x":  # one layer is all it has right
        failure_of(checks.check_one_layer, student)
    failure_of(checks.check_last_layer_matches_lstm, student)


@pytest.mark.parametrize("source", ["full", "per_gate"])
def test_untransposed_weights_that_do_not_fit_get_the_transpose_hint(solution, source) -> None:
    """When D != H makes untransposed weights crash, does the message say how to fix it?"""
    if source == "full":
        source = edited(solution, GATES_CELL, [("layer_input @ w_ih.T", "layer_input @ w_ih")])
    else:
        source = UNTRANSPOSED
    message = failure_of(checks.check_one_layer, student_with(solution, GATES_CELL, source))
    assert "cannot be multiplied" in message and "x @ W_ih.T" in message


def test_cell_state_mistake_says_what_agrees_before_it(solution) -> None:
    """Does the feedback say which steps and gates are still right before the first error?"""
    source = edited(solution, GATES_CELL, WRONG_ANSWERS["cell state not carried"])
    message = failure_of(checks.check_one_layer, student_with(solution, GATES_CELL, source))
    assert "Everything before it agrees (step 0 of layer 0; i, f, g, o at step 1)" in message


# Other broken answers ---------------------------------------------------------------------

RETURN_LAYER = "activations.append({name: value.numpy() for name, value in layer.items()})"
WITH_ZEROS = "np.concatenate([np.zeros_like(value.numpy()[:1]), value.numpy()])"
BROKEN_ANSWERS = {
    "tensors": ([(RETURN_LAYER, "activations.append(layer)")], "is a Tensor; expected a NumPy array"),
    "batch_axis": (
        [(RETURN_LAYER, RETURN_LAYER.replace("value.numpy()", "value.numpy()[None]"))],
        "The batch axis is still there",
    ),
    "initial_state_kept": (
        [(RETURN_LAYER, RETURN_LAYER.replace("value.numpy()", WITH_ZEROS))],
        "leave out the zero initial state",
    ),
    "dict_not_list": ([("return activations", "return activations[0]")], "returned a dict; expected a list"),
    "last_layer_only": ([("return activations", "return activations[-1:]")], "returned 1 element(s)"),
    "key_missing": (
        [(RETURN_LAYER, RETURN_LAYER.replace("layer.items()", "layer.items() if name != 'g'"))],
        "no key(s) 'g'",
    ),
    "nan": ([("c = f * c + i * g", "c = f * c + i * g * float('nan')")], "NaN or infinite"),
}


@pytest.mark.parametrize("name", sorted(BROKEN_ANSWERS))
def test_broken_answer_gets_a_specific_message(solution, name) -> None:
    """Does each malformed result fail the gate checks with a message that names the problem?"""
    edits, expected = BROKEN_ANSWERS[name]
    student = student_with(solution, GATES_CELL, edited(solution, GATES_CELL, edits))
    assert expected in failure_of(checks.check_two_layers, student)


IMSHOW = 'image = ax.imshow(values, aspect="auto", cmap=cmap, vmin=low, vmax=1.0, interpolation="nearest")'
BROKEN_FIGURES = {
    "returns_axes": ([("return fig", "return axes")], "returned a ndarray; expected a matplotlib"),
    "three_heatmaps": ([("zip(axes, titles)", 'zip(axes, "ifg")')], "has 3 axes with a heatmap; expected 4"),
    "no_letter": ([('"forget gate f"', '"forget gate"')], "No heatmap of the figure is titled for the forget"),
    "transposed": ([(".T  # (H, T)", "  # (H, T)")], "Hidden units go on the y axis"),
    "wrong_gate_drawn": (
        [("np.asarray(activations[name]).T", 'np.asarray(activations["fiog"["ifgo".index(name)]]).T')],
        "should show activations['i'].T, but it shows forget gate f's values",
    ),
    "no_tick_labels": ([("ax.set_xticks(range(steps), labels=list(text))", "pass")], "expected the 8 char"),
}
GOOD_FIGURES = {
    "pcolormesh": [(IMSHOW, "image = ax.pcolormesh(values, cmap=cmap, vmin=low, vmax=1.0)")],
    "shared_x_axis": [("constrained_layout=True)", "constrained_layout=True, sharex=True)")],
    "visible_space": [("labels=list(text)", 'labels=[ch if ch != " " else "␣" for ch in text]')],
    "no_colorbar": [("fig.colorbar(image, ax=ax)", "pass")],
}


@pytest.mark.parametrize("name", sorted(BROKEN_FIGURES))
def test_broken_figure_gets_a_specific_message(solution, name) -> None:
    """Does each faulty figure fail the figure checks with a message naming the problem?"""
    edits, expected = BROKEN_FIGURES[name]
    student = student_with(solution, PLOT_CELL, edited(solution, PLOT_CELL, edits))
    assert expected in failure_of(checks.check_gate_figure, student)
    failure_of(FIGURE_CHECKS["random_figure"], student)


@pytest.mark.parametrize("name", sorted(GOOD_FIGURES))
def test_other_good_figures_pass(solution, name) -> None:
    """Are other reasonable ways to draw the heatmaps accepted?"""
    student = student_with(solution, PLOT_CELL, edited(solution, PLOT_CELL, GOOD_FIGURES[name]))
    for check in FIGURE_CHECKS.values():
        check(student)


# Whole notebooks through the real plugin -------------------------------------------------


def graded(notebook, folder: Path) -> dict[str, tuple[float, float, str]]:
    """{check: (points, max points, message)} of exercise 03 for ``notebook``, sandbox included."""
    helpers.write(notebook, folder, NOTEBOOK)
    results = grade_submission(folder, extra_args=["-k", "test_ex03_gates"])
    return {r.name: (r.points, r.max_points, r.message) for r in results if r.exercise == "03_gates"}


@pytest.mark.slow
def test_grading_solution_earns_full_marks(solution, tmp_path: Path) -> None:
    """Does the solution notebook earn all 25 points, hidden checks included?"""
    results = graded(solution, tmp_path)
    assert len(results) == 7
    assert sum(points for points, _, _ in results.values()) == 25
    assert all(points == maximum for points, maximum, _ in results.values()), results


@pytest.mark.slow
def test_grading_stub_earns_nothing_and_says_not_implemented(solution, tmp_path: Path) -> None:
    """Does the released stub earn 0 of 25, every check saying "not implemented"?"""
    results = graded(helpers.released_stub(solution), tmp_path)
    assert len(results) == 7 and sum(maximum for _, maximum, _ in results.values()) == 25
    for points, _, message in results.values():
        assert points == 0 and "not implemented" in message
