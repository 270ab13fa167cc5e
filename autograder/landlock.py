"""Kernel-level file confinement of a sandbox child with Linux's Landlock, where available.

The audit hook (``autograder.guard``) sees what Python code does, but C and C++ code that
opens files by itself raises no audit event: ``torch.from_file(path, shared=True)``
rewrites any file in place, ``torch.save(obj, path)`` writes through PyTorch's own
zip writer, ``readline.write_history_file`` writes anywhere. Landlock makes the kernel
itself refuse them. After ``confine(scratch, protected)`` the process (and every thread
and child it starts later) may

* read and run files anywhere except beneath the protected folders, and
* create, change and delete files only beneath ``scratch`` (and write to ``/dev/null``).

Landlock rules only allow, so "everything but the protected folders" is spelled out: for
every folder on the way from ``/`` to a protected folder, each entry that is neither
protected nor on such a way is allowed as a whole. An entry that is a symlink into (or
above) a protected folder is left out. The rules are fixed when ``confine`` runs: entries
created later in those folders stay unreadable, which the sandbox never needs.

The system calls go through ``ctypes``, so ``confine`` must run before the audit hook is
installed (the hook refuses ctypes). Where the kernel has no Landlock (before Linux 5.13,
or turned off), ``confine`` returns False and the audit hook alone applies.
"""
from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Iterable

# System call numbers: the same on x86-64 and on the architectures of the generic table.
_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

# Filesystem access rights (linux/landlock.h); REFER needs ABI 2, TRUNCATE ABI 3.
EXECUTE = 1 << 0
WRITE_FILE = 1 << 1
READ_FILE = 1 << 2
READ_DIR = 1 << 3
_ABI1_RIGHTS = (1 << 13) - 1  # EXECUTE .. MAKE_SYM
REFER = 1 << 13
TRUNCATE = 1 << 14
READ = EXECUTE | READ_FILE | READ_DIR
# The rights a rule on a file (not a folder) may carry.
_FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def abi_version() -> int:
    """The kernel's Landlock ABI version, or 0 when Landlock is unavailable."""
    if not sys.platform.startswith("linux"):
        return 0
    version = _libc.syscall(_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(_CREATE_RULESET_VERSION))
    return max(int(version), 0)


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def readable_entries(protected: Iterable[str]) -> list[str]:
    """Paths that together cover every file except those beneath ``protected`` (absolute,
    resolved folders): the entries of each folder on the way to a protected one."""
    protected = [os.path.realpath(p) for p in protected]
    on_the_way = {os.path.dirname(p) for p in protected}
    for path in list(on_the_way):
        while path != "/":
            path = os.path.dirname(path)
            on_the_way.add(path)
    entries: list[str] = []
    pending = ["/"] if protected else []
    while pending:
        folder = pending.pop()
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        for name in names:
            path = os.path.join(folder, name)
            real = os.path.realpath(path)
            if any(_inside(real, p) or _inside(p, real) for p in protected):
                if path in on_the_way:
                    pending.append(path)
                continue  # protected, or a link into or above a protected folder
            entries.append(path)
    return entries or ["/"]


def _add_rule(ruleset: int, path: str, rights: int) -> None:
    """Allow ``rights`` beneath ``path``; a path that cannot take a rule (vanished, or a
    special file) is left out, which only takes access away."""
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return
    try:
        if not os.path.isdir(path):
            rights &= _FILE_RIGHTS
        attr = _PathBeneathAttr(rights, fd)
        _libc.syscall(_ADD_RULE, ruleset, _RULE_PATH_BENEATH, ctypes.byref(attr), 0)
    finally:
        os.close(fd)


def confine(scratch: str, protected: Iterable[str]) -> bool:
    """Restrict this process for good (see the module docstring); False without Landlock."""
    version = abi_version()
    if version < 1:
        return False
    handled = _ABI1_RIGHTS | (REFER if version >= 2 else 0) | (TRUNCATE if version >= 3 else 0)
    attr = _RulesetAttr(handled)
    ruleset = _libc.syscall(_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr)), 0)
    if ruleset < 0:
        return False
    try:
        for path in readable_entries(protected):
            _add_rule(ruleset, path, READ)
        _add_rule(ruleset, scratch, handled)
        _add_rule(ruleset, os.devnull, READ_FILE | WRITE_FILE | (TRUNCATE if version >= 3 else 0))
        if _libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            return False
        return _libc.syscall(_RESTRICT_SELF, ruleset, 0) == 0
    finally:
        os.close(ruleset)
