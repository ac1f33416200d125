"""A rich progress bar that a stage reports into through ``ProgressSink``; plain lines where there is no terminal.

A CI log is no terminal: the bar cannot redraw there, so every ``PLAIN_EVERY_S`` seconds, and at every
tenth of the work, one line says where the run is (``baseline: 120/295 generations, 40/45 prompts,
3 failures, ETA 2m``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Self

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from tokdrift_cli.cli.console import err_console
from tokdrift_cli.stages.progress import ProgressSink

if TYPE_CHECKING:  # annotation only; the pydantic model costs start-up time
    from tokdrift_cli.core.records import CodeGeneration, Generation

PLAIN_EVERY_S = 30.0
PLAIN_STEPS = 10  # also a line at each tenth of the generations


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"


def _running_command() -> str:
    """The command being run (``baseline``), for the plain lines."""
    from typer._click.globals import get_current_context

    ctx = get_current_context(silent=True)
    return (ctx.info_name or "tokdrift") if ctx is not None else "tokdrift"


class GenerationProgress(ProgressSink):
    """Shows generations done / total, prompts done, LM calls, reused results, failures and ETA."""

    def __init__(
        self, description: str, *, plain: bool | None = None, every_s: float = PLAIN_EVERY_S,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.description = description
        self.calls = 0
        self.reused = 0
        self.failed = 0
        self.cases = 0
        self.cases_done = 0
        self.total = 0
        self.done = 0  # generations finished, reused ones included
        console = err_console()
        self._plain = not console.is_terminal if plain is None else plain
        self._every_s, self._clock = every_s, clock
        self._command = _running_command()
        self._lock = threading.Lock()
        self._started = self._last_line = 0.0
        self._next_step = 1
        self._last_state = (-1, -1)  # generations and prompts done at the last plain line
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(
                "prompts {task.fields[cases_done]}/{task.fields[cases]} · calls {task.fields[calls]} · "
                "reused {task.fields[reused]} · failed {task.fields[failed]}"
            ),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self._task: int | None = None

    def __enter__(self) -> Self:
        self._progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self._progress.stop()
        if self._plain and self._task is not None and kind is None and self._last_state != self._state():
            self._print_line()

    def start(self, total: int, reused: int, cases: int = 0, cases_done: int = 0) -> None:
        self.reused, self.cases, self.cases_done, self.total, self.done = reused, cases, cases_done, total, reused
        self._task = self._progress.add_task(
            self.description, total=total, completed=reused, calls=0, reused=reused, failed=0,
            cases=cases, cases_done=cases_done,
        )
        self._started = self._clock()
        self._next_step = (reused * PLAIN_STEPS // total + 1) if total else 1
        if self._plain:
            self._print_line()

    def advance(self, generation: Generation | CodeGeneration) -> None:
        with self._lock:
            self.calls += generation.lm_calls
            self.failed += 0 if generation.ok else 1
            self.done += 1
        if self._task is not None:
            self._progress.update(self._task, advance=1, calls=self.calls, failed=self.failed)
        self._maybe_line()

    def finish_case(self) -> None:
        with self._lock:
            self.cases_done += 1
        if self._task is not None:
            self._progress.update(self._task, cases_done=self.cases_done)

    def line(self) -> str:
        """Where the run is, in one plain line."""
        made = self.done - self.reused
        left = max(0, self.total - self.done)
        elapsed = self._clock() - self._started
        eta = _duration(elapsed / made * left) if made else "?"
        prompts = f", {self.cases_done}/{self.cases} prompts" if self.cases else ""
        failures = f", {self.failed} failure{'s' if self.failed != 1 else ''}"
        reused = f", {self.reused} reused" if self.reused else ""
        return f"{self._command}: {self.done}/{self.total} {self.description}{prompts}{failures}{reused}, ETA {eta}"

    def _state(self) -> tuple[int, int]:
        return self.done, self.cases_done

    def _print_line(self) -> None:
        self._last_state = self._state()
        self._last_line = self._clock()
        err_console().print(self.line(), markup=False, highlight=False)

    def _maybe_line(self) -> None:
        if not self._plain or self._task is None:
            return
        with self._lock:
            step_reached = self.total > 0 and self.done * PLAIN_STEPS >= self._next_step * self.total
            while self.total > 0 and self.done * PLAIN_STEPS >= self._next_step * self.total:
                self._next_step += 1
            due = step_reached or self._clock() - self._last_line >= self._every_s
            if due:
                self._print_line()
