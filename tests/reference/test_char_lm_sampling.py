"""Temperature sampling, from the NumPy model and from CharLSTM.generate."""
import numpy as np
import pytest
import torch

from reference.char_lm import cells
from reference.char_lm.data import Vocabulary
from reference.char_lm.numpy_model import forward, init_params
from reference.char_lm.sampling import sample
from reference.char_lm.temperature import (
    GREEDY_TEMPERATURE,
    draw_index,
    temperature_probs,
    temperature_probs_torch,
)
from reference.char_lm.torch_model import CharLSTM
from reference.functional import softmax
from reference.gradcheck import FLOAT32_ATOL, FORWARD_ATOL_F64

LOGITS = np.array([2.0, 1.5, 0.5, 0.2, -0.5, -1.0, -1.5, -2.0])  # the lecture's example


def numpy_model(cell, V=6, H=8, seed=0):
    """A random model whose next-character distributions are far from uniform."""
    rng = np.random.default_rng(seed)
    params = init_params(cell, V, H, rng)
    params["Why"] = 3.0 * rng.standard_normal((H, V))
    return params


def entropy(probs):
    return float(-np.sum(probs * np.log(np.maximum(probs, 1e-300))))


# ---------------------------------------------------------------------------------------
# The distribution.


@pytest.mark.parametrize("temperature", [0.2, 1.0, 2.0])
def test_distribution_is_the_softmax_of_scaled_logits(temperature):
    """Is the distribution softmax(logits / temperature), in NumPy and in torch?"""
    expected = softmax(LOGITS / temperature)
    got = temperature_probs(LOGITS, temperature)
    np.testing.assert_allclose(got, expected, atol=FORWARD_ATOL_F64)
    got = temperature_probs_torch(torch.tensor(LOGITS), temperature).numpy()
    np.testing.assert_allclose(got, expected, atol=FORWARD_ATOL_F64)


@pytest.mark.parametrize("temperature", [0.0, 1e-300, GREEDY_TEMPERATURE])
def test_zero_temperature_is_the_argmax(temperature):
    """Does a temperature of (almost) zero put all mass on the argmax, without overflow?"""
    logits = np.array([[1e3, -2.0, 1e3 + 1, 5.0], [0.0, 0.0, 0.0, 0.0]])
    expected = np.array([[0.0, 0.0, 1.0, 0.0], [1.0, 0.0, 0.0, 0.0]])  # ties: first index
    np.testing.assert_array_equal(temperature_probs(logits, temperature), expected)
    got = temperature_probs_torch(torch.tensor(logits), temperature).numpy()
    np.testing.assert_array_equal(got, expected)


def test_low_temperature_approaches_the_argmax():
    """Does the distribution tend to the argmax's one-hot as the temperature falls?"""
    for temperature in [1e-2, 1e-3, 1e-5]:
        probs = temperature_probs(LOGITS, temperature)
        assert probs[0] > 1 - 1e-6
        assert np.isfinite(probs).all()


def test_high_temperature_approaches_uniform():
    """Does the distribution flatten as the temperature rises, towards uniform?"""
    entropies = [entropy(temperature_probs(LOGITS, t)) for t in [0.2, 0.5, 1.0, 2.0, 10.0]]
    assert entropies == sorted(entropies)
    uniform = np.full(len(LOGITS), 1 / len(LOGITS))
    np.testing.assert_allclose(temperature_probs(LOGITS, 1e6), uniform, atol=1e-6)
    got = temperature_probs_torch(torch.tensor(LOGITS), 1e6).numpy()
    np.testing.assert_allclose(got, uniform, atol=1e-6)


def test_float32_logits_give_float32_probs():
    """Does the distribution keep float32, close to the float64 one?"""
    probs32 = temperature_probs(LOGITS.astype(np.float32), 0.5)
    assert probs32.dtype == np.float32
    np.testing.assert_allclose(probs32, temperature_probs(LOGITS, 0.5), atol=FLOAT32_ATOL)


def test_integer_logits_are_read_as_floats():
    """Do integer logits give the float64 distribution of the same values?"""
    got = temperature_probs(np.array([3, 1, 0]), 0.5)
    np.testing.assert_allclose(got, softmax(np.array([6.0, 2.0, 0.0])))


def test_negative_temperature_is_refused():
    """Is a negative temperature refused?"""
    with pytest.raises(ValueError):
        temperature_probs(LOGITS, -1.0)
    with pytest.raises(ValueError):
        temperature_probs_torch(torch.tensor(LOGITS), -1.0)


