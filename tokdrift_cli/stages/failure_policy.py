"""What a failed generation means for the run it belongs to.

One failed generation is recorded on its case and the run goes on: a suite of
hundreds of calls must not die on call 97. But a failure is never a result:

* a *transient* failure (the model's service: transport, timeout, rate limit)
  says nothing about the prompt. It is never checkpointed, so the next run
  retries it, and a run that still has one at its end writes no artifact
  (:func:`check_finished`);
* many transient failures in a row, at any point of the run, mean the service
  is gone: the run stops (:class:`FailureBreaker`), with every finished
  generation kept in the checkpoint;
* a *program* failure is a bug in the generator's code. When its first
  generations all fail the same way the run stops with an input error; a
  program failure is not checkpointed either, so a fixed program starts clean;
* a run whose generations mostly failed (parse errors, inputs over the
  model's context window...) is measured and written, but marked and reported
  as failed (see :mod:`tokdrift_cli.core.failures`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Final, Protocol

from tokdrift_cli.core.failures import is_transient
from tokdrift_cli.errors import InputError, ModelError

# Consecutive transient failures that stop a run.
BREAKER_AFTER: Final = 5
# A program whose first this-many generations fail with one and the same error is broken.
PROGRAM_CHECK_AFTER: Final = 3


class Outcome(Protocol):
    """A recorded call: a generation, a piece of code, a paraphrase."""

    @property
    def error(self) -> str | None: ...
    @property
    def error_kind(self) -> str | None: ...


def worth_keeping(error_kind: str | None) -> bool:
    """Whether a generation belongs in a checkpoint: successes and the model's own failures do;
    the service's failures (retried next run) and the program's bugs (fixed, then re-run) do not."""
    return not is_transient(error_kind) and error_kind != "program"


class RunIncompleteError(ModelError):
    """Some generations failed on the model's side and must be retried before the run has a result."""


class FailureBreaker:
    """Watches the outcomes of a run's calls, in the order they finish, and stops the run when
    the model's service is gone or the program is broken. Thread-safe."""

    def __init__(self, what: str = "model", program: str = "the program") -> None:
        self.what = what
        self.program = program
        self.consecutive = 0
        self.any_success = False
        self._first_errors: list[str | None] = []
        self._lock = threading.Lock()

    def see(self, ok: bool, error_kind: str | None, error: str | None) -> None:
        with self._lock:
            if len(self._first_errors) < PROGRAM_CHECK_AFTER:
                self._first_errors.append(error if error_kind == "program" else None)
                self._check_program()
            if ok:
                self.any_success = True
            if not is_transient(error_kind):
                self.consecutive = 0  # the service answered, even if the answer failed
                return
            self.consecutive += 1
            if self.consecutive >= BREAKER_AFTER:
                raise ModelError(self._breaker_message(error_kind, error))

    def _check_program(self) -> None:
        errors = self._first_errors
        if len(errors) == PROGRAM_CHECK_AFTER and errors[0] is not None and len(set(errors)) == 1:
            raise InputError(
                f"{self.program} fails the same way on its first {PROGRAM_CHECK_AFTER} generations ({errors[0]}); "
                "fix it and re-run"
            )

    def _breaker_message(self, error_kind: str | None, error: str | None) -> str:
        times = f"{self.consecutive} times in a row"
        if error_kind == "timeout":
            return (f"the {self.what} did not answer within the request timeout {times}; stopped, finished "
                    "generations are kept: raise --request-timeout or check the server, then re-run the same command")
        if error_kind == "rate_limit":
            return (f"the {self.what} refused {times} with a rate limit ({first_line(error)}); stopped, finished "
                    "generations are kept: wait (or lower --workers), then re-run the same command")
        state = f"the {self.what} is unreachable" if not self.any_success else f"the {self.what} failed {times}"
        return f"{state} ({first_line(error)}); stopped, finished generations are kept: fix and re-run the same command"


def first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if text and text.strip() else ""


def check_finished(outcomes: Iterable[Outcome | None], what: str = "generations") -> None:
    """Refuse to finish a run that still holds transient failures: they are not results.

    Raises :class:`RunIncompleteError` (the caller writes nothing; the checkpoint keeps the rest).
    """
    transient = [outcome for outcome in outcomes if outcome is not None and is_transient(outcome.error_kind)]
    if not transient:
        return
    raise RunIncompleteError(
        f"{len(transient)} {what} failed on the model's side ({transient[-1].error_kind}: "
        f"{first_line(transient[-1].error)}); no result written, finished work is kept: re-run the same command "
        f"to retry those {len(transient)}"
    )
