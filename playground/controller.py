"""The playground's state and actions, without any widget: what the UI only wires up.

A ``PlaygroundController`` owns one training session: the text and its vocabulary, a
backend (model, optimiser, source of gradients), where in the text training has got to,
the state carried from one chunk to the next, and the loss history. Changing a setting
rebuilds the model from the seed and clears the history.

Training walks the text in consecutive chunks of ``seq_len`` characters and carries the
final state of each chunk into the next (truncated BPTT); the state restarts from zeros
at the beginning of every pass over the text.

Shape legend: T time steps, H hidden units.
"""
from __future__ import annotations

import threading

import numpy as np
import torch

from playground.backends import BACKENDS, Backend, StudentCode, make_backend
from playground.exercise3 import GateCode
from playground.gates import lstm_gates
from playground.model import State, check_cell
from playground.text import CharVocabulary, chunk_at

# Weight of the past in the moving average of the loss:
# smoothed = SMOOTHING * smoothed + (1 - SMOOTHING) * loss.
SMOOTHING = 0.9
# What ``configure`` accepts: every setting that rebuilds the model.
SETTINGS = ("text", "cell", "hidden_size", "learning_rate", "seq_len", "seed", "backend")


def _check_settings(settings: dict) -> None:
    """A ValueError naming the first setting out of range."""
    check_cell(settings["cell"])
    if settings["backend"] not in BACKENDS:
        raise ValueError(f"backend must be one of {tuple(BACKENDS)}, got {settings['backend']!r}")
    if not isinstance(settings["text"], str) or len(settings["text"]) < 2:
        raise ValueError("the text needs at least 2 characters (one to read, one to predict)")
    for name in ("hidden_size", "seq_len"):
        if int(settings[name]) != settings[name] or settings[name] < 1:
            raise ValueError(f"{name} must be a positive integer, got {settings[name]!r}")
    if not settings["learning_rate"] > 0:
        raise ValueError(f"learning_rate must be positive, got {settings['learning_rate']!r}")


