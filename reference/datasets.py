"""The lecture's two small data sets: the soliloquy corpus and the trend sequences.

Both are given to students (the corpus as text, the trend generator in a locked cell of
exercise 2), so they are written once here and kept equal to what the notebooks show.
"""
from __future__ import annotations

import numpy as np
import torch

# Hamlet's soliloquy (Act 3, Scene 1), the 19 lines printed in the lecture's text
# generation project, without punctuation. Shakespeare's text, in the public domain.
LECTURE_CORPUS = "\n".join(
    [
        "To be or not to be that is the question",
        "Whether tis nobler in the mind to suffer",
        "The slings and arrows of outrageous fortune",
        "Or to take arms against a sea of troubles",
        "And by opposing end them To die to sleep",
        "No more and by a sleep to say we end",
        "The heartache and the thousand natural shocks",
        "That flesh is heir to Tis a consummation",
        "Devoutly to be wished To die to sleep",
        "To sleep perchance to dream ay there is the rub",
        "For in that sleep of death what dreams may come",
        "When we have shuffled off this mortal coil",
        "Must give us pause There is the respect",
        "That makes calamity of so long life",
        "For who would bear the whips and scorns of time",
        "The oppressor wrong the proud man contumely",
        "The pangs of despised love the law delay",
        "The insolence of office and the spurns",
        "That patient merit of the unworthy takes",
    ]
)

# Slopes of exercise 2's sequences are drawn from U(SLOPE_RANGE) (upward, label 1) or
# from its mirror image (downward, label 0); every step adds NOISE_SCALE * N(0, 1).
SLOPE_RANGE = (0.05, 0.2)
NOISE_SCALE = 0.3


def generate_trend_data(
    n_samples: int = 500,
    seq_len: int = 20,
    rng: np.random.Generator | int | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Noisy linear sequences that trend up (label 1) or down (label 0), for exercise 2.

    Each sample is ``slope * t + 0.3 * noise`` for ``t = 0 .. T-1``, where the label is a
    fair coin, the slope is ``U(0.05, 0.2)`` for label 1 and ``U(-0.2, -0.05)`` for
    label 0, and the noise is standard normal. Every draw comes from ``rng``.

    Args:
        n_samples: N, the number of sequences.
        seq_len: T, the length of each sequence.
        rng: a ``np.random.Generator`` (or an int seed for one). Required: two calls
            with the same seed return the same data, so train and test sets need two
            different generators (or one generator used twice).

    Returns:
        X: float32 tensor (N, T, 1), the sequences.
        y: float32 tensor (N, 1), the labels 0.0 / 1.0.
    """
    if rng is None:
        raise TypeError("generate_trend_data needs rng: a np.random.Generator or an int seed")
    rng = np.random.default_rng(rng)
    labels = rng.random(n_samples) > 0.5  # (N,)
    magnitudes = rng.uniform(*SLOPE_RANGE, size=n_samples)  # (N,)
    slopes = np.where(labels, magnitudes, -magnitudes)  # (N,)
    noise = NOISE_SCALE * rng.standard_normal((n_samples, seq_len))  # (N, T)
    sequences = slopes[:, None] * np.arange(seq_len) + noise  # (N, T)
    X = torch.tensor(sequences, dtype=torch.float32).unsqueeze(-1)  # (N, T, 1)
    y = torch.tensor(labels, dtype=torch.float32).unsqueeze(-1)  # (N, 1)
    return X, y
