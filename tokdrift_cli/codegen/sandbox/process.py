"""One sandbox process, seen from the parent: start it, feed it, read it, kill it, say how it ended.

The parent reads the result lines through :mod:`.protocol` and keeps a strict
order (load, then each pending call in turn, then ``done``); anything out of
order or malformed kills the process and makes the call it happened in - or,
between calls, the call just reported - a crash. The run then goes on in a
fresh process, so the untrusted code can spoil its own results but never
another call's, and never the parent.
"""

from __future__ import annotations

import json
import os
import secrets
import selectors
import signal
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from tokdrift_cli.codegen.sandbox import boundary as boundary_module
from tokdrift_cli.codegen.sandbox.child.main import CHANNEL_LOST_EXIT
from tokdrift_cli.codegen.sandbox.environment import build_environment
from tokdrift_cli.codegen.sandbox.models import CallOutcome, CallStatus, ProcessReport, ProcessStatus
from tokdrift_cli.codegen.sandbox.protocol import Done, Event, Outcome, ProtocolError, Refused, Start, parse_line

if TYPE_CHECKING:
    from tokdrift_cli.codegen.sandbox.run import Run

#: Extra seconds the parent allows a call past ``call_seconds`` before killing the process.
GRACE_SECONDS: Final = 1.0
# Python's own start-up, before the first line of output, on a busy machine.
_STARTUP_SECONDS: Final = 10.0
# After ``done``, how long the child may take to exit before it is killed anyway.
_EXIT_SECONDS: Final = 2.0
_TICK_SECONDS: Final = 0.05
# Room per outcome beyond the value itself: repr, error message, framing.
_OUTCOME_OVERHEAD_BYTES: Final = 64 * 1024
_MAX_REFUSALS: Final = 20
# How long bubblewrap may take to reap its namespace and exit once the code has ended.
_REAP_SECONDS: Final = 5.0


