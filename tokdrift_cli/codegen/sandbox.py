"""Run generated Python in a separate, limited process and report what each call did.

Generated code is untrusted: it may loop, fork, eat memory, write files, read
secrets or open sockets, by accident or otherwise. :func:`run_function` loads
one module source in a fresh interpreter, calls one of its functions on each
given input, and returns a typed :class:`SandboxResult`. It never raises for
anything the code does; only a bad argument is an error.

Layers, outermost first:

* **A separate process** (``python -s -S -P -B``: no site-packages, no user
  site, no script directory on ``sys.path``) in its **own session**; when the
  run ends or overruns, the parent kills the **whole process group**, so
  nothing it started survives it.
* **An environment built from scratch** (:func:`build_environment`): nothing of
  the parent's passes except the names in :data:`PASSED_THROUGH`, and a name
  that looks like a secret (:data:`SECRET_NAME`) never passes, allow-listed or
  not. ``HOME`` and ``TMPDIR`` point into a fresh temporary directory, which is
  also the working directory and is deleted afterwards.
  ``PYTHONHASHSEED=0`` makes set and dict orders repeat, so two runs and two
  implementations see the same iteration order.
* **Resource limits** set in the child before any untrusted code runs
  (:class:`SandboxLimits`): CPU seconds, address space, file size, open files,
  no core dumps, no new processes (the last binds only a non-root user).
* **Time**: each call has its own timer inside the child; the parent also
  kills a call that overruns by :data:`GRACE_SECONDS` (code that swallows the
  timer's exception), and the whole run is bounded by ``wall_seconds``. When a
  process dies mid-run the call it was in gets the blame and a fresh process
  runs the remaining calls, so one bad input never costs the others' results.
* **An in-process guard** (an audit hook plus stubs, see ``_sandbox_child.py``):
  writes and deletions only inside the temporary directory, reads only there
  and in the standard library, no network, no new processes or threads, no
  signals to other processes, no resource-limit changes; modules that would
  act behind the hook's back (``ctypes``, ``sqlite3``, ``pwd``, ...) do not
  import. Refusals are reported per call even when the code catches them.

What this does not do: the guard is defence in depth, not a security
boundary. CPython's audit hooks can be defeated by code written to defeat
them (crafted bytecode via ``marshal``, which the import system itself needs,
for example), and when tokdrift runs as root the guard is the only thing
between the code and the file system (root ignores file permissions and
``RLIMIT_NPROC``). Generated code is treated as careless or naively hostile,
not as a determined attacker; against one, run tokdrift in a container or VM.

Values cross the process boundary in a tagged JSON encoding (see
:func:`~tokdrift_cli.codegen._sandbox_child.encode_value`): tuples, sets,
bytes and non-finite floats are tagged, sets sorted, so two implementations'
results compare deterministically.
"""

from __future__ import annotations

import json
import os
import re
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tokdrift_cli.codegen import _sandbox_child
from tokdrift_cli.codegen._sandbox_child import EncodingError, encode_value

__all__ = [
    "GRACE_SECONDS",
    "PASSED_THROUGH",
    "SECRET_NAME",
    "CallOutcome",
    "CallStatus",
    "FunctionCall",
    "ProcessReport",
    "ProcessStatus",
    "SandboxLimits",
    "SandboxResult",
    "build_environment",
    "run_function",
]

MIB: Final = 1 << 20

#: Extra seconds the parent allows a call past ``call_seconds`` before killing the process.
GRACE_SECONDS: Final = 1.0
# Python's own start-up, before the first line of output, on a busy machine.
_STARTUP_SECONDS: Final = 10.0
# After ``done``, how long the child may take to exit before it is killed anyway.
_EXIT_SECONDS: Final = 2.0
_TICK_SECONDS: Final = 0.05
_STDERR_TAIL_BYTES: Final = 8192
# Room per outcome beyond the value itself: repr, error message, framing.
_OUTCOME_OVERHEAD_BYTES: Final = 64 * 1024

_CHILD_SCRIPT: Final = Path(_sandbox_child.__file__).resolve()

#: Parent environment names passed to the child (and only if they do not look like a secret).
PASSED_THROUGH: Final = ("TZ",)
#: A name matching this never reaches the child: keys, tokens, passwords, cloud credentials.
SECRET_NAME: Final = re.compile(
    r"KEY|TOKEN|SECRET|PASSW|CREDENTIAL|AUTH|COOKIE|SESSION|PRIVATE|CERT|^AWS_|^AZURE_|^GCP_|^GOOGLE_|^OPENAI|^ANTHROPIC",
    re.IGNORECASE,
)


