"""The analysis artifact: fragile prompts, fragile patterns, accuracy under drift.

Everything in it is recomputed from a baseline's per-variant verdicts, so a
reader can check each figure back to the model's outputs.

Schema history:
  1 - first version.
  2 - sensitivity (controls: rewrites that change the meaning on purpose): overall, per prompt, per control
      rule, and the prompts whose generator ignores meaning changes; a version 1 analysis reads as
      sensitivity not measured (None), never 0. And undecided comparisons counted apart: robustness
      (and sensitivity) over decided variants (controls) with the undecided share beside it (pooled,
      per prompt, per category, per rule / family / group, and for the noise floor), and the prompts
      whose robustness is unmeasurable because every compared variant is undecided; a version 1
      analysis reads with its shares not recorded (None), never 0.
  3 - the text of every prompt (``prompts``), so reports can show it beside each id, and the baseline's
      config (``baseline_config``), so they can say how to re-run one prompt; a version 2 analysis reads
      with neither (empty, None).
  4 - per rule and per family, a within-prompt test of whether it flips prompts more than the other
      rewrites, Holm-corrected (``rule_tests``, ``family_tests``); None in older analyses (not tested).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tokdrift_cli.artifacts.baseline import BaselineConfig, GroupSensitivity
from tokdrift_cli.artifacts.header import Artifact
from tokdrift_cli.artifacts.io import MIGRATIONS
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
    # Undecided / variants with both IRs (None: not recorded, version 1).
    undecided_share: RateEstimate | None = None
    priority: Priority
    priority_reason: str
    original_correct: bool
    accuracy_breaks: bool
    broken_variants: list[BrokenVariant]
    dominant_family: str
    mitigation: str
    status: Literal["open", "fixed", "wontfix"] = "open"
    # Beside robustness: how often meaning changes change the IR (None: not measured).
    sensitivity: RateEstimate | None = None


class IgnoredControl(_Frozen):
    """A control (a rewrite that changes the meaning) whose IR the checker found equivalent to the original's."""

    text: str
    rule_id: str


class InsensitivePrompt(_Frozen):
    """A prompt whose generator ignores meaning changes: its sensitivity is below the threshold."""

    case_id: str
    category: str
    prompt: str
    sensitivity: RateEstimate
    # Undecided / controls with both IRs, beside sensitivity.
    sensitivity_undecided_share: RateEstimate | None = None
    robustness: RateEstimate
    priority: Priority
    priority_reason: str
    ignored_controls: list[IgnoredControl]
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
    undecided_share: RateEstimate | None = None


class NoiseFloor(_Frozen):
    """How often the original prompt disagrees with itself on repeats (None: not measured).

    Disagreement is over decided repeats; repeats the checker leaves undecided are counted apart.
    """

    repeats: int
    disagreement: RateEstimate | None
    undecided_share: RateEstimate | None = None
    variant_flip_rate: RateEstimate
    note: str


class AnalysisConfig(_Frozen):
    fragile_threshold: float
    confidence: float
    # A prompt whose sensitivity (controls whose IR changed / controls judged) is below this ignores meaning changes.
    sensitivity_threshold: float = 0.5


class AnalysisSummary(_Frozen):
    cases: int
    measured_cases: int
    # Prompts with no decided variant: the original failed, or every compared variant was undecided.
    unmeasured_cases: list[str] = Field(default_factory=list)
    # Prompts whose compared variants were all undecided: robustness not measurable (a subset of the
    # unmeasured cases), never fragile.
    unmeasurable_cases: list[str] = Field(default_factory=list)
    fragile_count: int
    priorities: dict[str, int]
    robustness: RateEstimate
    undecided_share: RateEstimate | None = None
    accuracy: RateEstimate
    robust_accuracy: RateEstimate
    accuracy_drop: float | None
    # Pooled over every decided control, with the undecided share beside it (undecided / controls with
    # both IRs); None when the baseline ran no controls (not measured).
    sensitivity: RateEstimate | None = None
    sensitivity_undecided_share: RateEstimate | None = None
    insensitive_count: int = 0
    # Controls left out of sensitivity: their generation failed, or the checker left them undecided.
    failed_controls: int = 0
    undecided_controls: int = 0


