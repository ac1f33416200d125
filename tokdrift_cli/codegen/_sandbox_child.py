"""The inside of the sandbox: fence the interpreter in, load the untrusted module, call it, report.

This file runs as a script in a fresh ``python -s -S -P -B`` process started by
:mod:`tokdrift_cli.codegen.sandbox`, and is also imported by that module for
the value codec, so that both sides encode values the same way. It uses the
standard library only (the child has no site-packages) and has no side effect
on import.

Protocol: one JSON request on stdin; JSON lines on the original stdout, which
is moved to a private descriptor so that the untrusted code's ``print`` goes
to stderr instead of into the results. Lines are ``start`` (a call begins),
``outcome`` (a call ended), ``refused`` (the guard stopped something) and
``done``. Index -1 is the loading of the module. Each outcome is written as
soon as it exists, so the parent keeps every finished call even if the
process dies later.

The guard (:func:`install_guard`) is defence in depth, not a security boundary:
it is a :pep:`578` audit hook plus refusing stubs over the functions no audit
event covers, and CPython documents audit hooks as bypassable by code that sets out to (crafted
bytecode, for example). The parent adds the limits an operating system
enforces: resource limits, its own session, a kill of the whole process group,
a scrubbed environment and a temporary working directory.
"""

from __future__ import annotations

import builtins
import decimal
import enum
import fractions
import json
import math
import os
import posix
import reprlib
import resource
import signal
import stat
import sys
import time

# Tags of the value encoding: a one-key JSON object whose key is one of these.
TUPLE = "__tuple__"
SET = "__set__"
FROZENSET = "__frozenset__"
DICT = "__dict__"
FLOAT = "__float__"
BIGINT = "__bigint__"
BYTES = "__bytes__"
BYTEARRAY = "__bytearray__"
COMPLEX = "__complex__"
DECIMAL = "__decimal__"
FRACTION = "__fraction__"
ENUM = "__enum__"
OBJECT = "__object__"
REPR = "__repr__"
TAGS = frozenset(
    {TUPLE, SET, FROZENSET, DICT, FLOAT, BIGINT, BYTES, BYTEARRAY, COMPLEX, DECIMAL, FRACTION, ENUM, OBJECT, REPR}
)

# Integers wider than this travel as hex: JSON readers refuse very long digit strings.
_MAX_PLAIN_INT_BITS = 4000
_MAX_DEPTH = 100
_REPR_CHARS = 300
_MESSAGE_CHARS = 1000
_MAX_REFUSAL_LINES = 20
# Freed on MemoryError so the runner has room to report it.
_RESERVE_BYTES = 1 << 20

# Imports refused inside the sandbox: native escape hatches (ctypes, test
# modules that poke memory), process creation that no audit event covers,
# C libraries that touch files or the network behind the guard's back, and the
# user database.
REFUSED_MODULES = frozenset(
    {
        "ctypes",
        "_ctypes",
        "_posixsubprocess",
        "_posixshmem",
        "_multiprocessing",
        "_xxsubinterpreters",
        "_xxinterpchannels",
        "_testcapi",
        "_testinternalcapi",
        "_testbuffer",
        "_testmultiphase",
        "_testimportmultiple",
        "_testclinic",
        "_xxtestfuzz",
        "_sqlite3",
        "sqlite3",
        "_dbm",
        "_gdbm",
        "_tkinter",
        "nis",
        "ossaudiodev",
        "syslog",
        "pwd",
        "grp",
        "spwd",
    }
)


class EncodingError(ValueError):
    """A value cannot be written in the tagged JSON encoding."""


class ValueTooLarge(EncodingError):
    """The encoded value would exceed the size budget."""


# ---------------------------------------------------------------- value codec