class SandboxLimits(BaseModel):
    """What one sandboxed run may use. The defaults suit small generated functions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Wall-clock seconds per call (and for loading the module).
    call_seconds: float = Field(default=2.0, gt=0)
    #: Wall-clock seconds for the whole run, restarts included: the backstop.
    wall_seconds: float = Field(default=30.0, gt=0)
    #: CPU seconds per sandbox process (all its calls together).
    cpu_seconds: int = Field(default=10, ge=1)
    #: Address space of the process; 512 MiB fits any reasonable function and stops a runaway one fast.
    memory_bytes: int = Field(default=512 * MIB, ge=64 * MIB)
    #: Largest file the code may write (in its temporary directory).
    file_size_bytes: int = Field(default=1 * MIB, ge=0)
    #: Largest encoded return value; a bigger one is reported as ``too_large``.
    max_output_bytes: int = Field(default=1 * MIB, ge=1024)
    #: Open file descriptors.
    open_files: int = Field(default=64, ge=16)


class FunctionCall(BaseModel):
    """One call: positional and keyword arguments (values the tagged encoding can carry)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = Field(default_factory=dict)

    def describe(self, function_name: str, limit: int = 120) -> str:
        """``f(2, 'a', k=3)``, shortened to ``limit`` characters, for messages."""
        parts = [_sandbox_child.short_repr(arg) for arg in self.args]
        parts += [f"{key}={_sandbox_child.short_repr(value)}" for key, value in self.kwargs.items()]
        text = f"{function_name}({', '.join(parts)})"
        return text if len(text) <= limit else text[: limit - 4] + "...)"


class CallStatus(StrEnum):
    """How one call ended."""

    OK = "ok"  #: returned a value (in ``value``)
    RAISED = "raised"  #: raised an exception (``error_type``, ``error_message``), SystemExit included
    REFUSED = "refused"  #: tried something the sandbox forbids (``refusals``); takes precedence
    TIMEOUT = "timeout"  #: ran past ``call_seconds`` or the CPU limit
    MEMORY = "memory"  #: ran out of memory
    CRASHED = "crashed"  #: the process died during the call (signal, ``os._exit``, unreadable output)
    TOO_LARGE = "too_large"  #: returned a value larger than ``max_output_bytes``
    NOT_SERIALISABLE = "not_serialisable"  #: returned a value with no comparable form (a generator, ...)
    NOT_RUN = "not_run"  #: never ran: the module did not load, or the time budget ran out


class CallOutcome(BaseModel):
    """What one call (index -1: loading the module) did."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    index: int
    status: CallStatus
    #: The returned value in the tagged JSON encoding (``status == ok`` only).
    value: Any = None
    value_repr: str | None = None
    error_type: str | None = None
    error_message: str | None = None
    #: What the guard refused during this call, in order (at most 20 per process are listed).
    refusals: tuple[str, ...] = ()
    detail: str | None = None
    seconds: float | None = None


class ProcessStatus(StrEnum):
    """How one sandbox process ended."""

    FINISHED = "finished"  #: ran every call it was given and exited
    CALL_TIMEOUT = "call_timeout"  #: killed: a call overran its time by more than the grace
    WALL_TIMEOUT = "wall_timeout"  #: killed: the run's time budget ran out
    CPU_LIMIT = "cpu_limit"  #: killed by the kernel for exceeding its CPU seconds
    SIGNALLED = "signalled"  #: died from a signal (a crash, or the code killed itself)
    EXITED_EARLY = "exited_early"  #: exited before finishing (``os._exit``, a dead runner)
    OUTPUT_TOO_LARGE = "output_too_large"  #: killed: wrote more than the output bound
    BAD_OUTPUT = "bad_output"  #: killed: wrote something that is not the result protocol


class ProcessReport(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    pid: int
    status: ProcessStatus
    exit_code: int | None = None
    signal_number: int | None = None
    detail: str
    seconds: float


class SandboxResult(BaseModel):
    """Everything one :func:`run_function` call observed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    load: CallOutcome
    outcomes: tuple[CallOutcome, ...]
    processes: tuple[ProcessReport, ...]
    wall_seconds: float
    #: The last few KiB the code printed (stdout and stderr), for diagnosis.
    stderr_tail: str

    @property
    def loaded(self) -> bool:
        return self.load.status is CallStatus.OK

    @property
    def status(self) -> ProcessStatus:
        """The first abnormal process ending, or ``finished`` if every process finished."""
        for process in self.processes:
            if process.status is not ProcessStatus.FINISHED:
                return process.status
        return ProcessStatus.FINISHED

    @field_validator("outcomes")
    @classmethod
    def _in_order(cls, outcomes: tuple[CallOutcome, ...]) -> tuple[CallOutcome, ...]:
        if [outcome.index for outcome in outcomes] != list(range(len(outcomes))):
            raise ValueError("outcomes must be in call order")
        return outcomes


