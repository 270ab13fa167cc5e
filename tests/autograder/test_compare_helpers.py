"""Feedback helpers: each mismatch is explained by type, shape, dtype, NaN, then value."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.compare import (
    assert_array_close,
    assert_dict_close,
    assert_list_close,
    mismatch,
    mismatch_array,
)
from autograder.errors import CheckFailed


def _message(got, expected, **options) -> str:
    with pytest.raises(CheckFailed) as info:
        assert_array_close(got, expected, "h", **options)
    return str(info.value)


def test_equal_arrays_pass_within_the_tolerance():
    """Do values within atol + rtol*|expected| pass?"""
    expected = np.linspace(-1, 1, 12).reshape(3, 4)
    assert_array_close(expected + 1e-7, expected, "h")
    assert_array_close(expected * (1 + 1e-4), expected, "h", atol=0.0, rtol=1e-3)


def test_the_first_difference_is_named_by_axes():
    """Does the message give the named position, both values, the count and max diff?"""
    expected = np.zeros((4, 3))
    got = expected.copy()
    got[2, 1], got[3, 0] = 0.5678, -1.0
    message = _message(got, expected, axes=("step", "unit"))
    assert "first differs at step 2, unit 1: expected 0, got 0.5678" in message
    assert "2 of 12 values differ; max abs diff 1" in message
    assert "expected at step 2: [0, 0, 0]" in message and "got at step 2:      [0, 0.5678, 0]" in message


@pytest.mark.parametrize(
    ("got", "pattern"),
    [
        (None, "it is None \\(did you forget a return statement\\?\\)"),
        ([[0.0, 0.0]], "should be an array of shape \\(2, 1\\), but it is a list of length 1"),
        (np.zeros((1, 2)), "has shape \\(1, 2\\), expected \\(2, 1\\) \\(transposed\\?\\)"),
        (np.zeros((2, 1, 1)), "extra or missing dimension of size 1"),
        (np.zeros((2, 1), dtype=int), "dtype int64: expected floating-point values"),
        (np.array([[0.0], [np.nan]]), "contains nan at index 1, 0"),
    ],
)
def test_structural_problems_come_before_values(got, pattern):
    """Are type, shape, dtype and NaN problems reported before any value comparison?"""
    assert pytest.raises(CheckFailed, assert_array_close, got, np.zeros((2, 1)), "h").match(pattern)


def test_dicts_name_missing_and_wrong_keys():
    """Are missing keys named, and every wrong key listed with the first explained?"""
    expected = {"dWf": np.zeros(2), "dUf": np.zeros(2), "dbf": np.zeros(2)}
    with pytest.raises(CheckFailed, match=r"missing the key\(s\) \['dbf'\]"):
        assert_dict_close({"dWf": np.zeros(2), "dUf": np.zeros(2)}, expected, "grads")
    got = {"dWf": np.ones(2), "dUf": np.zeros(2), "dbf": np.ones(2)}
    with pytest.raises(CheckFailed, match=r"(?s)2 wrong entries: \['dWf', 'dbf'\].*grads\['dWf'\] is wrong"):
        assert_dict_close(got, expected, "grads")


def test_lists_name_the_step():
    """Is a wrong list entry reported with its index as a step, and a wrong length named?"""
    expected = [np.zeros(2), np.zeros(2), np.zeros(2)]
    with pytest.raises(CheckFailed, match="has 2 entries, expected 3"):
        assert_list_close([np.zeros(2)] * 2, expected, "states")
    with pytest.raises(CheckFailed, match="states at step 2 is wrong: first differs at unit 1"):
        assert_list_close([np.zeros(2), np.zeros(2), np.array([0.0, 1.0])], expected, "states", axes=("unit",))


def test_generic_mismatch_walks_structures():
    """Does mismatch() compare nested tuples, dicts, arrays and exact values?"""
    expected = (np.zeros(2), {"loss": 1.0, "name": "lstm"})
    assert mismatch((np.zeros(2), {"loss": 1.0, "name": "lstm"}), expected) is None
    assert "['name']" in mismatch((np.zeros(2), {"loss": 1.0, "name": "gru"}), expected)
    assert mismatch_array(3.0, np.array(3.0), "loss") is None
