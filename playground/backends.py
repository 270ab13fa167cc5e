"""Backends: where the gradients of a training step come from.

Every backend trains the same ``CharModel`` (``playground.model``) the same way: loss
on a chunk, gradients, clipping to a global norm of ``MAX_GRAD_NORM``, one
``torch.optim.Adam`` update. They differ only in how the gradients are computed:

* ``"autograd"``: torch autograd through ``nn.RNNCell`` / ``nn.GRUCell`` /
  ``nn.LSTMCell`` and the output layer. Needs nothing but torch; the default.
* ``"reference"``: the course's NumPy model (``reference.char_lm.numpy_model``) and its
  own backpropagation through time, on the same parameters converted to the reference's
  layout. Only where the answer key is installed (imported when the backend is built).
* ``"student"``: the LSTM only, with exercise 4's ``lstm_lm_backward`` (the student's)
  applied to the cache of the notebook's given ``lstm_lm_forward``.

Shape legend: N batch, T time steps, H hidden units, V vocabulary size.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from playground.model import DTYPE, LSTM_TORCH_GATES, CharModel, State

# Global norm the gradients are clipped to (the lecture's clip_grad_norm_ threshold).
MAX_GRAD_NORM = 5.0
# Exercise 4's names of each LSTM gate's (W, U, b), in its order, keyed by PyTorch's
# gate letter (exercise 4 calls the candidate g "c").
LSTM_PARAM_NAMES = {
    "f": ("Wf", "Uf", "bf"),
    "i": ("Wi", "Ui", "bi"),
    "o": ("Wo", "Uo", "bo"),
    "g": ("Wc", "Uc", "bc"),
}


class Backend:
    """A ``CharModel``, its Adam optimiser and one way to fill in the gradients.

    Subclasses implement ``gradients``; everything else is shared.
    """

    name = ""

    def __init__(
        self, cell: str, vocab_size: int, hidden_size: int, learning_rate: float, seed: int
    ) -> None:
        self.cell = cell
        self.model = CharModel(cell, vocab_size, hidden_size, seed)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=learning_rate)

    def initial_state(self) -> State:
        return self.model.initial_state()

    def gradients(
        self, inputs: np.ndarray, targets: np.ndarray, state: State
    ) -> tuple[float, State]:
        """Set every parameter's ``.grad`` to the gradient of the mean loss on the chunk.

        Args:
            inputs, targets: int arrays (N, T), the characters and the next ones.
            state: the state to start from, each (N, H).

        Returns:
            the loss (mean cross-entropy over N * T positions) and the final state,
            detached, to carry into the next chunk.
        """
        raise NotImplementedError

    def train_step(
        self, inputs: np.ndarray, targets: np.ndarray, state: State
    ) -> tuple[float, State]:
        """Gradients, clipping by global norm, one Adam update; the loss and final state."""
        loss, state = self.gradients(inputs, targets, state)
        nn.utils.clip_grad_norm_(self.model.parameters(), MAX_GRAD_NORM)
        self.optimizer.step()
        return loss, state

    def gradient_arrays(self) -> dict[str, np.ndarray]:
        """The current gradients as NumPy copies, keyed by parameter name
        (``cell.weight_ih``, ..., ``output.bias``)."""
        return {
            name: param.grad.detach().numpy().copy()
            for name, param in self.model.named_parameters()
        }


class AutogradBackend(Backend):
    """Gradients by torch autograd through the torch cell and the output layer."""

    name = "autograd"

    def gradients(self, inputs, targets, state):
        logits, state = self.model(torch.as_tensor(inputs), state)  # (N, T, V)
        V = logits.shape[-1]
        loss = F.cross_entropy(logits.reshape(-1, V), torch.as_tensor(targets).reshape(-1))
        self.model.zero_grad(set_to_none=True)
        loss.backward()
        return float(loss.detach()), tuple(s.detach() for s in state)


def _set_grads(model: CharModel, packed: dict, d_why: np.ndarray, d_by: np.ndarray) -> None:
    """Write gradients into ``.grad``: the cell's in its own layout (``packed``, arrays
    keyed ``weight_ih`` ... like its parameters), the output layer's as ``dWhy`` (H, V)
    and ``dby`` (V,)."""
    for name, param in model.cell.named_parameters():
        param.grad = torch.tensor(np.asarray(packed[name]), dtype=DTYPE).reshape(param.shape)
    model.output.weight.grad = torch.tensor(np.asarray(d_why).T, dtype=DTYPE)
    model.output.bias.grad = torch.tensor(np.asarray(d_by), dtype=DTYPE)


def _as_state(*arrays: np.ndarray) -> State:
    """NumPy states (N, H) as the model's state tuple (float64 copies)."""
    return tuple(torch.tensor(np.asarray(a), dtype=DTYPE) for a in arrays)


