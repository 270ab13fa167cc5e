"""Exercise 02 (``TrendClassifier``): the answer key, the given code, the grader's loop."""
from __future__ import annotations

from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch

from reference import trend
from reference.datasets import generate_trend_data

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = ROOT / "solutions" / "rnn" / "02_trend.ipynb"


@pytest.fixture(scope="module")
def given_namespace() -> dict:
    """The globals left by the notebook's cells tagged ``given``, run in order."""
    namespace: dict = {}
    for cell in nbformat.read(SOLUTION, as_version=4).cells:
        if cell.cell_type == "code" and "given" in cell.metadata.get("tags", []):
            exec(compile(cell.source, f"<given cell {cell.metadata.nbgrader.grade_id}>", "exec"), namespace)
    return namespace


@pytest.mark.parametrize("n_samples, seq_len, seed", [(500, 20, 0), (7, 3, 123), (1, 1, 9)])
def test_given_generator_equals_the_reference(given_namespace, n_samples, seq_len, seed) -> None:
    """Does the notebook's ``generate_trend_data`` draw exactly the reference's data?"""
    X, y = given_namespace["generate_trend_data"](n_samples, seq_len, np.random.default_rng(seed))
    X_ref, y_ref = generate_trend_data(n_samples, seq_len, np.random.default_rng(seed))
    for got, expected in ((X, X_ref), (y, y_ref)):
        assert got.dtype == expected.dtype == torch.float32
        assert torch.equal(got, expected)


def test_given_generator_continues_a_shared_generator_like_the_reference(given_namespace) -> None:
    """Does a generator used twice (training, then test set) give the reference's test set?"""
    given_rng, reference_rng = np.random.default_rng(5), np.random.default_rng(5)
    for _ in range(2):
        X, y = given_namespace["generate_trend_data"](30, 8, given_rng)
        X_ref, y_ref = generate_trend_data(30, 8, reference_rng)
    assert torch.equal(X, X_ref) and torch.equal(y, y_ref)


def test_given_generator_refuses_to_draw_unseeded(given_namespace) -> None:
    """Does the notebook's generator, like the reference's, insist on an explicit rng?"""
    with pytest.raises(TypeError):
        given_namespace["generate_trend_data"](10, 5)


def test_reference_reads_the_last_step() -> None:
    """Is the reference's logit the linear layer applied to h_n, with no sigmoid?"""
    torch.manual_seed(0)
    model = trend.TrendClassifier(hidden_size=5)
    x = torch.randn(4, 6, 1)
    _, (h_n, _) = model.lstm(x)
    expected = model.fc(h_n[-1])
    assert torch.allclose(model(x), expected)
    assert model(x).shape == (4, 1)


def test_arrays_round_trip() -> None:
    """Does ``model_from_arrays(model_to_arrays(m))`` compute exactly what ``m`` computes?"""
    torch.manual_seed(1)
    model = trend.TrendClassifier(hidden_size=7)
    arrays = trend.model_to_arrays(model)
    assert sorted(arrays) == sorted(model.state_dict())
    assert all(a.dtype == np.float32 for a in arrays.values())
    copy = trend.model_from_arrays(arrays)
    x = torch.randn(3, 5, 1)
    assert torch.equal(copy(x), model(x))


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda a: a.pop("fc.bias"), "missing \\['fc.bias'\\]"),
        (lambda a: a.update(extra=np.zeros(1, np.float32)), "unexpected \\['extra'\\]"),
        (lambda a: a.update({"lstm.weight_hh_l0": np.zeros((4, 4), np.float32)}), "lstm.weight_hh_l0 has shape"),
        (lambda a: a.update({"fc.weight": np.zeros(3, np.float32)}), "fc.weight must be"),
    ],
)
def test_arrays_that_do_not_fit_are_named(edit, message) -> None:
    """Does ``model_from_arrays`` name the entry that is missing, extra or misshapen?"""
    torch.manual_seed(2)
    arrays = trend.model_to_arrays(trend.TrendClassifier(hidden_size=3))
    edit(arrays)
    with pytest.raises(ValueError, match=message):
        trend.model_from_arrays(arrays)


def test_reference_trains_past_the_target_with_the_grader_loop() -> None:
    """Does the seeded full-batch loop take the reference model past the target accuracy?"""
    X_train, y_train, X_test, y_test = trend.trend_datasets(seed=0)
    torch.manual_seed(0)
    model = trend.TrendClassifier()
    losses = trend.train_full_batch(model, X_train, y_train)
    assert len(losses) == trend.EPOCHS
    assert losses[-1] < losses[0]
    assert trend.accuracy(model, X_test, y_test) >= trend.PASS_ACCURACY


def test_grader_data_sets_are_reproducible_and_disjoint() -> None:
    """Does one seed give the same four tensors twice, with a test set unlike the training set?"""
    first, second = trend.trend_datasets(seed=3), trend.trend_datasets(seed=3)
    assert all(torch.equal(a, b) for a, b in zip(first, second))
    X_train, _, X_test, _ = first
    assert X_train.shape == (trend.TRAIN_SAMPLES, trend.SEQ_LEN, 1)
    assert X_test.shape == (trend.TEST_SAMPLES, trend.SEQ_LEN, 1)
    assert not torch.equal(X_train[: trend.TEST_SAMPLES], X_test)


def test_accuracy_thresholds_logits_at_zero() -> None:
    """Does ``accuracy`` count a logit above zero as label 1 and at or below zero as label 0?"""

    class Fixed(torch.nn.Module):
        def forward(self, x):
            return x[:, -1, :]  # the last value is the logit

    X = torch.tensor([[[2.0]], [[-1.0]], [[0.0]], [[0.5]]])
    y = torch.tensor([[1.0], [0.0], [0.0], [0.0]])
    assert trend.accuracy(Fixed(), X, y) == 0.75
