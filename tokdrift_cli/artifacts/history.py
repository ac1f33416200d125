"""The run history: one line per recorded run, in an append-only JSONL file a repository can commit.

Each line is a small artifact of its own (kind ``history_run``, its own ``schema_version``), read
through the same migrate-or-refuse rule as every artifact file, so an old history stays readable and
a line from a newer tokdrift is refused with its line number.

Appending is safe for two processes at once: the writer holds ``HISTORY.lock`` (``filelock``, waiting
for the other writer rather than refusing), re-reads the file under the lock to skip runs already
recorded (by the hash of the artifact and of the run it measured), and writes every new line with one
``write`` on a file opened for appending, flushed to disk before the lock is released. The lock file
stays beside the history (it is only a lock; ignore ``*.lock`` in version control).

Schema history:
  1 - first version.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field

from tokdrift_cli.artifacts.atomic import make_parents, writing
from tokdrift_cli.artifacts.header import Artifact
from tokdrift_cli.artifacts.io import artifact_from_data, parse_artifact_data
from tokdrift_cli.artifacts.outputs import lock_path_for
from tokdrift_cli.core.files import read_input
from tokdrift_cli.core.stats import RateEstimate
from tokdrift_cli.core.trend import TrendCheck
from tokdrift_cli.errors import ArtifactError, OutputBusyError, OutputError

# How long an appender waits for another one to finish before it gives up (exit 4).
LOCK_WAIT_S = 60.0


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceArtifact(_Frozen):
    """The artifact a line was recorded from: its kind, where it was and its hash (the dedupe key)."""

    kind: Literal["baseline", "validation"]
    path: str
    sha256: str
    schema_version: int
    tool_version: str
    # The artifact's own creation time (None when it recorded none): the run's time, not the recording's.
    created_at: datetime | None = None


class SuiteIdentity(_Frozen):
    """Which prompts were run: the suite's name and hash, and the exact set of cases (a split, a limit)."""

    name: str
    sha256: str | None
    cases: int
    # sha256 of the sorted case ids, shortened: two runs of a suite on different prompts never compare.
    case_set: str
    selection: str | None = None  # "split test", "limit 3", "shard 1/4": how the cases were chosen

    @property
    def label(self) -> str:
        chosen = f", {self.selection}" if self.selection else ""
        return f"{self.name} ({self.cases} prompts{chosen})"


class GitIdentity(_Frozen):
    commit: str
    branch: str | None = None


class FamilyFlipRate(_Frozen):
    key: str
    flips: int
    n: int
    flip_rate: RateEstimate


class Headline(_Frozen):
    """The run's figures, each with its n and interval; None where the artifact did not measure or record it."""

    robustness: RateEstimate
    undecided_share: RateEstimate | None = None
    accuracy: RateEstimate  # on the requests, one per prompt
    input_accuracy: RateEstimate | None = None  # the requests and their variants against gold
    sensitivity: RateEstimate | None = None
    per_family: list[FamilyFlipRate] = Field(default_factory=list)
    fragile_prompts: int
    median_latency_s: float | None = None
    latency_n: int = 0
    lm_calls: int | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    wall_time_s: float | None = None
    verdict: Literal["passed", "failed", "inconclusive"] | None = None  # a validation's gates
    # One-sided paired Wilcoxon p of a validation (after > before), when it was run.
    improvement_p_value: float | None = None


