"""The inside of the sandbox: fence the interpreter in, load the untrusted module, call it, report.

This file runs as a script in a fresh ``python -s -S -P -B`` process, behind the
operating-system boundary when there is one (see ``boundary.py``), started by
:mod:`tokdrift_cli.codegen.sandbox.run`. It uses the standard library only (the
process has no site-packages) and loads its two siblings, the value codec and
the guard, by path.

Protocol: one JSON request on stdin; result lines on the original stdout, which
is moved to a private descriptor so that the untrusted code's ``print`` goes
to stderr instead of into the results. Each line is the request's token, a
space and a JSON object: ``start`` (a call begins), ``outcome`` (a call ended),
``refused`` (the guard stopped something) and ``done``. Index -1 is the loading
of the module. Each outcome is written as soon as it exists, so the parent
keeps every finished call even if the process dies later.

Nothing here is trusted by the parent: the untrusted code shares this
process and can write to the descriptor itself. The parent validates every
line (see ``protocol.py``); the token and the descriptor check below only
make a careless or naive forgery fail loudly.
"""

from __future__ import annotations

import importlib.util
import json
import os
import resource
import signal
import sys
import time

if __package__:
    from tokdrift_cli.codegen.sandbox.child import codec, guard
else:  # run as a script: no package, no sys.path entry for this directory

    def _sibling(name):
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), f"{name}.py")
        spec = importlib.util.spec_from_file_location(f"_tokdrift_sandbox_{name}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    codec, guard = _sibling("codec"), _sibling("guard")

#: Exit code of a runner whose result descriptor was closed or replaced under it.
CHANNEL_LOST_EXIT = 86
# Freed on MemoryError so the runner has room to report it.
_RESERVE_BYTES = 1 << 20
_REFUSAL_CHARS = 300


class _CallTimeout(BaseException):
    """Raised by the alarm when a call runs past its time."""


def _on_alarm(signum, frame):
    raise _CallTimeout


class _Channel:
    """Writes token-prefixed result lines to the private descriptor, while it is still the one it was."""

    def __init__(self, fd, token):
        self.fd = fd
        self.prefix = token.encode("ascii") + b" "
        self.identity = self._identity()
        self.dumps, self.write, self.exit = json.dumps, os.write, os._exit

    def _identity(self):
        try:
            info = os.fstat(self.fd)
        except OSError:
            return None
        return (info.st_dev, info.st_ino)

    def emit(self, record):
        if self._identity() != self.identity:
            self.exit(CHANNEL_LOST_EXIT)  # closed or replaced by the untrusted code: nothing to report on
        data = self.prefix + (self.dumps(record, ensure_ascii=True, allow_nan=False) + "\n").encode("ascii")
        view = memoryview(data)
        try:
            while view:
                view = view[self.write(self.fd, view) :]
        except OSError:
            self.exit(CHANNEL_LOST_EXIT)

    def refused(self, what):
        self.emit({"event": "refused", "what": str(what)[:_REFUSAL_CHARS]})


def _error_fields(exc):
    try:
        message = str(exc)
    except Exception:  # noqa: BLE001 - an untrusted __str__ may raise anything
        message = "<unprintable message>"
    if len(message) > codec.MESSAGE_CHARS:
        message = message[: codec.MESSAGE_CHARS - 3] + "..."
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
    except guard.RefusedImport as exc:
        return {"status": "refused", "refusals": [f"import {exc.name}"], **_error_fields(exc)}
    except BaseException as exc:  # noqa: BLE001 - the untrusted code may raise anything, even SystemExit
        status = "refused" if isinstance(exc, guard.SandboxViolation) else "raised"
        return {"status": status, **_error_fields(exc)}
    try:
        encoded = codec.encode_value(value, max_bytes)
    except codec.ValueTooLarge:
        return {"status": "too_large", "value_repr": codec.short_repr(value)}
    except codec.EncodingError as exc:
        return {"status": "not_serialisable", "value_repr": codec.short_repr(value), "detail": str(exc)}
    except RecursionError:
        detail = "the value is nested too deeply"
        return {"status": "not_serialisable", "value_repr": codec.short_repr(value), "detail": detail}
    except MemoryError:
        reserve.clear()
        return {"status": "memory", "detail": "out of memory while encoding the returned value"}
    return {"status": "ok", "value": encoded, "value_repr": codec.short_repr(value)}


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
    # Binds an unprivileged user only: behind the boundary the code runs as one.
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))


def _read_roots():
    roots = {os.path.dirname(os.__file__)}
    roots.update(entry for entry in sys.path if entry)
    roots.add("/usr/share/zoneinfo")
    return sorted({os.path.realpath(entry) for entry in roots})


