"""Verdict models: three outcomes, a tier per field, and artifacts written before either still read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tokdrift_cli.artifacts.augment import AugmentSummaryArtifact
from tokdrift_cli.artifacts.baseline import BaselineArtifact
from tokdrift_cli.artifacts.io import read_artifact
from tokdrift_cli.core.equivalence import FieldVerdict, IRComparison, IRField, Outcome, Tier
from tokdrift_cli.core.equivalence.verdicts import overall

BASELINES = Path(__file__).resolve().parents[2] / "baselines"
OLD_COMPARISON = {
    "verdicts": [
        {"field": "intent", "equivalent": False, "reason": "intent content-word Jaccard 0.20 < 0.50"},
        {"field": "name", "equivalent": True, "reason": "same name (f)"},
        {"field": "effects", "equivalent": False, "reason": "effects differ: only in a: 'x'"},
    ],
    "counted_fields": ["name", "effects"],
    "equivalent": False,
    "differing_fields": ["effects"],
}


def _verdict(field: IRField, outcome: Outcome, tier: Tier = Tier.DETERMINISTIC) -> FieldVerdict:
    return FieldVerdict(field=field, outcome=outcome, tier=tier, reason="r")


def test_a_verdict_written_before_tiers_reads_as_recorded_and_decided() -> None:
    comparison = IRComparison.model_validate(OLD_COMPARISON)
    assert comparison.outcome is Outcome.DIFFERENT and comparison.equivalent is False
    assert comparison.undecided_fields == []
    assert [v.tier for v in comparison.verdicts] == [Tier.RECORDED] * 3
    assert [v.outcome for v in comparison.verdicts] == [Outcome.DIFFERENT, Outcome.SAME, Outcome.DIFFERENT]
    same = IRComparison.model_validate({**OLD_COMPARISON, "equivalent": True, "differing_fields": []})
    assert same.outcome is Outcome.SAME and same.equivalent


def test_the_new_shape_round_trips_and_still_carries_equivalent() -> None:
    verdicts = [_verdict(IRField.INTENT, Outcome.UNDECIDED), _verdict(IRField.NAME, Outcome.SAME, Tier.STRUCTURAL)]
    comparison = overall(verdicts, frozenset(IRField))
    dumped = comparison.model_dump(mode="json")
    assert dumped["outcome"] == "undecided" and dumped["equivalent"] is False
    assert dumped["verdicts"][0]["equivalent"] is None and dumped["verdicts"][1]["equivalent"] is True
    assert dumped["verdicts"][0]["tier"] == "deterministic"
    assert IRComparison.model_validate(dumped) == comparison


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        ((Outcome.SAME, Outcome.SAME), Outcome.SAME),
        ((Outcome.SAME, Outcome.UNDECIDED), Outcome.UNDECIDED),
        ((Outcome.UNDECIDED, Outcome.DIFFERENT), Outcome.DIFFERENT),
    ],
)
def test_overall_outcome_different_beats_undecided_beats_same(
    outcomes: tuple[Outcome, Outcome], expected: Outcome
) -> None:
    verdicts = [
        _verdict(IRField.NAME, outcomes[0], Tier.STRUCTURAL),
        _verdict(IRField.ASSERTIONS, outcomes[1], Tier.STRUCTURAL),
    ]
    assert overall(verdicts, frozenset(IRField)).outcome is expected
    # A field that is not counted does not move the overall verdict.
    assert overall(verdicts, frozenset({IRField.RETURNS})).outcome is Outcome.SAME


@pytest.mark.parametrize("tier", [Tier.DETERMINISTIC])
def test_a_free_text_different_counts_as_undecided(tier: Tier) -> None:
    withheld = _verdict(IRField.EFFECTS, Outcome.DIFFERENT, tier)
    assert withheld.counted_outcome is Outcome.UNDECIDED
    comparison = overall([_verdict(IRField.NAME, Outcome.SAME, Tier.STRUCTURAL), withheld], frozenset(IRField))
    assert comparison.outcome is Outcome.UNDECIDED
    assert (comparison.differing_fields, comparison.undecided_fields) == ([], [IRField.EFFECTS])


@pytest.mark.parametrize("tier", [Tier.STRUCTURAL, Tier.JUDGE, Tier.RECORDED])
def test_other_tiers_decide_different_as_given(tier: Tier) -> None:
    verdict = _verdict(IRField.EFFECTS, Outcome.DIFFERENT, tier)
    assert verdict.counted_outcome is Outcome.DIFFERENT
    assert overall([verdict], frozenset(IRField)).outcome is Outcome.DIFFERENT


def _kind(path: Path) -> str:
    return str(json.loads(path.read_text(encoding="utf-8")).get("kind"))


WITH_COMPARISONS = [path for path in sorted(BASELINES.glob("*.json")) if _kind(path) in {"baseline", "augment_summary"}]


@pytest.mark.parametrize("path", WITH_COMPARISONS, ids=lambda path: path.name)
def test_committed_artifacts_with_comparisons_still_read(path: Path) -> None:
    if _kind(path) == "baseline":
        artifact = read_artifact(path, BaselineArtifact)
        comparisons = [v.versus_original for case in artifact.cases for v in case.variants if v.versus_original]
    else:
        summary = read_artifact(path, AugmentSummaryArtifact)
        comparisons = [attempt.comparison for case in summary.cases for attempt in case.attempts if attempt.comparison]
    assert comparisons
    verdicts = [verdict for comparison in comparisons for verdict in comparison.verdicts]
    if '"tier"' not in path.read_text(encoding="utf-8"):
        # Written before free text had tiers: every verdict reads as recorded, and decided.
        assert all(verdict.tier is Tier.RECORDED for verdict in verdicts)
        assert all(comparison.outcome is not Outcome.UNDECIDED for comparison in comparisons)
    else:
        # Written with tiers: each verdict keeps the tier that decided it.
        assert all(verdict.tier is not Tier.RECORDED for verdict in verdicts)
