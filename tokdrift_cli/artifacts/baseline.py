"""The baseline artifact: every generation, every verdict, every figure.

It holds the raw material (outputs, latencies, per-variant verdicts) and the
figures computed from it, so ``analyze`` can recompute anything and a reader
can check any number back to the model's words.

Schema history:
  1 - first version.
  2 - error kinds ``input`` and ``rate_limit``; ``config.max_failure_share``; ``summary.failure_share``
      and ``summary.failure_limit_exceeded`` (a run whose generations mostly failed is not a clean result).
  3 - controls (meaning-changing rewrites run beside the variants) and sensitivity, per case and overall;
      an older artifact ran none: its sensitivity reads as not measured (None), never 0. And
      undecided comparisons counted apart: each variant's three-valued ``outcome``; robustness over
      decided variants with the undecided share beside it (per prompt, rule, family, group, category
      and pooled; sensitivity likewise over decided controls); ``unmeasurable_cases``; repeat agreements may be None (undecided). Older artifacts
      read their outcomes from their recorded (decided) verdicts: undecided shares of 0.
      Also ``config.judge_model`` and ``summary.judge`` (what the judge tier cost): not written for a
      run without a judge, and None when read from it or from any older artifact. Likewise
      ``config.until_decided``, ``config.max_calls``, ``summary.sequential`` and ``summary.stop``
      (sequential and budget-capped runs): not written when unused, None in older artifacts.
  4 - ``config.structured_output``; ``summary.decoding`` (provider, structured-output form used, the model
      the server reported, the answer cap and the parameter that carried it) and ``summary.cost`` (this
      run's calls, tokens and dollars). Older artifacts read with none recorded (None) and ``auto``.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer, model_validator

from tokdrift_cli.artifacts.header import Artifact, EndpointUrl
from tokdrift_cli.artifacts.io import MIGRATIONS
from tokdrift_cli.core.decoding import ApiPrompt, StructuredOutput
from tokdrift_cli.core.equivalence import IRComparison, Outcome
from tokdrift_cli.core.failures import DEFAULT_MAX_FAILURE_SHARE, failure_limit_exceeded, failure_share
from tokdrift_cli.core.records import CallCost, DecodingRecord, Generation
from tokdrift_cli.core.robustness import Tally, family_keys, group_keys, rule_keys, tally, tally_by
from tokdrift_cli.core.sequential import SequentialState
from tokdrift_cli.core.stats import RateEstimate


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _OmitsAbsent(_Frozen):
    """Written without the optional fields a run did not use (no judge, no sequential decision, no early
    stop): a run without them writes what it always did."""

    _OPTIONAL_FIELDS: ClassVar[tuple[str, ...]]

    @model_serializer(mode="wrap")
    def _without_absent_fields(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        for name in self._OPTIONAL_FIELDS:
            if getattr(self, name) is None:
                data.pop(name, None)
        return data


class VariantResult(_Frozen):
    text: str
    rule_ids: list[str]
    source: Literal["rule", "paraphrase"] = "rule"
    generation: Generation
    # Against the original prompt's IR (None when either generation failed).
    versus_original: IRComparison | None = None
    # Against the gold IR (None when this generation failed).
    versus_gold: IRComparison | None = None
    # The comparison with the original, three-valued (core/robustness.py): same, different (also when
    # this generation failed and the original's did not: a flip without an IR) or undecided (free text
    # no tier could judge). None when the original failed: unmeasured, nothing to compare with.
    outcome: Outcome | None = None
    # What robustness counts: True for same, False for different, None for a variant it does not
    # count (undecided, or unmeasured: ``outcome`` says which). Kept beside ``outcome`` for readers.
    robust: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _outcome_from_verdict(cls, data: Any) -> Any:
        """A variant recorded without ``outcome`` (schema 1 and 2) takes it from its comparison or flag."""
        if not isinstance(data, dict):
            return data
        if "outcome" not in data:
            outcome = _recorded_outcome(data.get("versus_original"), data.get("robust"))
            return {**data, "outcome": outcome, "robust": counted_as_robust(outcome)}
        if "robust" not in data:
            return {**data, "robust": counted_as_robust(Outcome(data["outcome"]) if data["outcome"] else None)}
        return data

    @model_validator(mode="after")
    def _robust_follows_outcome(self) -> VariantResult:
        if self.robust is not counted_as_robust(self.outcome):
            raise ValueError(f"robust={self.robust} contradicts outcome={self.outcome}")
        return self

    @property
    def failed(self) -> bool:
        """A flip without an IR: this generation failed while the original's succeeded."""
        return self.outcome is Outcome.DIFFERENT and not self.generation.ok


