"""A rich progress bar that a stage reports into through ``ProgressSink``."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Self

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from tokdrift_cli.cli.console import err_console
from tokdrift_cli.stages.progress import ProgressSink

if TYPE_CHECKING:  # annotation only; the pydantic model costs start-up time
    from tokdrift_cli.core.records import CodeGeneration, Generation


class GenerationProgress(ProgressSink):
    """Shows generations done / total, prompts done, LM calls, reused results, failures and ETA."""

    def __init__(self, description: str):
        self.description = description
        self.calls = 0
        self.reused = 0
        self.failed = 0
        self.cases = 0
        self.cases_done = 0
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
            console=err_console(),
            transient=False,
        )
        self._task: int | None = None

    def __enter__(self) -> Self:
        self._progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self._progress.stop()

    def start(self, total: int, reused: int, cases: int = 0, cases_done: int = 0) -> None:
        self.reused, self.cases, self.cases_done = reused, cases, cases_done
        self._task = self._progress.add_task(
            self.description, total=total, completed=reused, calls=0, reused=reused, failed=0,
            cases=cases, cases_done=cases_done,
        )

    def advance(self, generation: Generation | CodeGeneration) -> None:
        self.calls += generation.lm_calls
        self.failed += 0 if generation.ok else 1
        if self._task is not None:
            self._progress.update(self._task, advance=1, calls=self.calls, failed=self.failed)

    def finish_case(self) -> None:
        self.cases_done += 1
        if self._task is not None:
            self._progress.update(self._task, cases_done=self.cases_done)
