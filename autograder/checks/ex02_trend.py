"""Checks for exercise 02: ``TrendClassifier``, an LSTM that tells rising from falling.

Every check takes the student handle (``student.call(probe, ...)`` runs a probe of
``autograder.probes.ex02_trend`` next to the student's code and returns plain data),
draws its inputs from an explicit seed, and raises ``CheckFailed`` with a message for
the student. Expected values come from the answer key in one place, the section
"Expected values" below.
"""
from __future__ import annotations

import numpy as np
import torch

from autograder.compare import assert_array_close
from autograder.diagnose import explain
from autograder.errors import CheckFailed
from autograder.mistakes.ex02_trend import MISTAKES
from reference import trend as answer_key
from reference import trend_setup as setup
from reference.gradcheck import FLOAT32_ATOL

# What the exercise asks for (the lecture's set-up).
HIDDEN_SIZE = setup.HIDDEN_SIZE
EPOCHS = setup.EPOCHS
LEARNING_RATE = setup.LEARNING_RATE
PASS_ACCURACY = setup.PASS_ACCURACY
PASS_TEST_LOSS = setup.PASS_TEST_LOSS

# Scale of the random LSTM weights (moderate: no gate saturates, so every time step
# leaves a trace in the output) and of the linear layer's weights when the check needs
# outputs far outside [0, 1].
LSTM_WEIGHT_SCALE = 0.5
LARGE_FC_SCALE = 10.0

# Seconds the training probe may take (it needs about half a second on one free core;
# the margin covers a loaded machine).
TRAINING_TIMEOUT = 60.0

# (N, T) of the inputs the output-shape check feeds; N != T everywhere, and one case has
# a single sequence, one a single step.
SHAPE_CASES = ((5, 20), (1, 7), (3, 1))

MISTAKE_BY_NAME = {mistake.name: mistake for mistake in MISTAKES}


# Expected values: the only place that calls the answer key -----------------------------


def _reference_model(weights: dict[str, np.ndarray]):
    """The reference ``TrendClassifier`` holding ``weights``."""
    return answer_key.model_from_arrays(weights)


def _reference_logits(weights: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """The reference model's logits (N, 1) for x (N, T, 1)."""
    with torch.no_grad():
        return _reference_model(weights)(torch.from_numpy(x)).numpy()


def _training_data(seed: int):
    """The grader's (X_train, y_train, X_test, y_test) tensors for ``seed``."""
    return setup.trend_datasets(seed)


def _test_scores(weights: dict[str, np.ndarray], X_test, y_test) -> tuple[float, float]:
    """(test accuracy, mean test loss) of the reference model holding ``weights``."""
    model = _reference_model(weights)
    return setup.accuracy(model, X_test, y_test), setup.mean_loss(model, X_test, y_test)


# Inputs -----------------------------------------------------------------------------


def random_inputs(n: int, t: int, rng: np.random.Generator) -> np.ndarray:
    """Noisy rising or falling sequences, float32 (N, T, 1)."""
    slopes = rng.uniform(-0.2, 0.2, size=(n, 1))  # (N, 1)
    noise = 0.3 * rng.standard_normal((n, t))  # (N, T)
    return (slopes * np.arange(t) + noise).astype(np.float32)[:, :, None]


def random_weights(
    hidden_size: int, rng: np.random.Generator, fc_scale: float = 1.0
) -> dict[str, np.ndarray]:
    """Random float32 weights for the classifier, named as the reference's ``state_dict``."""
    gates = 4 * hidden_size

    def draw(scale: float, *shape: int) -> np.ndarray:
        return (scale * rng.standard_normal(shape)).astype(np.float32)

    return {
        "lstm.weight_ih_l0": draw(LSTM_WEIGHT_SCALE, gates, 1),
        "lstm.weight_hh_l0": draw(LSTM_WEIGHT_SCALE, gates, hidden_size),
        "lstm.bias_ih_l0": draw(LSTM_WEIGHT_SCALE, gates),
        "lstm.bias_hh_l0": draw(LSTM_WEIGHT_SCALE, gates),
        "fc.weight": draw(fc_scale, 1, hidden_size),
        "fc.bias": draw(fc_scale, 1),
    }


def random_case(seed: int) -> dict[str, int]:
    """Sizes for a randomized check: {"n": N, "t": T, "hidden_size": H}, with N != T, T >= 2.

    T >= 2 keeps the first and the last step apart; N != T keeps the batch and time
    axes apart.
    """
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 10))
    t = int(rng.choice([length for length in range(2, 26) if length != n]))
    return {"n": n, "t": t, "hidden_size": int(rng.integers(3, 41))}