class PlaygroundController:
    """A character language model to train, sample from and look inside, step by step.

    Args:
        text: the training text (its distinct characters are the vocabulary).
        cell: ``"rnn"``, ``"gru"`` or ``"lstm"`` (see ``playground.model``).
        hidden_size: H.
        learning_rate: Adam's step size.
        seq_len: T, characters per training step (the BPTT length).
        seed: seeds the parameters (and, unless told otherwise, ``sample``).
        backend: where gradients come from: ``"autograd"``, ``"reference"`` or
            ``"student"`` (see ``playground.backends``).
        student: exercise 4's functions, for ``backend="student"``.
        gate_code: exercise 3's functions, for ``gates`` where the answer key is not
            installed (see ``playground.gates``); an attribute too, to set a newer version
            at any time (nothing is rebuilt).

    Progress, for a display to read: ``steps_done``, ``target_steps`` (what the current
    run aims at), ``losses`` (every step's loss), ``smoothed_losses`` (their moving
    average, see ``SMOOTHING``) and ``smoothed_loss`` (its last value).
    """

    def __init__(
        self,
        text: str,
        cell: str = "lstm",
        hidden_size: int = 64,
        learning_rate: float = 1e-2,
        seq_len: int = 25,
        seed: int = 0,
        backend: str = "autograd",
        student: StudentCode | None = None,
        gate_code: GateCode | None = None,
    ) -> None:
        self._lock = threading.RLock()
        self.student = student
        self.gate_code = gate_code
        self.settings: dict = {}
        self.configure(
            text=text,
            cell=cell,
            hidden_size=hidden_size,
            learning_rate=learning_rate,
            seq_len=seq_len,
            seed=seed,
            backend=backend,
        )

    # Settings -----------------------------------------------------------------------

    text = property(lambda self: self.settings["text"])
    cell = property(lambda self: self.settings["cell"])
    hidden_size = property(lambda self: self.settings["hidden_size"])
    learning_rate = property(lambda self: self.settings["learning_rate"])
    seq_len = property(lambda self: self.settings["seq_len"])
    seed = property(lambda self: self.settings["seed"])
    backend_name = property(lambda self: self.settings["backend"])

    def configure(self, **changes) -> None:
        """Change settings (any of ``SETTINGS``) and rebuild the model from the seed.

        Nothing changes when a value is invalid (ValueError) or the backend cannot be
        built (e.g. ImportError for ``"reference"`` without the answer key).
        """
        unknown = sorted(set(changes) - set(SETTINGS))
        if unknown:
            raise TypeError(f"unknown settings {unknown}; the settings are {SETTINGS}")
        settings = {**self.settings, **changes}
        _check_settings(settings)
        with self._lock:
            previous = self.settings
            self.settings = settings
            try:
                self.reset()
            except Exception:
                self.settings = previous
                raise

    def reset(self) -> None:
        """A fresh model from the seed; the history, progress and position are cleared."""
        with self._lock:
            vocab = CharVocabulary.from_text(self.text)
            backend = make_backend(
                self.backend_name,
                self.cell,
                vocab.size,
                self.hidden_size,
                self.learning_rate,
                self.seed,
                student=self.student,
            )  # first, so that a backend that cannot be built changes nothing
            self.vocab = vocab
            self.encoded = vocab.encode(self.text)
            self.backend: Backend = backend
            self.losses: list[float] = []
            self.smoothed_losses: list[float] = []
            self.steps_done = 0
            self.target_steps = 0
            self._position = 0
            self._state: State = self.backend.initial_state()

    # Training -----------------------------------------------------------------------

    @property
    def initial_loss(self) -> float:
        """log V: the loss of a uniform guess, where training starts from."""
        return float(np.log(self.vocab.size))

    def plan(self, steps: int) -> None:
        """Set ``target_steps`` to ``steps`` more than are done (for a progress display)."""
        self.target_steps = self.steps_done + steps

    def step(self, n: int = 1) -> list[float]:
        """Train on the next ``n`` chunks of the text; their losses, in order."""
        losses = []
        with self._lock:
            for _ in range(n):
                if self._position == 0:
                    self._state = self.backend.initial_state()
                inputs, targets = chunk_at(self.encoded, self._position, self.seq_len)  # (1, T)
                loss, self._state = self.backend.train_step(inputs, targets, self._state)
                self._position += inputs.shape[1]
                if self._position >= len(self.encoded) - 1:
                    self._position = 0
                self._record(loss)
                losses.append(loss)
        return losses

    def _record(self, loss: float) -> None:
        previous = self.smoothed_loss
        smoothed = loss if previous is None else SMOOTHING * previous + (1 - SMOOTHING) * loss
        self.losses.append(loss)
        self.smoothed_losses.append(smoothed)
        self.steps_done += 1
        self.target_steps = max(self.target_steps, self.steps_done)

    @property
    def smoothed_loss(self) -> float | None:
        """The moving average of the losses after the last step (None before training)."""
        return self.smoothed_losses[-1] if self.smoothed_losses else None

    # Looking at the model -----------------------------------------------------------

    def sample(
        self,
        length: int = 200,
        temperature: float = 1.0,
        start: str | None = None,
        seed: int | None = None,
    ) -> str:
        """``length`` characters generated after ``start`` (not included in the result).

        ``start`` (default: the text's first character) is read first; then every
        character is drawn from ``softmax(logits / temperature)``: low temperatures pick
        the likeliest characters, high ones take risks, 0 always takes the likeliest.
        The draws come from a ``torch.Generator`` seeded with ``seed`` (default: the
        controller's seed), so the same seed and model give the same text.
        """
        start = self.text[0] if start is None else start
        generator = torch.Generator().manual_seed(self.seed if seed is None else seed)
        with self._lock:
            indices = self.backend.model.generate(
                self.vocab.encode(start), length, temperature, generator
            )
        return self.vocab.decode(indices)

    def gates(self, text: str) -> dict[str, np.ndarray]:
        """The LSTM's gates and states while it reads ``text`` from a zero state.

        Returns a dict of arrays (T, H), T = len(text): "i", "f", "o" in (0, 1), "g" in
        (-1, 1), and the states "c", "h" after every step. They come from the answer key
        where it is installed, else from exercise 3 (``gate_code``); else
        ``playground.gates.GatesUnavailable`` says to finish exercise 3. A ValueError
        for other cells, an empty text or a character outside the vocabulary.
        """
        if not text:
            raise ValueError("type at least one character to see the gates")
        with self._lock:
            return lstm_gates(self.backend.model, self.vocab.encode(text), self.gate_code)

    def __repr__(self) -> str:
        shown = {k: v for k, v in self.settings.items() if k != "text"}
        return (
            f"PlaygroundController({len(self.text)} characters, {shown}, "
            f"{self.steps_done} steps)"
        )