def _output_params(model: CharModel) -> dict[str, np.ndarray]:
    """The output layer as ``Why`` (H, V) and ``by`` (V,), the row-vector layout."""
    return {
        "Why": model.output.weight.detach().numpy().T.copy(),
        "by": model.output.bias.detach().numpy().copy(),
    }


class ReferenceBackend(Backend):
    """Gradients by the reference NumPy model's own backpropagation through time.

    The torch cell's weights go into a one-layer ``nn.RNN`` / ``nn.GRU`` / ``nn.LSTM``
    (``CharModel.as_layer``) and through ``reference.<cell>.params_from_torch`` (PyTorch's
    GRU is the reference's reset-after GRU); the gradients come back through
    ``params_to_torch``.
    """

    name = "reference"

    def __init__(self, cell, vocab_size, hidden_size, learning_rate, seed) -> None:
        try:
            self._numpy_model = importlib.import_module("reference.char_lm.numpy_model")
            self._cell_module = importlib.import_module(f"reference.{cell}")
        except ImportError as error:
            raise ImportError(
                "the 'reference' backend needs the course's answer key (the package "
                "'reference'), which is not installed here; use backend='autograd'"
            ) from error
        super().__init__(cell, vocab_size, hidden_size, learning_rate, seed)

    def reference_params(self) -> dict[str, np.ndarray]:
        """The model's parameters in the reference's layout (cell's own, ``Why``, ``by``)."""
        params = self._cell_module.params_from_torch(self.model.as_layer())
        return {**params, **_output_params(self.model)}

    def gradients(self, inputs, targets, state):
        params = self.reference_params()
        h0 = state[0].numpy()
        c0 = state[1].numpy() if self.cell == "lstm" else None
        loss, cache = self._numpy_model.forward(params, inputs, targets, h0, c0, cell=self.cell)
        grads, _, _ = self._numpy_model.backward(cache)
        d_why, d_by = grads.pop("Why"), grads.pop("by")
        grad_layer = self._cell_module.params_to_torch(grads)  # gradients as torch weights
        packed = {
            name: getattr(grad_layer, f"{name}_l0").detach().numpy()
            for name in ("weight_ih", "weight_hh", "bias_ih")
        }
        # Where the reference has one bias b = b_ih + b_hh, both get its gradient; the
        # GRU's candidate keeps two (bh and bhn, the last block in PyTorch's order).
        packed["bias_hh"] = packed["bias_ih"].copy()
        if self.cell == "gru":
            H = self.model.hidden_size
            packed["bias_hh"][2 * H :] = grad_layer.bias_hh_l0.detach().numpy()[2 * H :]
        _set_grads(self.model, packed, d_why, d_by)
        final = (cache["h_last"], cache["c_last"]) if self.cell == "lstm" else (cache["h_last"],)
        return float(loss), _as_state(*final)


@dataclass(frozen=True)
class StudentCode:
    """Exercise 4's two functions: the notebook's given ``lstm_lm_forward`` and the
    student's ``lstm_lm_backward`` (see ``playground.exercise4`` to load both)."""

    forward: Callable
    backward: Callable


class StudentCodeNotReady(NotImplementedError):
    """The student's ``lstm_lm_backward`` raised NotImplementedError: not written yet."""


class StudentCodeError(ValueError):
    """The student's ``lstm_lm_backward`` returned something the training step cannot use."""


