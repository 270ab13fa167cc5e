"""The playground's two pictures, rendered to PNG bytes for an ``ipywidgets.Image``.

Figures are built with matplotlib's object-oriented API and the Agg canvas, never
through pyplot: nothing global changes, and a background training thread may draw.

Shape legend: T time steps, H hidden units.
"""
from __future__ import annotations

import io

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


def gates_png(gates: dict[str, np.ndarray], text: str) -> bytes:
    """The four gates (each (T, H) in ``gates``) as heatmaps over the characters of
    ``text``: hidden units up, characters along, as a PNG."""
    steps = len(text)
    figure = Figure(figsize=(max(6.0, 0.28 * steps + 2), 8), layout="constrained")
    axes = figure.subplots(len(GATE_PANELS), 1)
    labels = [TICK_LABELS.get(ch, ch) for ch in text]
    for ax, (name, (title, (low, high))) in zip(axes, GATE_PANELS.items()):
        cmap = "RdBu_r" if low < 0 else "viridis"
        image = ax.imshow(
            gates[name].T, aspect="auto", cmap=cmap, vmin=low, vmax=high, interpolation="nearest"
        )
        ax.set_title(title)
        ax.set_ylabel("unit")
        ax.set_xticks(range(steps), labels=labels)
        figure.colorbar(image, ax=ax)
    return _png(figure)
