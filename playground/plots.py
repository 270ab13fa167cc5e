"""The playground's two pictures, rendered to PNG bytes for an ``ipywidgets.Image``.

Figures are built with matplotlib's object-oriented API and the Agg canvas, never
through pyplot: nothing global changes, and a background training thread may draw.
The gates may also be drawn by exercise 3's ``plot_lstm_gates`` (the student's code,
which may use pyplot); its figure is rendered and closed on the caller's thread.

Shape legend: T time steps, H hidden units.
"""
from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

# The LSTM's gates as they are drawn, top to bottom: title and colour range.
GATE_PANELS = {
    "i": ("input gate i", (0.0, 1.0)),
    "f": ("forget gate f", (0.0, 1.0)),
    "o": ("output gate o", (0.0, 1.0)),
    "g": ("candidate g", (-1.0, 1.0)),
}


# Characters that would be invisible as tick labels.
TICK_LABELS = {" ": "\u2423", "\n": "\u21b5", "\t": "\u21e5"}


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    return buffer.getvalue()


def loss_curve_png(losses: list[float], smoothed: list[float], uniform_loss: float) -> bytes:
    """Every step's loss, its moving average and the loss of a uniform guess (log V), as
    a PNG."""
    figure = Figure(figsize=(7, 2.6), layout="constrained")
    ax = figure.add_subplot()
    if losses:
        ax.plot(losses, color="tab:blue", alpha=0.3, linewidth=0.8, label="loss per step")
        ax.plot(smoothed, color="tab:blue", label="smoothed")
    ax.axhline(
        uniform_loss, color="gray", linestyle="--", linewidth=0.8, label="log V (uniform guess)"
    )
    ax.set_xlabel("training step")
    ax.set_ylabel("cross-entropy")
    ax.legend(loc="upper right", fontsize="small")
    return _png(figure)


def heatmaps_png(
    arrays: dict[str, np.ndarray],
    text: str,
    ranges: dict[str, tuple[float, float]] | None = None,
) -> bytes:
    """Every (T, H) array of ``arrays`` as a heatmap titled by its key, top to bottom:
    units up, the characters of ``text`` along, as a PNG.

    ``ranges`` fixes the colour range of some keys (default: the array's own); a range
    below zero gets a diverging colour map.
    """
    ranges = ranges or {}
    steps = len(text)
    figure = Figure(figsize=(max(6.0, 0.28 * steps + 2), 2 * len(arrays)), layout="constrained")
    axes = np.atleast_1d(figure.subplots(len(arrays), 1))
    labels = [TICK_LABELS.get(ch, ch) for ch in text]
    for ax, (title, values) in zip(axes, arrays.items()):
        values = np.asarray(values).T  # (H, T)
        low, high = ranges.get(title, (values.min(), values.max()))
        cmap = "RdBu_r" if low < 0 else "viridis"
        image = ax.imshow(
            values, aspect="auto", cmap=cmap, vmin=low, vmax=high, interpolation="nearest"
        )
        ax.set_title(title)
        ax.set_ylabel("unit")
        ax.set_xticks(range(steps), labels=labels)
        figure.colorbar(image, ax=ax)
    return _png(figure)


def drawn_figure_png(figure) -> bytes:
    """A Figure that someone else's code drew (e.g. with pyplot), as a PNG; a pyplot
    figure is closed afterwards, so that a notebook does not show it a second time."""
    if not isinstance(figure, Figure):
        raise TypeError(f"expected a matplotlib Figure, got {type(figure).__name__}")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    if figure.canvas.manager is not None:  # made by pyplot, which keeps it until closed
        import matplotlib.pyplot as plt

        plt.close(figure)
    return buffer.getvalue()


def gates_png(gates: dict[str, np.ndarray], text: str, plot: Callable | None = None) -> bytes:
    """The four gates of ``gates`` (each (T, H)) over the characters of ``text``, as a PNG.

    Drawn by ``plot(gates, text)`` when given (exercise 3's ``plot_lstm_gates``) and
    written; by ``heatmaps_png`` otherwise, or while ``plot`` raises NotImplementedError.
    """
    if plot is not None:
        try:
            figure = plot(gates, text)
        except NotImplementedError:
            pass
        else:
            return drawn_figure_png(figure)
    panels = {title: gates[name] for name, (title, _) in GATE_PANELS.items()}
    return heatmaps_png(panels, text, {title: limits for title, limits in GATE_PANELS.values()})