def counted_as_robust(outcome: Outcome | None) -> bool | None:
    """What robustness counts for an outcome: same True, different False, undecided or unmeasured None."""
    return None if outcome is None or outcome is Outcome.UNDECIDED else outcome is Outcome.SAME


def _recorded_outcome(comparison: Any, robust: Any) -> Outcome | None:
    """The outcome a variant recorded before outcomes were stored: its comparison's, else its flag's."""
    if isinstance(comparison, IRComparison):
        return comparison.outcome
    if isinstance(comparison, dict):
        return IRComparison.model_validate(comparison).outcome
    if robust is None:
        return None
    return Outcome.SAME if robust else Outcome.DIFFERENT


class ControlResult(_Frozen):
    """A prompt rewritten to ask for something else (a control) and whether the generator noticed."""

    text: str
    rule_id: str
    generation: Generation
    # Against the original prompt's IR (None when either generation failed).
    versus_original: IRComparison | None = None
    # The comparison's three-valued outcome; None when either generation failed (no evidence either way).
    outcome: Outcome | None = None
    # The sensitivity outcome: the checker finds the IR different from the original's. None when
    # either generation failed or the checker left the comparison undecided (counted apart):
    # neither is counted in sensitivity.
    changed: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _outcome_from_comparison(cls, data: Any) -> Any:
        """A control recorded without ``outcome`` takes its comparison's; ``changed`` follows the outcome."""
        if isinstance(data, dict) and "outcome" not in data:
            comparison = data.get("versus_original")
            outcome = None if comparison is None else _recorded_outcome(comparison, None)
            return {**data, "outcome": outcome}
        return data

    @model_validator(mode="after")
    def _changed_follows_outcome(self) -> ControlResult:
        expected = None if self.outcome in (None, Outcome.UNDECIDED) else self.outcome is Outcome.DIFFERENT
        if self.changed is not expected:
            raise ValueError(f"changed={self.changed} contradicts outcome={self.outcome}")
        return self


class CaseResult(_Frozen):
    case_id: str
    category: str
    prompt: str
    original: Generation
    original_versus_gold: IRComparison | None = None
    variants: list[VariantResult] = Field(default_factory=list)
    # same / (same + different) over the decided variants, and beside it the undecided share:
    # undecided / variants with both IRs (core/robustness.py).
    robustness: RateEstimate
    undecided_share: RateEstimate
    correct: bool | None = None
    robust_correct: bool | None = None
    # Extra runs of the original prompt (--repeats R gives R - 1 of them) and
    # whether each agreed with the first: the noise floor under sampling.
    # True same, False different (or either run failed), None undecided (counted apart).
    repeats: list[Generation] = Field(default_factory=list)
    repeat_agreements: list[bool | None] = Field(default_factory=list)
    # Controls (--controls N) and sensitivity = different / decided controls, with the undecided share
    # beside it (undecided / controls with both IRs). None: the run made no controls (not measured);
    # n = 0: none applied or none could be judged.
    controls: list[ControlResult] = Field(default_factory=list)
    sensitivity: RateEstimate | None = None
    sensitivity_undecided_share: RateEstimate | None = None

    def variant_tally(self) -> Tally:
        """The case's measured variants counted by the scoring rule (core/robustness.py)."""
        return tally((variant.outcome, variant.failed) for variant in self.variants if variant.outcome is not None)

    def generations(self) -> list[Generation]:
        """Every generation of the case: the original, its variants, its repeats."""
        return [self.original, *(variant.generation for variant in self.variants), *self.repeats]


