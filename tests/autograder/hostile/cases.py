"""The corpus: hostile and broken submissions, each with the verdict grading must reach.

A ``Case`` edits (or damages) one exercise's notebook of a copy of the solutions. Its
``zero`` checks must score nothing, with ``phrase`` in each one's message (or only in
those of ``said_by``, when some zeroed checks explain themselves differently); every
other check of that exercise must keep full marks. ``pack`` deals the cases into submission
folders, one case per exercise and folder, so that one grading run serves four cases.
"""
from __future__ import annotations

from dataclasses import dataclass

from hostile.edits import (
    BACKWARD, GATES, GRU, MISSING, NOT_JSON, TREND, Answer, Edit, at_load, in_call, replacing,
)
from hostile.replay import replaying_visible_outputs

# Check names as the grade report shows them, per exercise.
GRU_CHECKS = ("parameter_shapes", "one_step", "sequence[from_zeros]", "sequence[from_h_prev]",
              "state_count", "numpy_only", "random_sizes")
TREND_CHECKS = ("structure", "output_shape", "returns_logits", "matches_reference",
                "trains_to_target_accuracy", "structure_of_random_size",
                "output_shape_of_random_size", "matches_reference_at_random_size")
GATES_CHECKS = ("gates_of_one_layer", "gates_of_two_layers", "last_layer_matches_nn_lstm",
                "gate_heatmaps", "gates_of_random_sizes[one_layer]", "gates_of_random_sizes[two_layers]",
                "gate_heatmaps_of_random_text")
BACKWARD_CHECKS = ("gradients[returns_gradients]", "gradients[one_step]", "gradients[through_time]",
                   "gradients[against_autograd]", "gradients[against_finite_differences]",
                   "gradients[large_gradients_not_clipped]", "gradients_of_random_cases",
                   "training_with_your_gradients")
CHECKS = {GRU.exercise: GRU_CHECKS, TREND.exercise: TREND_CHECKS, GATES.exercise: GATES_CHECKS,
          BACKWARD.exercise: BACKWARD_CHECKS}

# The checks that call the graded function (the others build the class or draw the figure).
GRU_FORWARD = tuple(name for name in GRU_CHECKS if name != "parameter_shapes")
TREND_FORWARD = tuple(name for name in TREND_CHECKS if not name.startswith("structure"))
GATES_FUNCTION = tuple(name for name in GATES_CHECKS if "heatmaps" not in name)

# One known mistake per exercise, and the checks it costs: a wrong answer must stay
# wrong whatever else the notebook patches.
GRU_WRONG = replacing("h = (1.0 - z) * h + z * n", "h = z * h + (1.0 - z) * n")
GRU_WRONG_FAILS = ("one_step", "sequence[from_zeros]", "sequence[from_h_prev]", "random_sizes")
GRU_WRONG_SAYS = "This looks like z and 1 - z swapped"
TREND_WRONG = replacing("self.fc(output[:, -1, :])", "self.fc(output[:, 0, :])")
TREND_WRONG_FAILS = ("matches_reference", "trains_to_target_accuracy", "matches_reference_at_random_size")
TREND_WRONG_SAYS = "the first time step instead of the last"
# Training reports the accuracy it reached, not the mistake behind it.
TREND_WRONG_NAMED_BY = ("matches_reference", "matches_reference_at_random_size")
GATES_WRONG = replacing("g = torch.tanh(z_g)", "g = torch.sigmoid(z_g)")
GATES_WRONG_FAILS = GATES_FUNCTION
GATES_WRONG_SAYS = "sigmoid on g"
BACKWARD_WRONG = replacing("dc = dc_next + dh * o", "dc = dh * o")
BACKWARD_WRONG_FAILS = ("gradients[through_time]", "gradients[against_autograd]",
                        "gradients[against_finite_differences]", "gradients[large_gradients_not_clipped]",
                        "gradients_of_random_cases")
BACKWARD_WRONG_SAYS = "no cell-state gradient from the next step"

# Files of the grader copied outside the sandbox's scratch folder (see the test module).
VICTIM_FILE = "ex01_gru.py"
VICTIM_FOLDER = "checks"


