"""``PlaygroundUI``: ipywidgets controls wired to a ``PlaygroundController``.

Every action is the controller's; this module only connects widgets to it and shows its
state. Settings (cell, hidden size, learning rate, seq_len, the text) rebuild the model
as soon as they change. "Train N" and "Run continuously" train in a background thread,
a few steps at a time, so the progress, the loss curve and the buttons stay live; the
toggle stops a run. Everything works headless: build it, set ``.value``, call
``.click()``, and ``wait()`` for a background run to end.
"""
from __future__ import annotations

import html
import threading

import ipywidgets as widgets

from playground import plots
from playground.controller import PlaygroundController
from playground.gates import GatesUnavailable
from playground.model import CELLS

# Settings widgets and the controller setting each one changes.
SETTING_WIDGETS = {
    "cell": "cell",
    "hidden_size": "hidden_size",
    "learning_rate": "learning_rate",
    "seq_len": "seq_len",
    "corpus": "text",
}


class PlaygroundUI:
    """The playground's controls; display it (or its ``widget``) in a notebook.

    Args:
        controller: the session the controls drive.
        train_steps: the initial N of "Train N".
        steps_per_update: steps between two refreshes of the progress display.
        plot_every: steps between two redraws of the loss curve during a run.
        sample_length: how many characters "Sample" generates.
    """

    def __init__(
        self,
        controller: PlaygroundController,
        train_steps: int = 200,
        steps_per_update: int = 5,
        plot_every: int = 25,
        sample_length: int = 300,
    ) -> None:
        self.controller = controller
        self.steps_per_update = steps_per_update
        self.plot_every = plot_every
        self.sample_length = sample_length
        self._worker: threading.Thread | None = None
        self._stop = threading.Event()
        self._plotted_at = -1
        self._build(train_steps)
        self._wire()
        self.refresh(plot=True)

    # Layout -------------------------------------------------------------------------

    def _build(self, train_steps: int) -> None:
        c = self.controller
        wide = {"style": {"description_width": "110px"}, "layout": widgets.Layout(width="420px")}
        self.cell = widgets.Dropdown(options=CELLS, value=c.cell, description="cell", **wide)
        self.hidden_size = widgets.IntSlider(
            value=c.hidden_size, min=4, max=256, step=4, description="hidden size",
            continuous_update=False, **wide,
        )
        self.learning_rate = widgets.FloatLogSlider(
            value=c.learning_rate, base=10, min=-4, max=-0.5, step=0.1, description="learning rate",
            readout_format=".1e", continuous_update=False, **wide,
        )
        self.seq_len = widgets.IntSlider(
            value=c.seq_len, min=2, max=100, description="seq_len", continuous_update=False, **wide
        )
        self.corpus = widgets.Textarea(
            value=c.text, description="training text", continuous_update=False,
            layout=widgets.Layout(width="95%", height="140px"),
        )
        self.step_button = widgets.Button(description="Step", tooltip="train on one chunk")
        self.train_steps = widgets.BoundedIntText(
            value=train_steps, min=1, max=1_000_000, description="N",
            layout=widgets.Layout(width="160px"),
        )
        self.train_button = widgets.Button(description="Train N", button_style="primary")
        self.run_button = widgets.ToggleButton(description="Run continuously", icon="play")
        self.reset_button = widgets.Button(description="Reset", tooltip="fresh model from the seed")
        self.progress = widgets.IntProgress(min=0, max=1, value=0)
        self.status = widgets.Label()
        self.loss_plot = widgets.Image(format="png")
        self.temperature = widgets.FloatSlider(
            value=1.0, min=0.0, max=2.0, step=0.05, description="temperature", **wide
        )
        self.sample_start = widgets.Text(value=c.text[0], description="start with", **wide)
        self.sample_button = widgets.Button(description="Sample")
        self.sample_output = widgets.HTML()
        self.gate_text = widgets.Text(
            value=c.text.split("\n")[0][:40], description="gates of", continuous_update=False,
            **wide,
        )
        self.gate_button = widgets.Button(description="Show gates")
        self.gate_plot = widgets.Image(format="png")
        self.gate_message = widgets.HTML()  # why there are no gates to show, if there are none
        self.gate_box = widgets.VBox(
            [widgets.HBox([self.gate_text, self.gate_button]), self.gate_message, self.gate_plot]
        )
        self.widget = widgets.VBox(
            [
                widgets.HBox([widgets.VBox([self.cell, self.hidden_size]),
                              widgets.VBox([self.learning_rate, self.seq_len])]),
                self.corpus,
                widgets.HBox([self.step_button, self.train_steps, self.train_button,
                              self.run_button, self.reset_button]),
                widgets.HBox([self.progress, self.status]),
                self.loss_plot,
                widgets.HBox([self.temperature, self.sample_start, self.sample_button]),
                self.sample_output,
                self.gate_box,
            ]
        )

    def _wire(self) -> None:
        for attribute, setting in SETTING_WIDGETS.items():
            getattr(self, attribute).observe(
                lambda change, setting=setting: self._change_setting(setting, change["new"]),
                names="value",
            )
        self.step_button.on_click(lambda _: self._guarded(self._step_once))
        self.train_button.on_click(lambda _: self.start(self.train_steps.value))
        self.run_button.observe(self._toggle_run, names="value")
        self.reset_button.on_click(lambda _: self._guarded(self._reset))
        self.sample_button.on_click(lambda _: self._guarded(self.show_sample))
        self.gate_button.on_click(lambda _: self._guarded(self.show_gates))
        self.gate_text.observe(lambda _: self._guarded(self.show_gates), names="value")

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    # Actions ------------------------------------------------------------------------

    def _guarded(self, action) -> None:
        """Run ``action``; an error becomes the status line instead of a traceback."""
        try:
            action()
        except Exception as error:  # noqa: BLE001 - shown to the user, who can fix it
            self.status.value = f"{type(error).__name__}: {error}"

    def _change_setting(self, setting: str, value) -> None:
        if value == self.controller.settings[setting]:
            return
        self.stop()
        self.wait()
        self._guarded(lambda: self._configure(setting, value))

    def _configure(self, setting: str, value) -> None:
        self.controller.configure(**{setting: value})
        self._after_rebuild()

    def _reset(self) -> None:
        self.stop()
        self.wait()
        self.controller.reset()
        self._after_rebuild()

    def _after_rebuild(self) -> None:
        self.sample_output.value = ""
        self.gate_plot.value = b""
        self.gate_message.value = ""
        self._plotted_at = -1
        self.refresh(plot=True)

    def _step_once(self) -> None:
        if self.running:
            return
        self.controller.step(1)
        self.refresh(plot=True)

    @property
    def running(self) -> bool:
        """Whether a background run is training."""
        return self._worker is not None and self._worker.is_alive()

    def start(self, steps: int | None = None) -> None:
        """Train ``steps`` steps in the background (None: until ``stop``); no-op while a
        run is on."""
        if self.running:
            return
        self._stop.clear()
        if steps is not None:
            self.controller.plan(steps)
        self._worker = threading.Thread(target=self._train_loop, args=(steps,), daemon=True)
        self._worker.start()

    def stop(self) -> None:
        """Ask a background run to stop after its current few steps."""
        self._stop.set()

    def wait(self) -> None:
        """Block until the background run (if any) has ended."""
        if self._worker is not None:
            self._worker.join()

    def _toggle_run(self, change) -> None:
        if change["new"]:
            self.start(None)
        else:
            self.stop()

    def _train_loop(self, steps: int | None) -> None:
        """The background run: blocks of ``steps_per_update`` steps, each followed by a
        refresh, until ``steps`` are done or a stop is asked (at least one block)."""
        done = 0
        try:
            while True:
                block = self.steps_per_update
                if steps is not None:
                    block = min(block, steps - done)
                self.controller.step(block)
                done += block
                self.refresh(plot=self.controller.steps_done - self._plotted_at >= self.plot_every)
                if self._stop.is_set() or (steps is not None and done >= steps):
                    break
        except Exception as error:  # noqa: BLE001 - shown in the status line
            self.status.value = f"{type(error).__name__}: {error}"
            return
        finally:
            self.run_button.value = False
        self.refresh(plot=True)

    def refresh(self, plot: bool = False) -> None:
        """Show the controller's progress (and, if ``plot``, redraw the loss curve)."""
        c = self.controller
        self.progress.max = max(c.target_steps, 1)
        self.progress.value = c.steps_done
        loss = "-" if c.smoothed_loss is None else f"{c.smoothed_loss:.3f}"
        self.status.value = (
            f"step {c.steps_done} / {c.target_steps}, smoothed loss {loss} "
            f"(uniform guess {c.initial_loss:.3f}), {c.cell}, backend {c.backend_name}"
        )
        self.gate_box.layout.display = None if c.cell == "lstm" else "none"
        if plot:
            self._plotted_at = c.steps_done
            self.loss_plot.value = plots.loss_curve_png(c.losses, c.smoothed_losses, c.initial_loss)

    def show_sample(self) -> None:
        """Sample at the slider's temperature after the start text; show it."""
        start = self.sample_start.value
        text = self.controller.sample(self.sample_length, self.temperature.value, start=start)
        shown = f"<b>{html.escape(start)}</b>{html.escape(text)}"
        self.sample_output.value = f"<pre style='white-space: pre-wrap'>{shown}</pre>"

    def show_gates(self) -> None:
        """Draw the LSTM's gates over the characters typed in the gate box (with exercise
        3's ``plot_lstm_gates`` once it is written), or say why there are none to draw."""
        c = self.controller
        if c.cell != "lstm":
            return
        text = self.gate_text.value
        try:
            gates = c.gates(text)
        except GatesUnavailable as reason:
            self.gate_plot.value = b""
            self.gate_message.value = f"<i>{html.escape(str(reason))}</i>"
            return
        plot = None if c.gate_code is None else c.gate_code.plot
        self.gate_plot.value = plots.gates_png(gates, text, plot)
        self.gate_message.value = ""
