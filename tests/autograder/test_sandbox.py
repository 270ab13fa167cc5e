"""The sandbox: student code runs in a child process and every outcome becomes feedback."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.compare import assert_array_close
from autograder.errors import CheckFailed, NotImplementedYet
from autograder.sandbox import PROJECT_DIR, with_huge_pages


def test_a_call_returns_plain_data(sandbox, cells):
    """Does a probe's result come back as the same plain data?"""
    student = sandbox(cells.solution("import numpy as np\ndef f(x):\n    return np.asarray(x) * 2, {'n': 3}"))
    array, extra = student.call("call", "f", [1.0, 2.0])
    np.testing.assert_array_equal(array, [2.0, 4.0])
    assert extra == {"n": 3}


def test_an_untouched_stub_is_not_implemented_yet(sandbox, cells):
    """Does NotImplementedError become NotImplementedYet naming the function?"""
    student = sandbox(
        cells.solution("class GRU:\n    def forward(self, x):\n        raise NotImplementedError()\n"
                       "def f(x):\n    return GRU().forward(x)")
    )
    with pytest.raises(NotImplementedYet, match=r"`GRU\.forward` is not implemented yet"):
        student.call("call", "f", 1)


def test_an_exception_shows_the_students_line(sandbox, cells):
    """Does an exception name its type, message, cell and the student's own line?"""
    student = sandbox(cells.solution("def f(x):\n    y = x + 1\n    return y @ 'oops'", grade_id="step"))
    with pytest.raises(CheckFailed) as info:
        student.call("call", "f", 1)
    message = str(info.value)
    assert "TypeError" in message
    assert "cell 1 [step], line 3, in f" in message
    assert "return y @ 'oops'" in message
    assert "fake_probes" not in message  # grader frames are not shown


def test_an_infinite_loop_times_out(sandbox, cells):
    """Does a hang cost the check with a timeout message, and the next call still work?"""
    student = sandbox(cells.solution("def f():\n    while True:\n        pass\ndef g():\n    return 1"), timeout=1.0)
    with pytest.raises(CheckFailed, match=r"took longer than 1 s \(infinite loop\?\)"):
        student.call("call", "f")
    assert student.call("call", "g") == 1


@pytest.mark.parametrize(
    ("body", "pattern"),
    [
        ("import sys\n    sys.exit(3)", r"your code exited \(sys\.exit\(3\)\)"),
        ("import os\n    os._exit(3)", r"your code exited \(exit status 3\)"),
        ("import os, signal\n    os.kill(os.getpid(), signal.SIGSEGV)", r"your code crashed \(SIGSEGV\)"),
    ],
)
def test_exits_and_crashes_are_reported(sandbox, cells, body, pattern):
    """Do sys.exit, os._exit and a segfault each cost the check with a clear message?"""
    student = sandbox(cells.solution(f"def f():\n    {body}\n\ndef g():\n    return 2"))
    with pytest.raises(CheckFailed, match=pattern):
        student.call("call", "f")
    assert student.call("call", "g") == 2


def test_a_memory_bomb_hits_the_limit(sandbox, cells):
    """Does 200 MiB fail under a 64 MiB limit (while 8 MiB is fine), naming the limit?"""
    student = sandbox(
        cells.solution("import numpy as np\ndef f(mib):\n    return float(np.ones(mib * 2**17).sum())"),
        memory_mib=64,
    )
    assert student.call("call", "f", 8) == 8 * 2**17
    with pytest.raises(CheckFailed, match="used more than 64 MiB"):
        student.call("call", "f", 200)
    with pytest.raises(CheckFailed, match="used more than 64 MiB"):
        student.call("call", "f", 2**20)


def test_printing_megabytes_is_truncated(sandbox, cells):
    """Is a flood of prints captured, truncated, and shown with a failure?"""
    student = sandbox(
        cells.solution("def f():\n    for i in range(200_000):\n        print('spam', i)\n    raise ValueError('bad')"),
        output_limit=500,
    )
    with pytest.raises(CheckFailed) as info:
        student.call("call", "f")
    assert "spam 0" in info.value.output
    assert "more characters not shown" in info.value.output
    assert len(info.value.output) < 700


