"""The course's autograder: a pytest plugin, a sandbox for student code, shared checks.

``pytest autograder`` grades the notebooks in ``assignments/rnn/``;
``pytest autograder --submission PATH`` grades another folder or one notebook.

Layout, one job per module:

* ``errors``: ``CheckFailed`` / ``NotImplementedYet``, the only way a check fails.
* ``notebook``: which cells of a notebook run (tagged ``given`` or nbgrader solution
  cells), IPython magics stripped, the submission digest behind the hidden checks' seed.
* ``wire``: plain data (numbers, strings, numeric arrays, lists/tuples/dicts of them)
  to bytes and back, without pickle.
* ``guard``: the audit hook that confines student code inside the worker.
* ``worker``: the sandbox process: preloads numpy/torch/matplotlib once, forks a fresh
  child per probe call, enforces time and memory limits.
* ``sandbox``: the grader's side of the worker; ``SandboxStudent.call`` turns every
  outcome (value, exception, timeout, crash) into data or a ``CheckFailed``.
* ``student_errors``: student exceptions reduced to their own frames, and the messages.
* ``notebook_checks``: ``local_student`` for nbgrader test cells inside the kernel.
* ``compare`` / ``diagnose``: feedback helpers every check uses.
* ``results`` / ``plugin`` / ``grade``: results, the pytest plugin, batch grading.

Per exercise ``NN_name`` (e.g. ``01_gru``) there are four modules: ``probes/exNN_name.py``
(grader functions run next to the student's code), ``checks/exNN_name.py`` (plain check
functions), ``mistakes/exNN_name.py`` (known wrong implementations) and
``test_exNN_name.py`` (pytest tests with ``points``/``hidden`` markers).
"""
