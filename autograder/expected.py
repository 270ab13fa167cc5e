"""Expected values computed ahead, for a copy of the grader that ships without the answer key.

The checks compute what a right answer gives with ``reference`` (the answer key), only
in a section "Expected values" of small private functions. Those functions are marked
``@precomputed``, which changes nothing here, where the answer key is installed:

* in this repository they run as written;
* while a student bundle is built (inside ``recording()``) they run too, and each result
  is kept under the function's name and a fingerprint of its arguments;
* in the student bundle (where the folder ``_expected/`` next to this module holds the
  recordings) they never run: they return the result recorded for equal arguments, and
  raise ``NotInBundle`` for arguments no visible check uses.

Known mistakes whose implementation is one switch away from the answer travel the same
way: in the bundle each one's function is ``recorded_mistake(module, name)``, which
returns what the mistake gave on the visible checks' inputs. ``unavailable(name)`` takes
the place of a part of the answer key that the bundle leaves out.
"""
from __future__ import annotations

import copy
import dataclasses
import functools
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from autograder import wire

STORE_DIR = Path(__file__).resolve().parent / "_expected"
STORE_SUFFIX = ".wire"
# Largest store file read back (the bundle's stores are a few hundred kB).
_MAX_STORE_BYTES = wire.MAX_MESSAGE_BYTES


class NotInBundle(LookupError):
    """The student bundle has no recorded result for this call (not a visible check's input)."""


class RecordedFailure(Exception):
    """The recorded call raised when the bundle was built; raised again on replay."""


# Fingerprints -----------------------------------------------------------------------


def _feed(digest: Any, value: Any) -> None:
    """Add a canonical encoding of ``value`` to ``digest``.

    Lists and tuples encode alike, and so do NumPy scalars and Python numbers, so a
    value fingerprints the same after a trip through ``wire``.
    """
    if value is None:
        digest.update(b"N")
    elif isinstance(value, (bool, np.bool_)):
        digest.update(b"B1" if value else b"B0")
    elif isinstance(value, (int, np.integer)):
        digest.update(b"I%d;" % int(value))
    elif isinstance(value, (float, np.floating)):
        digest.update(b"F" + float(value).hex().encode() + b";")
    elif isinstance(value, str):
        data = value.encode("utf-8", "surrogatepass")
        digest.update(b"S%d:" % len(data) + data)
    elif isinstance(value, np.ndarray):
        if value.dtype.kind not in "biufc":
            raise TypeError(f"cannot fingerprint an array of dtype {value.dtype}")
        array = np.ascontiguousarray(value)
        digest.update(b"A" + array.dtype.str.encode() + repr(array.shape).encode() + b":")
        digest.update(array.tobytes())
    elif isinstance(value, (list, tuple)):
        digest.update(b"L%d:" % len(value))
        for item in value:
            _feed(digest, item)
    elif isinstance(value, dict):
        digest.update(b"D%d:" % len(value))
        for key in sorted(value, key=str):
            _feed(digest, str(key))
            _feed(digest, value[key])
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        digest.update(b"C" + type(value).__qualname__.encode() + b":")
        _feed(digest, {field.name: getattr(value, field.name) for field in dataclasses.fields(value)})
    else:
        raise TypeError(f"cannot fingerprint a {type(value).__qualname__}")


def fingerprint(*args: Any, **kwargs: Any) -> str:
    """sha256 (hex) of the arguments of a call: equal plain data gives equal fingerprints.

    Arguments may be None, bools, numbers, strings, numeric NumPy arrays (dtype, shape
    and bytes count), lists, tuples, dicts and dataclasses of those.
    """
    digest = hashlib.sha256()
    _feed(digest, list(args))
    _feed(digest, kwargs)
    return digest.hexdigest()


def _key(name: str, args: tuple, kwargs: dict) -> str:
    return f"{name}|{fingerprint(*args, **kwargs)}"


# Recording (while a bundle is built) ------------------------------------------------


