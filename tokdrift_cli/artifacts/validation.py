"""The validation artifact: a before and an after baseline, paired, tested and gated.

It holds the per-prompt pairs (so every statistic can be recomputed from it),
the paired statistics with their n, each gate's result with the exact
unrounded figure it was decided on, and the overall verdict and exit code.

Schema history:
  1 - first version.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tokdrift_cli.artifacts.header import Artifact
from tokdrift_cli.core.stats import DEFAULT_CONFIDENCE, RateEstimate

GateName = Literal["robustness", "significance", "accuracy", "latency", "fragile_fixed"]
GateStatus = Literal["passed", "failed", "inconclusive", "skipped"]
Verdict = Literal["passed", "failed", "inconclusive"]
CaseChange = Literal["fixed", "newly_broken", "improved", "regressed", "unchanged", "unmeasured", "single"]

# The Wilcoxon test needs at least this many pairs and this many non-zero
# differences; with fewer the significance gate is inconclusive.
MIN_PAIRS = 6
BOOTSTRAP_RESAMPLES = 10_000


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GateSettings(_Frozen):
    """What `validate` checks. Every gate can be switched off with None.

    * ``fail_under`` - pooled after-robustness must be >= this (``gate_on="mean"``),
      or its Wilson lower bound must be (``gate_on="lower-bound"``; an interval
      that straddles the threshold is inconclusive).
    * ``alpha`` - one-sided paired Wilcoxon p must be < alpha (needs a before).
      Intervals are two-sided at ``1 - alpha`` (0.95 when alpha is None).
    * ``max_accuracy_drop`` - before accuracy - after accuracy must be <= this (absolute),
      on the requests (``accuracy_on="requests"``: one per prompt) or on every
      input (``"inputs"``: each request and each variant against the prompt's
      gold, several times the evidence; with 18 prompts one flipped request is
      5.6 points, so a 2-point limit on requests allows no flip at all).
    * ``max_latency_increase`` - after median latency / before median - 1 must be <= this.
    * ``min_fixed`` - an improvement claim (a before is given and the mean
      per-prompt difference is > 0) must fix at least min(min_fixed, fragile
      prompts before) fragile prompts.
    """

    fail_under: float | None = Field(default=None, ge=0.0, le=1.0)
    gate_on: Literal["mean", "lower-bound"] = "mean"
    alpha: float | None = Field(default=0.05, gt=0.0, lt=1.0)
    max_accuracy_drop: float | None = Field(default=0.02, ge=0.0, le=1.0)
    accuracy_on: Literal["requests", "inputs"] = "requests"
    max_latency_increase: float | None = Field(default=0.20, ge=0.0)
    min_fixed: int | None = Field(default=3, ge=0)
    fragile_threshold: float = Field(default=0.9, ge=0.0, le=1.0)

    @property
    def confidence(self) -> float:
        return 1.0 - self.alpha if self.alpha is not None else DEFAULT_CONFIDENCE


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


class PairedCase(_Frozen):
    """One prompt in both runs. Before fields are None when no before was given."""

    case_id: str
    category: str
    before_robustness: RateEstimate | None = None
    after_robustness: RateEstimate
    # after rate - before rate; None when either side is unmeasured (n = 0).
    difference: float | None = None
    before_correct: bool | None = None
    after_correct: bool | None = None
    # The request and its variants against gold: how many inputs, how many
    # right on each side (None without gold or in files written before).
    inputs: int | None = None
    before_inputs_correct: int | None = None
    after_inputs_correct: int | None = None
    fragile_before: bool | None = None
    fragile_after: bool | None = None
    change: CaseChange


class SideSummary(_Frozen):
    """One run's figures over the paired cases."""

    cases: int
    measured_cases: int
    robustness: RateEstimate  # pooled over variants, Wilson interval at the validation's confidence
    mean_prompt_robustness: float | None
    accuracy: RateEstimate
    robust_accuracy: RateEstimate
    # Every input against gold: the requests and their variants, which share
    # the request's gold (None in files written before it was recorded). More
    # evidence than the requests alone, but a prompt's inputs are not
    # independent, so its Wilson interval is narrower than it should be.
    input_accuracy: RateEstimate | None = None
    median_latency_s: float | None
    latency_n: int  # generations with lm_calls > 0 that the median is taken over
    fragile_cases: list[str]
    model_id: str | None = None
    program: str | None = None
    program_hash: str | None = None


class WilcoxonResult(_Frozen):
    """One-sided paired Wilcoxon signed-rank test of after > before on per-prompt robustness."""

    n_pairs: int  # prompts measured on both sides
    n_nonzero: int  # pairs whose robustness changed (the ones the test ranks)
    statistic: float | None = None
    p_value: float | None = None
    alternative: Literal["greater"] = "greater"
    zero_method: Literal["wilcox"] = "wilcox"
    method: str = "auto"
    note: str | None = None


class BootstrapInterval(_Frozen):
    """Paired bootstrap percentile interval of an after - before difference, resampling prompts.

    For robustness: the mean per-prompt difference. For accuracy over every
    input: the pooled difference (inputs right after - before) / inputs.
    """

    n: int
    estimate: float | None
    low: float | None
    high: float | None
    confidence: float
    n_resamples: int
    method: Literal["percentile"] = "percentile"
    seed: int
    note: str | None = None


class McNemarResult(_Frozen):
    """Exact McNemar test on accuracy flips: binomial test on the discordant pairs (two-sided)."""

    n_pairs: int
    wrong_to_right: int
    right_to_wrong: int
    n_discordant: int
    p_value: float | None
    note: str | None = None


class EffectSize(_Frozen):
    n: int
    mean_difference: float | None
    median_difference: float | None
    # Matched-pairs rank-biserial correlation (Kerby): (R+ - R-) / (R+ + R-) over non-zero differences.
    rank_biserial: float | None
    n_nonzero: int


class PairedStatistics(_Frozen):
    n_pairs: int
    wilcoxon: WilcoxonResult
    bootstrap: BootstrapInterval
    accuracy_flips: McNemarResult
    effect: EffectSize
    improved: int
    regressed: int
    unchanged: int
    fixed_cases: list[str]
    newly_broken_cases: list[str]
    accuracy_change: float | None  # after - before
    # Accuracy over every input, after - before, with prompts resampled (a
    # prompt's inputs move together). None in files written before.
    input_accuracy_change: BootstrapInterval | None = None
    latency_change: float | None  # after median / before median - 1


class GateResult(_Frozen):
    name: GateName
    status: GateStatus
    value: float | None = None  # the exact, unrounded figure the gate was decided on
    threshold: float | None = None
    n: int | None = None
    explanation: str


class ProgramInfo(_Frozen):
    """The optimized program the after baseline ran (a program file written by `optimize`)."""

    path: str
    program_hash: str | None = None


class ValidationSummary(_Frozen):
    verdict: Verdict
    exit_code: int
    failed_gates: list[GateName]
    inconclusive_gates: list[GateName]


class ValidationArtifact(Artifact):
    KIND = "validation"
    SCHEMA_VERSION = 1

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
    summary: ValidationSummary

    @model_validator(mode="after")
    def _consistent(self) -> ValidationArtifact:
        if (self.before is None) != (self.statistics is None):
            raise ValueError("before and statistics must both be present or both absent")
        return self