class Process:
    """One child process: feed it the request, read its results, kill it when it must stop."""

    def __init__(self, run: Run, pending: list[dict[str, Any]], deadline: float):
        self.run_state = run
        self.deadline = deadline
        self.limits = run.limits
        self.token = secrets.token_hex(16)
        self.request = json.dumps(
            {
                "token": self.token,
                "drop_to": run.boundary.drop_to,
                "directory": str(run.directory),
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
        self.line_cap = self.limits.max_output_bytes + _OUTCOME_OVERHEAD_BYTES
        self.output_cap = self.line_cap * (len(pending) + 2)
        self.output_bytes = 0
        self.buffer = bytearray()
        self.expected = [-1, *(call["index"] for call in pending)]
        self.started_count = 0  # how many of ``expected`` have started
        self.loaded: bool | None = None
        self.current: int | None = None  # the call in progress (-1: loading)
        self.last: int | None = None  # the call reported last
        self.current_started = 0.0
        self.refusals: list[str] = []
        self.done = False
        self.progressed = False
        self.kill_reason: ProcessStatus | None = None
        self.violation = ""
        self.report: ProcessReport
        # bubblewrap reports the host pid of the namespace's first process on this pipe.
        self.info: tuple[int, int] | None = None
        self.info_text = bytearray()
        self.sandbox_pid: int | None = None

    def run(self) -> None:
        started = time.monotonic()
        directory = self.run_state.directory
        boundary = self.run_state.boundary
        self.info = os.pipe() if boundary.available else None
        info_fd = self.info[1] if self.info else None
        try:
            proc = subprocess.Popen(
                boundary.command(boundary_module.CHILD_SCRIPT, directory, info_fd=info_fd),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=directory,
                env=build_environment(directory),
                start_new_session=True,
                close_fds=True,
                pass_fds=() if info_fd is None else (info_fd,),
                umask=0o077,
            )
        finally:
            if info_fd is not None:
                os.close(info_fd)
        try:
            self._pump(proc)
        finally:
            returncode = self._stop(proc)
        self.report = self._finish(proc.pid, returncode, time.monotonic() - started)

    def _stop(self, proc: subprocess.Popen[bytes]) -> int:
        """End the whole process tree and reap it: nothing it started is left running or unreaped."""
        if self.sandbox_pid is not None and not _has_exited(proc.pid):
            # Killing the namespace's first process makes the kernel kill and reap everything in the
            # namespace; bubblewrap then reaps it and exits, so no zombie is left to the host's init.
            _kill(self.sandbox_pid)
        try:
            proc.wait(timeout=_REAP_SECONDS if self.sandbox_pid is not None else 0)
        except subprocess.TimeoutExpired:
            pass
        kill_group(proc.pid)
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
        if self.info is not None:
            os.close(self.info[0])
        return proc.wait()

    # -- reading

    def _pump(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        selector = selectors.DefaultSelector()
        os.set_blocking(proc.stdin.fileno(), False)
        selector.register(proc.stdin, selectors.EVENT_WRITE)
        selector.register(proc.stdout, selectors.EVENT_READ)
        selector.register(proc.stderr, selectors.EVENT_READ)
        if self.info is not None:
            selector.register(self.info[0], selectors.EVENT_READ)
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
                    kill_group(proc.pid)
                for key, _ in selector.select(timeout=min(_TICK_SECONDS, self.deadline - now)):
                    if key.fileobj is proc.stdin:
                        to_send = self._send(selector, proc, to_send)
                    elif self.info is not None and key.fileobj == self.info[0]:
                        self._read_info(selector, proc.pid)
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

    def _read_info(self, selector: selectors.BaseSelector, outer_pid: int) -> None:
        """bubblewrap's JSON report; only a pid that is bubblewrap's own child is believed."""
        assert self.info is not None
        chunk = os.read(self.info[0], 4096)
        self.info_text += chunk
        try:
            reported = json.loads(self.info_text).get("child-pid")
        except (ValueError, AttributeError):
            if chunk and len(self.info_text) < 65536:
                return  # not complete yet
            reported = None
        selector.unregister(self.info[0])
        if type(reported) is int and reported > 1 and _parent_of(reported) == outer_pid:
            self.sandbox_pid = reported

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
        self.buffer += chunk
        while (end := self.buffer.find(b"\n")) >= 0:
            line = bytes(self.buffer[:end])
            del self.buffer[: end + 1]
            try:
                self._handle(parse_line(line, self.token.encode("ascii"), self.run_state.redact))
            except ProtocolError as error:
                self.kill_reason, self.violation = ProcessStatus.BAD_OUTPUT, str(error)
                return False
        if self.output_bytes > self.output_cap or len(self.buffer) > self.line_cap:
            self.kill_reason = ProcessStatus.OUTPUT_TOO_LARGE
            return False
        return True

    def _handle(self, event: Event) -> None:
        """Take one event if it is the one that may come next (raises ProtocolError otherwise)."""
        if self.done:
            raise ProtocolError("a line after the end")
        if isinstance(event, Start):
            expected = self.expected[self.started_count] if self.started_count < len(self.expected) else None
            if self.current is not None or event.index != expected or (expected != -1 and not self.loaded):
                raise ProtocolError("a call started out of order")
            self.current, self.current_started, self.refusals = event.index, time.monotonic(), []
            self.started_count += 1
        elif isinstance(event, Refused):
            if self.current is None:
                raise ProtocolError("a refusal outside any call")
            if len(self.refusals) < _MAX_REFUSALS:
                self.refusals.append(event.what)
        elif isinstance(event, Outcome):
            if self.current is None or event.outcome.index != self.current:
                raise ProtocolError("an outcome for a call that is not running")
            if event.outcome.index == -1:
                self.loaded = event.outcome.status is CallStatus.OK  # as the runner saw it: it goes on if so
            self._record(self._with_refusals(event.outcome))
        elif isinstance(event, Done):
            complete = self.started_count == len(self.expected) or (self.loaded is False and self.started_count == 1)
            if self.current is not None or not complete:
                raise ProtocolError("the end before every call was reported")
            self.done = True
        else:
            raise ProtocolError("a probe report from a sandbox run")

    def _with_refusals(self, outcome: CallOutcome) -> CallOutcome:
        refusals = (*self.refusals, *outcome.refusals)[:_MAX_REFUSALS]
        outcome = outcome.model_copy(update={"refusals": refusals})
        if self.refusals and outcome.status is not CallStatus.REFUSED:
            # The code caught the refusal and went on: what it returned is not its real behaviour.
            detail = f"after a refusal the call ended as {outcome.status.value}"
            outcome = outcome.model_copy(update={"status": CallStatus.REFUSED, "detail": detail})
        return outcome

    def _record(self, outcome: CallOutcome, *, replace: bool = False) -> None:
        if outcome.index != -1:
            self.progressed = True
        self.run_state.record(outcome, replace=replace)
        self.last, self.current = outcome.index, None

    # -- ending

    def _finish(self, pid: int, returncode: int, seconds: float) -> ProcessReport:
        status, detail = self._classify(returncode)
        if self.current is not None:
            self._record(self._blame(self.current, status, detail))
        elif status is ProcessStatus.BAD_OUTPUT and self.last is not None:
            # Between calls: the line came from the call that just ended, so its report is not to be trusted.
            self._record(self._blame(self.last, status, detail), replace=True)
        elif status is ProcessStatus.BAD_OUTPUT and self.started_count == 0:
            self._record(self._blame(-1, status, detail))  # before anything started: the loading did it
        signal_number = _signal_of(returncode, self.run_state.boundary.available)
        return ProcessReport(
            pid=pid,
            status=status,
            exit_code=returncode if signal_number is None else None,
            signal_number=signal_number,
            detail=detail,
            seconds=round(seconds, 6),
        )

    def _classify(self, returncode: int) -> tuple[ProcessStatus, str]:
        if self.kill_reason is not None:
            details = {
                ProcessStatus.WALL_TIMEOUT: f"killed: the run exceeded wall_seconds={self.limits.wall_seconds}",
                ProcessStatus.CALL_TIMEOUT: (
                    f"killed: no progress in call_seconds={self.limits.call_seconds} + {GRACE_SECONDS} s grace"
                ),
                ProcessStatus.OUTPUT_TOO_LARGE: f"killed: wrote more results than {self.output_cap} bytes",
                ProcessStatus.BAD_OUTPUT: f"killed: the result channel carried {self.violation}",
            }
            return self.kill_reason, details[self.kill_reason]
        if self.done:
            return ProcessStatus.FINISHED, "finished"
        number = _signal_of(returncode, self.run_state.boundary.available)
        if number is not None:
            name = _signal_name(number)
            if number == signal.SIGXCPU:
                return ProcessStatus.CPU_LIMIT, f"killed by {name}: more than cpu_seconds={self.limits.cpu_seconds}"
            return ProcessStatus.SIGNALLED, f"killed by {name}"
        if returncode == CHANNEL_LOST_EXIT:
            return ProcessStatus.EXITED_EARLY, "exited: the code closed or replaced the result descriptor"
        return ProcessStatus.EXITED_EARLY, f"exited with code {returncode} before finishing"

    def _blame(self, index: int, status: ProcessStatus, detail: str) -> CallOutcome:
        """The outcome of the call that was running (or had just reported) when the process ended."""
        by_status = {
            ProcessStatus.CALL_TIMEOUT: CallStatus.TIMEOUT,
            ProcessStatus.WALL_TIMEOUT: CallStatus.TIMEOUT,
            ProcessStatus.CPU_LIMIT: CallStatus.TIMEOUT,
            ProcessStatus.OUTPUT_TOO_LARGE: CallStatus.TOO_LARGE,
        }
        call_status = by_status.get(status, CallStatus.CRASHED)
        if call_status is CallStatus.CRASHED and b"MemoryError" in self.run_state.stderr[-2048:]:
            call_status = CallStatus.MEMORY
        if self.refusals and index == self.current:
            call_status = CallStatus.REFUSED
        return CallOutcome(
            index=index,
            status=call_status,
            refusals=tuple(self.refusals) if index == self.current else (),
            detail=f"sandbox process ended: {detail}",
            seconds=round(time.monotonic() - self.current_started, 6),
        )


def _signal_of(returncode: int, behind_bubblewrap: bool) -> int | None:
    """The signal that ended the code: a negative return code, or bubblewrap's 128 + signal."""
    if returncode < 0:
        return -returncode
    if behind_bubblewrap and 128 < returncode < 128 + signal.NSIG:
        return returncode - 128
    return None


def _parent_of(pid: int) -> int | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return int(fields[1]) if len(fields) > 1 and fields[1].isdigit() else None


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _has_exited(pid: int) -> bool:
    """Whether the child has exited, without reaping it (so its process group id stays ours)."""
    try:
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:  # pragma: no cover - already reaped
        return True
    return info is not None


def kill_group(pgid: int) -> None:
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
