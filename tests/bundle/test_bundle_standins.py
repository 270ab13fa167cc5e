"""Do the stand-ins compute what the answer key's modules compute, where the checks use them?"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from bundle_support import RELEASED

from autograder.checks import ex02_trend, ex04_lstm_backward
from autograder.student_bundle import visible
from autograder.student_bundle.standins import forward_standin_source
from autograder.student_bundle.standins import trend as standin
from reference import trend, trend_setup
from reference.char_lm import numpy_model
from reference.gradcheck import FORWARD_ATOL_F64


def test_trend_standin_scores_weights_as_the_key_does() -> None:
    """Same weights: do the stand-in's logits, accuracy and loss equal the answer key's?"""
    rng = np.random.default_rng(0)
    weights = ex02_trend.random_weights(7, rng, fc_scale=3.0)
    x = ex02_trend.random_inputs(5, 9, rng)
    with torch.no_grad():
        ours = standin.model_from_arrays(weights)(torch.from_numpy(x))
        theirs = trend.model_from_arrays(weights)(torch.from_numpy(x))
    torch.testing.assert_close(ours, theirs, rtol=0, atol=0)
    _, _, X_test, y_test = trend_setup.trend_datasets(0)
    model, key = standin.model_from_arrays(weights), trend.model_from_arrays(weights)
    assert trend_setup.accuracy(model, X_test, y_test) == trend_setup.accuracy(key, X_test, y_test)
    assert trend_setup.mean_loss(model, X_test, y_test) == pytest.approx(
        trend_setup.mean_loss(key, X_test, y_test), abs=1e-7
    )


def test_trend_standin_refuses_weights_as_the_key_does() -> None:
    """Do wrongly named or shaped weights raise the same ValueError in both?"""
    weights = ex02_trend.random_weights(4, np.random.default_rng(1))
    for broken in ({**weights, "extra": np.zeros(1)}, {**weights, "fc.bias": np.zeros(2)}, {}):
        with pytest.raises(ValueError) as ours:
            standin.model_from_arrays(broken)
        with pytest.raises(ValueError) as theirs:
            trend.model_from_arrays(broken)
        assert str(ours.value) == str(theirs.value)


def test_the_given_forward_computes_the_keys_loss() -> None:
    """Does the loss of exercise 04's given forward pass (the bundle's) equal the answer key's?"""
    namespace: dict = {}
    exec(compile(forward_standin_source(RELEASED), "<char_lm_forward>", "exec"), namespace)
    case = ex04_lstm_backward.make_case(ex04_lstm_backward.FINITE_DIFF)
    arguments = [case[key] for key in ("params", "inputs", "targets", "h0", "c0")]
    ours, _ = namespace["forward"](*arguments)
    theirs, _ = numpy_model.forward(*arguments, cell="lstm")
    assert ours == pytest.approx(theirs, abs=FORWARD_ATOL_F64)
    with pytest.raises(ValueError, match="LSTM language model only"):
        namespace["forward"](*arguments, cell="gru")


def test_visible_tests_are_run_and_hidden_ones_skipped() -> None:
    """Do the collected probe calls come from the visible tests only, each visible case once?"""
    calls = visible.probe_calls("03_gates")
    assert [probe for probe, _, _ in calls].count("gate_activations") == 3
    sizes = sorted(args[0]["weight_hh_l0"].shape[1] for probe, args, _ in calls if probe == "gate_activations")
    assert sizes == [4, 4, 5]  # the visible cases; the hidden ones draw theirs from a seed
    assert {probe for probe, _, _ in visible.probe_calls("01_gru")} == {"run_forward", "parameter_shapes"}