# Checks -----------------------------------------------------------------------------


def check_structure(student, hidden_size: int = HIDDEN_SIZE) -> None:
    """``TrendClassifier(hidden_size)`` holds ``nn.LSTM(1, H, batch_first=True)`` and ``nn.Linear(H, 1)``."""
    facts = student.call("describe_model", hidden_size)
    call = f"TrendClassifier(hidden_size={hidden_size})"
    if not facts["is_module"]:
        raise CheckFailed(
            f"{call} built a {facts['type']}, not an nn.Module: the class must subclass "
            "nn.Module and call super().__init__() first."
        )
    layers = facts["layers"]
    recurrent = [layer for layer in layers if "num_layers" in layer]
    linears = [layer for layer in layers if layer["type"] == "Linear"]
    others = sorted({layer["type"] for layer in layers} - {"LSTM", "Linear"})
    found = ", ".join(layer["type"] for layer in layers) or "no layers"
    if len(recurrent) != 1 or recurrent[0]["type"] != "LSTM":
        raise CheckFailed(
            f"{call} should hold exactly one nn.LSTM; it holds: {found}. "
            "Create it in __init__ as self.lstm = nn.LSTM(1, hidden_size, batch_first=True)."
        )
    lstm = recurrent[0]
    wanted = {
        "input_size": 1,
        "hidden_size": hidden_size,
        "num_layers": 1,
        "bidirectional": False,
        "proj_size": 0,
        "batch_first": True,
    }
    wrong = [f"{name}={lstm[name]!r} (expected {value!r})" for name, value in wanted.items() if lstm[name] != value]
    if wrong:
        message = f"The nn.LSTM in {call} has " + ", ".join(wrong) + "."
        if not lstm["batch_first"]:
            message += " " + MISTAKE_BY_NAME["an LSTM without batch_first=True"].message()
        raise CheckFailed(message)
    if len(linears) != 1:
        raise CheckFailed(
            f"{call} should hold exactly one nn.Linear after the LSTM; it holds: {found}. "
            "Create it as self.fc = nn.Linear(hidden_size, 1)."
        )
    linear = linears[0]
    if (linear["in_features"], linear["out_features"]) != (hidden_size, 1):
        raise CheckFailed(
            f"The nn.Linear in {call} maps {linear['in_features']} -> {linear['out_features']} "
            f"features; it should map the LSTM's {hidden_size} hidden units to 1 logit: "
            "nn.Linear(hidden_size, 1)."
        )
    if others:
        message = f"{call} holds layers the exercise does not ask for: {', '.join(others)}."
        if "Sigmoid" in others:
            message += " " + MISTAKE_BY_NAME["a sigmoid inside forward"].message()
        raise CheckFailed(message)


def _shape_hint(shape: tuple, n: int, t: int) -> str:
    """A hint for an output of the wrong shape, when the shape gives the mistake away."""
    if shape == (1, n, 1):
        return (
            " This looks like fc applied to h_n, which keeps a layer axis (num_layers, N, H): "
            "use h_n[-1] or output[:, -1, :]."
        )
    if shape == (n, t, 1):
        return " The linear layer was applied at every time step: apply it to the last step only, output[:, -1, :]."
    if shape == (n,):
        return " The feature axis was squeezed away: keep it, the loss compares (N, 1) with (N, 1) labels."
    return ""


def _as_logits(output, n: int, t: int) -> np.ndarray:
    """``output`` (what ``model(x)`` returned for x (N, T, 1)) as an (N, 1) array, or CheckFailed."""
    call = f"model(x) for x of shape ({n}, {t}, 1)"
    if isinstance(output, str):
        raise CheckFailed(f"{call} returned a {output}; expected a tensor of shape ({n}, 1).")
    output = np.asarray(output)
    if output.shape != (n, 1):
        raise CheckFailed(
            f"{call} returned shape {output.shape}; expected ({n}, 1), one logit per sequence."
            + _shape_hint(output.shape, n, t)
        )
    if not np.all(np.isfinite(output)):
        raise CheckFailed(f"{call} returned NaN or infinite values: {output.ravel()[:5]}")
    return output


def check_output_shape(
    student, cases=SHAPE_CASES, seed: int = 0, hidden_size: int = HIDDEN_SIZE
) -> None:
    """``forward`` maps (N, T, 1) to (N, 1) for several N and T."""
    rng = np.random.default_rng(seed)
    inputs = [random_inputs(n, t, rng) for n, t in cases]
    outputs = student.call("forward_outputs", hidden_size, inputs, seed)
    for (n, t), output in zip(cases, outputs):
        _as_logits(output, n, t)


