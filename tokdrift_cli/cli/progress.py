"""A rich progress bar that a stage reports into through ``ProgressSink``."""

from __future__ import annotations

from types import TracebackType

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from tokdrift_cli.cli.console import err_console
from tokdrift_cli.core.generation import Generation


class GenerationProgress:
    """Shows generations done / total, LM calls, reused results, failures and ETA."""

    def __init__(self, description: str):
        self.description = description
        self.calls = 0
        self.reused = 0
        self.failed = 0
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("calls {task.fields[calls]} · reused {task.fields[reused]} · failed {task.fields[failed]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=err_console(),
            transient=False,
        )
        self._task: int | None = None

    def __enter__(self) -> GenerationProgress:
        self._progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self._progress.stop()

    def start(self, total: int, reused: int) -> None:
        self.reused = reused
        self._task = self._progress.add_task(
            self.description, total=total, completed=reused, calls=0, reused=reused, failed=0
        )

    def advance(self, generation: Generation) -> None:
        self.calls += generation.lm_calls
        self.failed += 0 if generation.ok else 1
        if self._task is not None:
            self._progress.update(self._task, advance=1, calls=self.calls, failed=self.failed)
