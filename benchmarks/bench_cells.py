"""Speed of the NumPy reference cells against torch.nn, forward plus backward.

Run by hand: ``python benchmarks/bench_cells.py [--threads 2] [--rounds 30] [--clock cpu]``.

One process times, for each cell, the NumPy ``forward`` + ``backward`` (dx, dh0, dc0 and
every parameter gradient) against ``torch.nn.{LSTM,GRU,RNN}`` forward + autograd
backward (inputs and initial states requiring grad, so both compute the same gradients)
at N=64, T=40, D=32, H=128 in float32. The runs alternate (NumPy then torch, then the
other way round) so that a busy machine slows both alike; the table reports each side's
median and the median of the per-round ratios, plus each side's fastest run (closest to
an idle machine; the load average is printed too, since other processes skew all of
this). The GRU is the reset-after variant, the one nn.GRU computes. NumPy's BLAS and
torch get the same number of threads. The row ``lstm-mm`` times only the matmuls of the
NumPy LSTM's forward and backward (same shapes and calls, no elementwise work): the
floor that BLAS sets for it.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

N, T, D, H = 64, 40, 32, 128
CELLS = ("lstm", "lstm-mm", "gru", "rnn")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--rounds", type=int, default=30, help="timed rounds per cell")
    parser.add_argument("--warmup", type=int, default=5, help="untimed rounds per cell")
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="wall: elapsed time; cpu: this process's CPU time, steadier on a busy machine "
        "but only comparable to wall time with --threads 1",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    # BLAS libraries read their thread count when they are loaded: set it before the
    # first import of numpy or torch.
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = str(args.threads)
    import numpy as np
    import torch

    from reference import gru, lstm, rnn

    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    dtype = np.float32
    x = rng.standard_normal((N, T, D)).astype(dtype)
    h0, c0 = rng.standard_normal((2, N, H)).astype(dtype)
    dh = rng.standard_normal((N, T, H)).astype(dtype)

    def numpy_run(cell: str):
        """A closure running forward + backward of the NumPy cell."""
        if cell == "lstm":
            params = lstm.init_params(D, H, rng, dtype=dtype)
            return lambda: lstm.backward(dh, lstm.forward(x, h0, c0, params)[1])
        if cell == "lstm-mm":
            return lstm_matmuls()
        if cell == "gru":
            params = gru.init_params(D, H, rng, dtype=dtype, reset_after=True)
            return lambda: gru.backward(dh, gru.forward(x, h0, params, reset_after=True)[1])
        params = rnn.init_params(D, H, rng, dtype=dtype)
        return lambda: rnn.backward(dh, rnn.forward(x, h0, params)[1])

    def lstm_matmuls():
        """A closure running the matmuls of the NumPy LSTM's forward and backward only."""
        x_ones = np.ones((T * N, D + 1), dtype=dtype)  # [x, 1], time-major
        W_b, U = (rng.standard_normal(shape).astype(dtype) for shape in ((D + 1, 4 * H), (H, 4 * H)))
        h, recurrent = np.zeros((N, H), dtype=dtype), np.empty((N, 4 * H), dtype=dtype)
        dact = rng.standard_normal((T * N, 4 * H)).astype(dtype)
        h_prev = rng.standard_normal((T * N, H)).astype(dtype)

        def run():
            x_ones @ W_b  # input projection
            for _ in range(T):
                np.matmul(h, U, out=recurrent)
            for t in range(T):
                np.matmul(dact[t * N : (t + 1) * N], U.T, out=h)
            dact @ W_b[:-1].T, x_ones.T @ dact, h_prev.T @ dact  # dx, [dW; db], dU

        return run

    def torch_run(cell: str):
        """A closure running forward + autograd backward of the torch.nn module."""
        cell = cell.removesuffix("-mm")
        kind = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[cell]
        module = kind(D, H, batch_first=True)
        x_t = torch.from_numpy(x).requires_grad_()
        states = [torch.from_numpy(s[None].copy()).requires_grad_() for s in (h0, c0)]
        dh_t = torch.from_numpy(dh)
        leaves = [x_t, *states, *module.parameters()]

        def run():
            for leaf in leaves:
                leaf.grad = None
            out, _ = module(x_t, tuple(states) if cell == "lstm" else states[0])
            out.backward(dh_t)

        return run

    clock = time.perf_counter if args.clock == "wall" else time.process_time

    def seconds(run) -> float:
        start = clock()
        run()
        return clock() - start

    print(f"N={N} T={T} D={D} H={H} float32; numpy (BLAS) and torch threads: {args.threads}; "
          f"{args.rounds} interleaved rounds after {args.warmup} warm-up; {args.clock} clock")
    print("load average at start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print("medians of the timed rounds; min: the fastest round (ms)")
    header = ("cell", "numpy ms", "torch ms", "numpy/torch", "numpy min", "torch min")
    print(f"{header[0]:<8}" + "".join(f"{h:>12}" for h in header[1:]))
    for cell in CELLS:
        runs = {"numpy": numpy_run(cell), "torch": torch_run(cell)}
        times = {"numpy": [], "torch": []}
        for k in range(args.warmup + args.rounds):
            order = ("numpy", "torch") if k % 2 == 0 else ("torch", "numpy")
            for side in order:
                elapsed = seconds(runs[side])
                if k >= args.warmup:
                    times[side].append(elapsed)
        ratio = statistics.median(a / b for a, b in zip(times["numpy"], times["torch"]))
        medians = [1e3 * statistics.median(times[side]) for side in ("numpy", "torch")]
        fastest = [1e3 * min(times[side]) for side in ("numpy", "torch")]
        row = (*medians, ratio, *fastest)
        print(f"{cell:<8}" + "".join(f"{value:>12.2f}" for value in row))
    print("load average at end:   {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
