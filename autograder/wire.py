"""Plain data to bytes and back, without pickle.

Plain data is ``None``, ``bool``, ``int``, ``float``, ``str``, NumPy arrays of a
numeric or bool dtype, and lists, tuples and str-keyed dicts of those. Torch tensors
and NumPy scalars are converted on the way in (to arrays and Python numbers).

A message is ``MAGIC | u32 header length | JSON header | raw array bytes``. The header
holds the value as a JSON tree in which every JSON object is a one-key tag::

    {"t": [...]}   a tuple          {"d": {...}}   a dict
    {"a": i}       array number i   (lists, numbers, strings and null are JSON's own)

and the list of arrays as ``[dtype string, shape]``. Decoding reads nothing but JSON
and raw numbers, so a message from untrusted code cannot run code in the reader; it is
also bounded in size, nesting depth and array count.
"""
from __future__ import annotations

import json
import os
import struct
from typing import Any

import numpy as np

MAGIC = b"AGW1"
# Largest message the grader accepts from a worker (the ``max_bytes`` default).
MAX_MESSAGE_BYTES = 64 * 2**20
MAX_DEPTH = 64
MAX_ARRAYS = 10_000
_MAX_INT = 10**4000  # JSON readers refuse longer integers anyway
_ARRAY_KINDS = frozenset("biufc")
_LENGTH = struct.Struct(">Q")
_HEADER = struct.Struct(">I")
# Bound at import, before any student code could replace numpy's attributes.
_NDARRAY = np.ndarray
_GENERIC = np.generic


class WireError(ValueError):
    """A value is not plain data, or a message is malformed or too large."""


class TooLarge(WireError):
    """A message is bigger than the allowed number of bytes."""


def _describe_type(value: Any) -> str:
    cls = type(value)
    module = getattr(cls, "__module__", "")
    name = getattr(cls, "__qualname__", "?")
    return name if module in ("builtins", "", None) else f"{module}.{name}"


def _torch_tensor_to_numpy(value: Any) -> np.ndarray:
    tensor = value.detach().cpu()
    if tensor.is_conj():
        tensor = tensor.resolve_conj()
    if str(tensor.dtype) == "torch.bfloat16":
        tensor = tensor.float()
    return np.array(tensor.numpy())