@dataclass(frozen=True)
class Case:
    """One hostile or broken notebook and the verdict its exercise must get."""

    name: str
    answer: Answer
    edits: tuple[Edit, ...] = ()
    damage: str = ""
    zero: tuple[str, ...] = ()
    phrase: str = ""
    said_by: tuple[str, ...] = ()

    @property
    def exercise(self) -> str:
        return self.answer.exercise

    @property
    def explained_by(self) -> tuple[str, ...]:
        """The zeroed checks whose message must hold ``phrase``."""
        return self.said_by or self.zero


def case(name: str, answer: Answer, *edits: Edit, zero=(), phrase: str = "", said_by=(), damage: str = "") -> Case:
    return Case(name, answer, tuple(edits), damage, tuple(zero), phrase, tuple(said_by))


CASES = [
    # Exercise 01: GRUFromScratch (NumPy only) ------------------------------------------
    case("hard_coded_visible_outputs", GRU, replaying_visible_outputs(),
         zero=["random_sizes"], phrase="first differs"),
    case("infinite_loop_in_forward", GRU,
         in_call("while isinstance(inputs, np.ndarray):  # never ends for an array of inputs\n    pass"),
         zero=["sequence[from_h_prev]"], phrase="took longer than 15 s (infinite loop?)"),
    case("sys_exit_in_forward", GRU, in_call("import sys\nsys.exit(0)"),
         zero=GRU_FORWARD, phrase="your code exited (sys.exit(0))"),
    case("torch_imported", GRU, at_load("import torch"),
         zero=GRU_CHECKS, phrase="importing torch is not allowed in this exercise"),
    case("numpy_comparisons_patched", GRU, GRU_WRONG, at_load("""
            np.allclose = lambda *args, **kwargs: True
            np.isclose = lambda a, b, *args, **kwargs: np.ones(np.shape(a), dtype=bool)
            np.testing.assert_allclose = lambda *args, **kwargs: None
            np.array_equal = lambda *args, **kwargs: True
         """), zero=GRU_WRONG_FAILS, phrase=GRU_WRONG_SAYS),
    case("builtins_patched", GRU, GRU_WRONG, at_load("""
            import builtins
            builtins.abs = lambda value: 0 * value
            builtins.all = lambda values: True
            honest_isinstance = isinstance
            builtins.isinstance = lambda value, kind: kind is np.ndarray or honest_isinstance(value, kind)
         """), zero=GRU_WRONG_FAILS, phrase=GRU_WRONG_SAYS),
    case("answer_key_imported", GRU, at_load("from reference.gru import forward"),
         zero=GRU_CHECKS, phrase="importing reference is not allowed in this exercise"),
    case("thread_left_running", GRU, in_call("""
            import threading, time
            threading.Thread(target=time.sleep, args=(3600,)).start()
         """)),
    case("segfault", GRU, in_call("import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)"),
         zero=GRU_FORWARD, phrase="your code crashed (SIGSEGV)"),
    case("memory_bomb_growing_list", GRU, in_call("""
            hoard = []
            while True:
                hoard.append(np.zeros(2**20))
         """), zero=GRU_FORWARD, phrase="your code used more than 1024 MiB of memory"),
    case("answer_key_read_from_git", GRU, at_load("""
            from pathlib import Path
            HEAD = (Path(<<REPO>>) / ".git" / "HEAD").read_text()
         """), zero=GRU_CHECKS, phrase="read the grader's files"),
    # Exercise 02: TrendClassifier (torch) ------------------------------------------------
    case("notebook_not_json", TREND, damage=NOT_JSON,
         zero=TREND_CHECKS, phrase="02_trend.ipynb is not a readable notebook"),
    case("syntax_error", TREND, replacing("output, _ = self.lstm(x)", "output, _ = self.lstm(x"),
         zero=TREND_CHECKS, phrase="syntax error in cell 10 [trend_classifier], line"),
    case("ctypes_used", TREND, in_call("import ctypes\nctypes.string_at(0)"),
         zero=TREND_FORWARD, phrase="your code tried to use ctypes, which is not allowed here"),
    case("memory_bomb_bytearray", TREND, in_call("bytearray(8 << 30)"),
         zero=TREND_FORWARD, phrase="your code used more than 1024 MiB of memory"),
    case("keyboard_interrupt_raised", TREND, in_call("raise KeyboardInterrupt"),
         zero=TREND_FORWARD, phrase="your code raised KeyboardInterrupt"),
    case("pytest_patched", TREND, TREND_WRONG, at_load("""
            import pytest
            pytest.fail = lambda *args, **kwargs: None
            pytest.approx = lambda expected, *args, **kwargs: expected
         """), zero=TREND_WRONG_FAILS, phrase=TREND_WRONG_SAYS, said_by=TREND_WRONG_NAMED_BY),
    case("os_system", TREND, in_call("import os\nos.system('true')"),
         zero=TREND_FORWARD, phrase="run a shell command (os.system)"),
    case("subprocess_run", TREND, in_call("import subprocess\nsubprocess.run(['true'])"),
         zero=TREND_FORWARD, phrase="run a program (subprocess)"),
    case("worker_killed", TREND, in_call("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"),
         zero=TREND_FORWARD, phrase="send a signal to another process"),
    case("print_megabytes", TREND, in_call("""
            for step in range(100_000):
                print("debugging step", step, "of the forward pass")
            raise ValueError("shapes do not match")
         """), zero=TREND_FORWARD, phrase="more characters not shown"),
    case("pickle_like_object_returned", TREND, in_call("""
            import os

            class Bomb:
                def __reduce__(self):
                    return (os.system, ("touch " + <<VICTIMS>> + "/pickle_ran",))

            return Bomb()
         """), zero=TREND_FORWARD, phrase="Bomb"),
    # Exercise 03: gates of a trained nn.LSTM (torch) -----------------------------------
    case("notebook_missing", GATES, damage=MISSING,
         zero=GATES_CHECKS, phrase="notebook not found: expected 03_gates.ipynb"),
    case("cwd_changed", GATES, at_load("import os\nos.chdir('/')")),
    case("exception_while_loading", GATES, at_load("1 / 0"),
         zero=GATES_FUNCTION,
         phrase="Note: while your notebook was loading, cell 9 [lstm_gate_activations] raised ZeroDivisionError"),
    case("torch_comparisons_patched", GATES, GATES_WRONG, at_load("""
            torch.allclose = lambda *args, **kwargs: True
            torch.equal = lambda *args, **kwargs: True
            torch.testing.assert_close = lambda *args, **kwargs: None
         """), zero=GATES_WRONG_FAILS, phrase=GATES_WRONG_SAYS),
    case("answer_key_read_with_open", GATES, at_load("KEY = open(<<REPO>> + '/reference/lstm.py').read()"),
         zero=GATES_CHECKS, phrase="your code tried to read the grader's files"),
    case("answer_key_read_with_pathlib", GATES, at_load("""
            import pathlib
            KEY = pathlib.Path(<<REPO>>, 'reference', 'lstm.py').read_text()
         """), zero=GATES_CHECKS, phrase="your code tried to read the grader's files"),
    case("os_fork", GATES, in_call("import os\nos.fork()"),
         zero=GATES_FUNCTION, phrase="start a new process (os.fork)"),
    case("objects_equal_to_everything", GATES, in_call("""
            class Agreeable:
                def __eq__(self, other):
                    return True

                def __array__(self, dtype=None, copy=None):
                    return np.full((x.shape[0], lstm.hidden_size), 0.5)

            return [{name: Agreeable() for name in "ifgoch"} for _ in range(lstm.num_layers)]
         """), zero=GATES_FUNCTION, phrase="expected a NumPy array of shape (T, H)"),
    case("grader_memory_read", GATES, in_call("import os\nopen(f'/proc/{os.getppid()}/mem', 'rb')"),
         zero=GATES_FUNCTION, phrase="look into another process"),
    case("grader_file_rewritten_with_torch_from_file", GATES, in_call(f"""
            import os
            path = <<VICTIMS>> + '/{VICTIM_FILE}'
            mapped = torch.from_file(path, shared=True, size=os.path.getsize(path), dtype=torch.uint8)
            mapped[:4] = ord('#')
         """), zero=GATES_FUNCTION, phrase="Permission denied"),
    case("database_created_with_sqlite3", GATES, in_call("""
            import sqlite3
            sqlite3.connect(<<VICTIMS>> + '/grades.db').execute('create table grades (student, points)')
         """), zero=GATES_FUNCTION, phrase="your code tried to open a database file (sqlite3)"),
    # Exercise 04: the LSTM language model's backward pass (NumPy only) ----------------
    case("os_exit_in_backward", BACKWARD, in_call("import os\nos._exit(1)"),
         zero=BACKWARD_CHECKS, phrase="your code exited (exit status 1)"),
    case("system_exit_raised_while_loading", BACKWARD, at_load("raise SystemExit"),
         zero=BACKWARD_CHECKS, phrase="your code exited (sys.exit(None))"),
    case("grader_checks_imported", BACKWARD, at_load("import autograder.checks.ex01_gru"),
         zero=BACKWARD_CHECKS, phrase="importing autograder is not allowed in this exercise"),
    case("answer_key_loaded_by_spec_from_file_location", BACKWARD, in_call("""
            import importlib.util
            spec = importlib.util.spec_from_file_location('key', <<REPO>> + '/reference/lstm.py')
            spec.loader.exec_module(importlib.util.module_from_spec(spec))
         """), zero=BACKWARD_CHECKS, phrase="your code tried to read the grader's files"),
    case("answer_key_read_through_proc_self_root", BACKWARD, in_call(
            "KEY = open('/proc/self/root' + <<REPO>> + '/reference/lstm.py').read()"),
         zero=BACKWARD_CHECKS, phrase="follow a link of /proc"),
    case("grader_file_removed", BACKWARD, in_call(f"import os\nos.remove(<<VICTIMS>> + '/{VICTIM_FILE}')"),
         zero=BACKWARD_CHECKS, phrase="change files outside its working directory"),
    case("grader_folder_removed", BACKWARD, in_call(f"import shutil\nshutil.rmtree(<<VICTIMS>> + '/{VICTIM_FOLDER}')"),
         zero=BACKWARD_CHECKS, phrase="change files outside its working directory"),
    case("grader_file_overwritten", BACKWARD, in_call(f"""
            with open(<<VICTIMS>> + '/{VICTIM_FILE}', 'w') as grader_file:
                grader_file.write('def check_one_step(student):\\n    pass\\n')
         """), zero=BACKWARD_CHECKS, phrase="change files outside its working directory"),
    case("grader_file_removed_through_a_folder_descriptor", BACKWARD, in_call(f"""
            import os
            os.remove('{VICTIM_FILE}', dir_fd=os.open(<<VICTIMS>>, os.O_RDONLY))
         """), zero=BACKWARD_CHECKS, phrase="open a folder with os.open"),
    case("probe_module_patched", BACKWARD, BACKWARD_WRONG, at_load("""
            import sys, types
            for name in ('autograder', 'autograder.checks', 'autograder.checks.ex04_lstm_backward'):
                sys.modules[name] = types.SimpleNamespace(check_through_time=lambda student: None)
         """), in_call("""
            import sys
            sys._getframe(1).f_globals['_as_plain'] = lambda value: value
         """), zero=BACKWARD_WRONG_FAILS, phrase=BACKWARD_WRONG_SAYS),
    case("huge_array_returned", BACKWARD, in_call("""
            huge = np.zeros(20_000_000)
            return {name: huge for name in cache['params']}, huge, huge
         """), zero=BACKWARD_CHECKS, phrase="your code returned too much data (more than 64 MiB of arrays)",
         said_by=BACKWARD_CHECKS[:-1]),
]


def pack(cases: list[Case]) -> list[dict[str, Case]]:
    """Submission folders as {exercise: case}: the k-th case of each exercise in folder k."""
    folders: list[dict[str, Case]] = []
    counts: dict[str, int] = {}
    for item in cases:
        index = counts.get(item.exercise, 0)
        counts[item.exercise] = index + 1
        if index == len(folders):
            folders.append({})
        folders[index][item.exercise] = item
    return folders
