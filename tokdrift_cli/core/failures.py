"""What failed generations mean for the figures of a run.

A failure of the model's service (transport, timeout, rate limit) says nothing
about the prompt: it is *transient*, to be retried, never a result. Every
other failure (an unusable answer, a prompt over the model's context window,
a bug in the program) is recorded on its case; but when more than a set
share of a run's generations failed, its figures rest on too little to be a
clean result, and the artifact says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:  # annotation only: the CLI reads the defaults here at start-up
    from tokdrift_cli.core.records import CallRecord

# Failures of the model's service, not of the prompt: a later run tries these again.
TRANSIENT_ERRORS: Final = frozenset({"provider", "timeout", "rate_limit"})
DEFAULT_MAX_FAILURE_SHARE: Final = 0.5


def is_transient(error_kind: str | None) -> bool:
    return error_kind in TRANSIENT_ERRORS


def holds_transient_failures(outcomes: Iterable[CallRecord | None]) -> bool:
    """Whether a finished output still holds a transient failure (one made before those were refused):
    then it is not up to date, and a run retries those generations."""
    return any(outcome is not None and is_transient(outcome.error_kind) for outcome in outcomes)


def failure_share(failed: int, total: int) -> float:
    return failed / total if total else 0.0


def failure_limit_exceeded(failed: int, total: int, max_share: float) -> bool:
    """More than ``max_share`` of the generations failed (any kind): the figures are not a clean result."""
    return total > 0 and failure_share(failed, total) > max_share


def failure_limit_message(failed: int, total: int, max_share: float) -> str:
    return (
        f"{failed} of {total} generations failed ({failure_share(failed, total):.0%}, more than "
        f"--max-failure-share {max_share:.0%}): the figures are not a clean result"
    )