def test_draw_index_inverts_the_cdf():
    """Does a draw land on the index whose CDF interval holds it, never on zero mass?"""
    probs = np.array([0.0, 0.25, 0.0, 0.75, 0.0])

    class Fixed:
        def __init__(self, u):
            self.u = u

        def random(self):
            return self.u

    draws = [draw_index(probs, Fixed(u)) for u in [0.0, 0.2, 0.25, 0.9, 1 - 1e-16]]
    assert draws == [1, 1, 3, 3, 3]


# ---------------------------------------------------------------------------------------
# The NumPy model.


@pytest.mark.parametrize("cell", cells.CELLS)
def test_sampling_is_reproducible_for_a_seed(cell):
    """Do two generators with the same seed sample the same text, another seed another?"""
    params = numpy_model(cell)
    first = sample(params, cell, [0, 1], 40, 1.0, np.random.default_rng(5))
    again = sample(params, cell, [0, 1], 40, 1.0, np.random.default_rng(5))
    other = sample(params, cell, [0, 1], 40, 1.0, np.random.default_rng(6))
    assert first == again
    assert first != other
    assert len(first) == 40 and all(0 <= i < 6 for i in first)


@pytest.mark.parametrize("cell", cells.CELLS)
def test_zero_temperature_sampling_follows_the_models_argmax(cell):
    """Is every greedily sampled character the argmax of the model given what precedes it?"""
    params = numpy_model(cell)
    start = [3, 1]
    generated = sample(params, cell, start, 15, temperature=0.0)
    text = np.array([start + generated])  # (1, T + 1)
    _, cache = forward(params, text[:, :-1], text[:, 1:], cell=cell)
    np.testing.assert_array_equal(cache["probs"][0, len(start) - 1 :].argmax(-1), generated)


def test_string_start_needs_the_vocabulary():
    """Is a string start encoded with the vocabulary, and refused without one?"""
    vocab = Vocabulary.from_text("abcdef")
    params = numpy_model("lstm")
    rng = np.random.default_rng(0)
    from_text = sample(params, "lstm", "ca", 10, 0.5, np.random.default_rng(0), vocab=vocab)
    assert from_text == sample(params, "lstm", [2, 0], 10, 0.5, rng)
    with pytest.raises(ValueError, match="vocabulary"):
        sample(params, "lstm", "ca", 10, 0.5, rng)


def test_positive_temperature_needs_a_generator():
    """Is sampling at a positive temperature without a generator refused?"""
    with pytest.raises(ValueError, match="rng"):
        sample(numpy_model("lstm"), "lstm", [0], 5, 1.0)


def test_float32_model_samples():
    """Does a float32 model sample the same greedy text as its float64 original?"""
    params = numpy_model("lstm")
    params32 = {name: value.astype(np.float32) for name, value in params.items()}
    assert sample(params32, "lstm", [1], 12, 0.0) == sample(params, "lstm", [1], 12, 0.0)


# ---------------------------------------------------------------------------------------
# CharLSTM.generate.


def char_lstm(seed=0, V=6):
    torch.manual_seed(seed)
    model = CharLSTM(V, embed_size=4, hidden_size=8, num_layers=2)
    with torch.no_grad():
        model.fc.weight.mul_(10.0)  # far from uniform
    return model


def test_generate_is_reproducible_for_a_generator_seed():
    """Do two torch.Generators with the same seed generate the same indices?"""
    model = char_lstm()
    first = model.generate([0, 2], 30, 1.0, torch.Generator().manual_seed(1))
    again = model.generate([0, 2], 30, 1.0, torch.Generator().manual_seed(1))
    other = model.generate([0, 2], 30, 1.0, torch.Generator().manual_seed(2))
    assert first == again
    assert first != other
    assert len(first) == 30 and all(isinstance(i, int) and 0 <= i < 6 for i in first)


def test_generate_at_zero_temperature_follows_the_argmax():
    """Is every greedily generated index the model's argmax given what precedes it?"""
    model = char_lstm().eval()
    start = [4, 1, 3]
    generated = model.generate(start, 12, temperature=0.0)
    with torch.no_grad():
        logits, _ = model(torch.tensor([start + generated]))
    assert logits[0, len(start) - 1 : -1].argmax(-1).tolist() == generated


@pytest.mark.parametrize("training", [True, False])
def test_generate_restores_the_mode_and_tracks_no_gradients(training):
    """Does generate leave the model in the mode it found, with no gradients recorded?"""
    model = char_lstm()
    model.train(training)
    model.generate([1], 5, 1.0, torch.Generator().manual_seed(0))
    assert model.training is training
    assert all(p.grad is None for p in model.parameters())
