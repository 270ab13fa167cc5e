"""Does ``autograder.expected`` fingerprint, record and replay as the bundle needs?"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from autograder import expected
from autograder.diagnose import Mistake, diagnose
from autograder.expected import (
    NotInBundle,
    RecordedFailure,
    fingerprint,
    precomputed,
    recorded_mistake,
    recording,
    unavailable,
)


@dataclass(frozen=True)
class Pair:
    left: np.ndarray
    right: float | None


@precomputed
def doubled(values: dict, factor: float = 2.0) -> dict:
    """What a check's "Expected values" function looks like: plain data in, plain data out."""
    return {key: factor * value for key, value in values.items()}


@precomputed
def refuses(x: float) -> float:
    raise ValueError(f"no answer for {x}")


@pytest.fixture
def in_bundle(tmp_path, monkeypatch):
    """``autograder.expected`` reading recordings from ``tmp_path`` (as in a bundle)."""
    store = tmp_path / "_expected"
    monkeypatch.setattr(expected, "STORE_DIR", store)
    expected._store.cache_clear()
    yield store
    expected._store.cache_clear()


def test_fingerprints_follow_values_not_containers() -> None:
    """Do equal values fingerprint alike (list or tuple, NumPy or Python numbers, key order)?"""
    a = np.arange(6.0).reshape(2, 3)
    assert fingerprint([a, 1, 2.5]) == fingerprint((a.copy(), np.int64(1), np.float64(2.5)))
    assert fingerprint({"x": a, "y": None}) == fingerprint({"y": None, "x": a})
    assert fingerprint(Pair(a, 1.0)) == fingerprint(Pair(a.copy(), 1.0))
    assert fingerprint(a) != fingerprint(a.astype(np.float32))
    assert fingerprint(a) != fingerprint(a.reshape(3, 2))
    assert fingerprint(a) != fingerprint(a + 1e-15)
    assert fingerprint(1) != fingerprint(1.0) != fingerprint(True)
    assert fingerprint(x=1) != fingerprint(1)
    with pytest.raises(TypeError, match="cannot fingerprint"):
        fingerprint(object())


def test_precomputed_runs_as_written_outside_a_bundle() -> None:
    """In the repository (no recordings), does a ``@precomputed`` function just run?"""
    assert not expected.in_bundle()
    assert doubled({"a": np.ones(2)})["a"].tolist() == [2.0, 2.0]
    with pytest.raises(ValueError, match="no answer"):
        refuses(1.0)


def test_recorded_results_replay_for_equal_arguments_only(in_bundle) -> None:
    """Recorded while building, are results replayed in the bundle for equal arguments only?"""
    values = {"a": np.array([1.0, -2.0])}
    with recording() as recorder:
        live = doubled(values, factor=3.0)
        with pytest.raises(ValueError):
            refuses(1.0)
    recorder.write(in_bundle)
    assert expected.in_bundle()
    replayed = doubled({"a": np.array([1.0, -2.0])}, factor=3.0)
    np.testing.assert_array_equal(replayed["a"], live["a"])
    replayed["a"][0] = 99.0  # a replay is a fresh copy every time
    assert doubled(values, factor=3.0)["a"][0] == 3.0
    with pytest.raises(NotInBundle, match="visible checks' inputs"):
        doubled(values, factor=2.0)
    with pytest.raises(RecordedFailure, match="ValueError: no answer for 1.0"):
        refuses(1.0)


def test_recorded_mistakes_diagnose_as_the_originals(in_bundle) -> None:
    """Does a recorded mistake match the same student answer its original matched?"""
    original = Mistake("sign flipped", "mind the sign", lambda x: -x)
    with recording() as recorder:
        recorder.call("bank", original.name, original.fn, np.array([1.0, 2.0]))
    recorder.write(in_bundle)
    shipped = Mistake(original.name, original.hint, recorded_mistake("bank", original.name))
    x = np.array([1.0, 2.0])
    assert diagnose(np.array([-1.0, -2.0]), [shipped], x) == shipped
    assert diagnose(np.array([1.0, 2.0]), [shipped], x) is None
    assert diagnose(np.array([-3.0]), [shipped], np.array([3.0])) is None  # not recorded: no match


def test_writing_is_deterministic(tmp_path) -> None:
    """Do the same recordings, made in another order, write the same bytes?"""
    def record(order):
        with recording() as recorder:
            for x in order:
                doubled({"v": np.array([x])})
        return recorder.write(tmp_path / str(order[0]))[0].read_bytes()

    assert record([1.0, 2.0]) == record([2.0, 1.0])


def test_unavailable_names_what_is_missing() -> None:
    """Does a left-out part of the key refuse use with its name, yet let the module import?"""
    answer_key = unavailable("reference.gru")
    with pytest.raises(NotInBundle, match=r"reference\.gru\.forward belongs to the answer key"):
        answer_key.forward
    with pytest.raises(NotInBundle, match="reference.gru"):
        answer_key()
    assert not hasattr(answer_key, "__wrapped__")
