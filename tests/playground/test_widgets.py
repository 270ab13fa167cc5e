"""Do the widgets build headless and drive the controller when clicked or changed?"""
from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from playground import GateCode, StudentCode
from playground.widgets import PlaygroundUI

PNG = b"\x89PNG"


@pytest.fixture
def ui(make_controller) -> PlaygroundUI:
    controller = make_controller(hidden_size=8)
    return PlaygroundUI(controller, train_steps=12, steps_per_update=4, plot_every=8)


def test_builds_with_the_controllers_settings(ui):
    """Do the controls start at the controller's settings, with a loss plot drawn?"""
    c = ui.controller
    assert (ui.cell.value, ui.hidden_size.value, ui.seq_len.value, ui.corpus.value) == (
        c.cell, c.hidden_size, c.seq_len, c.text
    )
    assert ui.learning_rate.value == pytest.approx(c.learning_rate)
    assert bytes(ui.loss_plot.value).startswith(PNG)
    assert "step 0 / 0" in ui.status.value
    assert "application/vnd.jupyter.widget-view+json" in ui._repr_mimebundle_()


def test_step_button_trains_one_step(ui):
    """Does Step train one chunk and show it in the progress display?"""
    ui.step_button.click()
    assert ui.controller.steps_done == 1
    assert (ui.progress.value, ui.progress.max) == (1, 1)
    assert "step 1 / 1" in ui.status.value


def test_train_n_runs_n_steps_in_the_background(ui):
    """Does Train N train exactly N steps and fill the progress bar?"""
    ui.train_steps.value = 10
    ui.train_button.click()
    ui.wait()
    assert ui.controller.steps_done == 10
    assert (ui.progress.value, ui.progress.max) == (10, 10)
    assert not ui.running
    assert "smoothed loss" in ui.status.value


def test_run_continuously_until_stopped(ui):
    """Does the toggle start a run that stops when it is switched off?"""
    ui.run_button.value = True
    ui.run_button.value = False
    ui.wait()
    assert not ui.running and ui.run_button.value is False
    assert ui.controller.steps_done >= ui.steps_per_update


def test_sample_button_shows_text(ui):
    """Does Sample show the start text followed by generated characters?"""
    ui.sample_start.value = "To"
    ui.temperature.value = 0.5
    ui.sample_button.click()
    assert "<b>To</b>" in ui.sample_output.value
    assert len(ui.sample_output.value) > ui.sample_length


def test_typed_text_draws_the_gates(ui):
    """Does typing in the gate box draw the heatmaps?"""
    ui.gate_text.value = "to be"
    assert bytes(ui.gate_plot.value).startswith(PNG)


def test_without_gates_the_box_says_finish_exercise_3(ui, without_reference_gates):
    """Without the answer key and exercise 3, does the gate box say what to do, with no
    plot and no error in the status line?"""
    ui.gate_text.value = "to be"
    assert "Finish exercise 3 (03_gates.ipynb)" in ui.gate_message.value
    assert bytes(ui.gate_plot.value) == b"" and "Error" not in ui.status.value


def test_the_students_plot_draws_the_gates(make_controller, solution_gates):
    """Once exercise 3's plot is written, does it draw the gates, its pyplot figure
    closed afterwards?"""
    calls = []

    def plot(activations, text):
        calls.append(text)
        return solution_gates.plot(activations, text)

    code = GateCode(activations=solution_gates.activations, plot=plot)
    ui = PlaygroundUI(make_controller(hidden_size=8, gate_code=code))
    open_before = set(plt.get_fignums())  # other tests may have left figures open
    ui.gate_text.value = "to be"
    assert calls == ["to be"] and bytes(ui.gate_plot.value).startswith(PNG)
    assert set(plt.get_fignums()) == open_before and ui.gate_message.value == ""


def test_an_unwritten_plot_leaves_the_heatmaps(make_controller, solution_gates, stub_gates):
    """While exercise 3's plot is the stub, are the gates drawn as plain heatmaps?"""
    code = GateCode(activations=solution_gates.activations, plot=stub_gates.plot)
    ui = PlaygroundUI(make_controller(hidden_size=8, gate_code=code))
    ui.gate_text.value = "to be"
    assert bytes(ui.gate_plot.value).startswith(PNG)


def test_gates_are_hidden_for_other_cells(ui):
    """Is the gate box hidden for the GRU and shown again for the LSTM?"""
    ui.cell.value = "gru"
    assert ui.gate_box.layout.display == "none"
    ui.cell.value = "lstm"
    assert ui.gate_box.layout.display is None


@pytest.mark.parametrize(
    "control, setting, value",
    [
        ("cell", "cell", "rnn"),
        ("hidden_size", "hidden_size", 12),
        ("learning_rate", "learning_rate", 1e-3),
        ("seq_len", "seq_len", 9),
        ("corpus", "text", "a new little text"),
    ],
)
def test_setting_controls_rebuild_the_model(ui, control, setting, value):
    """Does changing a setting's control change the controller's setting and start over?"""
    ui.step_button.click()
    getattr(ui, control).value = value
    assert ui.controller.settings[setting] == pytest.approx(value, rel=1e-12)
    assert ui.controller.steps_done == 0
    assert "step 0 / 0" in ui.status.value


def test_invalid_text_is_reported_not_raised(ui):
    """Does a one-character text leave the model as it was and say why?"""
    text = ui.controller.text
    ui.corpus.value = "x"
    assert ui.controller.text == text
    assert "at least 2 characters" in ui.status.value


def test_reset_button_starts_over(ui):
    """Does Reset clear the progress?"""
    ui.step_button.click()
    ui.reset_button.click()
    assert ui.controller.steps_done == 0 and ui.progress.value == 0


def test_missing_student_backward_is_reported(make_controller, solution_code):
    """With an unwritten backward, does training show the reason in the status line?"""

    def stub(cache):
        raise NotImplementedError()

    student = StudentCode(solution_code.forward, stub)
    controller = make_controller(backend="student", student=student)
    ui = PlaygroundUI(controller)
    ui.step_button.click()
    assert "not implemented yet" in ui.status.value
    ui.train_button.click()
    ui.wait()
    assert "not implemented yet" in ui.status.value and controller.steps_done == 0
