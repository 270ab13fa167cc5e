"""The wire format: plain data crosses, anything else is refused, nothing is unpickled."""
from __future__ import annotations

import io
import json
import pickle
import struct

import numpy as np
import pytest
import torch

from autograder import wire


def test_plain_data_round_trips_with_types_kept():
    """Do nested lists, tuples, dicts, numbers, strings and arrays come back equal?"""
    value = {
        "none": None, "flag": True, "n": -3, "x": 2.5, "nan": float("nan"), "s": "héllo",
        "seq": [1, (2.0, "three")], "arrays": (np.arange(6, dtype=np.int32).reshape(2, 3), np.zeros(())),
        "bools": np.array([True, False]), "complex": np.array([1 + 2j]),
    }
    back = wire.roundtrip(value)
    assert back["seq"] == [1, (2.0, "three")] and isinstance(back["seq"][1], tuple)
    assert np.isnan(back["nan"]) and back["s"] == "héllo"
    np.testing.assert_array_equal(back["arrays"][0], value["arrays"][0])
    assert back["arrays"][0].dtype == np.int32 and back["arrays"][1].shape == ()
    assert back["bools"].dtype == np.bool_ and back["complex"][0] == 1 + 2j


def test_torch_tensors_and_numpy_scalars_are_converted():
    """Do tensors and Parameters arrive as arrays and NumPy scalars as Python numbers?"""
    parameter = torch.nn.Parameter(torch.zeros(2))
    values = [torch.ones(2, requires_grad=True) * 3, np.float32(1.5), np.int64(7), np.bool_(True), parameter]
    for torch_tensor in (None, torch.Tensor):
        back = wire.decode(wire.encode(values, torch_tensor=torch_tensor))
        np.testing.assert_array_equal(back[0], [3.0, 3.0])
        assert back[1:4] == [1.5, 7, True] and type(back[2]) is int
        np.testing.assert_array_equal(back[4], [0.0, 0.0])


@pytest.mark.parametrize(
    "value",
    [object(), {1: "int key"}, np.array(["text"]), np.array([object()]), {1, 2}, b"bytes",
     np.zeros(2).view(np.matrix)],
)
def test_non_plain_values_are_refused(value):
    """Is anything outside plain data refused when encoding?"""
    with pytest.raises(wire.WireError):
        wire.encode(value)


def test_a_subclass_of_a_plain_type_is_refused():
    """Is a float subclass (which could lie about itself) refused?"""

    class Sneaky(float):
        pass

    with pytest.raises(wire.WireError, match="Sneaky"):
        wire.encode([Sneaky(1.0)])


def _message(header: dict, payload: bytes = b"") -> bytes:
    raw = json.dumps(header).encode()
    return wire.MAGIC + struct.pack(">I", len(raw)) + raw + payload


def test_a_pickled_object_array_is_never_loaded():
    """Is a message carrying pickle bytes for an object array refused without unpickling?"""

    class Bomb:
        def __reduce__(self):
            return (print, ("this must never run",))

    buffer = io.BytesIO()
    np.save(buffer, np.array([Bomb()], dtype=object), allow_pickle=True)
    evil = _message({"tree": {"a": 0}, "arrays": [["|O", [1]]]}, buffer.getvalue())
    with pytest.raises(wire.WireError, match="refused array dtype"):
        wire.decode(evil)
    with pytest.raises(wire.WireError):
        wire.decode(pickle.dumps([1, 2]))


@pytest.mark.parametrize(
    "message",
    [
        b"", b"AGW1", _message({"tree": 1}), _message({"tree": {"a": 3}, "arrays": []}),
        _message({"tree": {"a": 0}, "arrays": [["<f8", [4]]]}, b"\0" * 8),
        _message({"tree": {"x": 1}, "arrays": []}), _message({"tree": 1, "arrays": []}, b"extra"),
        _message({"tree": {"a": 0}, "arrays": [["<f8", [-1]]]}),
    ],
)
def test_malformed_messages_are_refused(message):
    """Do truncated, inconsistent or foreign messages raise WireError?"""
    with pytest.raises(wire.WireError):
        wire.decode(message)


def test_size_limits_hold_both_ways():
    """Are messages above the byte limit refused when encoding and when decoding?"""
    big = np.zeros(1000)
    with pytest.raises(wire.TooLarge):
        wire.encode(big, max_bytes=4000)
    with pytest.raises(wire.TooLarge):
        wire.decode(wire.encode(big), max_bytes=4000)


def test_deep_nesting_is_refused():
    """Is a value nested deeper than the limit refused instead of recursing forever?"""
    value: list = []
    for _ in range(wire.MAX_DEPTH + 5):
        value = [value]
    with pytest.raises(wire.WireError, match="nested"):
        wire.encode(value)


def test_frames_cross_a_pipe():
    """Does a framed message written to a pipe read back whole?"""
    import os

    read_fd, write_fd = os.pipe()
    try:
        wire.write_frame(write_fd, wire.encode({"x": np.arange(3)}))
        os.close(write_fd)
        back = wire.decode(wire.read_frame(read_fd))
        np.testing.assert_array_equal(back["x"], [0, 1, 2])
        with pytest.raises(EOFError):
            wire.read_frame(read_fd)
    finally:
        os.close(read_fd)
