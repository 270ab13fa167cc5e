"""Probes for exercise 02: build the student's ``TrendClassifier`` and report plain data.

The student's model is found by the types of its parts (one ``nn.LSTM``, one
``nn.Linear``), never by attribute names, and weights travel as float32 arrays under the
reference model's ``state_dict`` names (``lstm.weight_ih_l0`` ... ``fc.bias``). No probe
judges anything: every verdict is reached in the grader's process
(``autograder.checks.ex02_trend``), including the accuracy of a trained model, which is
measured there on weights this module sends back.
"""
from __future__ import annotations

import torch
import torch._dynamo  # noqa: F401 - see below
from torch import nn

from reference.trend_setup import one_thread, train_full_batch

# Building a torch optimizer imports ``torch._dynamo`` the first time (a second of
# imports). This module is imported in the sandbox worker before it forks its children,
# so the import above saves that second in every training call.

CLASS_NAME = "TrendClassifier"
LSTM_PREFIX = "lstm."
LINEAR_PREFIX = "fc."


def _build(ns, hidden_size, seed):
    """``TrendClassifier(hidden_size=hidden_size)`` with torch's generator seeded first."""
    if CLASS_NAME not in ns:
        raise NameError(f"name {CLASS_NAME!r} is not defined: the notebook must define the class")
    torch.manual_seed(seed)
    return ns[CLASS_NAME](hidden_size=hidden_size)


def _parts(model):
    """(the model's nn.LSTM, its nn.Linear) when it has exactly one of each, else None."""
    lstms = [m for m in model.modules() if isinstance(m, nn.LSTM)]
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if len(lstms) != 1 or len(linears) != 1:
        return None
    return lstms[0], linears[0]


def _describe(module) -> dict:
    """A module's type and, for recurrent and linear layers, their configuration."""
    facts = {"type": type(module).__name__}
    if isinstance(module, nn.RNNBase):
        for name in ("input_size", "hidden_size", "num_layers", "batch_first", "bidirectional"):
            facts[name] = getattr(module, name)
        facts["proj_size"] = getattr(module, "proj_size", 0)
    elif isinstance(module, nn.Linear):
        facts["in_features"] = module.in_features
        facts["out_features"] = module.out_features
        facts["bias"] = module.bias is not None
    return facts


def describe_model(ns, hidden_size, seed=0):
    """The layers of ``TrendClassifier(hidden_size)``, in registration order.

    Returns {"is_module": whether it is an nn.Module, "type": its type name,
    "layers": one description per submodule that is not a container (type, and the
    configuration of recurrent and linear layers)}.
    """
    model = _build(ns, hidden_size, seed)
    if not isinstance(model, nn.Module):
        return {"is_module": False, "type": type(model).__name__, "layers": []}
    layers = [
        _describe(module)
        for module in model.modules()
        if module is not model and not list(module.children())
    ]
    return {"is_module": True, "type": type(model).__name__, "layers": layers}


def _run(model, x):
    """``model(x)`` without gradients, the result as an array or, if not a tensor, its type name."""
    with torch.no_grad(), one_thread():
        result = model(torch.from_numpy(x.copy()))
    if isinstance(result, torch.Tensor):
        return result.detach().cpu().numpy()
    return type(result).__name__


def forward_outputs(ns, hidden_size, inputs, seed=0):
    """What the freshly built model returns for each input of ``inputs`` (list of (N, T, 1)).

    Returns a list: an array per input (or the returned type's name when not a tensor).
    """
    model = _build(ns, hidden_size, seed)
    model.eval()
    return [_run(model, x) for x in inputs]


def _load(parts, weights) -> bool:
    """Copies ``weights`` into the model's LSTM and Linear; False when they do not fit."""
    lstm, linear = parts
    for module, prefix in ((lstm, LSTM_PREFIX), (linear, LINEAR_PREFIX)):
        own = module.state_dict()
        given = {name[len(prefix):]: array for name, array in weights.items() if name.startswith(prefix)}
        if set(given) != set(own) or any(tuple(own[k].shape) != given[k].shape for k in own):
            return False
        module.load_state_dict({k: torch.from_numpy(v.copy()).to(own[k].dtype) for k, v in given.items()})
    return True


def forward_with_weights(ns, weights, x, seed=0):
    """The model's output for ``x`` (N, T, 1) once its LSTM and Linear hold ``weights``.

    weights: float32 arrays named as the reference's ``state_dict`` (H from ``fc.weight``).
    Returns {"loaded": whether the weights fit one nn.LSTM and one nn.Linear,
    "output": the output array (or the returned type's name), None when not loaded}.
    """
    model = _build(ns, weights["fc.weight"].shape[1], seed)
    parts = _parts(model) if isinstance(model, nn.Module) else None
    if parts is None or not _load(parts, weights):
        return {"loaded": False, "output": None}
    model.eval()
    return {"loaded": True, "output": _run(model, x)}


def _weights(parts) -> dict:
    """The LSTM's and Linear's weights as float32 arrays under the reference's names."""
    lstm, linear = parts
    weights = {}
    for module, prefix in ((lstm, LSTM_PREFIX), (linear, LINEAR_PREFIX)):
        for name, value in module.state_dict().items():
            weights[prefix + name] = value.detach().cpu().to(torch.float32).numpy().copy()
    return weights


def train(ns, X, y, hidden_size, seed, epochs, lr):
    """Trains a freshly seeded model with the grader's full-batch loop; returns its weights.

    X: (N, T, 1) float32 sequences; y: (N, 1) float32 labels.
    Returns {"losses": the loss of every epoch, "weights": the trained weights (see
    ``forward_with_weights``), or None when the model has not one LSTM and one Linear}.
    """
    model = _build(ns, hidden_size, seed)
    losses = train_full_batch(model, torch.from_numpy(X.copy()), torch.from_numpy(y.copy()), epochs, lr)
    parts = _parts(model)
    return {"losses": losses, "weights": None if parts is None else _weights(parts)}
