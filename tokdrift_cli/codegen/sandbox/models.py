"""What a sandbox run takes and returns: limits, calls, per-call outcomes, per-process reports."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tokdrift_cli.codegen.sandbox.child import codec

MIB: Final = 1 << 20


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
        parts = [codec.short_repr(arg) for arg in self.args]
        parts += [f"{key}={codec.short_repr(value)}" for key, value in self.kwargs.items()]
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
    #: The last few KiB the code printed (stdout and stderr), for diagnosis; secrets of the parent's
    #: environment are masked.
    stderr_tail: str
    #: The operating-system boundary the code ran behind ("bubblewrap"), or "none".
    boundary: str

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
