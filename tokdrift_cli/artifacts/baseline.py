"""The baseline artifact: every generation, every verdict, every figure.

It holds the raw material (outputs, latencies, per-variant verdicts) and the
figures computed from it, so ``analyze`` can recompute anything and a reader
can check any number back to the model's words.

Schema history:
  1 - first version.
  2 - error kinds ``input`` and ``rate_limit``; ``config.max_failure_share``; ``summary.failure_share``
      and ``summary.failure_limit_exceeded`` (a run whose generations mostly failed is not a clean result).
  3 - controls (meaning-changing rewrites run beside the variants) and sensitivity, per case and overall;
      an older artifact ran none: its sensitivity reads as not measured (None), never 0.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tokdrift_cli.artifacts.header import Artifact, EndpointUrl
from tokdrift_cli.artifacts.io import MIGRATIONS
from tokdrift_cli.core.equivalence import IRComparison
from tokdrift_cli.core.failures import DEFAULT_MAX_FAILURE_SHARE, failure_limit_exceeded, failure_share
from tokdrift_cli.core.records import Generation
from tokdrift_cli.core.stats import RateEstimate


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class VariantResult(_Frozen):
    text: str
    rule_ids: list[str]
    source: Literal["rule", "paraphrase"] = "rule"
    generation: Generation
    # Against the original prompt's IR (None when either generation failed).
    versus_original: IRComparison | None = None
    # Against the gold IR (None when this generation failed).
    versus_gold: IRComparison | None = None
    # The robustness outcome: equivalent to the original, or None if the
    # original itself failed (then nothing can be said about this variant).
    robust: bool | None = None


class ControlResult(_Frozen):
    """A prompt rewritten to ask for something else (a control) and whether the generator noticed."""

    text: str
    rule_id: str
    generation: Generation
    # Against the original prompt's IR (None when either generation failed).
    versus_original: IRComparison | None = None
    # The sensitivity outcome: the checker finds the IR different from the original's.
    # None when either generation failed (no evidence either way) or the checker left the
    # comparison undecided (counted apart): neither is counted in sensitivity.
    changed: bool | None = None


class CaseResult(_Frozen):
    case_id: str
    category: str
    prompt: str
    original: Generation
    original_versus_gold: IRComparison | None = None
    variants: list[VariantResult] = Field(default_factory=list)
    robustness: RateEstimate
    correct: bool | None = None
    robust_correct: bool | None = None
    # Extra runs of the original prompt (--repeats R gives R - 1 of them) and
    # whether each agreed with the first: the noise floor under sampling.
    repeats: list[Generation] = Field(default_factory=list)
    repeat_agreements: list[bool] = Field(default_factory=list)
    # Controls (--controls N) and sensitivity = changed / counted controls.
    # None: the run made no controls (not measured); n = 0: none applied or none could be judged.
    controls: list[ControlResult] = Field(default_factory=list)
    sensitivity: RateEstimate | None = None

    def generations(self) -> list[Generation]:
        """Every generation of the case: the original, its variants, its repeats."""
        return [self.original, *(variant.generation for variant in self.variants), *self.repeats]


class GroupSensitivity(_Frozen):
    """How often a rule (or a family of rules) flips the outcome: flips / variants."""

    key: str
    flips: int
    n: int
    flip_rate: RateEstimate


class CategorySummary(_Frozen):
    category: str
    cases: int
    robustness: RateEstimate
    accuracy: RateEstimate


class BaselineSummary(_Frozen):
    cases: int
    variants: int
    lm_calls: int  # spent by this run; reused generations are not counted again
    failed_generations: int
    # failed / all generations, and whether that is over config.max_failure_share: if so the
    # figures are not a clean result (the command that wrote it exits 4).
    failure_share: float
    failure_limit_exceeded: bool
    schema_valid: RateEstimate
    robustness: RateEstimate
    mean_prompt_robustness: float | None
    accuracy: RateEstimate
    robust_accuracy: RateEstimate
    fragile_threshold: float
    fragile_cases: list[str]
    unmeasured_cases: list[str]
    per_rule: list[GroupSensitivity]
    per_family: list[GroupSensitivity]
    per_group: list[GroupSensitivity]
    per_category: list[CategorySummary]
    median_latency_s: float | None
    wall_time_s: float
    resumed_generations: int
    # Controls: counted apart from every figure above (robustness, accuracy, per-rule flips, latency).
    # sensitivity is None when the run made no controls (not measured).
    controls: int = 0
    failed_controls: int = 0
    undecided_controls: int = 0
    sensitivity: RateEstimate | None = None
    # Per control rule: "flips" are controls whose IR changed, i.e. the rule's sensitivity.
    per_control_rule: list[GroupSensitivity] = Field(default_factory=list)


class BaselineConfig(_Frozen):
    suite: str
    model: str
    program: str
    variants_per_prompt: int
    seed: int
    temperature: float
    max_tokens: int
    api_base: EndpointUrl = None
    rules: list[str] | None = None
    include_paraphrases: bool = True
    limit: int | None = None
    fragile_threshold: float = 0.9
    # Above this share of failed generations the run is not a clean result (it judges, like
    # fragile_threshold: it changes no generation, so a resume ignores it).
    max_failure_share: float = DEFAULT_MAX_FAILURE_SHARE
    repeats: int = 1
    # A split of an optimized program (e.g. its held-out "test" prompts) and
    # the case ids it selects; None runs the whole suite.
    split: str | None = None
    case_ids: list[str] | None = None
    # "K/N": this run holds shard K of N of the selected cases (see core/shards.py);
    # `tokdrift merge` puts the shards back together.
    shard: str | None = None
    # Meaning-changing rewrites per prompt (0: sensitivity not measured).
    controls: int = 0


class BaselineArtifact(Artifact):
    KIND = "baseline"
    SCHEMA_VERSION = 3

    kind: Literal["baseline"] = "baseline"
    schema_version: int = SCHEMA_VERSION
    config: BaselineConfig
    cases: list[CaseResult]
    summary: BaselineSummary

    def generations(self) -> list[Generation]:
        return [generation for case in self.cases for generation in case.generations()]


def _from_v1(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 1 had no failure share: work it out from the counts it kept."""
    summary = data.get("summary")
    if isinstance(summary, dict) and "failure_share" not in summary:
        failed = summary.get("failed_generations", 0)
        total = (summary.get("schema_valid") or {}).get("n", 0)
        summary["failure_share"] = failure_share(failed, total)
        summary["failure_limit_exceeded"] = failure_limit_exceeded(failed, total, DEFAULT_MAX_FAILURE_SHARE)
    return data


def _from_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 2 ran no controls: no control results, and sensitivity not measured (None, never 0)."""
    for case in data.get("cases", []):
        if isinstance(case, dict):
            case.setdefault("controls", [])
            case.setdefault("sensitivity", None)
    summary = data.get("summary")
    if isinstance(summary, dict):
        summary.update(
            {"controls": 0, "failed_controls": 0, "undecided_controls": 0, "sensitivity": None, "per_control_rule": []}
        )
    return data


MIGRATIONS["baseline"] = {1: _from_v1, 2: _from_v2}
