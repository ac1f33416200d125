"""The in-process guard: the second layer inside the sandbox process, behind the operating-system boundary.

A :pep:`578` audit hook plus refusing stubs over the functions no audit event
covers. CPython documents audit hooks as bypassable by code that sets out to
(crafted bytecode, for example), so this layer only makes careless or naive
code fail loudly and early, with a report of what it tried; the boundary
(:mod:`tokdrift_cli.codegen.sandbox.boundary`) is what holds against code
written to escape.

Standard library only, no side effect on import: the sandbox process loads this
file by path before any untrusted code runs.

The hook never calls a method of an object the untrusted code made. A path
argument is turned into an exact ``str`` with the base types' own functions
(a ``str`` subclass whose ``startswith`` lies, or a ``bytes`` subclass with its
own ``decode``, is copied by ``str.__str__`` / ``bytes.__bytes__``, which read
the characters the system call will see); anything that is not a ``str``,
``bytes`` or plain ``int`` descriptor is refused.
"""

from __future__ import annotations

import os
import posix
import stat
import sys

MAX_REFUSAL_LINES = 20

# Imports refused inside the sandbox: native escape hatches (ctypes, test
# modules that poke memory), process creation that no audit event covers,
# C libraries that touch files or the network behind the guard's back, and the
# user database.
REFUSED_MODULES = frozenset(
    {
        "ctypes", "_ctypes", "_posixsubprocess", "_posixshmem", "_multiprocessing", "_xxsubinterpreters",
        "_xxinterpchannels", "_testcapi", "_testinternalcapi", "_testbuffer", "_testmultiphase",
        "_testimportmultiple", "_testclinic", "_xxtestfuzz", "_sqlite3", "sqlite3", "_dbm", "_gdbm", "_tkinter",
        "nis", "ossaudiodev", "syslog", "pwd", "grp", "spwd",
    }
)  # fmt: skip

# Functions that raise no audit event yet reach outside the process: creating processes,
# signalling or re-prioritising other processes, making file nodes anywhere, setting the
# clock. Replaced by refusing stubs, per module (a module reached another way keeps them).
_PROCESS_CALLS = (
    "fork", "forkpty", "system", "popen", "execv", "execve", "execl", "execle", "execlp", "execlpe", "execvp",
    "execvpe", "posix_spawn", "posix_spawnp", "spawnv", "spawnve", "spawnl", "spawnle", "spawnlp", "spawnlpe",
    "spawnvp", "spawnvpe", "killpg", "setsid", "setpgid", "pidfd_open", "setpriority", "sched_setscheduler",
    "sched_setparam", "sched_setaffinity", "mknod", "mkfifo", "chroot",
)  # fmt: skip
_STUBBED = {
    "os": _PROCESS_CALLS,
    "posix": _PROCESS_CALLS,
    "signal": ("pidfd_send_signal",),
    "_signal": ("pidfd_send_signal",),
    "time": ("clock_settime", "clock_settime_ns"),
}

# Events that name paths: event -> ((path argument, its dir_fd argument or None), ...), as CPython 3.11 raises them.
_READ_EVENTS = {
    "os.listdir": ((0, None),),
    "os.scandir": ((0, None),),
    "os.getxattr": ((0, None),),
    "os.listxattr": ((0, None),),
}
_WRITE_EVENTS = {
    "os.mkdir": ((0, 2),),
    "os.remove": ((0, 1),),
    "os.rmdir": ((0, 1),),
    "os.chmod": ((0, 2),),
    "os.chown": ((0, 3),),
    "os.utime": ((0, 3),),
    "os.truncate": ((0, None),),
    "os.setxattr": ((0, None),),
    "os.removexattr": ((0, None),),
    "os.chflags": ((0, None),),
    "os.lchflags": ((0, None),),
    "os.rename": ((0, 2), (1, 3)),
    "os.chdir": ((0, None),),  # the working directory never leaves the sandbox
    "shutil.rmtree": ((0, 1),),
}
_REFUSED_EVENTS = frozenset(
    {
        "os.fork", "os.forkpty", "os.system", "os.killpg", "os.link", "os.symlink", "os.startfile",
        "os.exec", "os.posix_spawn", "os.spawn", "subprocess.Popen", "pty.spawn", "signal.pthread_kill",
        "gc.get_objects", "gc.get_referrers", "gc.get_referents", "code.__new__", "sys.addaudithook",
        "webbrowser.open", "urllib.Request", "sys.remote_exec", "resource.setrlimit", "resource.prlimit",
    }
)  # fmt: skip
_REFUSED_PREFIXES = ("socket.", "ctypes.", "sqlite3.", "_posixsubprocess.", "subprocess.", "os.exec", "os.spawn")
_READABLE_DEVICES = frozenset({"/dev/null", "/dev/zero", "/dev/urandom", "/dev/random"})
_WRITABLE_DEVICES = frozenset({"/dev/null"})