def _student_logits(student, weights: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """The student's (N, 1) output for x once its layers hold ``weights``."""
    n, t, _ = x.shape
    result = student.call("forward_with_weights", weights, x)
    if not result["loaded"]:
        raise CheckFailed(
            "Could not set the weights of your model: it needs exactly one "
            f"nn.LSTM(1, {weights['fc.weight'].shape[1]}) and one nn.Linear("
            f"{weights['fc.weight'].shape[1]}, 1) (see the structure check)."
        )
    return _as_logits(result["output"], n, t)


def check_returns_logits(
    student, seed: int = 0, n: int = 8, t: int = 12, hidden_size: int = HIDDEN_SIZE
) -> None:
    """With large weights, ``forward``'s outputs leave [0, 1]: logits, not probabilities."""
    rng = np.random.default_rng(seed)
    weights = random_weights(hidden_size, rng, fc_scale=LARGE_FC_SCALE)
    x = random_inputs(n, t, rng)
    got = _student_logits(student, weights, x)
    if np.all((got >= 0.0) & (got <= 1.0)):
        expected = _reference_logits(weights, x)
        raise CheckFailed(
            f"With large weights every output lies in [0, 1] ({got.min():.3f} .. {got.max():.3f}), "
            f"while logits would range over {expected.min():.1f} .. {expected.max():.1f}. "
            + MISTAKE_BY_NAME["a sigmoid inside forward"].message()
        )


def check_matches_reference(
    student, seed: int = 0, n: int = 6, t: int = 15, hidden_size: int = HIDDEN_SIZE
) -> None:
    """Given the same weights, ``forward`` returns what the reference model returns."""
    rng = np.random.default_rng(seed)
    weights = random_weights(hidden_size, rng)
    x = random_inputs(n, t, rng)
    got = _student_logits(student, weights, x)
    expected = _reference_logits(weights, x)
    try:
        assert_array_close(
            got, expected, "the logits", axes=("sequence", "output"),
            atol=FLOAT32_ATOL, rtol=FLOAT32_ATOL,
        )
    except CheckFailed as failure:
        raise explain(
            failure, got, MISTAKES, _reference_model(weights), x, atol=FLOAT32_ATOL, rtol=FLOAT32_ATOL
        ) from None


def check_trains(student, seed: int = 0) -> None:
    """Trained by the grader's seeded loop, the model reaches the target test accuracy and loss.

    The student's model is built and trained in the student's process; its trained
    weights come back as arrays, and the test accuracy and loss are measured here, on the
    reference model holding them, so nothing in the student's process can change the
    verdict. The loss must fall too: a few untrained models sort most of these easy
    sequences right by chance, but only a trained one is confident about them.
    """
    X_train, y_train, X_test, y_test = _training_data(seed)
    result = student.call(
        "train", X_train.numpy(), y_train.numpy(), HIDDEN_SIZE, seed, EPOCHS, LEARNING_RATE,
        timeout=TRAINING_TIMEOUT,
    )
    weights = result["weights"]
    if weights is None:
        raise CheckFailed(
            "The trained model must hold exactly one nn.LSTM and one nn.Linear (see the "
            "structure check); cannot measure its accuracy."
        )
    try:
        accuracy, loss = _test_scores(weights, X_test, y_test)
    except ValueError as err:
        raise CheckFailed(f"The trained weights do not fit TrendClassifier: {err}") from None
    if accuracy >= PASS_ACCURACY and loss <= PASS_TEST_LOSS:
        return
    losses = np.asarray(result["losses"], dtype=np.float64)
    history = (
        f" During training your loss went from {losses[0]:.3f} to {losses[-1]:.3f}."
        if losses.size and np.all(np.isfinite(losses)) else ""
    )
    raise CheckFailed(
        f"After {EPOCHS} epochs of Adam (lr={LEARNING_RATE}) on {X_train.shape[0]} sequences, "
        f"your model classifies {accuracy:.0%} of {X_test.shape[0]} test sequences correctly with "
        f"a mean test loss of {loss:.3f}; at least {PASS_ACCURACY:.0%} is expected, with a loss "
        f"of at most {PASS_TEST_LOSS} (chance is 0.693).{history} Make sure forward passes x "
        "through self.lstm and then self.fc, and returns the logit of the last step."
    )
