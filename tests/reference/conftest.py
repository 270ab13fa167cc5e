"""Fixtures of the reference cells' tests: one adapter per cell and the checks they share.

The three cells differ only in how many states they carry (the LSTM has ``c`` besides
``h``) and in the GRU's ``reset_after`` switch. ``Cell`` hides both, so each check below
is written once, and test_cells.py runs it on every cell: a test module lists its cells
in ``CELLS`` (names from ``CELL_CASES``) and asks for the ``cell_case`` fixture.

The two oracles are torch autograd of the cell's PyTorch twin (float64) and central
differences (``reference.gradcheck``); forward passes are also compared with the
``torch.nn`` module the cell converts from. Shapes: N batch, T time, D input, H hidden.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

import numpy as np
import pytest
import torch
from torch import nn

from reference import gradcheck, gru, lstm, rnn

SEED = 20240611

# (N, T, D, H): a single sample and a single step, D != H both ways, a longer sequence.
SHAPES = [(1, 1, 3, 4), (2, 5, 3, 4), (3, 4, 6, 2), (4, 7, 5, 5)]
# Small enough for central differences over every parameter.
FINITE_DIFF_SHAPE = (2, 3, 3, 4)
# Central differences are evaluated in extended precision (np.longdouble: 80-bit on
# x86-64 Linux), the cells following their inputs' dtype. In float64 their own rounding
# error, about 1e-16 * |loss| / step, is near 1e-11 at best, more than FINITE_DIFF_RTOL
# allows on gradient entries below 1e-4, which a random draw does produce; with 64-bit
# mantissas it falls below 1e-13 at gradcheck's step.
EXTENDED = np.longdouble


def max_abs_diff(actual, expected) -> float:
    """Largest absolute difference of two arrays or tensors (compared in float64)."""
    if isinstance(actual, torch.Tensor):
        actual = actual.detach().numpy()
    if isinstance(expected, torch.Tensor):
        expected = expected.detach().numpy()
    assert np.shape(actual) == np.shape(expected), f"{np.shape(actual)} != {np.shape(expected)}"
    return float(np.max(np.abs(np.asarray(actual, float) - np.asarray(expected, float)), initial=0))


def _assert_gradients_equal(actual, expected, tol, compare) -> None:
    """actual and expected: (dx, state gradients, grads); compare(a, e) -> error."""
    dx, dstates, grads = actual
    edx, edstates, egrads = expected
    assert compare(dx, edx) <= tol, "dx"
    assert len(dstates) == len(edstates)
    for k, (a, e) in enumerate(zip(dstates, edstates)):
        assert compare(a, e) <= tol, f"gradient on initial state {k}"
    assert grads.keys() == egrads.keys()
    for name in grads:
        assert grads[name].shape == egrads[name].shape, name
        assert compare(grads[name], egrads[name]) <= tol, name


def _numerical_gradients(loss, x, states, params):
    """Central differences of the scalar loss() with respect to x, states and params.

    The arrays are perturbed in place; loss() must read them and return an EXTENDED
    scalar (not a float, which would round the difference away).
    """
    return (
        gradcheck.numerical_gradient(loss, x),
        tuple(gradcheck.numerical_gradient(loss, s) for s in states),
        {name: gradcheck.numerical_gradient(loss, value) for name, value in params.items()},
    )


def _extended(x, states, params):
    """EXTENDED copies of the inputs, for ``_numerical_gradients``."""
    return (
        x.astype(EXTENDED),
        tuple(s.astype(EXTENDED) for s in states),
        {name: value.astype(EXTENDED) for name, value in params.items()},
    )


@dataclass(frozen=True)
class Cell:
    """One reference cell behind a uniform interface.

    States travel as tuples, ``(h,)`` or ``(h, c)``, in the order of ``states``;
    ``options`` are the keyword arguments the module's functions take (GRU: reset_after).
    """

    module: ModuleType
    nn_class: type[nn.RNNBase]
    twin_class: type[nn.Module]
    states: tuple[str, ...] = ("h",)
    options: tuple[tuple[str, object], ...] = ()

    # --- the module's functions, uniformly --------------------------------------------

    def init_params(self, D, H, rng, dtype=np.float64):
        return self.module.init_params(D, H, rng, dtype=dtype, **dict(self.options))

    def forward(self, x, states, params):
        """(h (N, T, H), cache)."""
        return self.module.forward(x, *states, params, **dict(self.options))

    def backward(self, dh, cache):
        """(dx, state gradients as a tuple, grads)."""
        dx, *dstates, grads = self.module.backward(dh, cache)
        return dx, tuple(dstates), grads

    def step_forward(self, x, states, params):
        """(outputs as a tuple (h,) or (h, c), cache)."""
        *outputs, cache = self.module.step_forward(x, *states, params, **dict(self.options))
        return tuple(outputs), cache

    def step_backward(self, doutputs, cache):
        """(dx, state gradients as a tuple, grads)."""
        dx, *dstates, grads = self.module.step_backward(*doutputs, cache)
        return dx, tuple(dstates), grads

    def params_from_torch(self, module, layer=0):
        return self.module.params_from_torch(module, layer, **dict(self.options))

    def params_to_torch(self, params):
        return self.module.params_to_torch(params)

    # --- torch ---------------------------------------------------------------------------

    def nn_module(self, D, H, num_layers=1, batch_first=True):
        """A float64 ``nn_class`` with torch's own random initialisation."""
        return self.nn_class(
            D, H, num_layers=num_layers, batch_first=batch_first, dtype=torch.float64
        )

    def run_nn(self, module, x, states):
        """Every step's top-layer h as (N, T, H) and the final states, each (L, N, H).

        x is (N, T, D) whatever the module's batch_first; states are (L, N, H) arrays.
        """
        x = torch.from_numpy(x if module.batch_first else x.swapaxes(0, 1))
        states = tuple(torch.from_numpy(s) for s in states)
        with torch.no_grad():
            out, last = module(x, states if len(states) > 1 else states[0])
        out = out.numpy()
        last = last if isinstance(last, tuple) else (last,)
        return (out if module.batch_first else out.swapaxes(0, 1)), tuple(s.numpy() for s in last)

    def twin(self, params):
        return self.twin_class(params, **dict(self.options))

    def twin_outputs(self, params, x, states):
        """The twin's outputs as (N, T, H) arrays: (h,) or (h, c)."""
        with torch.no_grad():
            outputs = self.twin(params)(torch.from_numpy(x), *map(torch.from_numpy, states))
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        return tuple(out.numpy() for out in outputs)

    def twin_autograd(self, params, x, states, upstream):
        """Autograd of sum(output * upstream) through the twin.

        upstream: one array per twin output (h, then c for the LSTM); None skips one.
        Returns (outputs, dx, state gradients, parameter gradients).
        """
        twin = self.twin(params)
        x_t = torch.tensor(x, requires_grad=True)
        states_t = [torch.tensor(s, requires_grad=True) for s in states]
        outputs = twin(x_t, *states_t)
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        pairs = [(out, torch.from_numpy(up)) for out, up in zip(outputs, upstream) if up is not None]
        torch.stack([(out * up).sum() for out, up in pairs]).sum().backward()
        grads = {name: p.grad.numpy() for name, p in twin.named_parameters()}
        return (
            tuple(out.detach().numpy() for out in outputs),
            x_t.grad.numpy(),
            tuple(s.grad.numpy() for s in states_t),
            grads,
        )

    # --- random inputs -------------------------------------------------------------------

    def draw(self, rng, N, T, D, H, dtype=np.float64):
        """x (N, T, D) and the initial states, each (N, H), standard normal."""
        x = rng.standard_normal((N, T, D)).astype(dtype)
        return x, tuple(rng.standard_normal((N, H)).astype(dtype) for _ in self.states)

    # --- the checks shared by the cells' test modules -----------------------------------

    def check_forward_equals_nn(self, rng, shape, batch_first=True) -> None:
        """forward on params_from_torch(m) reproduces m's outputs and final states."""
        N, T, D, H = shape
        module = self.nn_module(D, H, batch_first=batch_first)
        x, states = self.draw(rng, N, T, D, H)
        h, cache = self.forward(x, states, self.params_from_torch(module))
        expected, last = self.run_nn(module, x, tuple(s[None] for s in states))
        assert max_abs_diff(h, expected) <= gradcheck.FORWARD_ATOL_F64
        for name, value in zip(self.states, last):
            assert max_abs_diff(cache[name][:, -1], value[0]) <= gradcheck.FORWARD_ATOL_F64, name

    def check_stacked_layer(self, rng, shape) -> None:
        """Layer 1 of a two-layer, time-major module, fed layer 0's outputs, equals the module."""
        N, T, D, H = shape
        module = self.nn_module(D, H, num_layers=2, batch_first=False)
        x, _ = self.draw(rng, N, T, D, H)
        states = tuple(rng.standard_normal((2, N, H)) for _ in self.states)
        expected, last = self.run_nn(module, x, states)
        layer_input = x
        for layer in range(2):
            params = self.params_from_torch(module, layer=layer)
            layer_input, cache = self.forward(layer_input, tuple(s[layer] for s in states), params)
            for name, value in zip(self.states, last):
                assert max_abs_diff(cache[name][:, -1], value[layer]) <= gradcheck.FORWARD_ATOL_F64
        assert max_abs_diff(layer_input, expected) <= gradcheck.FORWARD_ATOL_F64

    def check_round_trip(self, rng, shape) -> None:
        """params_to_torch(params_from_torch(m)) computes what m computes, and
        params_from_torch(params_to_torch(p)) gives p back."""
        N, T, D, H = shape
        module = self.nn_module(D, H)
        x, states = self.draw(rng, N, T, D, H)
        states = tuple(s[None] for s in states)
        rebuilt = self.params_to_torch(self.params_from_torch(module))
        assert isinstance(rebuilt, self.nn_class) and rebuilt.batch_first and rebuilt.num_layers == 1
        expected, expected_last = self.run_nn(module, x, states)
        actual, actual_last = self.run_nn(rebuilt, x, states)
        assert max_abs_diff(actual, expected) <= gradcheck.FORWARD_ATOL_F64
        for a, e in zip(actual_last, expected_last):
            assert max_abs_diff(a, e) <= gradcheck.FORWARD_ATOL_F64
        for dtype in (np.float64, np.float32):
            params = self.init_params(D, H, rng, dtype=dtype)
            back = self.params_from_torch(self.params_to_torch(params))
            assert back.keys() == params.keys()
            for name, value in params.items():
                assert back[name].dtype == dtype, name
                np.testing.assert_array_equal(back[name], value, err_msg=name)

    def check_forward_equals_twin(self, rng, shape) -> None:
        """forward, and step_forward chained over time, equal the twin's every output."""
        N, T, D, H = shape
        params = self.init_params(D, H, rng)
        x, states = self.draw(rng, N, T, D, H)
        h, cache = self.forward(x, states, params)
        outputs = self.twin_outputs(params, x, states)
        for name, expected in zip(self.states, outputs):
            assert cache[name].shape == (N, T, H), name
            assert max_abs_diff(cache[name], expected) <= gradcheck.FORWARD_ATOL_F64, name
        assert max_abs_diff(h, outputs[0]) <= gradcheck.FORWARD_ATOL_F64
        step_states = states
        for t in range(T):
            step_states, _ = self.step_forward(x[:, t], step_states, params)
            for name, value, expected in zip(self.states, step_states, outputs):
                assert max_abs_diff(value, expected[:, t]) <= gradcheck.FORWARD_ATOL_F64, (name, t)

    def check_backward_equals_twin(self, rng, shape) -> None:
        """backward gives dx, every initial state's and every parameter's gradient as autograd."""
        N, T, D, H = shape
        params = self.init_params(D, H, rng)
        x, states = self.draw(rng, N, T, D, H)
        dh = rng.standard_normal((N, T, H))
        _, cache = self.forward(x, states, params)
        _, *expected = self.twin_autograd(params, x, states, [dh] + [None] * (len(self.states) - 1))
        _assert_gradients_equal(
            self.backward(dh, cache), expected, gradcheck.BACKWARD_ATOL_F64, max_abs_diff
        )

    def check_step_equals_twin(self, rng, shape) -> None:
        """step_forward and step_backward (upstream on every output) equal the twin at T = 1."""
        N, _, D, H = shape
        params = self.init_params(D, H, rng)
        x, states = self.draw(rng, N, 1, D, H)
        upstream = [rng.standard_normal((N, H)) for _ in self.states]
        outputs, cache = self.step_forward(x[:, 0], states, params)
        expected, *expected_grads = self.twin_autograd(params, x, states, [u[:, None] for u in upstream])
        for value, e in zip(outputs, expected):
            assert max_abs_diff(value, e[:, 0]) <= gradcheck.FORWARD_ATOL_F64
        dx, dstates, grads = self.step_backward(upstream, cache)
        _assert_gradients_equal(
            (dx[:, None], dstates, grads), expected_grads, gradcheck.BACKWARD_ATOL_F64, max_abs_diff
        )

    def check_backward_equals_finite_differences(self, rng) -> None:
        """backward agrees with central differences of sum(h * dh), taken in EXTENDED."""
        N, T, D, H = FINITE_DIFF_SHAPE
        params = self.init_params(D, H, rng)
        x, states = self.draw(rng, N, T, D, H)
        dh = rng.standard_normal((N, T, H))
        _, cache = self.forward(x, states, params)
        analytic = self.backward(dh, cache)
        x, states, params = _extended(x, states, params)

        def loss():
            return np.sum(self.forward(x, states, params)[0] * dh)

        numeric = _numerical_gradients(loss, x, states, params)
        _assert_gradients_equal(analytic, numeric, gradcheck.FINITE_DIFF_RTOL, gradcheck.rel_error)

    def check_step_backward_equals_finite_differences(self, rng) -> None:
        """step_backward agrees with central differences of the sum of output * upstream."""
        N, _, D, H = FINITE_DIFF_SHAPE
        params = self.init_params(D, H, rng)
        x, states = self.draw(rng, N, 1, D, H)
        x = x[:, 0]
        upstream = [rng.standard_normal((N, H)) for _ in self.states]
        _, cache = self.step_forward(x, states, params)
        analytic = self.step_backward(upstream, cache)
        x, states, params = _extended(x, states, params)

        def loss():
            outputs, _ = self.step_forward(x, states, params)
            return sum(np.sum(out * up) for out, up in zip(outputs, upstream))

        numeric = _numerical_gradients(loss, x, states, params)
        _assert_gradients_equal(analytic, numeric, gradcheck.FINITE_DIFF_RTOL, gradcheck.rel_error)

    def check_float32(self, rng, shape) -> None:
        """float32 in gives float32 out (states, cache, gradients), close to float64."""
        N, T, D, H = shape
        params64 = self.init_params(D, H, rng)
        x64, states64 = self.draw(rng, N, T, D, H)
        dh64 = rng.standard_normal((N, T, H))
        results = {}
        for dtype in (np.float64, np.float32):
            params = {name: value.astype(dtype) for name, value in params64.items()}
            x, states, dh = x64.astype(dtype), tuple(s.astype(dtype) for s in states64), dh64.astype(dtype)
            h, cache = self.forward(x, states, params)
            dx, dstates, grads = self.backward(dh, cache)
            arrays = {"h": h, "dx": dx, **{f"d{s}0": d for s, d in zip(self.states, dstates)}}
            arrays.update({f"cache[{key!r}]": cache[key] for key in self.states})
            arrays.update({f"d{name}": value for name, value in grads.items()})
            for name, value in arrays.items():
                assert value.dtype == dtype, f"{name} is {value.dtype}, expected {np.dtype(dtype)}"
            results[dtype] = arrays
        for name, value in results[np.float32].items():
            assert max_abs_diff(value, results[np.float64][name]) <= gradcheck.FLOAT32_ATOL, name


