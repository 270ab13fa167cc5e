"""Text as integers: the character vocabulary, training windows and carried chunks.

Shape legend: N batch, T time steps, V vocabulary size.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Vocabulary:
    """The sorted unique characters of a text; index ``i`` stands for ``chars[i]``."""

    chars: str
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(set(self.chars)) != len(self.chars):
            raise ValueError("a vocabulary's characters must be unique")
        object.__setattr__(self, "_index", {ch: i for i, ch in enumerate(self.chars)})

    @classmethod
    def from_text(cls, text: str) -> Vocabulary:
        """The vocabulary of every character that occurs in ``text``, sorted."""
        return cls("".join(sorted(set(text))))

    @property
    def size(self) -> int:
        """V, the number of characters."""
        return len(self.chars)

    def __len__(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        """The indices of ``text``'s characters: int64 array of shape (len(text),).

        Raises KeyError naming the first character that is not in the vocabulary.
        """
        try:
            return np.array([self._index[ch] for ch in text], dtype=np.int64)
        except KeyError as err:
            raise KeyError(f"character {err.args[0]!r} is not in the vocabulary") from None

    def decode(self, indices) -> str:
        """The text spelled by a sequence of indices (any iterable of ints)."""
        return "".join(self.chars[int(i)] for i in np.asarray(indices).reshape(-1))


def make_windows(encoded: np.ndarray, seq_len: int) -> tuple[np.ndarray, np.ndarray]:
    """Every window of ``seq_len`` characters and the same window shifted by one.

    Window ``i`` starts at character ``i``; its target is the next character at every
    position (the lecture's ``create_sequences``).

    Args:
        encoded: int array (L,), an encoded text with L > seq_len.
        seq_len: T.

    Returns:
        inputs, targets: int64 arrays of shape (L - T, T), with
        ``targets[i, t] == encoded[i + t + 1] == inputs[i, t + 1]``.
    """
    encoded = np.asarray(encoded, dtype=np.int64)
    num_windows = len(encoded) - seq_len
    if num_windows < 1:
        raise ValueError(f"a text of {len(encoded)} characters has no window of {seq_len} + 1")
    starts = np.arange(num_windows)[:, None] + np.arange(seq_len)  # (L - T, T)
    return encoded[starts], encoded[starts + 1]


def chunks(
    encoded: np.ndarray, seq_len: int, batch_size: int = 1
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Walk a text in consecutive chunks, so a hidden state can be carried across them.

    The text is cut into ``batch_size`` streams of equal length (the tail that does not
    fill a stream is dropped); chunk ``k`` holds characters ``[k T, (k + 1) T)`` of every
    stream, so row ``n`` of chunk ``k + 1`` continues exactly where row ``n`` of chunk
    ``k`` stopped, and the final state of one chunk is the right initial state of the
    next. The last chunk is shorter than T when the streams do not divide evenly.

    Args:
        encoded: int array (L,), an encoded text.
        seq_len: T, the length of a full chunk.
        batch_size: N, the number of parallel streams.

    Yields:
        inputs, targets: int64 arrays (N, T) (or (N, T') for the last chunk), targets
        being the inputs shifted by one character.
    """
    encoded = np.asarray(encoded, dtype=np.int64)
    stream_len = (len(encoded) - 1) // batch_size  # characters each stream predicts
    if stream_len < 1 or seq_len < 1:
        raise ValueError(f"a text of {len(encoded)} characters has no chunk for {batch_size} rows")
    starts = np.arange(batch_size)[:, None] * stream_len  # (N, 1)
    for begin in range(0, stream_len, seq_len):
        positions = starts + np.arange(begin, min(begin + seq_len, stream_len))  # (N, T)
        yield encoded[positions], encoded[positions + 1]