def test_patching_numpy_does_not_change_the_verdict(sandbox, cells):
    """Does a student's np.allclose = lambda: True leave the grader's comparison intact?"""
    student = sandbox(
        cells.solution("import numpy as np\nnp.allclose = lambda *a, **k: True\n"
                       "np.testing.assert_allclose = lambda *a, **k: None\n"
                       "def f():\n    return np.zeros(3)")
    )
    assert student.call("allclose_verdict") is True  # the patch is real inside the sandbox
    got = student.call("call", "f")
    assert not np.allclose(got, np.ones(3))
    with pytest.raises(CheckFailed, match="first differs at index 0"):
        assert_array_close(got, np.ones(3), "f()")


@pytest.mark.parametrize("module", ["reference", "reference.gradcheck", "autograder", "autograder.compare"])
def test_importing_the_answer_key_or_grader_is_refused(sandbox, cells, module):
    """Is importing reference or autograder refused with a message naming it?"""
    student = sandbox(cells.solution(f"def f():\n    import {module}\n    return 1"))
    with pytest.raises(CheckFailed, match=f"importing {module.split('.')[0]} is not allowed"):
        student.call("call", "f")


def test_torch_is_refused_when_the_exercise_forbids_it(sandbox, cells):
    """Is a top-level `import torch` refused in a torch-free exercise?"""
    student = sandbox(cells.solution("import torch\ndef f():\n    return 1"), forbid=("torch",))
    with pytest.raises(CheckFailed, match="importing torch is not allowed in this exercise"):
        student.call("call", "f")


def test_writing_or_deleting_outside_the_scratch_dir_is_refused(sandbox, cells, tmp_path):
    """Can student code write files in its own folder but not change anyone else's?"""
    victim = tmp_path / "grader_file.txt"
    victim.write_text("keep me")
    student = sandbox(
        cells.solution(
            "import os\n"
            "def local():\n    open('mine.txt', 'w').write('ok')\n    return open('mine.txt').read()\n"
            f"def write():\n    open({str(victim)!r}, 'w').write('gone')\n"
            f"def delete():\n    os.remove({str(victim)!r})\n"
            f"def sneaky():\n    open('../' * 20 + {str(victim)[1:]!r}, 'a').write('gone')\n"
        )
    )
    assert student.call("call", "local") == "ok"
    for name in ("write", "delete", "sneaky"):
        with pytest.raises(CheckFailed, match="outside its working directory"):
            student.call("call", name)
    assert victim.read_text() == "keep me"


def test_reading_the_reference_source_is_refused(sandbox, cells):
    """Is opening a file of the answer key refused?"""
    target = PROJECT_DIR / "reference" / "gradcheck.py"
    student = sandbox(cells.solution(f"def f():\n    return open({str(target)!r}).read()"))
    with pytest.raises(CheckFailed, match="read the grader's files"):
        student.call("call", "f")


def test_starting_a_process_is_refused(sandbox, cells):
    """Are os.system and subprocess refused?"""
    student = sandbox(
        cells.solution("import os, subprocess\ndef a():\n    os.system('true')\n"
                       "def b():\n    subprocess.run(['true'])\ndef c():\n    os.fork()")
    )
    for name in ("a", "b", "c"):
        with pytest.raises(CheckFailed, match="not allowed here"):
            student.call("call", name)


def test_a_huge_result_is_capped(sandbox, cells):
    """Is a result larger than the message limit refused instead of transferred?"""
    student = sandbox(cells.solution("x = 1"), max_bytes=2**20)
    with pytest.raises(CheckFailed, match="too much data"):
        student.call("big_array", 4)