def lstm_params(model: CharModel) -> dict[str, np.ndarray]:
    """The LSTM model's 14 parameters in exercise 4's layout (float64 copies).

    ``W*`` (V, H), ``U*`` (H, H), ``b* = b_ih + b_hh`` (H,) per gate (PyTorch's blocks
    i, f, g, o are exercise 4's i, f, c, o), then ``Why`` (H, V) and ``by`` (V,).
    """
    blocks = {
        name: dict(zip(LSTM_TORCH_GATES, np.split(param.detach().numpy(), 4)))
        for name, param in model.cell.named_parameters()
    }  # e.g. blocks["weight_ih"]["f"]: (H, V), the forget gate's rows
    params = {}
    for gate, (W, U, b) in LSTM_PARAM_NAMES.items():
        params[W] = blocks["weight_ih"][gate].T.copy()  # (V, H)
        params[U] = blocks["weight_hh"][gate].T.copy()  # (H, H)
        params[b] = blocks["bias_ih"][gate] + blocks["bias_hh"][gate]  # (H,)
    return {**params, **_output_params(model)}


class StudentBackend(Backend):
    """The LSTM trained with the student's backward pass from exercise 4."""

    name = "student"

    def __init__(
        self, cell, vocab_size, hidden_size, learning_rate, seed, student: StudentCode
    ) -> None:
        if cell != "lstm":
            raise ValueError(
                f"the student backend trains the LSTM of exercise 4 only, not the {cell}"
            )
        super().__init__(cell, vocab_size, hidden_size, learning_rate, seed)
        self.student = student

    def gradients(self, inputs, targets, state):
        params = lstm_params(self.model)
        h0, c0 = (s.numpy().copy() for s in state)
        loss, cache = self.student.forward(params, inputs, targets, h0, c0)
        try:
            result = self.student.backward(cache)
        except NotImplementedError as error:
            raise StudentCodeNotReady(
                "lstm_lm_backward (exercise 4) is not implemented yet: it raised "
                "NotImplementedError. Finish exercise 4 to train with your own backward "
                "pass, or use backend='autograd'."
            ) from error
        grads = _check_student_grads(result, params)
        # Back to PyTorch's layout: the gates' blocks stacked in its order, transposed.
        names = [LSTM_PARAM_NAMES[gate] for gate in LSTM_TORCH_GATES]
        packed = {
            "weight_ih": np.concatenate([grads[W].T for W, _, _ in names]),  # (4H, V)
            "weight_hh": np.concatenate([grads[U].T for _, U, _ in names]),  # (4H, H)
            "bias_ih": np.concatenate([grads[b] for _, _, b in names]),  # (4H,)
        }
        packed["bias_hh"] = packed["bias_ih"]  # b = b_ih + b_hh: both get the gradient
        _set_grads(self.model, packed, grads["Why"], grads["by"])
        return float(loss), _as_state(cache["h"][:, -1], cache["c"][:, -1])


def _check_student_grads(result, params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The student's gradients dict, after checking it has every parameter's shape."""
    if not (isinstance(result, tuple) and len(result) == 3 and isinstance(result[0], dict)):
        raise StudentCodeError(
            "lstm_lm_backward(cache) must return (grads, dh0, dc0) with grads a dict; "
            f"it returned {type(result).__name__}"
        )
    grads = result[0]
    for name, value in params.items():
        if name not in grads:
            raise StudentCodeError(f"lstm_lm_backward's grads has no entry {name!r}")
        if np.shape(grads[name]) != value.shape:
            raise StudentCodeError(
                f"lstm_lm_backward's grads[{name!r}] has shape {np.shape(grads[name])}, "
                f"expected {value.shape}"
            )
    return {name: np.asarray(grads[name], dtype=np.float64) for name in params}


BACKENDS = {"autograd": AutogradBackend, "reference": ReferenceBackend, "student": StudentBackend}


def make_backend(
    name: str,
    cell: str,
    vocab_size: int,
    hidden_size: int,
    learning_rate: float,
    seed: int,
    student: StudentCode | None = None,
) -> Backend:
    """The backend called ``name`` (one of ``BACKENDS``) with a fresh model from ``seed``.

    ``student`` (exercise 4's functions) is needed by, and only by, ``"student"``.
    """
    if name not in BACKENDS:
        raise ValueError(f"backend must be one of {tuple(BACKENDS)}, got {name!r}")
    if name == "student":
        if student is None:
            raise ValueError(
                "the student backend needs exercise 4's functions: pass "
                "student=StudentCode(forward=lstm_lm_forward, backward=lstm_lm_backward)"
            )
        return StudentBackend(cell, vocab_size, hidden_size, learning_rate, seed, student)
    return BACKENDS[name](cell, vocab_size, hidden_size, learning_rate, seed)