class Recorder:
    """Results of calls, by store (a module's name) and key (function name + fingerprint)."""

    def __init__(self) -> None:
        self.stores: dict[str, dict[str, dict[str, Any]]] = {}

    def call(self, store: str, name: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``fn(*args, **kwargs)``, recorded; returns the value as the bundle will see it.

        The value goes through ``wire`` (so it must be plain data) and the copy that
        comes back is returned, so whatever is computed from it here fingerprints as
        it will in the bundle. An exception is recorded as such and raised again.
        """
        entries = self.stores.setdefault(store, {})
        key = _key(name, args, kwargs)
        try:
            value = fn(*args, **kwargs)
        except Exception as exc:
            entries[key] = {"raised": f"{type(exc).__name__}: {exc}"}
            raise
        value = wire.roundtrip(value)
        entries[key] = {"value": value}
        return copy.deepcopy(value)

    def write(self, folder: Path) -> list[Path]:
        """One ``<store>.wire`` file per store in ``folder``, entries sorted by key."""
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for store in sorted(self.stores):
            entries = self.stores[store]
            path = folder / f"{store}{STORE_SUFFIX}"
            path.write_bytes(wire.encode({key: entries[key] for key in sorted(entries)}))
            paths.append(path)
        return paths


_recorder: Recorder | None = None


@contextmanager
def recording() -> Iterator[Recorder]:
    """Inside the block, every ``@precomputed`` function records its results."""
    global _recorder
    previous, _recorder = _recorder, Recorder()
    try:
        yield _recorder
    finally:
        _recorder = previous


# Replaying (in the student bundle) --------------------------------------------------


def in_bundle() -> bool:
    """Whether this copy of the grader holds recordings (a student bundle) instead of the key."""
    return STORE_DIR.is_dir()


@functools.lru_cache(maxsize=None)
def _store(store: str) -> dict[str, dict[str, Any]]:
    path = STORE_DIR / f"{store}{STORE_SUFFIX}"
    if not path.is_file():
        return {}
    return wire.decode(path.read_bytes(), max_bytes=_MAX_STORE_BYTES)


def replay(store: str, name: str, args: tuple, kwargs: dict) -> Any:
    """The result recorded for ``name(*args, **kwargs)`` (a fresh copy), or ``NotInBundle``."""
    entry = _store(store).get(_key(name, args, kwargs))
    if entry is None:
        raise NotInBundle(
            f"{name}: the student bundle holds expected results only for the visible "
            "checks' inputs, and these arguments are not among them."
        )
    if "raised" in entry:
        raise RecordedFailure(entry["raised"])
    return copy.deepcopy(entry["value"])


def precomputed(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Marks a function of a check's "Expected values" section (see the module's docstring).

    Its arguments must be plain data (see ``fingerprint``) and its result plain data
    ``wire`` can carry. Put it outermost, above a cache such as ``functools.lru_cache``.
    """
    store, name = fn.__module__, fn.__qualname__

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if _recorder is not None:
            return _recorder.call(store, name, fn, *args, **kwargs)
        if in_bundle():
            return replay(store, name, args, kwargs)
        return fn(*args, **kwargs)

    return wrapper


def recorded_mistake(store: str, name: str) -> Callable[..., Any]:
    """A known mistake's function as the bundle ships it: its recorded results, replayed."""

    def mistake(*args: Any, **kwargs: Any) -> Any:
        return replay(store, name, args, kwargs)

    mistake.__qualname__ = mistake.__name__ = f"recorded mistake {name!r}"
    return mistake


class Unavailable:
    """Takes the place of a module or object of the answer key that the bundle leaves out.

    Using it (an attribute, a call) raises ``NotInBundle``; only a check of hidden or
    changed inputs would, since every visible check's expected values are recorded.
    """

    def __init__(self, name: str) -> None:
        self._name = name

    def _refuse(self, what: str) -> NotInBundle:
        return NotInBundle(f"{what} belongs to the answer key, which the student bundle does not contain.")

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        raise self._refuse(f"{self._name}.{attribute}")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise self._refuse(self._name)

    def __repr__(self) -> str:
        return f"unavailable({self._name!r})"


def unavailable(name: str) -> Unavailable:
    """A stand-in for ``name`` (e.g. ``"reference.gru"``) that refuses to be used."""
    return Unavailable(name)
