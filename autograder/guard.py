"""The audit hook that confines student code inside a sandbox child process.

``install`` runs in the child after the grader's own modules are loaded and before the
first student cell. From then on (``sys.addaudithook`` cannot be undone) the process
refuses:

* writing, creating, deleting, renaming, truncating or chmod-ing files outside the
  scratch directory (events ``open`` with write flags, ``os.remove``, ``os.rename``,
  ``os.rmdir``, ``os.mkdir``, ``os.chmod``, ``os.chown``, ``os.truncate``, ``os.utime``,
  ``shutil.rmtree``, ``shutil.copyfile``, ...); links and symlinks anywhere;
* reading files under the protected folders (the ``reference`` and ``autograder``
  packages, the instructor's ``solutions``);
* opening a folder with ``os.open`` (a folder's descriptor, passed as ``dir_fd``, would
  make a relative path mean something the hook cannot see), another process's entries
  under ``/proc``, and the links of ``/proc/self`` (``root``, ``cwd``, ``fd``, ...) and
  ``/dev/fd``, which lead anywhere whatever the path says;
* starting processes: ``os.fork``, ``os.forkpty``, ``os.exec``, ``os.posix_spawn``,
  ``os.spawn``, ``os.system``, ``subprocess.Popen``; signalling other processes;
* ``ctypes.*``, ``gc.get_objects``/``get_referrers``/``get_referents``,
  ``sys.settrace``/``setprofile``, ``resource.setrlimit``/``prlimit``, outgoing sockets,
  and replacing a function's ``__code__``;
* importing ``reference``, ``autograder`` and the exercise's forbidden modules.

The hook is one self-contained function: everything it uses is bound as a default
argument (an immutable tuple) when it is created, so student code that patches ``os``,
``builtins`` or ``posixpath`` afterwards does not change its decisions. Paths are
normalised lexically inside the hook; symlinks cannot be created and the kernel's own
links under ``/proc`` are refused, so a path inside the scratch directory stays inside it.
"""
from __future__ import annotations

import os
import pathlib
import stat
import sys
from collections.abc import Iterable


class RefusedImport(ImportError):
    """Student code imported a module this exercise does not allow."""

    def __init__(self, module: str) -> None:
        super().__init__(f"importing {module} is not allowed in this exercise", name=module)
        self.module = module


