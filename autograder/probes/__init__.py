"""Probes: grader functions that run inside the sandbox, next to the student's code.

One module per exercise, ``exNN_name.py``. A probe is ``probe(ns, *args, **kwargs)``
where ``ns`` is the dict of the notebook's globals after its given and solution cells
ran; it exercises the student's code and returns plain data (see ``autograder.wire``).
Probes compare nothing: all verdicts are reached in the grader's process. A probe may
raise ``CheckFailed`` for a problem it can explain (a missing class or attribute).
Probe modules are imported before student code runs, so import what you need at the top.
"""


def notebook_function(ns, name):
    """The notebook's function ``name``; a NameError naming it when the notebook lacks it
    (a cell that failed to load, a renamed function), instead of a KeyError from the probe."""
    if name not in ns:
        raise NameError(f"name {name!r} is not defined: the notebook must define the function")
    return ns[name]
