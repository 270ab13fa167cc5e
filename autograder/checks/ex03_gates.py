"""Checks for exercise 03: stepping through a trained ``nn.LSTM`` by hand, and its heatmaps.

Every check takes the student handle (``student.call(probe, ...)`` runs a probe of
``autograder.probes.ex03_gates`` next to the student's code and returns plain data),
draws its inputs from an explicit seed, and raises ``CheckFailed`` with a message for
the student. Expected gates come from the answer key in one place, the section
"Expected values" below; ``nn.LSTM``'s own output is computed here with torch.
"""
from __future__ import annotations

import re

import numpy as np
import torch

from autograder.diagnose import diagnose
from autograder.errors import CheckFailed, NotImplementedYet
from autograder.expected import precomputed
from autograder.mistakes.ex03_gates import MISTAKES
from reference import lstm as answer_key
from reference.gradcheck import FLOAT32_ATOL

GATES = ("i", "f", "g", "o")
# Every key of a layer's dict, in the order a step computes them (ties go to the first).
KEYS = GATES + ("c", "h")
KEY_NAMES = {
    "i": "input gate i",
    "f": "forget gate f",
    "g": "candidate g",
    "o": "output gate o",
    "c": "cell state c",
    "h": "hidden state h",
}
# Words a heatmap's title must contain (one of them) next to the gate's letter.
GATE_WORDS = {"i": ("input",), "f": ("forget",), "g": ("candidate", "cell"), "o": ("output",)}
# What a tick label may show instead of a space character.
SPACE_LABELS = {" ", "", "␣", "_", "·", "space", "' '", "⎵", "SPC", "<space>"}

# Students may compute in float32 although the checks' modules are float64.
ATOL = FLOAT32_ATOL
# Scale of the random LSTM weights and inputs: large enough that every known mistake
# moves some gate far beyond ATOL, small enough that no gate saturates.
WEIGHT_SCALE = 0.5
# Characters of the random texts the figure checks label their steps with.
TEXT_ALPHABET = "abcdefghijklmnopqrstuvwxyz "

# The visible checks' cases. The one-layer case is not square (D != H), so untransposed
# weights fail with a shape error there; the two-layer case is (D == H), so they run
# and give wrong gates the mistake bank recognises, as does feeding x to every layer.
ONE_LAYER_CASE = {"num_layers": 1, "input_size": 3, "hidden_size": 5, "seq_len": 6, "seed": 0}
TWO_LAYER_CASE = {"num_layers": 2, "input_size": 4, "hidden_size": 4, "seq_len": 7, "seed": 1}
NN_LSTM_CASE = {"num_layers": 2, "input_size": 6, "hidden_size": 4, "seq_len": 5, "seed": 2}
FIGURE_CASE = {"hidden_size": 5, "text": "to be or", "seed": 3}

MISTAKE_BY_NAME = {mistake.name: mistake for mistake in MISTAKES}
NOT_TRANSPOSED = MISTAKE_BY_NAME["weights not transposed"]
# Error messages of numpy and torch when two shapes do not fit a product or a sum.
_SHAPE_ERROR = re.compile(
    r"cannot be multiplied|size mismatch|mismatch in its core dimension|not aligned|"
    r"could not be broadcast|must match the size|inconsistent tensor size|dimension mismatch",
    re.IGNORECASE,
)


# Expected values: the only place that calls the answer key ----------------------------


@precomputed
def _expected_activations(
    weights: dict[str, np.ndarray], x: np.ndarray, num_layers: int
) -> list[dict[str, np.ndarray]]:
    """The answer key's gates and states of every layer: one dict of (T, H) arrays each."""
    lstm = build_lstm(weights, num_layers)
    layers = []
    layer_input = x[None]  # (1, T, D_k)
    for k in range(num_layers):
        params = answer_key.params_from_torch(lstm, layer=k)
        hidden_size = params["Uf"].shape[0]
        zeros = np.zeros((1, hidden_size))
        h, cache = answer_key.forward(layer_input, zeros, zeros, params)
        layers.append({key: np.array(cache[key][0]) for key in KEYS})
        layer_input = h
    return layers


