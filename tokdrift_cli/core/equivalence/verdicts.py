"""Verdict models: one per field, and the comparison of two IRs.

A field verdict is three-valued. Structural fields (name, parameters,
returns, assertions) are always decided; free text (intent, effects) may be
left *undecided* when the wording changed in a way no deterministic rule can
judge. An undecided field is its own outcome: it is never read as equivalent,
and a caller that counts must count it apart (``outcome``), not fold it into
either side.

Older artifacts stored ``{"field", "equivalent", "reason"}`` per field and a
boolean overall verdict; they are read as decided verdicts of tier
``recorded`` (made before tiers existed).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator


class IRField(StrEnum):
    """The parts of an IR that are compared separately."""

    INTENT = "intent"
    NAME = "name"
    PARAMETERS = "parameters"
    RETURNS = "returns"
    EFFECTS = "effects"
    ASSERTIONS = "assertions"


class Outcome(StrEnum):
    SAME = "same"
    DIFFERENT = "different"
    UNDECIDED = "undecided"


class Tier(StrEnum):
    """What decided a verdict."""

    STRUCTURAL = "structural"  # canonical forms of names, types and predicates
    DETERMINISTIC = "deterministic"  # free text: canonical wording, lexicons, numbers, negations, comparisons
    JUDGE = "judge"  # a judge model, for what the deterministic tier left undecided
    RECORDED = "recorded"  # read from an artifact written before verdicts had tiers


# Every field counts in robustness, with one limit on free text (intent, effects, parameter
# descriptions). On fresh held-out labelled pairs the deterministic text tier's calls of "same"
# were never wrong, but its calls of "different" were right only 76-94% of the time, short of the
# 0.95 a flip needs (docs/results/equivalence.md). So a field that tier calls different keeps the
# comparison from being same without making it different: it counts as undecided. What a field
# leaves undecided makes the comparison undecided, never equivalent.
ROBUSTNESS_FIELDS: Final[frozenset[IRField]] = frozenset(IRField)
# The tiers whose "different" counts as undecided (a judge model's verdicts count as given).
WITHHOLDING_TIERS: Final[frozenset[Tier]] = frozenset({Tier.DETERMINISTIC})
GOLD_FIELDS: Final[frozenset[IRField]] = frozenset({IRField.NAME, IRField.PARAMETERS, IRField.RETURNS})


def _recorded(data: Any) -> Any:
    """Read a pre-tier verdict (a boolean ``equivalent``) as a decided one."""
    if isinstance(data, dict) and "outcome" not in data and isinstance(data.get("equivalent"), bool):
        outcome = Outcome.SAME if data["equivalent"] else Outcome.DIFFERENT
        return {**data, "outcome": outcome, "tier": Tier.RECORDED}
    return data


class FieldVerdict(BaseModel):
    """Whether one field matches, which tier decided, and why (meant to be read by a person)."""

    model_config = ConfigDict(frozen=True)

    field: IRField
    outcome: Outcome
    tier: Tier
    reason: str

    @model_validator(mode="before")
    @classmethod
    def _migrate(cls, data: Any) -> Any:
        return _recorded(data)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def equivalent(self) -> bool | None:
        """True when same, False when different, None when undecided."""
        return None if self.outcome is Outcome.UNDECIDED else self.outcome is Outcome.SAME

    @property
    def counted_outcome(self) -> Outcome:
        """What this verdict adds to a comparison's outcome: a free-text "different" only withholds "same"."""
        if self.outcome is Outcome.DIFFERENT and self.tier in WITHHOLDING_TIERS:
            return Outcome.UNDECIDED
        return self.outcome


class IRComparison(BaseModel):
    """Verdicts for every field plus the overall verdict over the counted ones.

    ``outcome`` is different when any counted field differs, undecided when
    none differs but some counted field is undecided (or called different by
    the free-text tier, see :data:`WITHHOLDING_TIERS`), and same otherwise.
    ``equivalent`` is True only for a decided *same*: it stays a boolean for
    callers that only ask "is this surely equivalent?"; callers that count
    must read ``outcome``, where undecided is its own value.
    """

    model_config = ConfigDict(frozen=True)

    verdicts: list[FieldVerdict]
    counted_fields: list[IRField]
    outcome: Outcome
    differing_fields: list[IRField]
    undecided_fields: list[IRField] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _migrate(cls, data: Any) -> Any:
        if isinstance(data, dict) and "outcome" not in data and isinstance(data.get("equivalent"), bool):
            outcome = Outcome.SAME if data["equivalent"] else Outcome.DIFFERENT
            return {key: value for key, value in data.items() if key != "equivalent"} | {"outcome": outcome}
        return data

    @computed_field  # type: ignore[prop-decorator]
    @property
    def equivalent(self) -> bool:
        return self.outcome is Outcome.SAME

    def verdict(self, field: IRField) -> FieldVerdict:
        """The verdict for ``field`` (:func:`compare_irs` gives every field one)."""
        for verdict in self.verdicts:
            if verdict.field is field:
                return verdict
        raise KeyError(field)


def overall(verdicts: list[FieldVerdict], fields: frozenset[IRField]) -> IRComparison:
    """Combine per-field verdicts into a comparison counting only ``fields``."""
    counted = [field for field in IRField if field in fields]
    differing = [v.field for v in verdicts if v.field in fields and v.counted_outcome is Outcome.DIFFERENT]
    undecided = [v.field for v in verdicts if v.field in fields and v.counted_outcome is Outcome.UNDECIDED]
    outcome = Outcome.DIFFERENT if differing else Outcome.UNDECIDED if undecided else Outcome.SAME
    return IRComparison(
        verdicts=verdicts,
        counted_fields=counted,
        outcome=outcome,
        differing_fields=differing,
        undecided_fields=undecided,
    )
