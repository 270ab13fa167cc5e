"""Project-wide test configuration.

- pytest's own ``pytester``, for testing the grading plugin.
- One BLAS/OpenMP thread for the whole suite (set before NumPy or torch load): the
  tests' matrices are small, and on a 2-core machine that runs notebooks and graders in
  subprocesses too, several threads per process only contend for the cores. torch reads
  OMP_NUM_THREADS as well, so its own thread pool starts at one: no test needs to call
  ``torch.set_num_threads``. Subprocesses (notebook kernels, graders) inherit the setting.
"""
import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

pytest_plugins = ["pytester"]
