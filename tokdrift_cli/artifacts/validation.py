"""The validation artifact: a before and an after baseline, paired, tested and gated.

It holds the per-prompt pairs (so every statistic can be recomputed from it),
the paired statistics with their n, and each gate's result with the exact
unrounded figure it was decided on. The records themselves are core types
(``tokdrift_cli.core.comparison``, ``core.stats``, ``core.gates``); this
module only assembles them into the file.

The ``summary`` (verdict, exit code, failed and inconclusive gates) is written
for readers of the file, but it is derived from the gates whenever the
artifact is built or read, never taken on trust: the gates are the record.

Schema history:
  1 - first version.
  2 - the undecided share beside robustness, per side and per prompt; robustness is over decided
      variants. A version 1 file reads with the share not recorded (None).
  3 - accuracy is gated over every input by default; the gates settings ``accuracy_gate`` and
      ``robustness_gate`` (point or lower-bound) and ``min_robustness_gain`` with its
      ``robustness_gain`` gate; the statistics' request accuracy interval and minimum detectable
      changes. An older file reads with the settings it was decided with: its stored
      ``accuracy_on``, point gates, no gain gate (None), the new statistics not recorded (None).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from tokdrift_cli.artifacts.header import Artifact
from tokdrift_cli.artifacts.io import MIGRATIONS
from tokdrift_cli.core.comparison import PairedCase, PairedStatistics, SideSummary
from tokdrift_cli.core.gates import GateResult, GateSettings, ValidationSummary, summarise_gates
from tokdrift_cli.core.stats import BOOTSTRAP_RESAMPLES, MIN_PAIRS


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ValidationConfig(_Frozen):
    gates: GateSettings
    allow_mismatch: bool = False
    seed: int = 0
    confidence: float
    bootstrap_resamples: int = BOOTSTRAP_RESAMPLES
    min_pairs: int = MIN_PAIRS


class Pairing(_Frozen):
    """How the before and after cases were matched, and what was left out."""

    mode: Literal["single", "strict", "matched"]  # single: no before; matched: --allow-mismatch
    paired_cases: int
    dropped_cases: int = 0
    before_only: list[str] = Field(default_factory=list)
    after_only: list[str] = Field(default_factory=list)
    changed_variants: list[str] = Field(default_factory=list)
    config_differences: list[str] = Field(default_factory=list)


class ProgramInfo(_Frozen):
    """The optimized program the after baseline ran (a program file written by `optimize`)."""

    path: str
    program_hash: str | None = None


class ValidationArtifact(Artifact):
    KIND = "validation"
    SCHEMA_VERSION = 3

    kind: Literal["validation"] = "validation"
    schema_version: int = SCHEMA_VERSION
    config: ValidationConfig
    pairing: Pairing
    cases: list[PairedCase]
    before: SideSummary | None
    after: SideSummary
    statistics: PairedStatistics | None  # None when no before was given
    gates: list[GateResult]
    program: ProgramInfo | None = None

    @model_validator(mode="before")
    @classmethod
    def _derive_summary(cls, data: Any) -> Any:
        """A stored summary is recomputed from the gates, so a file can never claim a verdict they do not give."""
        if isinstance(data, dict) and "summary" in data:
            return {key: value for key, value in data.items() if key != "summary"}
        return data

    @computed_field  # type: ignore[prop-decorator]
    @property
    def summary(self) -> ValidationSummary:
        return summarise_gates(self.gates)

    @model_validator(mode="after")
    def _consistent(self) -> ValidationArtifact:
        if (self.before is None) != (self.statistics is None):
            raise ValueError("before and statistics must both be present or both absent")
        return self


def _undecided_not_recorded(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 recorded no undecided share: every share reads as not recorded (None), never 0."""
    for side in ("before", "after"):
        if isinstance(data.get(side), dict):
            data[side]["undecided_share"] = None
    for case in data.get("cases", []):
        if isinstance(case, dict):
            case.update({"before_undecided_share": None, "after_undecided_share": None})
    return data


def _gates_before_v3(data: dict[str, Any]) -> dict[str, Any]:
    """Before version 3 there was no gain gate, accuracy was on the requests unless stored otherwise,
    and every change was gated on its point figure."""
    gates = (data.get("config") or {}).get("gates")
    if isinstance(gates, dict):
        gates.setdefault("accuracy_on", "requests")
        gates.setdefault("min_robustness_gain", None)
    return data


MIGRATIONS[ValidationArtifact.KIND] = {1: _undecided_not_recorded, 2: _gates_before_v3}