# Inputs -------------------------------------------------------------------------------


def random_lstm_weights(
    num_layers: int, input_size: int, hidden_size: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Random float64 weights named as ``nn.LSTM(input_size, hidden_size, num_layers).state_dict()``."""
    weights = {}
    for k in range(num_layers):
        fan_in = input_size if k == 0 else hidden_size
        shapes = {
            "weight_ih": (4 * hidden_size, fan_in),
            "weight_hh": (4 * hidden_size, hidden_size),
            "bias_ih": (4 * hidden_size,),
            "bias_hh": (4 * hidden_size,),
        }
        for name, shape in shapes.items():
            weights[f"{name}_l{k}"] = WEIGHT_SCALE * rng.standard_normal(shape)
    return weights


def build_lstm(weights: dict[str, np.ndarray], num_layers: int) -> torch.nn.LSTM:
    """A float64, batch-first ``nn.LSTM`` holding ``weights`` (in eval mode)."""
    input_size = weights["weight_ih_l0"].shape[1]
    hidden_size = weights["weight_hh_l0"].shape[1]
    lstm = torch.nn.LSTM(input_size, hidden_size, num_layers, batch_first=True, dtype=torch.float64)
    lstm.load_state_dict({name: torch.from_numpy(array.copy()) for name, array in weights.items()})
    return lstm.eval()


def lstm_case(
    num_layers: int, input_size: int, hidden_size: int, seq_len: int, seed: int
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """(weights, x (T, D)) of one check, both drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    weights = random_lstm_weights(num_layers, input_size, hidden_size, rng)
    x = rng.standard_normal((seq_len, input_size))
    return weights, x


def random_sizes(seed: int) -> dict[str, int]:
    """Input size, hidden size and sequence length of a hidden check, drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    hidden_size = int(rng.integers(2, 7))
    # Square (D == H) half of the time, where untransposed weights run without an error.
    input_size = hidden_size if rng.random() < 0.5 else int(rng.integers(1, 8))
    return {"input_size": input_size, "hidden_size": hidden_size, "seq_len": int(rng.integers(3, 9))}


def random_text(length: int, rng: np.random.Generator) -> str:
    """``length`` characters drawn from ``TEXT_ALPHABET``."""
    return "".join(rng.choice(list(TEXT_ALPHABET), size=length))


def random_layer_activations(
    seq_len: int, hidden_size: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """A plausible layer dict to draw: gates in their ranges, each (T, H)."""
    pre = {key: rng.standard_normal((seq_len, hidden_size)) for key in KEYS}
    layer = {key: 1.0 / (1.0 + np.exp(-pre[key])) for key in ("i", "f", "o")}
    layer["g"] = np.tanh(pre["g"])
    layer["c"] = 2.0 * pre["c"]
    layer["h"] = layer["o"] * np.tanh(layer["c"])
    return layer


# The student's result -----------------------------------------------------------------


def _call_gate_activations(student, weights, x, num_layers) -> dict:
    """The probe's report, with a hint added when the student's code hit a shape error."""
    try:
        return student.call("gate_activations", weights, x, num_layers)
    except NotImplementedYet:
        raise
    except CheckFailed as failure:
        if _SHAPE_ERROR.search(failure.message):
            raise CheckFailed(
                f"{failure.message}\nA matrix product had shapes that do not fit: "
                f"{NOT_TRANSPOSED.hint} Layer 0 reads x (D_0 = D); every later layer reads "
                "the h of the layer below (D_k = H).",
                failure.output,
            ) from None
        raise


def _as_layers(report: dict, num_layers: int, hidden_size: int, seq_len: int) -> list[dict[str, np.ndarray]]:
    """The student's layers as dicts of (T, H) float arrays, or CheckFailed naming the problem."""
    what = "lstm_gate_activations"
    if report["type"] not in ("list", "tuple"):
        raise CheckFailed(
            f"{what} returned a {report['type']}; expected a list with one dict per layer "
            f"(here {num_layers})."
        )
    layers = report["layers"]
    if len(layers) != num_layers:
        raise CheckFailed(
            f"{what} returned {len(layers)} element(s) for an nn.LSTM with num_layers="
            f"{num_layers}; expected one dict per layer, layer 0 first."
        )
    expected_shape = (seq_len, hidden_size)
    result = []
    for k, layer in enumerate(layers):
        if layer["type"] != "dict":
            raise CheckFailed(f"Element {k} of the returned list is a {layer['type']}; expected a dict.")
        missing = [key for key in KEYS if key not in layer["keys"]]
        if missing:
            raise CheckFailed(
                f"The dict of layer {k} has no key(s) {', '.join(repr(m) for m in missing)}; "
                f"expected the keys {', '.join(repr(key) for key in KEYS)} (found {layer['keys']})."
            )
        arrays = {}
        for key in KEYS:
            kind = layer["types"][key]
            if kind != "ndarray":
                advice = " (call .detach().numpy() on it)" if kind == "Tensor" else ""
                raise CheckFailed(
                    f"Layer {k}'s {key!r} is a {kind}; expected a NumPy array of shape "
                    f"(T, H) = {expected_shape}{advice}."
                )
            array = layer["arrays"].get(key)
            shape = None if array is None else tuple(array.shape)
            if shape != expected_shape:
                raise CheckFailed(
                    f"Layer {k}'s {key!r} has shape {shape}; expected (T, H) = {expected_shape}, "
                    f"one row per step.{_shape_hint(shape, seq_len, hidden_size)}"
                )
            if not np.all(np.isfinite(array)):
                raise CheckFailed(f"Layer {k}'s {key!r} holds NaN or infinite values.")
            arrays[key] = array
        result.append(arrays)
    return result


def _shape_hint(shape: tuple | None, seq_len: int, hidden_size: int) -> str:
    """A hint when the wrong shape gives the mistake away."""
    if shape == (1, seq_len, hidden_size):
        return " The batch axis is still there: drop it (e.g. [0] or squeeze(0))."
    if shape == (seq_len + 1, hidden_size):
        return " There is one row too many: leave out the zero initial state."
    if shape == (hidden_size, seq_len) and seq_len != hidden_size:
        return " Rows and columns are swapped: row t should hold step t."
    return ""


def _first_divergence(
    got: list[dict[str, np.ndarray]], expected: list[dict[str, np.ndarray]]
) -> tuple[int, int, str, int] | None:
    """(layer, step, key, unit) of the first value that differs, or None.

    Layers in order; within a layer the earliest step at which any key differs, and at
    that step the first key in ``KEYS`` order (the order a step computes them).
    """
    for k, (mine, theirs) in enumerate(zip(got, expected)):
        first = None
        for key in KEYS:
            wrong = np.abs(mine[key] - theirs[key]) > ATOL  # (T, H)
            steps = np.flatnonzero(wrong.any(axis=1))
            if steps.size and (first is None or steps[0] < first[0]):
                first = (int(steps[0]), key, int(np.flatnonzero(wrong[steps[0]])[0]))
        if first is not None:
            return (k, *first)
    return None


def _describe_divergence(
    got: list[dict[str, np.ndarray]], expected: list[dict[str, np.ndarray]], where: tuple
) -> str:
    """A sentence naming where the student's values first differ, with the numbers."""
    k, t, key, unit = where
    mine, theirs = got[k][key], expected[k][key]
    agree = []
    if k > 0:
        agree.append("layer 0" if k == 1 else f"layers 0..{k - 1}")
    if t > 0:
        agree.append(f"step 0 of layer {k}" if t == 1 else f"steps 0..{t - 1} of layer {k}")
    before = KEYS[: KEYS.index(key)]
    if before:
        agree.append(f"{', '.join(before)} at step {t}")
    return (
        f"Layer {k}, step {t}, {KEY_NAMES[key]}: first differs at unit {unit}: expected "
        f"{theirs[t, unit]:.6g}, got {mine[t, unit]:.6g} (expected row {np.round(theirs[t], 4)}, "
        f"got {np.round(mine[t], 4)}; max abs diff over the layer's {key!r}: "
        f"{np.abs(mine - theirs).max():.3g}, tolerance {ATOL:g})."
        + (f" Everything before it agrees ({'; '.join(agree)})." if agree else "")
    )


def _known_mistake(got, weights, x, num_layers) -> str:
    """" This looks like <name>: <hint>" when the student's values match a known mistake."""
    match = diagnose(got, MISTAKES, weights, x, num_layers, atol=ATOL)
    return f" {match.message()}" if match else ""


# Checks -------------------------------------------------------------------------------


def check_gate_activations(
    student, num_layers: int, input_size: int, hidden_size: int, seq_len: int, seed: int
) -> None:
    """Every gate, c and h of every layer and step equals the answer key's, to ``ATOL``."""
    weights, x = lstm_case(num_layers, input_size, hidden_size, seq_len, seed)
    report = _call_gate_activations(student, weights, x, num_layers)
    got = _as_layers(report, num_layers, hidden_size, seq_len)
    expected = _expected_activations(weights, x, num_layers)
    where = _first_divergence(got, expected)
    if where is None:
        return
    setting = (
        f"For an nn.LSTM({input_size}, {hidden_size}, num_layers={num_layers}) with random "
        f"float64 weights and an input of shape ({seq_len}, {input_size}): "
    )
    raise CheckFailed(
        setting + _describe_divergence(got, expected, where) + _known_mistake(got, weights, x, num_layers)
    )


def check_one_layer(student) -> None:
    """``check_gate_activations`` on the visible one-layer case."""
    check_gate_activations(student, **ONE_LAYER_CASE)


def check_two_layers(student) -> None:
    """``check_gate_activations`` on the visible two-layer case."""
    check_gate_activations(student, **TWO_LAYER_CASE)


def check_random_gate_activations(student, num_layers: int, seed: int, cases: int = 2) -> None:
    """``check_gate_activations`` for ``cases`` random sizes drawn from ``seed``."""
    for case in range(cases):
        sizes = random_sizes(seed + case)
        check_gate_activations(student, num_layers=num_layers, seed=seed + case, **sizes)


def check_last_layer_matches_lstm(
    student,
    num_layers: int = NN_LSTM_CASE["num_layers"],
    input_size: int = NN_LSTM_CASE["input_size"],
    hidden_size: int = NN_LSTM_CASE["hidden_size"],
    seq_len: int = NN_LSTM_CASE["seq_len"],
    seed: int = NN_LSTM_CASE["seed"],
) -> None:
    """The last layer's h equals ``nn.LSTM``'s own output at every step."""
    weights, x = lstm_case(num_layers, input_size, hidden_size, seq_len, seed)
    report = _call_gate_activations(student, weights, x, num_layers)
    layers = _as_layers(report, num_layers, hidden_size, seq_len)
    got = layers[-1]["h"]
    with torch.no_grad():
        output, _ = build_lstm(weights, num_layers)(torch.from_numpy(x)[None])  # (1, T, H)
    expected = output[0].numpy()
    wrong = np.abs(got - expected) > ATOL
    if not wrong.any():
        return
    t = int(np.flatnonzero(wrong.any(axis=1))[0])
    unit = int(np.flatnonzero(wrong[t])[0])
    raise CheckFailed(
        f"The h of your last layer (layer {num_layers - 1}) is not what nn.LSTM({input_size}, "
        f"{hidden_size}, num_layers={num_layers}) returns: first differs at step {t}, unit "
        f"{unit}: nn.LSTM gives {expected[t, unit]:.6g}, yours is {got[t, unit]:.6g} (max abs "
        f"diff {np.abs(got - expected).max():.3g}, tolerance {ATOL:g})."
        + _known_mistake(layers, weights, x, num_layers)
    )


def _mentions(title: str, gate: str) -> bool:
    """Whether ``title`` names ``gate`` by its letter (as a word of its own) and its name."""
    lowered = title.lower()
    letter = re.search(rf"(?<![a-z]){gate}(?![a-z])", lowered) is not None
    return letter and any(word in lowered for word in GATE_WORDS[gate])


def _label_matches(label: str, character: str) -> bool:
    """Whether a tick label shows ``character`` (a space may be drawn visibly, e.g. "␣")."""
    return label.strip() in SPACE_LABELS if character == " " else label.strip() == character


def check_gate_figure(
    student,
    hidden_size: int = FIGURE_CASE["hidden_size"],
    text: str = FIGURE_CASE["text"],
    seed: int = FIGURE_CASE["seed"],
) -> None:
    """A Figure with four heatmaps, titled by gate, (H, T) images, characters as x ticks."""
    rng = np.random.default_rng(seed)
    seq_len = len(text)
    layer = random_layer_activations(seq_len, hidden_size, rng)
    facts = student.call("gate_figure", layer, text)
    what = f"plot_lstm_gates(activations, {text!r})"
    if not facts["is_figure"]:
        raise CheckFailed(
            f"{what} returned a {facts['type']}; expected a matplotlib Figure (e.g. fig, axes = "
            "plt.subplots(4, 1); ...; return fig)."
        )
    heatmaps = [ax for ax in facts["axes"] if ax["images"] and not ax["is_colorbar"]]
    titles = [ax["title"] for ax in heatmaps]
    if len(heatmaps) != 4:
        raise CheckFailed(
            f"The figure has {len(heatmaps)} axes with a heatmap; expected 4, one per gate "
            f"(i, f, g, o). Titles of the heatmaps found: {titles}."
        )
    for gate in GATES:
        titled = [ax for ax in heatmaps if _mentions(ax["title"], gate)]
        if len(titled) != 1:
            count = "No heatmap" if not titled else f"{len(titled)} heatmaps"
            raise CheckFailed(
                f"{count} of the figure {'is' if not titled else 'are'} titled for the "
                f"{KEY_NAMES[gate]}: give exactly one axes a title with the gate's letter and "
                f"name, e.g. {KEY_NAMES[gate]!r}. Titles found: {titles}."
            )
        _check_heatmap(titled[0], gate, layer, text)


def _check_heatmap(ax: dict, gate: str, layer: dict[str, np.ndarray], text: str) -> None:
    """The heatmap titled for ``gate`` shows ``layer[gate].T`` with ``text`` under it."""
    seq_len, hidden_size = layer[gate].shape
    title = ax["title"]
    shapes = [np.shape(image) for image in ax["images"]]
    if (hidden_size, seq_len) not in shapes:
        transposed = (seq_len, hidden_size) in shapes
        raise CheckFailed(
            f"The heatmap {title!r} shows an image of shape {shapes[0]}; expected (H, T) = "
            f"({hidden_size}, {seq_len}): one row per hidden unit, one column per character."
            + (" Hidden units go on the y axis: draw activations[gate].T." if transposed else "")
        )
    shown = [image for image in ax["images"] if np.shape(image) == (hidden_size, seq_len)]

    def drawn(name: str) -> bool:
        return any(np.allclose(image, layer[name].T, atol=ATOL) for image in shown)

    if not drawn(gate):
        others = [name for name in GATES if drawn(name)]
        found = f"it shows {KEY_NAMES[others[0]]}'s values" if others else "its numbers are different"
        raise CheckFailed(f"The heatmap titled {title!r} should show activations[{gate!r}].T, but {found}.")
    labels = ax["xticklabels"]
    if len(labels) != seq_len or not all(map(_label_matches, labels, text)):
        raise CheckFailed(
            f"The x tick labels of {title!r} are {labels}; expected the {seq_len} characters "
            f"of the text, one per step: {list(text)} (e.g. "
            "ax.set_xticks(range(len(text)), labels=list(text)))."
        )


def check_random_gate_figure(student, seed: int) -> None:
    """``check_gate_figure`` with a random size and text drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    hidden_size = int(rng.integers(2, 9))
    seq_len = int(rng.integers(3, 13))
    if seq_len == hidden_size:
        seq_len += 1
    check_gate_figure(student, hidden_size, random_text(seq_len, rng), seed)