class HistoryRun(Artifact):
    """One recorded run. The header's ``tool_version`` and ``created_at`` say who recorded it and when;
    ``source`` says what tokdrift made the run and when; ``provenance`` is the run's own."""

    KIND = "history_run"
    SCHEMA_VERSION = 1

    kind: Literal["history_run"] = "history_run"
    schema_version: int = SCHEMA_VERSION
    source: SourceArtifact
    # The baseline the figures were measured on: the source itself, or a validation's after baseline
    # (as the validation named it), so `history check` can find both runs' baselines for the paired test.
    run_path: str
    run_sha256: str
    suite: SuiteIdentity
    model: str
    program: str
    git: GitIdentity | None = None
    headline: Headline

    @property
    def run_id(self) -> str:
        return self.run_sha256[:12]

    @property
    def series(self) -> tuple[str, str | None, str]:
        """The line a run belongs to: the same suite (by name and selection) on the same model."""
        return (self.suite.name, self.suite.selection, self.provenance.model_id or self.model)

    @property
    def segment(self) -> tuple[str | None, str, str]:
        """What must not change between two runs for their figures to compare: the suite's content, the
        prompts run and the tokdrift that scored them."""
        return (self.suite.sha256, self.suite.case_set, self.source.tool_version)

    @property
    def run_time(self) -> datetime:
        return self.source.created_at or self.created_at


# The figures a check compares, and how to read each from a recorded run.
METRICS: dict[str, Callable[[Headline], RateEstimate | None]] = {
    "robustness": lambda headline: headline.robustness,
    "accuracy": lambda headline: headline.accuracy,
    "input accuracy": lambda headline: headline.input_accuracy,
    "sensitivity": lambda headline: headline.sensitivity,
}



@dataclass(frozen=True)
class HistoryCheck:
    """`history check`'s result: the newest run, what it was compared with, and each comparison."""

    newest: HistoryRun
    previous: HistoryRun | None
    window: list[HistoryRun] = field(default_factory=list)
    checks: list[TrendCheck] = field(default_factory=list)


def dump_line(run: HistoryRun) -> bytes:
    return orjson.dumps(run.model_dump(mode="json"), option=orjson.OPT_APPEND_NEWLINE)


def _parse_lines(path: Path, raw: bytes) -> list[HistoryRun]:
    runs = []
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if not line.strip():
            continue
        where = f"{path} line {number}"
        data = parse_artifact_data(
            line, where, question=f"is {path} a tokdrift history?", noun="a tokdrift history line"
        )
        runs.append(artifact_from_data(data, HistoryRun, where))
    return runs


def read_history(path: Path) -> list[HistoryRun]:
    """Every run of the history at ``path``, in the order they were recorded."""
    return _parse_lines(path, read_input(path))


@dataclass(frozen=True)
class Appended:
    added: list[HistoryRun]
    already_recorded: list[HistoryRun]  # the new runs that were in the history already


def _read_existing(path: Path) -> list[HistoryRun]:
    if not path.exists():
        return []
    with writing(path):
        raw = path.read_bytes()
    if raw and not raw.endswith(b"\n"):
        raise ArtifactError(f"{path} ends in half a line; repair or remove its last line before adding to it")
    return _parse_lines(path, raw)


def append_runs(path: Path, runs: Sequence[HistoryRun]) -> Appended:
    """Append the runs not yet in the history at ``path``; safe against another process appending at once."""
    from filelock import FileLock, Timeout

    if path.is_dir():
        raise OutputError(f"cannot write {path}: it is a directory")
    make_parents(path)
    lock = FileLock(lock_path_for(path), timeout=LOCK_WAIT_S)
    try:
        lock.acquire()
    except Timeout:
        raise OutputBusyError(f"{path} stayed locked by another tokdrift process for {LOCK_WAIT_S:.0f} s") from None
    except OSError as error:
        raise OutputError(f"cannot lock {path}: {error.strerror or error}") from None
    try:
        seen = {digest for run in _read_existing(path) for digest in (run.source.sha256, run.run_sha256)}
        added, skipped = [], []
        for run in runs:
            if run.source.sha256 in seen or run.run_sha256 in seen:
                skipped.append(run)
                continue
            seen.update((run.source.sha256, run.run_sha256))
            added.append(run)
        if added:
            with writing(path), path.open("ab") as handle:
                handle.write(b"".join(dump_line(run) for run in added))
                handle.flush()
                os.fsync(handle.fileno())
    finally:
        lock.release()
    return Appended(added, skipped)