class GroupSensitivity(_Frozen):
    """How often a rule (or a family of rules) flips the outcome: flips / decided variants."""

    key: str
    flips: int
    n: int
    flip_rate: RateEstimate
    # Undecided / variants of this key with both IRs; None where verdicts are never undecided
    # (the code stages).
    undecided_share: RateEstimate | None = None


class CategorySummary(_Frozen):
    category: str
    cases: int
    robustness: RateEstimate
    undecided_share: RateEstimate
    accuracy: RateEstimate


class JudgeSummary(_Frozen):
    """What the judge tier cost a run: its questions, the ones the disk cache answered, and its calls and tokens."""

    model_id: str
    program_hash: str
    questions: int
    cache_hits: int
    failures: int  # calls whose answer was no verdict: those fields stayed undecided
    lm_calls: int
    input_tokens: int
    output_tokens: int

    def plus(self, other: JudgeSummary) -> JudgeSummary:
        """Two runs of the same judge counted together (the shards of one run)."""
        counts = ("questions", "cache_hits", "failures", "lm_calls", "input_tokens", "output_tokens")
        return self.model_copy(update={name: getattr(self, name) + getattr(other, name) for name in counts})


class RunStop(_Frozen):
    """Why a run stopped before its last prompt, and what it left out (``baseline --until-decided``, ``--max-calls``).

    Prompts are run in a seeded random order (``visiting_order``, from the run's seed) so that the
    prompts run are a random sample of the selection and stopping on a decision is valid.
    """

    reason: Literal["decided", "max_calls"]
    message: str
    visiting_order: list[str]
    prompts_not_run: list[str]


class BaselineSummary(_OmitsAbsent):
    _OPTIONAL_FIELDS = ("judge", "sequential", "stop")

    cases: int
    variants: int
    lm_calls: int  # spent by this run; reused generations are not counted again
    failed_generations: int
    # failed / all generations, and whether that is over config.max_failure_share: if so the
    # figures are not a clean result (the command that wrote it exits 4).
    failure_share: float
    failure_limit_exceeded: bool
    schema_valid: RateEstimate
    # Pooled over decided variants, with the undecided share beside it (core/robustness.py).
    robustness: RateEstimate
    undecided_share: RateEstimate
    mean_prompt_robustness: float | None
    accuracy: RateEstimate
    robust_accuracy: RateEstimate
    # Prompts with a gold verdict left undecided, which accuracy does not count as a match.
    gold_undecided_cases: list[str] = Field(default_factory=list)
    fragile_threshold: float
    fragile_cases: list[str]
    # Robustness n = 0: the original failed, there were no variants, or (``unmeasurable_cases``,
    # a subset) every compared variant was undecided.
    unmeasured_cases: list[str]
    unmeasurable_cases: list[str] = Field(default_factory=list)
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
    # Undecided / controls with both IRs, beside sensitivity (None: not measured).
    sensitivity_undecided_share: RateEstimate | None = None
    # Per control rule: "flips" are controls whose IR changed, i.e. the rule's sensitivity.
    per_control_rule: list[GroupSensitivity] = Field(default_factory=list)
    # The judge tier (--judge-model), beside the generator's lm_calls; None when the run had no judge.
    judge: JudgeSummary | None = None
    # baseline --until-decided: the sequential decision on robustness >= fail-under where the run stopped.
    sequential: SequentialState | None = None
    # Set when the run stopped before its last prompt; the figures above are over the prompts it ran.
    stop: RunStop | None = None
    # How the generator's answers were decoded (structured-output form, cap, the model the server reported)
    # and what this run's calls cost; None in artifacts older than schema 4.
    decoding: DecodingRecord | None = None
    cost: CallCost | None = None