def encode_value(value, max_bytes=1 << 20, *, arguments=False):
    """Encode ``value`` as JSON-compatible data that compares the same on every run.

    Tuples, sets, bytes, non-finite floats and other non-JSON values get a
    one-key tag object; sets and non-string-keyed dicts are sorted so that
    iteration order never matters. ``arguments=True`` refuses what the child
    could not rebuild (objects), for encoding call arguments.
    """
    budget = [max_bytes]
    return _encode(value, budget, set(), 0, arguments)


def _spend(budget, amount):
    budget[0] -= amount
    if budget[0] < 0:
        raise ValueTooLarge("the value is larger than the output limit")


def canonical_json(encoded):
    """One text per encoded value: the sort key for sets and dict keys."""
    return json.dumps(encoded, sort_keys=True, ensure_ascii=True, allow_nan=False)


def _encode(value, budget, active, depth, arguments):
    if depth > _MAX_DEPTH:
        raise EncodingError("the value is nested too deeply")
    if value is None or isinstance(value, bool):
        _spend(budget, 5)
        return value
    if isinstance(value, enum.Enum):
        if arguments:
            raise EncodingError(f"cannot pass a {type(value).__name__} to the sandbox")
        _spend(budget, 16)
        name = f"{type(value).__qualname__}.{value.name}"
        return {ENUM: [name, _encode(value.value, budget, active, depth + 1, arguments)]}
    if isinstance(value, int):
        if value.bit_length() > _MAX_PLAIN_INT_BITS:
            _spend(budget, value.bit_length() // 4 + 4)
            return {BIGINT: hex(value)}
        _spend(budget, 24)
        return int(value)
    if isinstance(value, float):
        _spend(budget, 24)
        if math.isfinite(value):
            return float(value)
        return {FLOAT: repr(float(value))}
    if isinstance(value, str):
        _spend(budget, len(value) + 2)
        return str(value)
    if isinstance(value, bytes | bytearray):
        _spend(budget, 2 * len(value) + 2)
        return {BYTEARRAY if isinstance(value, bytearray) else BYTES: bytes(value).hex()}
    if isinstance(value, complex):
        _spend(budget, 48)
        return {
            COMPLEX: [
                _encode(value.real, budget, active, depth, arguments),
                _encode(value.imag, budget, active, depth, arguments),
            ]
        }
    if isinstance(value, list | tuple | set | frozenset | dict):
        return _encode_container(value, budget, active, depth, arguments)
    if arguments:
        raise EncodingError(f"cannot pass a {type(value).__name__} to the sandbox")
    return _encode_other(value, budget, active, depth)


def _encode_container(value, budget, active, depth, arguments):
    if id(value) in active:
        raise EncodingError("the value contains itself")
    active.add(id(value))
    try:
        _spend(budget, 2)
        if isinstance(value, dict):
            return _encode_dict(value, budget, active, depth, arguments)
        items = [_encode(item, budget, active, depth + 1, arguments) for item in value]
        if isinstance(value, list):
            return items
        if isinstance(value, tuple):
            return {TUPLE: items}
        return {FROZENSET if isinstance(value, frozenset) else SET: sorted(items, key=canonical_json)}
    finally:
        active.discard(id(value))


def _encode_dict(value, budget, active, depth, arguments):
    plain = all(type(key) is str for key in value) and not (len(value) == 1 and next(iter(value)) in TAGS)
    if plain:
        return {key: _encode(item, budget, active, depth + 1, arguments) for key, item in value.items()}
    pairs = [
        [_encode(key, budget, active, depth + 1, arguments), _encode(item, budget, active, depth + 1, arguments)]
        for key, item in value.items()
    ]
    return {DICT: sorted(pairs, key=lambda pair: canonical_json(pair[0]))}


def _encode_other(value, budget, active, depth):
    """Objects: exact numbers by value, plain objects by their attributes, else a stable repr."""
    if isinstance(value, decimal.Decimal):
        _spend(budget, 32)
        return {DECIMAL: str(value)}
    if isinstance(value, fractions.Fraction):
        _spend(budget, 32)
        return {
            FRACTION: [
                _encode(value.numerator, budget, active, depth, False),
                _encode(value.denominator, budget, active, depth, False),
            ]
        }
    kind = type(value)
    state = _object_state(value)
    if state is not None:
        if id(value) in active:
            raise EncodingError("the value contains itself")
        active.add(id(value))
        try:
            _spend(budget, len(kind.__qualname__) + 8)
            return {OBJECT: [kind.__qualname__, _encode_dict(state, budget, active, depth + 1, False)]}
        finally:
            active.discard(id(value))
    text = repr(value)
    if " at 0x" in text:
        # A default repr carries a memory address: it differs on every run.
        raise EncodingError(f"a {kind.__name__} has no comparable form")
    _spend(budget, len(text) + len(kind.__qualname__) + 8)
    return {REPR: [kind.__qualname__, text]}


def _object_state(value):
    """The attributes of an instance of a plain class, or None for anything else."""
    if isinstance(value, type) or callable(value) or type(value).__module__ == "builtins":
        return None
    state = {}
    names = []
    for klass in type(value).__mro__:
        slots = klass.__dict__.get("__slots__", ())
        names.extend([slots] if isinstance(slots, str) else slots)
    for name in names:
        if name not in ("__dict__", "__weakref__") and hasattr(value, name):
            state[name] = getattr(value, name)
    instance_dict = getattr(value, "__dict__", None)
    if isinstance(instance_dict, dict):
        state.update(instance_dict)
    elif not names:
        return None
    return state


def decode_value(data):
    """Rebuild the Python value of an encoding (the inverse of :func:`encode_value` for arguments)."""
    if isinstance(data, list):
        return [decode_value(item) for item in data]
    if not isinstance(data, dict):
        return data
    if len(data) == 1:
        [(tag, payload)] = data.items()
        if tag in TAGS:
            return _decode_tagged(tag, payload)
    return {key: decode_value(item) for key, item in data.items()}


def _decode_tagged(tag, payload):
    if tag == TUPLE:
        return tuple(decode_value(item) for item in payload)
    if tag == SET:
        return {decode_value(item) for item in payload}
    if tag == FROZENSET:
        return frozenset(decode_value(item) for item in payload)
    if tag == DICT:
        return {decode_value(key): decode_value(item) for key, item in payload}
    if tag == FLOAT:
        return float(payload)
    if tag == BIGINT:
        return int(payload, 16)
    if tag == BYTES:
        return bytes.fromhex(payload)
    if tag == BYTEARRAY:
        return bytearray.fromhex(payload)
    if tag == COMPLEX:
        return complex(decode_value(payload[0]), decode_value(payload[1]))
    if tag == DECIMAL:
        return decimal.Decimal(payload)
    if tag == FRACTION:
        return fractions.Fraction(decode_value(payload[0]), decode_value(payload[1]))
    raise EncodingError(f"cannot rebuild a {tag} value")


def short_repr(value):
    """A bounded repr that never fails and never builds a huge string."""
    shortener = reprlib.Repr()
    shortener.maxstring = shortener.maxother = _REPR_CHARS
    shortener.maxlist = shortener.maxtuple = shortener.maxset = shortener.maxdict = 30
    try:
        text = shortener.repr(value)
    except Exception:  # noqa: BLE001 - an untrusted __repr__ may raise anything
        return f"<unprintable {type(value).__name__}>"
    return text if len(text) <= _REPR_CHARS else text[: _REPR_CHARS - 3] + "..."


# ---------------------------------------------------------------- the guard


class SandboxViolation(PermissionError):
    """The sandbox refused an operation (file outside the sandbox, network, process, ...)."""


class RefusedImport(ImportError):
    """The sandbox does not provide this module.

    An ImportError, so that standard modules which import ``pwd`` or ``grp``
    optionally (``shutil``, ``tarfile``) still load; only an import the code
    does not handle counts as a refusal.
    """


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

    Everything the hook uses is bound here, so monkeypatching ``os``,
    ``os.path`` or ``builtins`` afterwards does not change its decisions.
    Relative paths may not contain ``..``: a descriptor-relative call
    (``dir_fd``) is not visible to the hook, so a relative path must stay under
    the working directory, which itself cannot leave ``root``.
    """
    _lstat, _stat, _readlink, _getcwd, _getpid = posix.lstat, posix.stat, posix.readlink, posix.getcwd, posix.getpid
    _islnk, _isdir, _isreg = stat.S_ISLNK, stat.S_ISDIR, stat.S_ISREG
    _isinstance, _str, _bytes, _int, _repr, _type, _tuple = builtins.isinstance, str, bytes, int, repr, type, tuple
    _write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
    _violation, _refused_import, _refused_modules = SandboxViolation, RefusedImport, REFUSED_MODULES
    own_pid = _getpid()
    root = root.rstrip("/")
    readable = _tuple([root, *[r.rstrip("/") for r in read_roots]])
    readable_devices = frozenset({"/dev/null", "/dev/zero", "/dev/urandom", "/dev/random"})
    writable_devices = frozenset({"/dev/null"})
    refusals = [0]

    def refuse(what):
        refusals[0] += 1
        if refusals[0] <= _MAX_REFUSAL_LINES:
            report(what)
        raise _violation(f"refused by the sandbox: {what}")

    def within(path, roots):
        for base in roots:
            if path == base or path.startswith(base + "/"):
                return True
        return False

    def resolve(path):
        """Absolute, normalised, symlink-free form of ``path`` (which may not exist)."""
        if not path.startswith("/"):
            path = _getcwd() + "/" + path
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
                mode = _lstat(candidate).st_mode
            except (OSError, ValueError):
                resolved.append(part)
                continue
            if _islnk(mode):
                hops += 1
                if hops > 40:
                    refuse(f"{path!r}: too many symbolic links")
                target = _readlink(candidate)
                if target.startswith("/"):
                    resolved = []
                pending.extend([p for p in target.split("/") if p and p != "."][::-1])
            else:
                resolved.append(part)
        return "/" + "/".join(resolved)

    def as_text(event, path):
        # CPython converts a PathLike before raising the event, so only str and bytes arrive here.
        if _isinstance(path, _bytes):
            return path.decode("utf-8", "surrogateescape")
        if not _isinstance(path, _str):
            refuse(f"{event}: a path of type {_type(path).__name__}")
        return path

    def checked(event, path, write):
        """Refuse ``path`` unless the policy allows it; return its resolved form (None for a descriptor)."""
        if path is None or _isinstance(path, _int):
            return None  # the working directory or an open descriptor: both stay inside
        text = as_text(event, path)
        if not text.startswith("/") and ".." in text.split("/"):
            refuse(f"{event} {text!r}: '..' in a relative path")
        resolved = resolve(text)
        if write:
            allowed = within(resolved, (root,)) or resolved in writable_devices
        else:
            allowed = within(resolved, readable) or resolved in readable_devices
        if not allowed:
            refuse(f"{event} {text!r}: outside the sandbox")
        return resolved

    def check_open(path, mode, flags):
        write = False  # worked out without any(), bool() or int(), which the code could replace
        if _isinstance(mode, _str):
            for letter in "wax+":
                if letter in mode:
                    write = True
        if _isinstance(flags, _int) and flags & _write_flags:
            write = True
        resolved = checked("open", path, write)
        if resolved is None or resolved in readable_devices or resolved in writable_devices:
            return
        try:
            kind = _stat(resolved).st_mode
        except (OSError, ValueError):
            return
        if _isdir(kind) and not within(resolved, (root,)):
            # A directory descriptor would let relative calls escape the hook's view.
            refuse(f"open {resolved!r}: a directory outside the sandbox")
        if not _isdir(kind) and not _isreg(kind) and within(resolved, (root,)):
            refuse(f"open {resolved!r}: not a regular file")

    read_events = frozenset({"os.listdir", "os.scandir", "os.getxattr", "os.listxattr"})
    write_events = frozenset(
        {
            "os.mkdir", "os.remove", "os.rmdir", "os.chmod", "os.chown", "os.utime", "os.truncate",
            "os.setxattr", "os.removexattr", "os.chflags", "os.lchflags", "shutil.rmtree",
        }
    )  # fmt: skip
    refused_events = frozenset(
        {
            "os.fork", "os.forkpty", "os.system", "os.killpg", "os.link", "os.symlink", "os.startfile",
            "os.exec", "os.posix_spawn", "os.spawn", "subprocess.Popen", "pty.spawn", "signal.pthread_kill",
            "gc.get_objects", "gc.get_referrers", "gc.get_referents", "code.__new__", "sys.addaudithook",
            "webbrowser.open", "urllib.Request", "sys.remote_exec",
        }
    )  # fmt: skip
    refused_prefixes = ("socket.", "ctypes.", "sqlite3.", "_posixsubprocess.", "subprocess.", "os.exec", "os.spawn")

    def hook(event, args):
        if event == "open":
            check_open(args[0], args[1], args[2])
        elif event in read_events:
            checked(event, args[0], False)
        elif event in write_events:
            checked(event, args[0], True)
        elif event == "os.rename":
            checked(event, args[0], True)
            checked(event, args[1], True)
        elif event == "os.chdir":
            checked(event, args[0], True)  # the working directory never leaves the sandbox
        elif event == "import":
            if args[0].partition(".")[0] in _refused_modules:
                raise _refused_import(f"refused by the sandbox: import {args[0]}", name=args[0])
        elif event == "os.kill":
            if args[0] != own_pid:
                refuse(f"os.kill({args[0]}, {args[1]})")
        elif event in ("resource.setrlimit", "resource.prlimit"):
            refuse(f"{event}{_repr(_tuple(args))[:80]}")
        elif event in refused_events or event.startswith(refused_prefixes):
            refuse(event)

    def make_stub(label):
        def stub(*args, **kwargs):
            refuse(label)

        return stub

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


# ---------------------------------------------------------------- the runner


class _CallTimeout(BaseException):
    """Raised by the alarm when a call runs past its time."""


def _on_alarm(signum, frame):
    raise _CallTimeout


class _Channel:
    """Writes result lines to the private descriptor."""

    def __init__(self, fd):
        self.fd = fd

    def emit(self, record):
        data = (json.dumps(record, ensure_ascii=True, allow_nan=False) + "\n").encode("ascii")
        view = memoryview(data)
        while view:
            written = os.write(self.fd, view)
            view = view[written:]

    def refused(self, what):
        self.emit({"event": "refused", "what": str(what)[:300]})


def _error_fields(exc):
    try:
        message = str(exc)
    except Exception:  # noqa: BLE001 - an untrusted __str__ may raise anything
        message = "<unprintable message>"
    if len(message) > _MESSAGE_CHARS:
        message = message[: _MESSAGE_CHARS - 3] + "..."
    return {"error_type": type(exc).__name__, "error_message": message}


def _attempt(action, seconds, max_bytes):
    """Run ``action`` under a timer and encode what it returns; never raises."""
    reserve = [bytearray(_RESERVE_BYTES)]
    started = time.perf_counter()
    try:
        try:
            signal.setitimer(signal.ITIMER_REAL, seconds)
            record = _settle(action, max_bytes, reserve)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _CallTimeout:
        record = {"status": "timeout"}
    reserve.clear()
    elapsed = time.perf_counter() - started
    if elapsed >= seconds and record["status"] != "timeout":
        # The code caught the timer's exception and went on: its result is not trustworthy.
        record = {"status": "timeout", "detail": "the call ignored its time limit"}
    record["seconds"] = round(elapsed, 6)
    return record


def _settle(action, max_bytes, reserve):
    try:
        value = action()
    except _CallTimeout:
        raise
    except MemoryError:
        reserve.clear()  # room to report it
        return {"status": "memory"}
    except RefusedImport as exc:
        return {"status": "refused", "refusals": [f"import {exc.name}"], **_error_fields(exc)}
    except BaseException as exc:  # noqa: BLE001 - the untrusted code may raise anything, even SystemExit
        status = "refused" if isinstance(exc, SandboxViolation) else "raised"
        return {"status": status, **_error_fields(exc)}
    try:
        encoded = encode_value(value, max_bytes)
    except ValueTooLarge:
        return {"status": "too_large", "value_repr": short_repr(value)}
    except EncodingError as exc:
        return {"status": "not_serialisable", "value_repr": short_repr(value), "detail": str(exc)}
    except RecursionError:
        return {
            "status": "not_serialisable",
            "value_repr": short_repr(value),
            "detail": "the value is nested too deeply",
        }
    except MemoryError:
        reserve.clear()
        return {"status": "memory", "detail": "out of memory while encoding the returned value"}
    return {"status": "ok", "value": encoded, "value_repr": short_repr(value)}


def _bind(function, args, kwargs):
    def call():
        return function(*args, **kwargs)

    return call


def _set_limits(limits):
    cpu = int(limits["cpu_seconds"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_AS, (limits["memory_bytes"],) * 2)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits["file_size_bytes"],) * 2)
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits["open_files"],) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # Only binds an unprivileged user: root is exempt, hence the guard and the group kill.
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))


def _read_roots():
    roots = {os.path.dirname(os.__file__)}
    roots.update(entry for entry in sys.path if entry)
    roots.add("/usr/share/zoneinfo")
    return sorted({os.path.realpath(entry) for entry in roots})


def main():
    """Run one request; the process exits with 0 after ``done`` or dies trying."""
    channel = _Channel(os.dup(1))
    os.dup2(2, 1)  # the untrusted code's stdout joins stderr, away from the results
    request = json.loads(sys.stdin.buffer.read())
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    _set_limits(request["limits"])
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-big file is an OSError, not death
    signal.signal(signal.SIGALRM, _on_alarm)
    seconds, max_bytes = float(request["call_seconds"]), int(request["max_output_bytes"])
    calls = [(call["index"], decode_value(call["args"]), decode_value(call["kwargs"])) for call in request["calls"]]
    for name in [name for name in sys.modules if name.partition(".")[0] in REFUSED_MODULES]:
        del sys.modules[name]
    install_guard(os.path.realpath(os.getcwd()), _read_roots(), channel.refused)

    # A real module in sys.modules: dataclasses, enum and typing look the defining module up there.
    module = type(sys)("generated")
    sys.modules["generated"] = module
    namespace = module.__dict__
    function_name = request["function"]
    code_text = request["source"]

    def load():
        exec(compile(code_text, "<generated>", "exec"), namespace)  # noqa: S102 - running it is the point
        function = namespace.get(function_name)
        if function is None:
            raise NameError(f"the code defines no {function_name!r}")
        if not callable(function):
            raise TypeError(f"{function_name!r} is not callable")

    channel.emit({"event": "start", "index": -1})
    record = _attempt(load, seconds, max_bytes)
    if record["status"] == "ok":
        record.pop("value", None)
        record.pop("value_repr", None)
    channel.emit({"event": "outcome", "index": -1, **record})
    if record["status"] == "ok":
        function = namespace[function_name]
        for index, args, kwargs in calls:
            channel.emit({"event": "start", "index": index})
            record = _attempt(_bind(function, args, kwargs), seconds, max_bytes)
            channel.emit({"event": "outcome", "index": index, **record})
    channel.emit({"event": "done"})
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001, S110 - the untrusted code may have replaced the stream
            pass
    os._exit(0)  # skip interpreter shutdown: no untrusted atexit handler or finaliser runs


if __name__ == "__main__":
    main()