def test_a_pickle_bomb_is_never_decoded(sandbox, cells, tmp_path):
    """Is an object whose unpickling would run code refused, with nothing executed?"""
    marker = tmp_path / "pwned"
    student = sandbox(
        cells.solution(
            "import os\nclass Bomb:\n"
            f"    def __reduce__(self):\n        return (os.system, ('touch {marker}',))\n"
            "bomb = Bomb()\nboxed = {'ok': [1, (2, Bomb())]}"
        )
    )
    for name in ("bomb", "boxed"):
        with pytest.raises(CheckFailed, match=r"an object of type __main__\.Bomb"):
            student.call("student_value", name)
    assert not marker.exists()


def test_only_given_and_solution_cells_run(sandbox, cells):
    """Are demo, training and test cells skipped while given and solution cells run?"""
    student = sandbox(
        cells.markdown("# Exercise"),
        cells.given("def given_helper():\n    return 1"),
        cells.demo("demo = 1\nraise SystemExit('demo cells must not run')"),
        cells.solution("answer = given_helper() + 1"),
        cells.demo("while True:\n    pass  # a training loop"),
        cells.test("tested = True"),
    )
    assert student.call("defined") == ["answer", "given_helper"]


def test_a_syntax_error_names_the_cell_and_line(sandbox, cells):
    """Does a cell that does not compile produce its cell and line?"""
    student = sandbox(cells.given("x = 1"), cells.solution("def f(:\n    pass", grade_id="broken"))
    with pytest.raises(CheckFailed, match=r"syntax error in cell 2 \[broken\], line 1"):
        student.call("call", "f")


def test_a_cell_that_raises_while_loading_is_noted(sandbox, cells):
    """When loading a cell fails and the check fails too, does the message say so?"""
    student = sandbox(cells.solution("raise ValueError('half-finished cell')", grade_id="late"))
    with pytest.raises(CheckFailed, match=r"(?s)does not define `f`.*Note: .*cell 1 \[late\].*half-finished"):
        student.call("call", "f")


def test_magics_are_stripped_with_a_note(sandbox, cells):
    """Do IPython magics leave the rest of the cell running and a note behind?"""
    student = sandbox(cells.solution("%matplotlib inline\n!pip list\nvalue = 3"))
    assert student.call("student_value", "value") == 3
    assert len(student.notes) == 2


def test_a_missing_notebook_fails_every_call(pool, fake_probes, tmp_path):
    """Does a missing notebook say "notebook not found"?"""
    from autograder.sandbox import SandboxStudent

    student = SandboxStudent(pool, "01_demo", None, fake_probes, forbid=("torch",), expected_name="01_*.ipynb")
    with pytest.raises(CheckFailed, match="notebook not found"):
        student.call("ping")


def test_each_call_starts_from_a_fresh_notebook(sandbox, cells):
    """Does state changed by one call stay out of the next?"""
    student = sandbox(cells.solution("counter = [0]\ndef bump():\n    counter[0] += 1\n    return counter[0]"))
    assert student.call("call", "bump") == 1
    assert student.call("call", "bump") == 1


@pytest.mark.slow
def test_torch_imports_and_trains_under_the_memory_limit(sandbox, cells):
    """Can a torch exercise import torch and train a small model within the limits?"""
    student = sandbox(
        cells.solution(
            "import torch\n"
            "def train():\n"
            "    torch.manual_seed(0)\n"
            "    model = torch.nn.LSTM(1, 16, batch_first=True)\n"
            "    head = torch.nn.Linear(16, 1)\n"
            "    opt = torch.optim.Adam([*model.parameters(), *head.parameters()], lr=0.01)\n"
            "    x = torch.randn(64, 20, 1)\n"
            "    y = (x.sum(dim=1) > 0).float()\n"
            "    for _ in range(30):\n"
            "        opt.zero_grad()\n"
            "        out, _ = model(x)\n"
            "        loss = torch.nn.functional.binary_cross_entropy_with_logits(head(out[:, -1]), y)\n"
            "        loss.backward()\n"
            "        opt.step()\n"
            "    return loss.detach()\n"
        ),
        forbid=(),
        timeout=60.0,
        memory_mib=512,
    )
    loss = student.call("call", "train")
    assert isinstance(loss, np.ndarray) and loss.shape == () and np.isfinite(loss)