def drop_privileges(uid):
    """Become ``uid`` (group and supplementary groups too) for good; the boundary starts us as root only for this."""
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    if os.getresuid() != (uid, uid, uid) or os.getresgid() != (uid, uid, uid) or os.getgroups():
        raise PermissionError(f"could not become uid {uid}")


def probe_facts(request):
    """What the parent checks to accept the boundary: who we are, what we see, where we can write."""
    import socket

    status = {}
    with open("/proc/self/status") as handle:
        for line in handle:
            name, _, value = line.partition(":")
            if name in ("CapEff", "CapPrm", "CapAmb", "NoNewPrivs"):
                status[name] = value.strip()
    writable = []
    for directory in request["try_writing"]:
        path = os.path.join(directory, f".tokdrift-probe-{request['token']}")
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except OSError:
            continue
        writable.append(directory)
        os.unlink(path)
    return {
        "uids": list(os.getresuid()),
        "gids": list(os.getresgid()),
        "groups": os.getgroups(),
        "status": status,
        "processes": sum(1 for entry in os.listdir("/proc") if entry.isdigit()),
        "interfaces": sorted(name for _, name in socket.if_nameindex()),
        "writable": writable,
        "environment": sorted(os.environ),
    }


def _load(code_text, function_name, namespace):
    def load():
        exec(compile(code_text, "<generated>", "exec"), namespace)  # noqa: S102 - running it is the point
        function = namespace.get(function_name)
        if function is None:
            raise NameError(f"the code defines no {function_name!r}")
        if not callable(function):
            raise TypeError(f"{function_name!r} is not callable")

    return load


def _run_request(request, channel):
    """Load the module and run every call, reporting as it goes."""
    _set_limits(request["limits"])
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-big file is an OSError, not death
    signal.signal(signal.SIGALRM, _on_alarm)
    seconds, max_bytes = float(request["call_seconds"]), int(request["max_output_bytes"])
    calls = [
        (call["index"], codec.decode_value(call["args"]), codec.decode_value(call["kwargs"]))
        for call in request["calls"]
    ]
    for name in [name for name in sys.modules if name.partition(".")[0] in guard.REFUSED_MODULES]:
        del sys.modules[name]
    for name in [name for name in sys.modules if name.startswith("_tokdrift_sandbox_")]:
        del sys.modules[name]  # the codec and guard stay reachable only through this runner
    new_call = guard.install_guard(os.path.realpath(os.getcwd()), _read_roots(), channel.refused)

    # A real module in sys.modules: dataclasses, enum and typing look the defining module up there.
    module = type(sys)("generated")
    sys.modules["generated"] = module
    namespace = module.__dict__
    channel.emit({"event": "start", "index": -1})
    record = _attempt(_load(request["source"], request["function"], namespace), seconds, max_bytes)
    if record["status"] == "ok":
        record.pop("value", None)
        record.pop("value_repr", None)
    channel.emit({"event": "outcome", "index": -1, **record})
    if record["status"] == "ok":
        function = namespace[request["function"]]
        for index, args, kwargs in calls:
            new_call()
            channel.emit({"event": "start", "index": index})
            record = _attempt(_bind(function, args, kwargs), seconds, max_bytes)
            channel.emit({"event": "outcome", "index": index, **record})
    channel.emit({"event": "done"})


def serve_as_init():
    """As the namespace's first process: fork the runner, reap, and exit as it did (signals as 128 + number).

    When this process exits the kernel kills and reaps everything else in the
    namespace, and bubblewrap, its parent, reaps it: nothing is left behind as a
    zombie, whatever the host's init does with orphans. Returns in the runner.
    """
    runner = os.fork()
    if runner == 0:
        return
    for descriptor in (0, 1):
        os.close(descriptor)  # the runner's pipes are the runner's
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:  # pragma: no cover - the runner is always waited for first
            os._exit(1)
        if pid == runner:
            code = os.waitstatus_to_exitcode(status)
            os._exit(128 - code if code < 0 else code)


def main(argv):
    """Run one request; the process exits with 0 after ``done`` or dies trying."""
    if "--init" in argv:
        serve_as_init()
    channel_fd = os.dup(1)
    os.dup2(2, 1)  # the untrusted code's stdout joins stderr, away from the results
    request = json.loads(sys.stdin.buffer.read())
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    if request.get("drop_to") is not None:
        drop_privileges(int(request["drop_to"]))
    os.chdir(request["directory"])
    channel = _Channel(channel_fd, request["token"])
    if "--probe" in argv:
        channel.emit({"event": "probe", **probe_facts(request)})
    else:
        _run_request(request, channel)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001, S110 - the untrusted code may have replaced the stream
            pass
    os._exit(0)  # skip interpreter shutdown: no untrusted atexit handler or finaliser runs


if __name__ == "__main__":
    main(sys.argv[1:])
