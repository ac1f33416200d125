"""Run generated code in the sandbox: one module, one function, a list of calls, a typed result."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from tokdrift_cli.codegen.sandbox.boundary import Boundary
from tokdrift_cli.codegen.sandbox.child.codec import EncodingError, encode_value
from tokdrift_cli.codegen.sandbox.detection import require_boundary
from tokdrift_cli.codegen.sandbox.environment import Redactor
from tokdrift_cli.codegen.sandbox.models import (
    MIB,
    CallOutcome,
    CallStatus,
    FunctionCall,
    ProcessReport,
    SandboxLimits,
    SandboxResult,
)
from tokdrift_cli.codegen.sandbox.process import Process

_STDERR_TAIL_BYTES: Final = 8192


def run_function(
    source: str,
    function_name: str,
    calls: Sequence[FunctionCall],
    limits: SandboxLimits | None = None,
    *,
    allow_unsandboxed: bool = False,
) -> SandboxResult:
    """Load ``source`` in a sandbox and call ``function_name`` once per call, in order.

    All calls share one process (and one temporary directory) unless a call
    kills it; then the remaining calls run in a fresh process. Where this
    machine has no operating-system boundary, raises
    :class:`~tokdrift_cli.codegen.sandbox.boundary.SandboxUnavailableError`
    unless ``allow_unsandboxed`` (or ``TOKDRIFT_ALLOW_UNSANDBOXED=1``) says
    the code may run without one (code tokdrift wrote itself, say). Otherwise
    raises only ``TypeError``/``ValueError`` for bad arguments (an argument
    the encoding cannot carry, a name that is not an identifier).
    """
    limits = limits or SandboxLimits()
    if not isinstance(source, str):
        raise TypeError("source must be a str")
    if not function_name.isidentifier():
        raise ValueError(f"not a function name: {function_name!r}")
    encoded = [_encode_call(index, call) for index, call in enumerate(calls)]
    boundary = require_boundary(allow_unsandboxed)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tokdrift-sandbox-", ignore_cleanup_errors=True) as name:
        directory = Path(name).resolve()
        boundary.prepare(directory)
        run = Run(source, function_name, encoded, limits, directory, started, boundary, Redactor())
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
class Run:
    """The state of one run_function call across its processes."""

    source: str
    function_name: str
    calls: list[dict[str, Any]]
    limits: SandboxLimits
    directory: Path
    started: float
    boundary: Boundary
    redact: Redactor
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
            process = Process(self, pending, deadline)
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

    def record(self, outcome: CallOutcome, *, replace: bool = False) -> None:
        if outcome.index != -1:
            self.outcomes[outcome.index] = outcome
        elif self.load is None or replace:
            # A restarted process loads the module again; the first load is the one reported.
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
            stderr_tail=self.redact(self.stderr.decode("utf-8", "replace")),
            boundary=self.boundary.name,
        )
