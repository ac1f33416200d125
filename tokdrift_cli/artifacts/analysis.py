"""The analysis artifact: fragile prompts, fragile patterns, accuracy under drift.

Everything in it is recomputed from a baseline's per-variant verdicts, so a
reader can check each figure back to the model's outputs.

Schema history:
  1 - first version.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tokdrift_cli.artifacts.baseline import GroupSensitivity
from tokdrift_cli.artifacts.header import Artifact
from tokdrift_cli.core.equivalence import IRField
from tokdrift_cli.core.stats import RateEstimate

Priority = Literal["P0", "P1", "P2"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldChange(_Frozen):
    """One IR field that differs between the original's output and a variant's."""

    field: IRField
    original: str
    variant: str
    reason: str


class BrokenVariant(_Frozen):
    text: str
    rule_ids: list[str]
    families: list[str]
    failed: bool = False
    error: str | None = None
    changes: list[FieldChange] = Field(default_factory=list)
    still_correct: bool | None = None


class FragilePrompt(_Frozen):
    case_id: str
    category: str
    prompt: str
    robustness: RateEstimate
    priority: Priority
    priority_reason: str
    original_correct: bool
    accuracy_breaks: bool
    broken_variants: list[BrokenVariant]
    dominant_family: str
    mitigation: str
    status: Literal["open", "fixed", "wontfix"] = "open"


class FieldFlips(_Frozen):
    """How often a field differs among the variants that flipped."""

    field: IRField
    flips: int
    share: RateEstimate


class CategoryAccuracy(_Frozen):
    category: str
    cases: int
    accuracy: RateEstimate
    robust_accuracy: RateEstimate
    accuracy_drop: float | None
    robustness: RateEstimate


class NoiseFloor(_Frozen):
    """How often the original prompt disagrees with itself on repeats (None: not measured)."""

    repeats: int
    disagreement: RateEstimate | None
    variant_flip_rate: RateEstimate
    note: str


class AnalysisConfig(_Frozen):
    fragile_threshold: float
    confidence: float


class AnalysisSummary(_Frozen):
    cases: int
    measured_cases: int
    # Prompts whose original generation failed: nothing to compare variants to.
    unmeasured_cases: list[str] = Field(default_factory=list)
    fragile_count: int
    priorities: dict[str, int]
    robustness: RateEstimate
    accuracy: RateEstimate
    robust_accuracy: RateEstimate
    accuracy_drop: float | None


class AnalysisArtifact(Artifact):
    KIND = "analysis"
    SCHEMA_VERSION = 1

    kind: Literal["analysis"] = "analysis"
    schema_version: int = SCHEMA_VERSION
    config: AnalysisConfig
    summary: AnalysisSummary
    fragile_prompts: list[FragilePrompt]
    per_rule: list[GroupSensitivity]
    per_family: list[GroupSensitivity]
    per_group: list[GroupSensitivity]
    field_flips: list[FieldFlips]
    per_category: list[CategoryAccuracy]
    noise_floor: NoiseFloor
    prompt_robustness: list[tuple[str, RateEstimate]] = Field(
        default_factory=list, description="(case id, robustness) for every measured prompt, for charts"
    )
