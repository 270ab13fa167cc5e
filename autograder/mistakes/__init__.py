"""Known mistakes: one module per exercise, ``exNN_name.py``, each a list of
``autograder.diagnose.Mistake`` records (a name, a hint, and a wrong implementation
that runs in the grader on the same inputs as the student's code).
"""