class PatternTest(_Frozen):
    """Does a rule (or family) flip prompts more often than the other rewrites of the same prompts?

    Per prompt, flip rate of the key's decided variants - flip rate of the other decided variants; a
    two-sided Wilcoxon signed-rank test over the prompts, Holm-adjusted over the keys of its table.
    """

    key: str
    n_prompts: int  # prompts with decided variants of this key and of others
    n_nonzero: int
    mean_difference: float | None
    p_value: float | None  # None: too few prompts differ to test (see note)
    p_adjusted: float | None  # Holm over the keys tested in the same table
    significant: bool  # p_adjusted < alpha (1 - confidence)
    direction: Literal["more", "fewer"] | None = None  # flips more or fewer than the other rewrites, when significant
    note: str | None = None


class AnalysisArtifact(Artifact):
    KIND = "analysis"
    SCHEMA_VERSION = 4

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
    # Controls: the prompts that ignore meaning changes (most urgent first), sensitivity per control rule
    # ("flips" = controls whose IR changed) and per prompt. Empty when the baseline ran no controls.
    insensitive_prompts: list[InsensitivePrompt] = Field(default_factory=list)
    per_control_rule: list[GroupSensitivity] = Field(default_factory=list)
    prompt_sensitivity: list[tuple[str, RateEstimate]] = Field(
        default_factory=list, description="(case id, sensitivity) for every prompt the controls measured"
    )
    # Beside them, the undecided shares: of every prompt with a compared variant, and of every prompt
    # with controls (empty in a version 1 analysis: not recorded).
    prompt_undecided_share: list[tuple[str, RateEstimate]] = Field(default_factory=list)
    prompt_sensitivity_undecided_share: list[tuple[str, RateEstimate]] = Field(default_factory=list)
    # (case id, prompt text) of every prompt of the baseline, in its order; empty before version 3.
    prompts: list[tuple[str, str]] = Field(default_factory=list)
    # The config the baseline ran with (suite, model, program, variants, seed, controls); None before version 3.
    baseline_config: BaselineConfig | None = None

    def prompt_texts(self) -> dict[str, str]:
        """Case id -> prompt text: every prompt from version 3, else the fragile and insensitive ones."""
        texts = dict(self.prompts)
        texts.update((item.case_id, item.prompt) for item in (*self.fragile_prompts, *self.insensitive_prompts))
        return texts
    # Rules and families that flip prompts more (or fewer) than the other rewrites, Holm-corrected
    # (None before version 4: not tested).
    rule_tests: list[PatternTest] | None = None
    family_tests: list[PatternTest] | None = None


def _from_1(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 knew no controls (sensitivity not measured) and no undecided share (not recorded): None, never 0."""
    summary = data.get("summary")
    if isinstance(summary, dict):
        summary.update({"sensitivity": None, "insensitive_count": 0, "failed_controls": 0, "undecided_controls": 0})
        summary.update({"undecided_share": None, "unmeasurable_cases": [], "sensitivity_undecided_share": None})
    data.update({"insensitive_prompts": [], "per_control_rule": [], "prompt_sensitivity": []})
    return data


def _from_2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 2 recorded neither every prompt's text nor the baseline's config."""
    data.update({"prompts": [], "baseline_config": None})
    return data


def _from_3(data: dict[str, Any]) -> dict[str, Any]:
    """Version 3 tested no rule against the others: not tested (None), never "none stands out"."""
    data.update({"rule_tests": None, "family_tests": None})
    return data


MIGRATIONS[AnalysisArtifact.KIND] = {1: _from_1, 2: _from_2, 3: _from_3}
