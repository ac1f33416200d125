"""How a stage reports progress: the CLI draws it, tests count it, nothing else sees it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotation only; the pydantic model costs start-up time
    from tokdrift_cli.core.records import CodeGeneration, Generation



class ProgressSink:
    """Receives progress events; every method does nothing unless overridden."""

    def start(self, total: int, reused: int, cases: int = 0, cases_done: int = 0) -> None:
        """``total`` generations, ``reused`` of them already done; ``cases`` prompts, ``cases_done`` finished."""

    def advance(self, generation: Generation | CodeGeneration) -> None:
        """One generation finished (made now, not reused)."""

    def finish_case(self) -> None:
        """Every generation of one more prompt is done."""


class AugmentProgress(ProgressSink):
    """Progress of augment. The total is an upper bound (every candidate generated);
    ``shrink`` takes off the candidates a case did not need, so the bar ends full."""

    def shrink(self, count: int) -> None:
        """``count`` planned generations will not be made."""