class SandboxViolation(PermissionError):
    """The sandbox refused an operation (file outside the sandbox, network, process, ...)."""


class RefusedImport(ImportError):
    """The sandbox does not provide this module.

    An ImportError, so that standard modules which import ``pwd`` or ``grp``
    optionally (``shutil``, ``tarfile``) still load; only an import the code
    does not handle counts as a refusal.
    """


def exact_text_of():
    """A function from a path argument to an exact ``str`` (None: not a str or bytes, or odd).

    Built once with every builtin it needs bound, so that replacing ``builtins``
    afterwards changes nothing; it never calls a method of the argument's own class.
    """
    kind_of, text, data, is_subclass = type, str, bytes, issubclass
    copy_text, copy_data, decode = str.__str__, bytes.__bytes__, bytes.decode

    def exact_text(path):
        kind = kind_of(path)
        if kind is text:
            result = path
        elif kind is data:
            result = decode(path, "utf-8", "surrogateescape")
        elif is_subclass(kind, text):
            result = copy_text(path)
        elif is_subclass(kind, data):
            result = decode(copy_data(path), "utf-8", "surrogateescape")
        else:
            return None
        if not result or "\x00" in result:
            return None
        return result

    return exact_text


def _resolver(refuse):
    """A function from an absolute path to its normalised, symlink-free form (which may not exist)."""
    lstat, readlink, is_link = posix.lstat, posix.readlink, stat.S_ISLNK

    def resolve(path):
        pending = [part for part in path.split("/") if part and part != "."][::-1]
        resolved = []
        hops = 0
        while pending:
            part = pending.pop()
            if part == "..":
                if resolved:
                    resolved.pop()
                continue
            candidate = "/" + "/".join([*resolved, part])
            try:
                mode = lstat(candidate).st_mode
            except (OSError, ValueError):
                resolved.append(part)
                continue
            if is_link(mode):
                hops += 1
                if hops > 40:
                    refuse(f"{path!r}: too many symbolic links")
                target = readlink(candidate)
                if target.startswith("/"):
                    resolved = []
                pending.extend([p for p in target.split("/") if p and p != "."][::-1])
            else:
                resolved.append(part)
        return "/" + "/".join(resolved)

    return resolve


def _path_policy(root, read_roots, refuse):
    """``checked(event, path, write, dir_fd)``: refuse a path outside the policy, else return its resolved form."""
    kind_of, plain_int, readlink, getcwd = type, int, posix.readlink, posix.getcwd
    exact_text, resolve = exact_text_of(), _resolver(refuse)
    readable = (root, *[r.rstrip("/") for r in read_roots])

    def within(path, roots):
        for base in roots:
            if path == base or path.startswith(base + "/"):
                return True
        return False

    def absolute(event, text, dir_fd):
        if text.startswith("/"):
            return text
        if ".." in text.split("/"):
            # An open() through a descriptor does not show the descriptor to the hook: stay below it.
            refuse(f"{event} {text!r}: '..' in a relative path")
        if kind_of(dir_fd) is plain_int and dir_fd >= 0:  # the events say -1 when no dir_fd was given
            try:
                base = readlink(f"/proc/self/fd/{dir_fd}")
            except (OSError, ValueError):
                refuse(f"{event} {text!r}: relative to an unknown descriptor {dir_fd}")
            if not base.startswith("/"):
                refuse(f"{event} {text!r}: relative to a descriptor that is not a directory")
            return base + "/" + text
        return getcwd() + "/" + text

    def checked(event, path, write, dir_fd=None):
        if path is None:
            return None  # the working directory, which never leaves the sandbox
        if kind_of(path) is plain_int:
            return None  # an open descriptor: directories outside cannot be opened, so it is inside
        text = exact_text(path)
        if text is None:
            refuse(f"{event}: a path of type {kind_of(path).__name__} (or an empty or NUL path)")
        resolved = resolve(absolute(event, text, dir_fd))
        if write:
            allowed = within(resolved, (root,)) or resolved in _WRITABLE_DEVICES
        else:
            allowed = within(resolved, readable) or resolved in _READABLE_DEVICES
        if not allowed:
            refuse(f"{event} {text!r}: outside the sandbox")
        return resolved

    return checked, within


