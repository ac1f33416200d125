"""One error hierarchy for everything a user can cause or fix.

Library code raises these; only the CLI edge turns them into exit codes and
one-line messages. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import IntEnum


class ExitCode(IntEnum):
    """Documented process exit codes (see README). Which error gets which:

    USAGE: InputError (ArtifactError, CheckpointMismatchError, OutputError) and click's usage errors;
    RUNTIME: ModelError, OutputBusyError.
    """

    OK = 0
    GATE_FAILED = 1
    USAGE = 2
    INCONCLUSIVE = 3
    RUNTIME = 4
    INTERRUPTED = 130


class TokdriftError(Exception):
    """Base class: a problem the user can understand and act on."""

    exit_code: ExitCode = ExitCode.USAGE


class InputError(TokdriftError):
    """A file, argument or setting the user gave is missing or malformed."""

    exit_code = ExitCode.USAGE


class ArtifactError(InputError):
    """An artifact has the wrong kind, a newer schema, or is corrupt."""


class CheckpointMismatchError(InputError):
    """A checkpoint was made under a different config and must not be mixed in.

    ``differences`` are (setting, value there, value now); the message lists them, under the
    names ``names`` gives (the CLI passes its option names: ``variants_per_prompt`` -> ``--variants``).
    """

    def __init__(self, what: str, advice: str, differences: Sequence[tuple[str, object, object]] = ()):
        self.what, self.advice, self.differences = what, advice, tuple(differences)
        super().__init__(self.render())

    def render(self, names: Mapping[str, str] | None = None) -> str:
        names = names or {}
        listed = "; ".join(
            f"{names.get(name, name)} {then!r} there, {now!r} now" for name, then, now in self.differences
        )
        return f"{self.what} with a different config{f' ({listed})' if listed else ''}; {self.advice}"

    def rename(self, names: Mapping[str, str]) -> None:
        """Say the settings as the user knows them."""
        self.args = (self.render(names),)


class ModelError(TokdriftError):
    """The model could not be loaded or reached at all (not a per-call failure)."""

    exit_code = ExitCode.RUNTIME


class FailureLimitError(TokdriftError):
    """A run finished and was written, but too many of its generations failed to call it a result."""

    exit_code = ExitCode.RUNTIME


class BudgetReachedError(TokdriftError):
    """A run stopped at its budget before its last prompt: what it ran is written, and a re-run with a
    higher budget goes on from there. Inconclusive: too little data for the whole answer."""

    exit_code = ExitCode.INCONCLUSIVE


class OutputError(InputError):
    """A path the user gave for an output cannot be written: a read-only or missing directory, a directory
    where a file belongs, a path through a file, a full disk, or one of the command's own inputs."""


class OutputBusyError(TokdriftError):
    """Another process is writing the same output right now. Not a wrong input: the same command
    succeeds once that process has finished, so it shares the exit code of runtime failures."""

    exit_code = ExitCode.RUNTIME