class RefusedOperation(PermissionError):
    """Student code tried an operation the sandbox does not allow."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


_ALWAYS_REFUSED = {
    "os.fork": "start a new process (os.fork)",
    "os.forkpty": "start a new process (os.forkpty)",
    "os.exec": "run a program (os.exec*)",
    "os.posix_spawn": "run a program (os.posix_spawn)",
    "os.spawn": "run a program (os.spawn*)",
    "os.system": "run a shell command (os.system)",
    "os.startfile": "run a program (os.startfile)",
    "subprocess.Popen": "run a program (subprocess)",
    "pty.spawn": "run a program (pty.spawn)",
    "os.killpg": "send a signal to a process group",
    "gc.get_objects": "inspect the interpreter's objects (gc.get_objects)",
    "gc.get_referrers": "inspect the interpreter's objects (gc.get_referrers)",
    "gc.get_referents": "inspect the interpreter's objects (gc.get_referents)",
    "sys.settrace": "install a tracer (sys.settrace)",
    "sys.setprofile": "install a profiler (sys.setprofile)",
    "resource.setrlimit": "change resource limits",
    "resource.prlimit": "change resource limits",
    "socket.connect": "open a network connection",
    "socket.bind": "open a network socket",
    "socket.sendto": "send network data",
    "socket.sendmsg": "send network data",
    "sqlite3.connect": "open a database file (sqlite3)",
    "os.link": "create a hard link",
    "os.symlink": "create a symbolic link",
}
# Events whose listed arguments are paths that must lie inside the scratch directory.
_WRITE_EVENTS = {
    "os.remove": (0,),
    "os.rmdir": (0,),
    "os.mkdir": (0,),
    "os.rename": (0, 1),
    "os.chmod": (0,),
    "os.chown": (0,),
    "os.truncate": (0,),
    "os.utime": (0,),
    "os.chflags": (0,),
    "os.lchflags": (0,),
    "os.mkfifo": (0,),
    "os.mknod": (0,),
    "os.setxattr": (0,),
    "os.removexattr": (0,),
    "shutil.rmtree": (0,),
    "shutil.copyfile": (1,),
    "shutil.copymode": (1,),
    "shutil.copystat": (1,),
    "shutil.move": (1,),
    "shutil.chown": (0,),
    "shutil.make_archive": (0,),
    "shutil.unpack_archive": (1,),
}
# Libraries set ``__defaults__`` (torch.optim does); only code replacement is refused.
_PROTECTED_FUNCTION_ATTRIBUTES = ("__code__",)
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
# Entries of /proc/<pid>/ that are links to other places: the root, the cwd, open files.
_PROC_LINKS = ("root", "cwd", "fd", "map_files")


def make_hook(
    scratch: str,
    read_protected: Iterable[str],
    refused_modules: Iterable[str],
):
    """Build the audit hook (see the module docstring); exposed separately for tests.

    ``scratch`` and ``read_protected`` must be absolute, already resolved paths.
    """
    scratch = scratch.rstrip("/")
    protected = tuple(p.rstrip("/") for p in read_protected)
    refused = tuple(refused_modules)

    def hook(
        event,
        args,
        _scratch=scratch,
        _protected=protected,
        _refused=refused,
        _always=tuple(_ALWAYS_REFUSED.items()),
        _write_events=tuple(_WRITE_EVENTS.items()),
        _attrs=_PROTECTED_FUNCTION_ATTRIBUTES,
        _write_flags=_WRITE_FLAGS,
        _path_types=(pathlib.PosixPath, pathlib.PurePosixPath),
        _proc_links=_PROC_LINKS,
        _fspath=os.fspath,
        _getcwd=os.getcwd,
        _stat=os.stat,
        _isdigit=str.isdigit,
        _is_folder=stat.S_ISDIR,
        _getpid=os.getpid,
        _type=type,
        _str=str,
        _bytes=bytes,
        _int=int,
        _len=len,
        _function=type(make_hook),
        _RefusedImport=RefusedImport,
        _RefusedOperation=RefusedOperation,
    ):
        if event == "import":
            name = args[0]
            if _type(name) is _str:
                for module in _refused:
                    if name == module or name.startswith(module + "."):
                        raise _RefusedImport(module)
            return
        for refused_event, what in _always:
            if event == refused_event:
                raise _RefusedOperation(what)
        if event.startswith("ctypes."):
            raise _RefusedOperation("use ctypes")
        if event == "os.kill":
            if args[0] != _getpid():
                raise _RefusedOperation("send a signal to another process")
            return
        if event == "object.__setattr__":
            if _type(args[0]) is _function and args[1] in _attrs:
                raise _RefusedOperation(f"replace a function's {args[1]}")
            return
        # Which paths does this event touch, and does it write?
        writes = False
        positions = ()
        if event == "open":
            flags = args[2]
            writes = _type(flags) is _int and (flags & _write_flags) != 0
            positions = (0,)
        else:
            for write_event, where in _write_events:
                if event == write_event:
                    writes = True
                    positions = where
                    break
            else:
                return
        for position in positions:
            if position >= _len(args):
                continue
            path = args[position]
            kind = _type(path)
            if kind is _int or path is None:
                continue  # an already open file descriptor
            if kind in _path_types:
                path = _fspath(path)
                kind = _type(path)
            if kind is _bytes:
                path = path.decode("utf-8", "surrogateescape")
            elif kind is not _str:
                raise _RefusedOperation("use a path object of an unusual type")
            if not path.startswith("/"):
                path = _getcwd() + "/" + path
            parts = []
            for part in path.split("/"):
                if part == "" or part == ".":
                    continue
                if part == "..":
                    if parts:
                        parts.pop()
                    continue
                parts.append(part)
            path = "/" + "/".join(parts)
            if parts[:1] == ["proc"] and _len(parts) > 2:
                if _isdigit(parts[1]) and parts[1] != _str(_getpid()):
                    raise _RefusedOperation("look into another process (under /proc)")
                for part in parts[2:]:
                    if part in _proc_links:
                        raise _RefusedOperation(f"follow a link of /proc ({path})")
            if parts[:2] == ["dev", "fd"]:
                raise _RefusedOperation(f"follow a link of /proc ({path})")
            if event == "open" and args[1] is None:  # os.open: a folder would serve as a dir_fd
                try:
                    is_folder = _is_folder(_stat(path).st_mode)
                except OSError:
                    is_folder = False
                if is_folder:
                    raise _RefusedOperation(f"open a folder with os.open ({path})")
            if writes:
                if path != _scratch and not path.startswith(_scratch + "/") and path != "/dev/null":
                    raise _RefusedOperation(
                        f"change files outside its working directory ({event} on {path})"
                    )
            else:
                for folder in _protected:
                    if path == folder or path.startswith(folder + "/"):
                        raise _RefusedOperation(f"read the grader's files ({path})")

    return hook


def module_index() -> dict[str, tuple[str, ...]]:
    """Loaded module names grouped by top-level package (``{"torch": ("torch", ...)}``)."""
    index: dict[str, list[str]] = {}
    for name in sys.modules:
        index.setdefault(name.partition(".")[0], []).append(name)
    return {top: tuple(names) for top, names in index.items()}


def purge_modules(prefixes: Iterable[str], index: dict[str, tuple[str, ...]] | None = None) -> None:
    """Drop ``prefix`` and ``prefix.*`` from ``sys.modules`` (the objects stay alive
    wherever the grader's code already holds them).

    With an ``index`` (``module_index()`` taken earlier in a forked parent) only the
    indexed names are visited: walking all of ``sys.modules`` in a fresh fork touches
    thousands of shared pages. A module loaded after the index was taken is caught by
    the import hook instead.
    """
    prefixes = tuple(prefixes)
    if index is None:
        names = [n for n in sys.modules if any(n == p or n.startswith(p + ".") for p in prefixes)]
    else:
        names = [n for p in prefixes for n in index.get(p.partition(".")[0], ())
                 if n == p or n.startswith(p + ".")]
    for name in names:
        sys.modules.pop(name, None)


def purge_path(folders: Iterable[str]) -> None:
    """Remove ``sys.path`` entries that would let student code find the given folders."""
    parents = {os.path.dirname(f.rstrip("/")) for f in folders}
    sys.path[:] = [p for p in sys.path if os.path.realpath(p or ".") not in parents]


def _refuse_fork_exec(*args, **kwargs):
    raise RefusedOperation("run a program (subprocess)")


def disable_fork_exec() -> None:
    """Replace ``_posixsubprocess.fork_exec``, which raises no audit event of its own.

    The neutered module stays in ``sys.modules`` (so ``import subprocess`` still works);
    loading a fresh copy is an ``import`` event, which the hook refuses.
    """
    import _posixsubprocess

    _posixsubprocess.fork_exec = _refuse_fork_exec


def install(
    scratch: str,
    read_protected: Iterable[str],
    refused_modules: Iterable[str],
    index: dict[str, tuple[str, ...]] | None = None,
) -> None:
    """Purge the refused modules, then install the hook; irreversible for this process.

    ``_posixsubprocess`` is always refused as a fresh import and neutered in place.
    """
    refused_modules = tuple(refused_modules)
    read_protected = tuple(read_protected)
    purge_modules(refused_modules, index)
    purge_path(read_protected)
    disable_fork_exec()
    sys.addaudithook(make_hook(scratch, read_protected, (*refused_modules, "_posixsubprocess")))