CELL_CASES = {
    "lstm": Cell(lstm, nn.LSTM, lstm.TorchLSTM, states=("h", "c")),
    # The lecture GRU: nn.GRU computes the other variant, so only its twin is an oracle.
    "gru": Cell(gru, nn.GRU, gru.TorchGRU, options=(("reset_after", False),)),
    "gru_reset_after": Cell(gru, nn.GRU, gru.TorchGRU, options=(("reset_after", True),)),
    "rnn": Cell(rnn, nn.RNN, rnn.TorchRNN),
}


def pytest_generate_tests(metafunc):
    """Run every test that asks for ``cell_case`` on each cell its module lists in CELLS,
    unless the test parametrizes ``cell_case`` itself (indirectly, with names)."""
    if "cell_case" not in metafunc.fixturenames or not hasattr(metafunc.module, "CELLS"):
        return
    if any("cell_case" in mark.args[0] for mark in metafunc.definition.iter_markers("parametrize")):
        return  # the test names its cells itself (e.g. only those that equal a torch.nn module)
    metafunc.parametrize("cell_case", metafunc.module.CELLS, indirect=True)


@pytest.fixture
def cell_case(request) -> Cell:
    """The cell named by the test's parameter; torch's generator seeded for nn modules."""
    torch.manual_seed(SEED)
    return CELL_CASES[request.param]


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(SEED)


@pytest.fixture
def torch_seed() -> int:
    """Seeds torch's global generator, which torch.nn modules draw their weights from."""
    torch.manual_seed(SEED)
    return SEED


@pytest.fixture(params=SHAPES, ids=lambda s: "N{}-T{}-D{}-H{}".format(*s))
def shape(request) -> tuple[int, int, int, int]:
    return request.param
