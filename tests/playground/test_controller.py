"""Does the controller train, carry its state, sample reproducibly, show gates and
rebuild its model when a setting changes?"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from playground import GatesUnavailable, StudentCodeNotReady, load_student_code
from playground.controller import SMOOTHING
from playground.text import chunk_at

# Training steps of the loss test, and how far the loss must fall below the first one
# (log V = 3.50 on the corpus; after 40 steps every backend and cell is near 2.9).
STEPS = 40
MIN_DROP = 0.3

CASES = [("autograd", cell) for cell in ("rnn", "gru", "lstm")]
CASES += [("reference", cell) for cell in ("rnn", "gru", "lstm")]
CASES += [("student", "lstm")]


@pytest.mark.parametrize("backend, cell", CASES)
def test_training_lowers_the_loss(make_controller, solution_code, backend, cell):
    """Do a few dozen steps on the lecture's corpus lower the loss, for every backend?"""
    controller = make_controller(cell=cell, backend=backend, student=solution_code)
    losses = controller.step(STEPS)
    assert len(losses) == STEPS == controller.steps_done
    assert losses[0] == pytest.approx(controller.initial_loss, abs=0.05)
    assert np.mean(losses[-5:]) < losses[0] - MIN_DROP


def test_history_and_progress(make_controller):
    """Are the losses, steps done, target and smoothed loss kept as training goes?"""
    controller = make_controller()
    controller.plan(5)
    assert (controller.steps_done, controller.target_steps) == (0, 5)
    assert controller.smoothed_loss is None
    first = controller.step(2)
    assert (controller.losses, controller.steps_done, controller.target_steps) == (first, 2, 5)
    second = SMOOTHING * first[0] + (1 - SMOOTHING) * first[1]
    assert controller.smoothed_losses == [first[0], pytest.approx(second)]
    assert controller.smoothed_loss == pytest.approx(second)
    controller.step(4)
    assert controller.steps_done == 6 and controller.target_steps == 6  # the target never lags


def test_state_is_carried_from_chunk_to_chunk(make_controller):
    """Does the second chunk start from the state the first one ended in?"""
    controller, manual = make_controller(cell="lstm"), make_controller(cell="lstm")
    controller.step(2)
    backend, T = manual.backend, manual.seq_len
    _, state = backend.train_step(*chunk_at(manual.encoded, 0, T), backend.initial_state())
    loss, _ = backend.train_step(*chunk_at(manual.encoded, T, T), state)
    assert controller.losses[1] == pytest.approx(loss, abs=1e-12)


def test_state_restarts_at_every_pass(make_controller):
    """After the last chunk of the text, does training start again at the top from zeros?"""
    text = "abcabcabcab"  # 11 characters: chunks of 4, 4 and 2 targets, then the top again
    controller, manual = (make_controller(text=text, seq_len=4) for _ in range(2))
    controller.step(4)
    backend, state = manual.backend, manual.backend.initial_state()
    for begin in (0, 4, 8):
        _, state = backend.train_step(*chunk_at(manual.encoded, begin, 4), state)
    top = chunk_at(manual.encoded, 0, 4)
    carried, _ = manual.backend.gradients(*top, state)
    fresh, _ = manual.backend.train_step(*top, backend.initial_state())
    assert controller.losses[3] == pytest.approx(fresh, abs=1e-12)
    assert abs(carried - fresh) > 1e-6


def test_sampling_is_reproducible_with_a_seed(make_controller):
    """Do the same seed and model give the same text, and another seed another text?"""
    controller = make_controller()
    controller.step(20)
    first = controller.sample(80, temperature=1.0, start="To", seed=5)
    assert len(first) == 80 and set(first) <= set(controller.vocab.chars)
    assert controller.sample(80, temperature=1.0, start="To", seed=5) == first
    assert controller.sample(80, temperature=1.0, start="To", seed=6) != first


def test_sampling_defaults_to_the_first_character_and_the_controllers_seed(make_controller):
    """Without start and seed, is it the text's first character and the controller's seed?"""
    controller = make_controller()
    explicit = controller.sample(30, start=controller.text[0], seed=controller.seed)
    assert controller.sample(30) == explicit


def test_temperature(make_controller):
    """Is 0 greedy whatever the seed, and a high temperature more varied than a low one?"""
    controller = make_controller(hidden_size=32)
    controller.step(60)
    greedy = controller.sample(100, temperature=0.0, seed=1)
    assert controller.sample(100, temperature=0.0, seed=2) == greedy
    assert controller.sample(100, temperature=1e-3, seed=3) == greedy
    cold, hot = (controller.sample(300, temperature=t, seed=4) for t in (0.3, 3.0))
    assert len(set(hot)) > len(set(cold))


def test_sampling_explains_bad_input(make_controller):
    """Are an unknown start character and a negative temperature refused with a reason?"""
    controller = make_controller()
    with pytest.raises(ValueError, match="'!' does not occur"):
        controller.sample(10, start="To!")
    with pytest.raises(ValueError, match="temperature"):
        controller.sample(10, temperature=-0.5)


def test_gates_of_a_typed_string(make_controller):
    """Does ``gates`` give every gate (T, H) for the typed text, in its range?"""
    controller = make_controller(cell="lstm")
    controller.step(10)
    gates = controller.gates("To be or not")
    assert {name: values.shape for name, values in gates.items()} == {
        name: (12, controller.hidden_size) for name in "ifogch"
    }
    assert all(0 < gates[name].min() and gates[name].max() < 1 for name in "ifo")
    assert -1 < gates["g"].min() and gates["g"].max() < 1


