"""Labelled IR pairs and how the checker scores against them.

The checker has three answers (same, different, undecided) and the labels
two (same, different). Each class is scored on what the checker decided:
precision = right answers / answers given in that class, recall = right
answers / labelled pairs of that class the checker decided. What it left
undecided is reported beside them as coverage (decided / labelled), so an
undecided pair never counts for either side.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, computed_field

from tokdrift_cli.core.equivalence.compare import compare_irs
from tokdrift_cli.core.equivalence.verdicts import IRComparison, IRField, Outcome
from tokdrift_cli.core.ir import IR, describe_validation_error
from tokdrift_cli.errors import InputError

# ``tune``: the rules may be tuned on it. ``retired``: the first held-out part, measured once and then
# tuned on, so its figures are no longer held-out. ``heldout``: a part no rule was ever tuned on.
Split = Literal["tune", "retired", "heldout"]
SPLITS: tuple[Split, ...] = ("tune", "retired", "heldout")


class LabeledPair(BaseModel):
    """One human-labelled pair: would ``a`` and ``b`` lead to the same function?

    ``kind`` says whether only free text (intent, effects, parameter
    descriptions) differs; ``fields_equivalent`` labels each free-text field
    whose text differs; ``split`` puts the pair in the tuning part, the
    retired first held-out part, or the held-out part (see :data:`Split`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    a: IR
    b: IR
    equivalent: bool
    kind: Literal["structural", "free_text"] = "structural"
    fields_equivalent: dict[IRField, bool] = Field(default_factory=dict)
    split: Split = "tune"
    note: str = ""


def _ratio(numerator: int, denominator: int) -> float | None:
    """A rate, or None when there was nothing to count (no credit for emptiness)."""
    return numerator / denominator if denominator else None


class ClassScores(BaseModel):
    """How one label class fares: ``correct`` of ``predicted`` answers; ``decided`` of ``support`` pairs."""

    model_config = ConfigDict(frozen=True)

    support: int
    decided: int
    predicted: int
    correct: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def precision(self) -> float | None:
        return _ratio(self.correct, self.predicted)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def recall(self) -> float | None:
        """Over the decided pairs of this class."""
        return _ratio(self.correct, self.decided)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def coverage(self) -> float | None:
        return _ratio(self.decided, self.support)


class Scores(BaseModel):
    model_config = ConfigDict(frozen=True)

    pairs: int
    undecided: int
    same: ClassScores
    different: ClassScores
    wrong: list[str]
    undecided_ids: list[str]


class LabeledEvaluation(BaseModel):
    """Scores over all pairs of a split, and per labelled free-text field."""

    model_config = ConfigDict(frozen=True)

    split: Split | None
    counted_fields: list[IRField]
    overall: Scores
    fields: dict[IRField, Scores]


def load_labeled_pairs(path: Path | str) -> list[LabeledPair]:
    """Read a JSONL file of labelled pairs, reporting every bad line at once."""
    pairs: list[LabeledPair] = []
    problems: list[str] = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise InputError(f"cannot read labelled pairs {path}: {error.strerror or error}") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            pairs.append(LabeledPair.model_validate(json.loads(line)))
        except json.JSONDecodeError as error:
            problems.append(f"line {number}: invalid JSON ({error.msg})")
        except ValidationError as error:
            problems.append(f"line {number}: {describe_validation_error(error)}")
    if problems:
        raise InputError(f"{path}: " + "; ".join(problems))
    return pairs


def _scores(outcomes: Sequence[tuple[str, bool, Outcome]]) -> Scores:
    """Score (pair id, labelled same?, checker outcome) triples."""

    def class_scores(label: bool, answer: Outcome) -> ClassScores:
        mine = [(same, outcome) for _, same, outcome in outcomes if same is label]
        return ClassScores(
            support=len(mine),
            decided=sum(outcome is not Outcome.UNDECIDED for _, outcome in mine),
            predicted=sum(outcome is answer for _, _, outcome in outcomes),
            correct=sum(outcome is answer for _, outcome in mine),
        )

    wrong = [
        pair_id
        for pair_id, same, outcome in outcomes
        if outcome is not Outcome.UNDECIDED and (outcome is Outcome.SAME) is not same
    ]
    undecided = [pair_id for pair_id, _, outcome in outcomes if outcome is Outcome.UNDECIDED]
    return Scores(
        pairs=len(outcomes),
        undecided=len(undecided),
        same=class_scores(True, Outcome.SAME),
        different=class_scores(False, Outcome.DIFFERENT),
        wrong=wrong,
        undecided_ids=undecided,
    )


Comparer = Callable[[IR, IR], IRComparison]


def evaluate_pairs(
    pairs: Sequence[LabeledPair], *, split: Split | None = None, compare: Comparer = compare_irs
) -> LabeledEvaluation:
    """Score ``compare`` (the robustness comparison by default) on ``pairs`` of ``split`` (all when None)."""
    chosen = [pair for pair in pairs if split is None or pair.split == split]
    comparisons = {pair.id: compare(pair.a, pair.b) for pair in chosen}
    overall = _scores([(pair.id, pair.equivalent, comparisons[pair.id].outcome) for pair in chosen])
    labelled_fields = [field for field in IRField if any(field in pair.fields_equivalent for pair in chosen)]
    fields = {
        field: _scores(
            [
                (pair.id, pair.fields_equivalent[field], comparisons[pair.id].verdict(field).outcome)
                for pair in chosen
                if field in pair.fields_equivalent
            ]
        )
        for field in labelled_fields
    }
    counted = next(iter(comparisons.values())).counted_fields if comparisons else []
    return LabeledEvaluation(split=split, counted_fields=counted, overall=overall, fields=fields)


def evaluate_labeled_pairs(path: Path | str, *, split: Split | None = None) -> LabeledEvaluation:
    """Read labelled pairs from ``path`` and score the robustness comparison on them."""
    return evaluate_pairs(load_labeled_pairs(path), split=split)
