"""The audit hook's decisions, tested by calling it directly (installing it is forever)."""
from __future__ import annotations

import os
import pathlib

import pytest

from autograder.guard import RefusedImport, RefusedOperation, make_hook

WRITE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC


@pytest.fixture
def hook(tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    protected = tmp_path / "repo" / "reference"
    return make_hook(str(scratch), [str(protected)], ("reference", "autograder", "torch")), scratch, protected


def test_writes_inside_the_scratch_dir_are_allowed(hook, monkeypatch):
    """Are writes, deletes and renames inside the scratch dir (relative or absolute) allowed?"""
    audit, scratch, _ = hook
    monkeypatch.chdir(scratch)
    audit("open", ("out.txt", "w", WRITE))
    audit("open", (str(scratch / "sub" / "x.npy"), "w", WRITE))
    audit("os.remove", ("out.txt", -1))
    audit("os.rename", ("a", str(scratch / "b"), -1, -1))
    audit("open", (pathlib.Path("out.txt"), "w", WRITE))


@pytest.mark.parametrize(
    ("event", "args"),
    [
        ("open", ("/etc/passwd", "a", os.O_WRONLY | os.O_APPEND)),
        ("open", ("../escape.txt", "w", WRITE)),
        ("os.remove", ("/tmp/x", -1)),
        ("os.rename", ("inside", "/tmp/outside", -1, -1)),
        ("shutil.rmtree", ("/", None)),
        ("os.chmod", ("/tmp", 0o777, -1)),
        ("os.truncate", ("/tmp/x", 0)),
    ],
)
def test_changes_outside_the_scratch_dir_are_refused(hook, monkeypatch, event, args):
    """Is every write-like event outside the scratch dir refused?"""
    audit, scratch, _ = hook
    monkeypatch.chdir(scratch)
    with pytest.raises(RefusedOperation, match="outside its working directory"):
        audit(event, args)


def test_reading_protected_folders_is_refused(hook):
    """Is reading under a protected folder refused and reading elsewhere allowed?"""
    audit, _, protected = hook
    with pytest.raises(RefusedOperation, match="read the grader's files"):
        audit("open", (str(protected / "gru.py"), "r", os.O_RDONLY))
    with pytest.raises(RefusedOperation):
        audit("open", (str(protected / ".." / "reference" / "lstm.py").encode(), "r", os.O_RDONLY))
    audit("open", (str(protected.parent / "README.md"), "r", os.O_RDONLY))
    audit("open", (3, "r", os.O_RDONLY))


@pytest.mark.parametrize("name", ["reference", "reference.gru", "autograder.checks", "torch", "torch.nn"])
def test_refused_imports(hook, name):
    """Are the answer key, the grader and forbidden modules refused at import?"""
    with pytest.raises(RefusedImport):
        hook[0]("import", (name, None, [], [], []))


def test_other_imports_pass(hook):
    """Are similar-looking names left alone?"""
    hook[0]("import", ("torchvision_like", None, [], [], []))
    hook[0]("import", ("references", None, [], [], []))


@pytest.mark.parametrize(
    ("event", "args"),
    [
        ("os.system", (b"true",)),
        ("subprocess.Popen", ("true", ["true"], None, None)),
        ("os.fork", ()),
        ("os.exec", ("/bin/sh", ["sh"], None)),
        ("os.posix_spawn", ("/bin/sh", ["sh"], {})),
        ("ctypes.dlopen", ("libc.so.6",)),
        ("gc.get_objects", (-1,)),
        ("sys.settrace", ()),
        ("os.kill", (1, 9)),
        ("os.symlink", ("/", "link", -1)),
    ],
)
def test_process_and_introspection_events_are_refused(hook, event, args):
    """Are processes, ctypes, gc walks, tracers, signals to others and links refused?"""
    with pytest.raises(RefusedOperation):
        hook[0](event, args)


def test_signals_to_itself_and_unusual_paths(hook):
    """Is os.kill on its own pid allowed, and a custom path-like object refused?"""
    hook[0]("os.kill", (os.getpid(), 0))

    class Shifty:
        def __fspath__(self):
            return "/etc/passwd"

    with pytest.raises(RefusedOperation, match="unusual type"):
        hook[0]("open", (Shifty(), "r", os.O_RDONLY))


def test_replacing_function_code_is_refused(hook):
    """Is swapping a function's __code__ refused while other attributes are fine?"""

    def f():
        return 1

    with pytest.raises(RefusedOperation):
        hook[0]("object.__setattr__", (f, "__code__", f.__code__))
    hook[0]("object.__setattr__", (f, "__defaults__", (1,)))