def test_gates_follow_the_current_parameters(make_controller):
    """Do the gates change as the model trains?"""
    controller = make_controller(cell="lstm")
    before = controller.gates("the")
    controller.step(5)
    assert not np.allclose(controller.gates("the")["f"], before["f"])


@pytest.mark.parametrize("text, message", [("", "at least one"), ("to be!", "'!' does not occur")])
def test_gates_explain_bad_text(make_controller, text, message):
    """Are an empty text and an unknown character refused with a reason?"""
    with pytest.raises(ValueError, match=message):
        make_controller(cell="lstm").gates(text)


def test_gates_from_exercise_3_without_the_key(
    make_controller, solution_gates, stub_gates, without_reference_gates
):
    """Without the answer key, does the controller show exercise 3's gates once it is
    written, and say to finish it while it is not?"""
    finished = make_controller(cell="lstm", gate_code=solution_gates)
    assert finished.gates("To be")["f"].shape == (5, finished.hidden_size)
    for code in (stub_gates, None):
        with pytest.raises(GatesUnavailable, match="Finish exercise 3"):
            make_controller(cell="lstm", gate_code=code).gates("To be")


def test_gates_need_the_lstm(make_controller):
    """Does asking a GRU for gates say that only the LSTM has them?"""
    with pytest.raises(ValueError, match="only the LSTM"):
        make_controller(cell="gru").gates("abc")


@pytest.mark.parametrize(
    "change",
    [
        {"cell": "gru"},
        {"hidden_size": 8},
        {"learning_rate": 1e-3},
        {"seq_len": 5},
        {"text": "hello world"},
        {"seed": 9},
    ],
    ids=lambda change: next(iter(change)),
)
def test_a_setting_change_rebuilds_the_model(make_controller, change):
    """Does changing a setting apply it and start over with a fresh model?"""
    controller = make_controller()
    controller.step(3)
    old_backend = controller.backend
    controller.configure(**change)
    assert controller.backend is not old_backend
    assert (controller.steps_done, controller.losses, controller.smoothed_loss) == (0, [], None)
    (name, value), = change.items()
    assert controller.settings[name] == value
    model = controller.backend.model
    assert model.cell_name == controller.cell
    assert model.hidden_size == controller.hidden_size
    assert model.vocab_size == len(set(controller.text))
    assert controller.backend.optimizer.param_groups[0]["lr"] == controller.learning_rate
    first = controller.step(1)
    assert len(first) == 1


def test_seq_len_sets_the_chunk_length(make_controller, monkeypatch):
    """Is every training chunk ``seq_len`` characters long?"""
    controller = make_controller(seq_len=7)
    lengths = []
    train_step = controller.backend.train_step

    def recording(inputs, targets, state):
        lengths.append(inputs.shape)
        return train_step(inputs, targets, state)

    monkeypatch.setattr(controller.backend, "train_step", recording)
    controller.step(3)
    assert lengths == [(1, 7)] * 3


def test_reset_gives_back_the_initial_model(make_controller):
    """Does ``reset`` return to the parameters the seed gave at first?"""
    controller = make_controller()
    initial = [p.detach().clone() for p in controller.backend.model.parameters()]
    controller.step(5)
    controller.reset()
    assert all(torch.equal(a, b) for a, b in zip(initial, controller.backend.model.parameters()))
    assert controller.steps_done == 0


@pytest.mark.parametrize(
    "change, error, message",
    [
        ({"cell": "transformer"}, ValueError, "cell must be one of"),
        ({"hidden_size": 0}, ValueError, "hidden_size"),
        ({"learning_rate": -1.0}, ValueError, "learning_rate"),
        ({"seq_len": 2.5}, ValueError, "seq_len"),
        ({"text": "a"}, ValueError, "at least 2 characters"),
        ({"backend": "jax"}, ValueError, "backend must be one of"),
        ({"batch_size": 4}, TypeError, "unknown settings"),
    ],
)
def test_invalid_settings_change_nothing(make_controller, change, error, message):
    """Is an invalid setting refused with its name, leaving the session as it was?"""
    controller = make_controller()
    controller.step(2)
    settings, backend = dict(controller.settings), controller.backend
    with pytest.raises(error, match=message):
        controller.configure(**change)
    assert controller.settings == settings and controller.backend is backend
    assert controller.steps_done == 2


def test_student_backend_without_a_backward_says_so(make_controller, exercise_4_with):
    """With exercise 4 as released (a stub), does training say the function is missing?"""
    stub = "def lstm_lm_backward(cache):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"
    student = load_student_code(exercise_4_with(stub))
    controller = make_controller(backend="student", student=student)
    with pytest.raises(StudentCodeNotReady, match="not implemented yet"):
        controller.step(1)
    assert controller.steps_done == 0


def test_switching_to_the_student_backend_needs_its_functions(make_controller):
    """Without exercise 4's functions, is the student backend refused and nothing lost?"""
    controller = make_controller()
    chars, backend = controller.vocab.chars, controller.backend
    with pytest.raises(ValueError, match="StudentCode"):
        controller.configure(backend="student", text="a new text")
    assert controller.backend_name == "autograd" and controller.text != "a new text"
    assert controller.vocab.chars == chars and controller.backend is backend


def test_repr_names_the_settings(make_controller):
    """Does the controller's repr show its cell and backend?"""
    text = repr(make_controller(cell="gru"))
    assert "'gru'" in text and "'autograd'" in text