class _Encoder:
    """Walks a value once, collecting arrays; refuses anything that is not plain data.

    Types are matched exactly (``type(v) is float``), so a subclass with surprising
    behaviour is refused rather than trusted.
    """

    def __init__(self, max_bytes: int, torch_tensor: type | None) -> None:
        self.max_bytes = max_bytes
        self.torch_tensor = torch_tensor
        self.arrays: list[np.ndarray] = []
        self.nbytes = 0

    def tree(self, value: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise WireError(f"nested more than {MAX_DEPTH} levels deep")
        kind = type(value)
        if value is None or kind is bool or kind is str:
            return value
        if kind is int:
            if abs(value) >= _MAX_INT:
                raise WireError("an integer with more than 4000 digits")
            return value
        if kind is float:
            return value
        if kind is list:
            return [self.tree(item, depth + 1) for item in value]
        if kind is tuple:
            return {"t": [self.tree(item, depth + 1) for item in value]}
        if kind is dict:
            out = {}
            for key, item in value.items():
                if type(key) is not str:
                    raise WireError(f"a dict key of type {_describe_type(key)} (only str keys)")
                out[key] = self.tree(item, depth + 1)
            return {"d": out}
        if isinstance(value, _GENERIC) and type(value).__module__ == "numpy":
            return self._scalar(value, depth)
        if kind is _NDARRAY:
            return self._array(value)
        if self._is_tensor(value):
            return self._array(_torch_tensor_to_numpy(value))
        raise WireError(f"an object of type {_describe_type(value)}")

    def _is_tensor(self, value: Any) -> bool:
        """A torch tensor or Parameter (recognised by name when torch was not bound)."""
        if self.torch_tensor is not None:
            return isinstance(value, self.torch_tensor)
        return any(f"{c.__module__}.{c.__qualname__}" == "torch.Tensor" for c in type(value).__mro__)

    def _scalar(self, value: np.generic, depth: int) -> Any:
        dtype_kind = value.dtype.kind
        if dtype_kind == "b":
            return bool(value)
        if dtype_kind in "iu":
            return int(value)
        if dtype_kind == "f":
            return float(value)
        if dtype_kind == "c":
            return self._array(np.asarray(value))
        raise WireError(f"a NumPy scalar of dtype {value.dtype}")

    def _array(self, array: np.ndarray) -> dict:
        if array.dtype.kind not in _ARRAY_KINDS or array.dtype.fields is not None:
            raise WireError(f"an array of dtype {array.dtype} (only numbers and bools)")
        if len(self.arrays) >= MAX_ARRAYS:
            raise WireError(f"more than {MAX_ARRAYS} arrays")
        self.nbytes += array.nbytes
        if self.nbytes > self.max_bytes:
            raise TooLarge(f"more than {self.max_bytes / 2**20:g} MiB of arrays")
        self.arrays.append(array if array.flags.c_contiguous else array.copy(order="C"))
        return {"a": len(self.arrays) - 1}


def encode(value: Any, max_bytes: int = MAX_MESSAGE_BYTES, torch_tensor: type | None = None) -> bytes:
    """Serialize plain data; raises ``WireError`` naming the first non-plain part.

    ``torch_tensor`` is the ``torch.Tensor`` class when the caller bound it earlier
    (the worker does, before student code runs); otherwise tensors are recognised by name.
    """
    encoder = _Encoder(max_bytes, torch_tensor)
    tree = encoder.tree(value)
    specs = [[a.dtype.str, list(a.shape)] for a in encoder.arrays]
    header = json.dumps({"tree": tree, "arrays": specs}, allow_nan=True).encode()
    size = len(MAGIC) + _HEADER.size + len(header) + encoder.nbytes
    if size > max_bytes:
        raise TooLarge(f"{size} bytes, more than the limit of {max_bytes}")
    parts = [MAGIC, _HEADER.pack(len(header)), header]
    parts.extend(a.tobytes() for a in encoder.arrays)
    return b"".join(parts)


def _check_spec(spec: Any) -> tuple[np.dtype, tuple[int, ...], int]:
    if type(spec) is not list or len(spec) != 2:
        raise WireError("malformed array description")
    dtype_str, shape = spec
    if type(dtype_str) is not str or len(dtype_str) > 8 or dtype_str[:1] not in "<>|":
        raise WireError("malformed array dtype")
    if dtype_str[1:2] not in _ARRAY_KINDS or not dtype_str[2:].isdigit():
        raise WireError(f"refused array dtype {dtype_str!r}")
    dtype = np.dtype(dtype_str)
    if type(shape) is not list or len(shape) > 32:
        raise WireError("malformed array shape")
    count = 1
    for dim in shape:
        if type(dim) is not int or dim < 0:
            raise WireError("malformed array shape")
        count *= dim
    return dtype, tuple(shape), count * dtype.itemsize


def _rebuild(tree: Any, arrays: list[np.ndarray], depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise WireError("nested too deeply")
    kind = type(tree)
    if tree is None or kind in (bool, int, float, str):
        return tree
    if kind is list:
        return [_rebuild(item, arrays, depth + 1) for item in tree]
    if kind is dict and len(tree) == 1:
        (tag, body), = tree.items()
        if tag == "t" and type(body) is list:
            return tuple(_rebuild(item, arrays, depth + 1) for item in body)
        if tag == "d" and type(body) is dict:
            return {key: _rebuild(item, arrays, depth + 1) for key, item in body.items()}
        if tag == "a" and type(body) is int and 0 <= body < len(arrays):
            return arrays[body]
    raise WireError("malformed value tree")


def decode(message: bytes, max_bytes: int = MAX_MESSAGE_BYTES) -> Any:
    """Rebuild plain data from ``encode``'s bytes; raises ``WireError`` if anything is off."""
    if len(message) > max_bytes:
        raise TooLarge(f"{len(message)} bytes, more than the limit of {max_bytes}")
    start = len(MAGIC) + _HEADER.size
    if len(message) < start or message[: len(MAGIC)] != MAGIC:
        raise WireError("not a message of this protocol")
    (header_len,) = _HEADER.unpack_from(message, len(MAGIC))
    if start + header_len > len(message):
        raise WireError("truncated header")
    try:
        header = json.loads(message[start : start + header_len].decode())
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise WireError(f"unreadable header ({type(exc).__name__})") from None
    if type(header) is not dict or set(header) != {"tree", "arrays"}:
        raise WireError("malformed header")
    specs = header["arrays"]
    if type(specs) is not list or len(specs) > MAX_ARRAYS:
        raise WireError("malformed array list")
    offset = start + header_len
    arrays = []
    for spec in specs:
        dtype, shape, nbytes = _check_spec(spec)
        if offset + nbytes > len(message):
            raise WireError("truncated array data")
        flat = np.frombuffer(message, dtype=dtype, count=nbytes // dtype.itemsize, offset=offset)
        arrays.append(flat.reshape(shape).copy())
        offset += nbytes
    if offset != len(message):
        raise WireError("trailing bytes after the arrays")
    return _rebuild(header["tree"], arrays)


def roundtrip(value: Any, max_bytes: int = MAX_MESSAGE_BYTES) -> Any:
    """``decode(encode(value))``: what a value looks like after crossing the wire."""
    return decode(encode(value, max_bytes), max_bytes)


# --- framing on file descriptors ---------------------------------------------------


def write_frame(fd: int, message: bytes) -> None:
    """Write a length-prefixed message to ``fd`` (blocking, complete)."""
    view = memoryview(_LENGTH.pack(len(message)) + message)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _read_exactly(fd: int, count: int) -> bytes:
    chunks = []
    while count:
        chunk = os.read(fd, min(count, 1 << 20))
        if not chunk:
            raise EOFError("the other end closed the pipe")
        chunks.append(chunk)
        count -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, max_bytes: int = MAX_MESSAGE_BYTES) -> bytes:
    """Read one length-prefixed message; ``EOFError`` at end of stream, ``TooLarge`` if big."""
    (length,) = _LENGTH.unpack(_read_exactly(fd, _LENGTH.size))
    if length > max_bytes:
        raise TooLarge(f"a message of {length} bytes, more than the limit of {max_bytes}")
    return _read_exactly(fd, length)


__all__ = [
    "MAX_MESSAGE_BYTES",
    "TooLarge",
    "WireError",
    "decode",
    "encode",
    "read_frame",
    "roundtrip",
    "write_frame",
]