def build_environment(home: Path, parent: Mapping[str, str] | None = None) -> dict[str, str]:
    """The child's whole environment: fixed values, plus allow-listed parent names that are not secrets."""
    parent = os.environ if parent is None else parent
    env = {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": str(home),
        "TMPDIR": str(home),
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    for name in PASSED_THROUGH:
        if name in parent and not SECRET_NAME.search(name):
            env[name] = parent[name]
    return env


def run_function(
    source: str,
    function_name: str,
    calls: Sequence[FunctionCall],
    limits: SandboxLimits | None = None,
) -> SandboxResult:
    """Load ``source`` in a sandbox and call ``function_name`` once per call, in order.

    All calls share one process (and one temporary directory) unless a call
    kills it; then the remaining calls run in a fresh process. Raises only
    ``TypeError``/``ValueError`` for bad arguments (an argument the encoding
    cannot carry, a name that is not an identifier).
    """
    limits = limits or SandboxLimits()
    if not isinstance(source, str):
        raise TypeError("source must be a str")
    if not function_name.isidentifier():
        raise ValueError(f"not a function name: {function_name!r}")
    encoded = [_encode_call(index, call) for index, call in enumerate(calls)]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tokdrift-sandbox-", ignore_cleanup_errors=True) as directory:
        run = _Run(source, function_name, encoded, limits, Path(directory).resolve(), started)
        run.execute()
    return run.result(time.monotonic() - started)


def _encode_call(index: int, call: FunctionCall) -> dict[str, Any]:
    if not isinstance(call, FunctionCall):
        raise TypeError(f"call {index} is a {type(call).__name__}, not a FunctionCall")
    try:
        return {
            "index": index,
            "args": encode_value(list(call.args), 64 * MIB, arguments=True),
            "kwargs": encode_value(dict(call.kwargs), 64 * MIB, arguments=True),
        }
    except EncodingError as error:
        raise ValueError(f"call {index}: {error}") from None


@dataclass
class _Run:
    """The state of one run_function call across its processes."""

    source: str
    function_name: str
    calls: list[dict[str, Any]]
    limits: SandboxLimits
    directory: Path
    started: float
    load: CallOutcome | None = None
    outcomes: dict[int, CallOutcome] = field(default_factory=dict)
    processes: list[ProcessReport] = field(default_factory=list)
    stderr: bytearray = field(default_factory=bytearray)
    stop_reason: str = ""

    def execute(self) -> None:
        pending = list(self.calls)
        while True:
            deadline = self.started + self.limits.wall_seconds
            if time.monotonic() >= deadline:
                self.stop_reason = "the run's time budget (wall_seconds) ran out"
                return
            process = _Process(self, pending, deadline)
            process.run()
            self.processes.append(process.report)
            if self.load is None or self.load.status is not CallStatus.OK:
                return
            pending = [call for call in pending if call["index"] not in self.outcomes]
            if not pending:
                return
            if not process.progressed:
                self.stop_reason = "the sandbox process failed before running a call"
                return

    def record_load(self, outcome: CallOutcome) -> None:
        # A restarted process loads the module again; the first load is the one reported.
        if self.load is None:
            self.load = outcome

    def keep_stderr(self, chunk: bytes) -> None:
        self.stderr += chunk
        del self.stderr[:-_STDERR_TAIL_BYTES]

    def result(self, seconds: float) -> SandboxResult:
        if self.load is None:
            why = self.stop_reason or (self.processes[-1].detail if self.processes else "")
            load = CallOutcome(index=-1, status=CallStatus.NOT_RUN, detail=f"the module was never loaded: {why}")
        else:
            load = self.load
        if load.status is not CallStatus.OK:
            # Calls may have run (a refusal caught at import time), but a module that did not load
            # cleanly has no trustworthy results.
            reason = "the module did not load"
            kept: dict[int, CallOutcome] = {}
        else:
            reason = self.stop_reason or "the sandbox stopped before this call"
            kept = self.outcomes
        outcomes = tuple(
            kept.get(index) or CallOutcome(index=index, status=CallStatus.NOT_RUN, detail=reason)
            for index in range(len(self.calls))
        )
        return SandboxResult(
            load=load,
            outcomes=outcomes,
            processes=tuple(self.processes),
            wall_seconds=round(seconds, 6),
            stderr_tail=self.stderr.decode("utf-8", "replace"),
        )


class _Protocol(Exception):
    """The child wrote something that is not a result line."""


class _Process:
    """One child process: feed it the request, read its results, kill it when it must stop."""

    def __init__(self, run: _Run, pending: list[dict[str, Any]], deadline: float):
        self.run_state = run
        self.deadline = deadline
        self.limits = run.limits
        self.request = json.dumps(
            {
                "source": run.source,
                "function": run.function_name,
                "calls": pending,
                "call_seconds": self.limits.call_seconds,
                "max_output_bytes": self.limits.max_output_bytes,
                "limits": self.limits.model_dump(
                    include={"cpu_seconds", "memory_bytes", "file_size_bytes", "open_files"}
                ),
            },
            ensure_ascii=True,
        ).encode("ascii")
        self.output_cap = (self.limits.max_output_bytes + _OUTCOME_OVERHEAD_BYTES) * (len(pending) + 2)
        self.output_bytes = 0
        self.buffer = bytearray()
        self.current: int | None = None  # the call in progress (-1: loading)
        self.current_started = 0.0
        self.refusals: list[str] = []
        self.done = False
        self.progressed = False
        self.kill_reason: ProcessStatus | None = None
        self.report: ProcessReport

    def run(self) -> None:
        started = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-s", "-S", "-P", "-B", str(_CHILD_SCRIPT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=self.run_state.directory,
            env=build_environment(self.run_state.directory),
            start_new_session=True,
            close_fds=True,
            umask=0o077,
        )
        try:
            self._pump(proc)
        finally:
            _kill_group(proc.pid)
            for stream in (proc.stdin, proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()
            returncode = proc.wait()
        self.report = self._finish(proc.pid, returncode, time.monotonic() - started)

    # -- reading

    def _pump(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        selector = selectors.DefaultSelector()
        os.set_blocking(proc.stdin.fileno(), False)
        selector.register(proc.stdin, selectors.EVENT_WRITE)
        selector.register(proc.stdout, selectors.EVENT_READ)
        selector.register(proc.stderr, selectors.EVENT_READ)
        to_send = memoryview(self.request)
        silence_deadline = time.monotonic() + _STARTUP_SECONDS
        with selector:
            while selector.get_map():
                now = time.monotonic()
                if self.done:
                    silence_deadline = min(silence_deadline, now + _EXIT_SECONDS)
                if now >= self.deadline or now >= silence_deadline:
                    if not self.done:
                        self.kill_reason = (
                            ProcessStatus.WALL_TIMEOUT if now >= self.deadline else ProcessStatus.CALL_TIMEOUT
                        )
                    return
                if _has_exited(proc.pid):
                    # Output already written is still in the pipes: read it, but do not wait on
                    # descendants that might hold the pipes open.
                    _kill_group(proc.pid)
                for key, _ in selector.select(timeout=min(_TICK_SECONDS, self.deadline - now)):
                    if key.fileobj is proc.stdin:
                        to_send = self._send(selector, proc, to_send)
                    elif key.fileobj is proc.stdout:
                        if not self._receive(selector, proc.stdout):
                            return
                        silence_deadline = time.monotonic() + self.limits.call_seconds + GRACE_SECONDS
                    else:
                        chunk = os.read(proc.stderr.fileno(), 65536)
                        if chunk:
                            self.run_state.keep_stderr(chunk)
                        else:
                            selector.unregister(proc.stderr)

    def _send(self, selector: selectors.BaseSelector, proc: subprocess.Popen[bytes], data: memoryview) -> memoryview:
        assert proc.stdin is not None
        try:
            data = data[os.write(proc.stdin.fileno(), data[:65536]) :]
        except BrokenPipeError:
            data = data[:0]
        if not data:
            selector.unregister(proc.stdin)
            proc.stdin.close()
        return data

    def _receive(self, selector: selectors.BaseSelector, stdout: Any) -> bool:
        """Read and handle result lines; False when the process must be killed."""
        chunk = os.read(stdout.fileno(), 65536)
        if not chunk:
            selector.unregister(stdout)
            return True
        self.output_bytes += len(chunk)
        if self.output_bytes > self.output_cap:
            self.kill_reason = ProcessStatus.OUTPUT_TOO_LARGE
            return False
        self.buffer += chunk
        while (end := self.buffer.find(b"\n")) >= 0:
            line = bytes(self.buffer[:end])
            del self.buffer[: end + 1]
            try:
                self._handle(line)
            except _Protocol:
                self.kill_reason = ProcessStatus.BAD_OUTPUT
                return False
        return True

    def _handle(self, line: bytes) -> None:
        try:
            record = json.loads(line)
            event = record["event"]
        except (ValueError, TypeError, KeyError) as error:
            raise _Protocol(str(error)) from None
        if event == "start":
            self.current, self.current_started, self.refusals = int(record["index"]), time.monotonic(), []
        elif event == "refused":
            self.refusals.append(str(record.get("what", "")))
        elif event == "outcome":
            self._record(self._outcome_from(record))
        elif event == "done":
            self.done = True
        else:
            raise _Protocol(f"unknown event {event!r}")

    def _outcome_from(self, record: dict[str, Any]) -> CallOutcome:
        index = record.get("index")
        if index != self.current:
            raise _Protocol("an outcome for a call that is not running")
        try:
            fields = {key: value for key, value in record.items() if key != "event"}
            fields["refusals"] = (*self.refusals, *fields.get("refusals", ()))
            outcome = CallOutcome.model_validate(fields)
        except ValueError as error:
            raise _Protocol(str(error)) from None
        if self.refusals and outcome.status is not CallStatus.REFUSED:
            # The code caught the refusal and went on: what it returned is not its real behaviour.
            detail = f"after a refusal the call ended as {outcome.status.value}"
            outcome = outcome.model_copy(update={"status": CallStatus.REFUSED, "detail": detail})
        return outcome

    def _record(self, outcome: CallOutcome) -> None:
        if outcome.index == -1:
            self.run_state.record_load(outcome)
        else:
            self.run_state.outcomes[outcome.index] = outcome
            self.progressed = True
        self.current = None

    # -- ending

    def _finish(self, pid: int, returncode: int, seconds: float) -> ProcessReport:
        status, detail = self._classify(returncode)
        if self.current is not None:
            self._record(self._blame(status, detail))
        signal_number = -returncode if returncode < 0 else None
        exit_code = returncode if returncode >= 0 else None
        return ProcessReport(
            pid=pid,
            status=status,
            exit_code=exit_code,
            signal_number=signal_number,
            detail=detail,
            seconds=round(seconds, 6),
        )

    def _classify(self, returncode: int) -> tuple[ProcessStatus, str]:
        if self.done:
            return ProcessStatus.FINISHED, "finished"
        if self.kill_reason is not None:
            details = {
                ProcessStatus.WALL_TIMEOUT: f"killed: the run exceeded wall_seconds={self.limits.wall_seconds}",
                ProcessStatus.CALL_TIMEOUT: (
                    f"killed: no progress in call_seconds={self.limits.call_seconds} + {GRACE_SECONDS} s grace"
                ),
                ProcessStatus.OUTPUT_TOO_LARGE: f"killed: wrote more than {self.output_cap} bytes of results",
                ProcessStatus.BAD_OUTPUT: "killed: wrote output that is not a result line",
            }
            return self.kill_reason, details[self.kill_reason]
        if returncode < 0:
            name = _signal_name(-returncode)
            if -returncode == signal.SIGXCPU:
                return ProcessStatus.CPU_LIMIT, f"killed by {name}: more than cpu_seconds={self.limits.cpu_seconds}"
            return ProcessStatus.SIGNALLED, f"killed by {name}"
        return ProcessStatus.EXITED_EARLY, f"exited with code {returncode} before finishing"

    def _blame(self, status: ProcessStatus, detail: str) -> CallOutcome:
        """The outcome of the call that was running when the process ended."""
        by_status = {
            ProcessStatus.CALL_TIMEOUT: CallStatus.TIMEOUT,
            ProcessStatus.WALL_TIMEOUT: CallStatus.TIMEOUT,
            ProcessStatus.CPU_LIMIT: CallStatus.TIMEOUT,
            ProcessStatus.OUTPUT_TOO_LARGE: CallStatus.TOO_LARGE,
        }
        call_status = by_status.get(status, CallStatus.CRASHED)
        if call_status is CallStatus.CRASHED and b"MemoryError" in self.run_state.stderr[-2048:]:
            call_status = CallStatus.MEMORY
        if self.refusals:
            call_status = CallStatus.REFUSED
        return CallOutcome(
            index=self.current if self.current is not None else -1,
            status=call_status,
            refusals=tuple(self.refusals),
            detail=f"sandbox process ended: {detail}",
            seconds=round(time.monotonic() - self.current_started, 6),
        )


def _has_exited(pid: int) -> bool:
    """Whether the child has exited, without reaping it (so its process group id stays ours)."""
    try:
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:  # pragma: no cover - already reaped
        return True
    return info is not None


def _kill_group(pgid: int) -> None:
    """SIGKILL every process in the child's group (the child leads it until reaped)."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