def test_a_worker_that_cannot_start_is_a_grader_error(pool, cells, make_notebook, fake_probes):
    """Does a worker failing at start-up raise GraderError with its stderr, not blame the student?"""
    from autograder.errors import GraderError
    from autograder.sandbox import SandboxStudent

    student = SandboxStudent(pool, "01_demo", make_notebook(cells.solution("x = 1")), fake_probes,
                             preload=("numpy", "no_such_module_for_the_worker"))
    with pytest.raises(GraderError, match="(?s)did not start.*no_such_module_for_the_worker"):
        student.call("ping")
    student.close()


def test_a_missing_probe_is_a_grader_error(sandbox, cells):
    """Is asking for a probe the module lacks reported as the grader's fault?"""
    from autograder.errors import GraderError

    with pytest.raises(GraderError, match="no probe 'nonexistent'"):
        sandbox(cells.solution("x = 1")).call("nonexistent")


def test_patching_builtins_does_not_break_the_reply(sandbox, cells):
    """Does a student's patched isinstance/len leave the result's encoding intact?"""
    student = sandbox(
        cells.solution("import builtins, numpy as np\n"
                       "def f():\n"
                       "    builtins.isinstance = lambda *a: True\n"
                       "    builtins.len = lambda *a: 0\n"
                       "    np.ndarray = object\n"
                       "    return [np.arange(3.0), {'k': (1, 'two')}]")
    )
    array, extra = student.call("call", "f")
    np.testing.assert_array_equal(array, [0.0, 1.0, 2.0])
    assert extra == {"k": (1, "two")}


def test_an_exception_that_cannot_be_printed_is_still_reported(sandbox, cells):
    """Does an exception whose __str__ raises still become a student message?"""
    student = sandbox(
        cells.solution("class Odd(Exception):\n    def __str__(self):\n        raise RuntimeError('no')\n"
                       "def f():\n    raise Odd()")
    )
    with pytest.raises(CheckFailed, match="your code raised Odd: <unprintable Odd>"):
        student.call("call", "f")


def test_a_lost_worker_costs_one_call_and_is_replaced(sandbox, cells, pool):
    """When the worker process itself dies, does only that call fail and the next one work?"""
    import os
    import signal

    from autograder.sandbox import default_preload

    student = sandbox(cells.solution("def f():\n    return 1"))
    assert student.call("call", "f") == 1
    os.killpg(pool.get(default_preload(("torch",))).process.pid, signal.SIGKILL)
    with pytest.raises(CheckFailed, match="crashed"):
        student.call("call", "f")
    assert student.call("call", "f") == 1


def test_released_files_are_copied_next_to_the_students_code(sandbox, cells, tmp_path):
    """Does a file the notebook needs appear in its working directory, and a missing one fail?"""
    (tmp_path / "weights.txt").write_text("42")
    reader = cells.solution("def f():\n    return open('weights.txt').read()")
    assert sandbox(reader, files=("weights.txt",)).call("call", "f") == "42"
    with pytest.raises(CheckFailed, match="the file absent.pt that this notebook needs is missing"):
        sandbox(reader, files=("absent.pt",)).call("call", "f")


@pytest.mark.parametrize(
    "given, expected",
    [
        ("", "glibc.malloc.hugetlb=1"),
        ("glibc.malloc.arena_max=2", "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1"),
        ("glibc.malloc.hugetlb=0", "glibc.malloc.hugetlb=0"),
    ],
)
def test_workers_ask_for_huge_pages_without_overriding_a_choice(given: str, expected: str) -> None:
    """Do workers add the huge-pages tunable, keeping other tunables and an explicit setting?"""
    assert with_huge_pages(given) == expected
