"""Probes for exercise 03: run the student's gate functions and report plain data.

``gate_activations`` builds an ``nn.LSTM`` from the weights the grader sends and returns
what ``lstm_gate_activations`` made of it; ``gate_figure`` calls ``plot_lstm_gates`` and
describes the figure (titles, tick labels, the images' numbers). Neither judges
anything: every verdict is reached in the grader's process
(``autograder.checks.ex03_gates``). matplotlib is imported here, once, so that a sandbox
worker has it loaded before it forks the children that run student code.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.collections import QuadMesh
from matplotlib.figure import Figure

from autograder.probes import notebook_function

FUNCTION_NAMES = ("lstm_gate_activations", "plot_lstm_gates")


def _describe_value(value) -> tuple[str, np.ndarray | None]:
    """(the value's type name, its numbers as a float64 array or None if it has none)."""
    kind = type(value).__name__
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    try:
        array = np.asarray(value, dtype=np.float64)
    except Exception:  # noqa: BLE001 - whatever it is, it holds no plain numbers
        return kind, None
    return kind, array


def _describe_layer(layer) -> dict:
    """{"type": ..., "keys": [...], "types": {key: type}, "arrays": {key: array}}."""
    facts = {"type": type(layer).__name__, "keys": [], "types": {}, "arrays": {}}
    if isinstance(layer, dict):
        for key, value in layer.items():
            key = str(key)
            facts["keys"].append(key)
            facts["types"][key], array = _describe_value(value)
            if array is not None:
                facts["arrays"][key] = array
    return facts


def gate_activations(ns, weights, x, num_layers):
    """What ``lstm_gate_activations`` returns for an ``nn.LSTM`` holding ``weights``.

    weights: the module's ``state_dict`` as float64 arrays (``weight_ih_l{k}`` (4H, D_k),
        ``weight_hh_l{k}`` (4H, H), ``bias_ih_l{k}``, ``bias_hh_l{k}`` (4H,)).
    x: (T, D), passed to the student as a float64 tensor.

    Returns {"type": the returned type's name, "layers": one description per element
    (when a list or tuple came back): its type, keys, each value's type and numbers}.
    """
    input_size = x.shape[1]
    hidden_size = weights["weight_hh_l0"].shape[1]
    lstm = torch.nn.LSTM(
        input_size, hidden_size, num_layers, batch_first=True, dtype=torch.float64
    )
    lstm.load_state_dict({name: torch.from_numpy(array.copy()) for name, array in weights.items()})
    lstm.eval()
    result = notebook_function(ns, FUNCTION_NAMES[0])(lstm, torch.from_numpy(x.copy()))
    layers = [_describe_layer(layer) for layer in result] if isinstance(result, (list, tuple)) else []
    return {"type": type(result).__name__, "layers": layers}


def _image_values(artist) -> np.ndarray:
    """The numbers an image or mesh shows, float64, masked entries as NaN."""
    values = np.ma.asarray(artist.get_array()).astype(np.float64)
    return np.ma.filled(values, np.nan)


def _tick_labels(ax) -> list[str]:
    """The text of every major x tick, hidden ones included (axes that share x hide theirs)."""
    ax.get_xticklabels()  # brings every tick's label up to date with its formatter
    locations = ax.xaxis.get_majorticklocs()
    return [tick.label1.get_text() for tick in ax.xaxis.get_major_ticks(len(locations))]


def _describe_axes(ax) -> dict:
    """Title, x tick labels and the images (imshow or pcolormesh data) of ``ax``."""
    titles = (ax.get_title("left"), ax.get_title("center"), ax.get_title("right"))
    artists = list(ax.get_images())
    meshes = [mesh for mesh in ax.collections if isinstance(mesh, QuadMesh)]
    artists += [mesh for mesh in meshes if mesh.get_array() is not None]
    return {
        "title": " ".join(title for title in titles if title),
        "xticklabels": _tick_labels(ax),
        "images": [_image_values(artist) for artist in artists],
        "is_colorbar": getattr(ax, "_colorbar", None) is not None
        or ax.get_label() == "<colorbar>",
    }


def gate_figure(ns, activations, text):
    """What ``plot_lstm_gates(activations, text)`` drew.

    activations: one layer's dict, keys i, f, g, o, c, h, each (T, H). text: T characters.

    Returns {"type": the returned type's name, "is_figure": whether it is a matplotlib
    Figure, "axes": one description per axes of the figure (see ``_describe_axes``)}.
    """
    plot = notebook_function(ns, FUNCTION_NAMES[1])
    figure = plot({name: array.copy() for name, array in activations.items()}, text)
    facts = {"type": type(figure).__name__, "is_figure": isinstance(figure, Figure), "axes": []}
    if facts["is_figure"]:
        facts["axes"] = [_describe_axes(ax) for ax in figure.axes]
        plt.close(figure)
    return facts
