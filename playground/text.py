"""Text as character indices, and the walk through it in consecutive chunks.

The playground runs where the answer key (``reference``) is not installed, so it keeps
these few lines itself; a test holds them equal to ``reference.char_lm.data``
(``Vocabulary`` and ``chunks`` with one stream).

Shape legend: T time steps, V vocabulary size.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class CharVocabulary:
    """The sorted distinct characters of a text; index ``k`` stands for ``chars[k]``."""

    chars: str
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {ch: k for k, ch in enumerate(self.chars)})

    @classmethod
    def from_text(cls, text: str) -> CharVocabulary:
        return cls("".join(sorted(set(text))))

    @property
    def size(self) -> int:
        """V, the number of characters."""
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        """int64 indices (len(text),); a ValueError names the first unknown character."""
        unknown = [ch for ch in text if ch not in self._index]
        if unknown:
            raise ValueError(
                f"character {unknown[0]!r} does not occur in the training text; "
                f"use only these: {self.chars!r}"
            )
        return np.array([self._index[ch] for ch in text], dtype=np.int64)

    def decode(self, indices) -> str:
        return "".join(self.chars[int(k)] for k in indices)


def chunk_at(encoded: np.ndarray, begin: int, seq_len: int) -> tuple[np.ndarray, np.ndarray]:
    """The chunk of up to ``seq_len`` characters starting at ``begin`` and its targets.

    Chunks start at 0, T, 2T, ...; the last one of a pass is shorter when T does not
    divide ``len(encoded) - 1``. Returns inputs and targets, int64 arrays (1, T), the
    targets being the next character at every position.
    """
    end = min(begin + seq_len, len(encoded) - 1)
    if not 0 <= begin < end:
        raise ValueError(f"no chunk starts at {begin} in a text of {len(encoded)} characters")
    return encoded[None, begin:end], encoded[None, begin + 1 : end + 1]