def _open_check(root, checked, within, refuse):
    """``check_open(path, mode, flags)`` for the ``open`` event (builtins.open, io.open and os.open)."""
    kind_of, plain_int, text = type, int, str
    stat_of, is_dir, is_regular = posix.stat, stat.S_ISDIR, stat.S_ISREG
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

    def check_open(path, mode, flags):
        write = False  # worked out without any(), bool() or int(), which the code could replace
        if kind_of(mode) is text:
            for letter in "wax+":
                if letter in mode:
                    write = True
        elif mode is not None:
            refuse(f"open: a mode of type {kind_of(mode).__name__}")
        if kind_of(flags) is plain_int:
            if flags & write_flags:
                write = True
        elif flags is not None:
            refuse(f"open: flags of type {kind_of(flags).__name__}")
        resolved = checked("open", path, write)
        if resolved is None or resolved in _READABLE_DEVICES or resolved in _WRITABLE_DEVICES:
            return
        try:
            kind = stat_of(resolved).st_mode
        except (OSError, ValueError):
            return
        if is_dir(kind) and not within(resolved, (root,)):
            # A directory descriptor would let relative calls escape the hook's view.
            refuse(f"open {resolved!r}: a directory outside the sandbox")
        if not is_dir(kind) and not is_regular(kind) and within(resolved, (root,)):
            refuse(f"open {resolved!r}: not a regular file")

    return check_open


def _hook(root, read_roots, refuse):
    """The audit hook itself: every decision from values bound now."""
    checked, within = _path_policy(root, read_roots, refuse)
    check_open = _open_check(root, checked, within, refuse)
    refused_import, refused_modules, plain_int, kind_of = RefusedImport, REFUSED_MODULES, int, type
    read_events, write_events, refused_events = _READ_EVENTS, _WRITE_EVENTS, _REFUSED_EVENTS
    own_pid, length, path_types, exact_text = posix.getpid(), len, (str, bytes), exact_text_of()

    def judge_paths(event, args, places, write):
        for path_at, dir_fd_at in places:
            if path_at < length(args):
                dir_fd = args[dir_fd_at] if dir_fd_at is not None and dir_fd_at < length(args) else None
                if event == "shutil.rmtree" and kind_of(args[path_at]) not in path_types:
                    continue  # a path object: every call rmtree makes with it is judged on its own
                checked(event, args[path_at], write, dir_fd)

    def hook(event, args):
        if event == "open":
            check_open(args[0], args[1], args[2])
        elif event in read_events:
            judge_paths(event, args, read_events[event], False)
        elif event in write_events:
            judge_paths(event, args, write_events[event], True)
        elif event == "import":
            name = exact_text(args[0])
            if name is None:
                refuse(f"import of a name of type {kind_of(args[0]).__name__}")
            if name.partition(".")[0] in refused_modules:
                raise refused_import(f"refused by the sandbox: import {name}", name=name)
        elif event == "os.kill":
            if kind_of(args[0]) is not plain_int or kind_of(args[1]) is not plain_int:
                refuse(f"os.kill with arguments of type {kind_of(args[0]).__name__}")
            if args[0] != own_pid:
                refuse(f"os.kill({args[0]}, {args[1]})")
        elif event in refused_events or event.startswith(_REFUSED_PREFIXES):
            refuse(event)

    return hook


def install_guard(root, read_roots, report):
    """Refuse, from now on, what the untrusted code must not do.

    Writes, deletions and directory changes are allowed only under ``root``
    (the sandbox's temporary directory); reads under ``root`` and
    ``read_roots`` (the standard library). Network, new processes, signals to
    other processes, native-code modules and object-graph walking are refused.
    Every refusal raises :class:`SandboxViolation` and is passed to
    ``report`` even if the untrusted code catches the exception; a refused
    import raises :class:`RefusedImport` instead. ``_posixsubprocess`` (which
    raises no audit event) is replaced by a module whose ``fork_exec`` refuses,
    so that ``import subprocess`` still works and only its use is refused.

    Relative paths may not contain ``..``: ``open`` through a directory
    descriptor does not show the descriptor to the hook, so a relative path
    must stay below it, and no directory outside ``root`` can be opened.

    Returns a function to call when a new call begins: at most
    :data:`MAX_REFUSAL_LINES` refusals are reported per call.
    """
    violation, refusals = SandboxViolation, [0]

    def refuse(what):
        refusals[0] += 1
        if refusals[0] <= MAX_REFUSAL_LINES:
            report(what)
        raise violation(f"refused by the sandbox: {what}")

    def make_stub(label):
        def stub(*args, **kwargs):
            refuse(label)

        return stub

    hook = _hook(root.rstrip("/"), read_roots, refuse)
    stand_in = type(sys)("_posixsubprocess")
    stand_in.fork_exec = make_stub("_posixsubprocess.fork_exec")
    sys.modules["_posixsubprocess"] = stand_in
    sys.addaudithook(hook)
    for module_name, names in _STUBBED.items():
        module = sys.modules.get(module_name)
        for name in names:
            if module is not None and hasattr(module, name):
                setattr(module, name, make_stub(f"{module_name.replace('posix', 'os')}.{name}"))
    import _thread

    _thread.start_new_thread = _thread.start_new = make_stub("_thread.start_new_thread (threads)")

    def new_call():
        refusals[0] = 0

    return new_call
