"""The augment summary artifact: what was kept, what was rejected and why.

Schema history: see :class:`AugmentSummaryArtifact`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tokdrift_cli.artifacts.header import Artifact, EndpointUrl
from tokdrift_cli.artifacts.io import MIGRATIONS
from tokdrift_cli.core.diversity import DiversityReport
from tokdrift_cli.core.equivalence import IRComparison, Outcome
from tokdrift_cli.core.records import Generation
from tokdrift_cli.core.stats import RateEstimate, wilson

Verify = Literal["gold", "original"]
CandidateSource = Literal["rule", "paraphrase", "model_paraphrase"]

class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- records


class ParaphraseOutcome(_Frozen):
    """One call of the paraphrase model: its text, or why there is none."""

    text: str | None = None
    error: str | None = None
    error_kind: str | None = None
    latency_s: float = 0.0
    lm_calls: int = 0


class AugmentUnit(_Frozen):
    """A checkpointed unit of work: one generation or one paraphrase-model call."""

    generation: Generation | None = None
    paraphrase: ParaphraseOutcome | None = None


class ParaphraseCall(_Frozen):
    index: int
    outcome: ParaphraseOutcome


class Attempt(_Frozen):
    """A candidate that was checked: kept, or rejected with a reason."""

    text: str
    rule_ids: list[str]
    source: CandidateSource
    # None when the candidate never reached the generator (failed the meaning check).
    generation: Generation | None = None
    # Against the gold IR (verify=gold) or the original prompt's IR (verify=original).
    comparison: IRComparison | None = None
    kept: bool
    reason: str | None = None
    detail: str | None = None


class RejectedCandidate(_Frozen):
    """A fragile case: a meaning-preserving rewrite the generator did not answer the same way."""

    case_id: str
    text: str
    rule_ids: list[str]
    source: CandidateSource
    reason: str
    differing_fields: list[str] = Field(default_factory=list)
    # Fields the checker left undecided: such a candidate is not verified, nor is it a flip.
    undecided_fields: list[str] = Field(default_factory=list)
    detail: str | None = None


class CaseAugmentation(_Frozen):
    case_id: str
    category: str
    prompt: str
    # The generator's answer to the original prompt (verify=original only).
    original: Generation | None = None
    paraphrase_calls: list[ParaphraseCall] = Field(default_factory=list)
    attempts: list[Attempt] = Field(default_factory=list)
    kept: int
    # Rule ids of the IR naming lines added (same prompt, gold renamed): at most one.
    naming_rule_ids: list[str] = Field(default_factory=list)
    # Output lines of this case (original included) / 1 original: the factor it reached.
    lines: int
    reached_factor: float
    target_reached: bool
    untried: int
    note: str | None = None


class AugmentConfig(_Frozen):
    suite: str
    model: str
    program: str
    factor: int
    seed: int
    verify: Verify = "gold"
    paraphrase_model: str | None = None
    model_paraphrases: int = 0
    temperature: float = 0.0
    max_tokens: int = 512
    api_base: EndpointUrl = None
    limit: int | None = None
    # "K/N": shard K of N of the selected cases; each shard writes complete suite lines.
    shard: str | None = None


class AugmentSummary(_Frozen):
    originals: int
    lines: int
    variant_lines: int
    naming_lines: int
    factor_target: int
    overall_factor: float
    cases_reaching_target: int
    # kept / candidates run through the generator, with a Wilson interval.
    validation: RateEstimate
    # Candidates whose comparison the checker left undecided (not kept, not fragile) / candidates
    # with an IR to compare.
    undecided_share: RateEstimate
    tried: int
    kept: int
    meaning_rejected: int
    paraphrase_failures: int
    unverifiable_cases: list[str]
    # IR naming variants: cases whose suite line fixes the function name (`names`) get none.
    naming_named_in_prompt: int
    naming_single_word: int
    diversity: DiversityReport
    rejected: list[RejectedCandidate]
    lm_calls: int  # spent by this run (generator + paraphrase model); reused units are not counted again
    generation_lm_calls: int
    paraphrase_lm_calls: int
    reused_units: int
    wall_time_s: float


class AugmentSummaryArtifact(Artifact):
    """The summary beside an augmented suite: what was kept, what was rejected and why.

    Schema history:
      1 - first version.
      2 - undecided comparisons counted apart: the summary's ``undecided_share`` and each rejected
          candidate's ``undecided_fields``. A version 1 summary reads its share from its recorded
          (decided) comparisons: 0 of the candidates compared.
    """

    KIND = "augment_summary"
    SCHEMA_VERSION = 2

    kind: Literal["augment_summary"] = "augment_summary"
    schema_version: int = SCHEMA_VERSION
    config: AugmentConfig
    # What must match for a later run to reuse this one's generations.
    fingerprint: str
    paraphrase_model_id: str | None = None
    output_path: str | None = None
    output_sha256: str | None = None
    cases: list[CaseAugmentation]
    summary: AugmentSummary


def _count_undecided_apart(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 counted no undecided comparison: its share is read from the recorded verdicts."""
    summary = data.get("summary")
    if isinstance(summary, dict) and "undecided_share" not in summary:
        attempts = [
            Attempt.model_validate(attempt)
            for case in data.get("cases", [])
            if isinstance(case, dict)
            for attempt in case.get("attempts", [])
        ]
        outcomes = [a.comparison.outcome for a in attempts if a.generation is not None and a.comparison is not None]
        undecided = sum(1 for outcome in outcomes if outcome is Outcome.UNDECIDED)
        summary["undecided_share"] = wilson(undecided, len(outcomes)).model_dump(mode="json")
    return data


MIGRATIONS[AugmentSummaryArtifact.KIND] = {1: _count_undecided_apart}