class SequentialSettings(_Frozen):
    """``baseline --until-decided``: the robustness gate the run decides, and its level."""

    fail_under: float = Field(ge=0.0, le=1.0)
    alpha: float = Field(default=0.05, gt=0.0, lt=1.0)


class BaselineConfig(_OmitsAbsent):
    _OPTIONAL_FIELDS = ("judge_model", "until_decided", "max_calls")

    suite: str
    model: str
    program: str
    variants_per_prompt: int
    seed: int
    temperature: float
    max_tokens: int
    api_base: EndpointUrl = None
    # How a provider's answers are held to the schema (the in-process model always uses a grammar).
    structured_output: StructuredOutput = StructuredOutput.AUTO
    # How an --api-base server is asked (older artifacts were all made through the chat route).
    api_prompt: ApiPrompt = ApiPrompt.CHAT
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
    # A model that judges free text the deterministic tier leaves undecided (None: no judge). It changes
    # verdicts, never a generation, so a resume reuses the generations of a run made without it.
    judge_model: str | None = None
    # Stop adding prompts once robustness >= fail-under is decided at alpha (None: run every prompt),
    # and a cap on the generator's LM calls (None: none). Both select prompts, never change a generation.
    until_decided: SequentialSettings | None = None
    max_calls: int | None = Field(default=None, ge=1)


class BaselineArtifact(Artifact):
    KIND = "baseline"
    SCHEMA_VERSION = 4

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


def _count_undecided_apart(data: dict[str, Any]) -> dict[str, Any]:
    """Undecided shares for an artifact written before undecided comparisons were counted apart.

    Each variant's outcome is read from its recorded comparison (``VariantResult``), and the shares
    are counted from those outcomes with the scoring rule's groupings: where every verdict was
    recorded as decided (schema 1), each share is 0 of the compared variants, and every figure
    stored beside it reads exactly as before.
    """
    def share(counts: Tally) -> dict[str, Any]:
        return counts.undecided_share().model_dump(mode="json")

    scored: list[tuple[str, list[VariantResult]]] = []
    for case in data.get("cases", []):
        if not isinstance(case, dict):
            continue
        variants = [VariantResult.model_validate(variant) for variant in case.get("variants", [])]
        counts = tally((v.outcome, v.failed) for v in variants if v.outcome is not None)
        case.setdefault("undecided_share", share(counts))
        scored.append((str(case.get("category")), variants))
    summary = data.get("summary")
    if not isinstance(summary, dict):
        return data
    variants = [(category, v) for category, members in scored for v in members if v.outcome is not None]
    summary.setdefault("undecided_share", share(tally((v.outcome, v.failed) for _, v in variants)))
    by_category = tally_by((category, v.outcome, v.failed) for category, v in variants)
    for row in summary.get("per_category", []):
        row.setdefault("undecided_share", share(by_category.get(row.get("category"), Tally())))
    for name, keys in (("per_rule", rule_keys), ("per_family", family_keys), ("per_group", group_keys)):
        by_key = tally_by((key, v.outcome, v.failed) for _, v in variants for key in keys(v.rule_ids))
        for row in summary.get(name, []):
            row.setdefault("undecided_share", share(by_key.get(row.get("key"), Tally())))
    return data


def _from_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 2 ran no controls (sensitivity not measured: None, never 0) and counted no undecided apart."""
    for case in data.get("cases", []):
        if isinstance(case, dict):
            case.setdefault("controls", [])
            case.setdefault("sensitivity", None)
            case.setdefault("sensitivity_undecided_share", None)
    summary = data.get("summary")
    if isinstance(summary, dict):
        summary.update(
            {"controls": 0, "failed_controls": 0, "undecided_controls": 0, "sensitivity": None,
             "sensitivity_undecided_share": None, "per_control_rule": []}
        )
    return _count_undecided_apart(data)


def _from_v3(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 3 recorded no decoding or cost: they read as not recorded (the defaults)."""
    return data


MIGRATIONS["baseline"] = {1: _from_v1, 2: _from_v2, 3: _from_v3}
