"""Analyze on baselines made by the real stage with the fake engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes import FakeEngine
from tests.stages.test_baseline import make_inputs, runner_for
from tokdrift_cli.artifacts.baseline import BaselineArtifact
from tokdrift_cli.core.mitigations import MITIGATIONS
from tokdrift_cli.core.robustness import Tally
from tokdrift_cli.core.stats import wilson
from tokdrift_cli.core.variants import family_of
from tokdrift_cli.stages.analyze import analyze_baseline, priority_of
from tokdrift_cli.stages.baseline import run_baseline


@pytest.fixture(scope="module")
def fake_baseline() -> BaselineArtifact:
    suite = Path(__file__).resolve().parents[2] / "tokdrift_cli" / "data" / "suites" / "core.jsonl"
    # Politeness flips the fake; ask for enough variants that framing rules appear.
    return run_baseline(make_inputs(suite, variants_per_prompt=8, limit=12), runner_for(FakeEngine()))


def test_numbers_agree_with_recomputation_from_raw_verdicts(fake_baseline: BaselineArtifact) -> None:
    analysis = analyze_baseline(fake_baseline, fragile_threshold=0.9)
    outcomes = [(c, v) for c in fake_baseline.cases for v in c.variants if v.robust is not None]
    # Per prompt: robustness from the raw verdicts, fragile iff below the threshold.
    expected_fragile = set()
    for case in fake_baseline.cases:
        verdicts = [v.robust for v in case.variants if v.robust is not None]
        if verdicts and sum(verdicts) / len(verdicts) < 0.9:
            expected_fragile.add(case.case_id)
    assert {f.case_id for f in analysis.fragile_prompts} == expected_fragile
    assert expected_fragile, "the fake must make some prompts fragile for this test to mean anything"
    for fragile in analysis.fragile_prompts:
        case = next(c for c in fake_baseline.cases if c.case_id == fragile.case_id)
        flips = [v for v in case.variants if v.robust is False]
        assert fragile.robustness == wilson(len(case.variants) - len(flips), len(case.variants))
        assert [b.text for b in fragile.broken_variants] == [v.text for v in flips]
    # Per rule: flips / variants made by that rule.
    for row in analysis.per_rule:
        made = [v for _, v in outcomes if row.key in v.rule_ids]
        assert row.n == len(made)
        assert row.flips == sum(1 for v in made if not v.robust)
    # Per family, pooled robustness and accuracy.
    for row in analysis.per_family:
        made = [v for _, v in outcomes if row.key in {family_of(r) for r in v.rule_ids}]
        assert (row.n, row.flips) == (len(made), sum(1 for v in made if not v.robust))
    assert analysis.summary.robustness.successes == sum(1 for _, v in outcomes if v.robust)
    assert analysis.summary.accuracy.successes == sum(1 for c in fake_baseline.cases if c.correct)
    # The fake only ever changes assertions.
    top = analysis.field_flips[0]
    assert top.field.value == "assertions" and top.flips == sum(1 for _, v in outcomes if not v.robust)


def test_polite_framing_is_the_fragile_pattern(fake_baseline: BaselineArtifact) -> None:
    analysis = analyze_baseline(fake_baseline)
    polite = next(row for row in analysis.per_rule if row.key == "natural.framing.polite")
    assert polite.flips == polite.n > 0
    for fragile in analysis.fragile_prompts:
        assert fragile.dominant_family == "framing"
        assert fragile.mitigation == MITIGATIONS["framing"]
        for broken in fragile.broken_variants:
            assert [change.field.value for change in broken.changes] == ["assertions"]
            assert broken.changes[0].original == "(none)" and broken.changes[0].variant == "x >= 0"


def test_threshold_changes_fragile_set(fake_baseline: BaselineArtifact) -> None:
    strict = analyze_baseline(fake_baseline, fragile_threshold=1.0)
    lenient = analyze_baseline(fake_baseline, fragile_threshold=0.0)
    assert lenient.summary.fragile_count == 0
    assert strict.summary.fragile_count >= analyze_baseline(fake_baseline).summary.fragile_count


def test_noise_floor_is_not_measured_without_repeats(fake_baseline: BaselineArtifact) -> None:
    noise = analyze_baseline(fake_baseline).noise_floor
    assert noise.disagreement is None and "not measured" in noise.note


def test_noise_floor_with_repeats(mini_suite_path: Path) -> None:
    engine = FakeEngine()
    baseline = run_baseline(make_inputs(mini_suite_path, repeats=3), runner_for(engine))
    for case in baseline.cases:
        assert len(case.repeats) == 2 and case.repeat_agreements == [True, True]
    noise = analyze_baseline(baseline).noise_floor
    assert noise.disagreement is not None and noise.disagreement.successes == 0
    assert noise.disagreement.n == 2 * len(baseline.cases)


@pytest.mark.parametrize(
    ("successes", "n", "breaks", "expected"),
    [
        (0, 10, True, "P0"),  # severe, certain, harmful
        (0, 10, False, "P1"),  # severe and certain
        (4, 5, True, "P2"),  # 80% on 5 variants: the interval reaches above 90%
        (8, 10, False, "P2"),
        (1, 3, False, "P1"),  # severe; even with 3 variants the interval stays below 90%
        (1, 2, False, "P2"),  # just as bad, but with 2 variants the interval reaches 90%
    ],
)
def test_priority_rule(successes: int, n: int, breaks: bool, expected: str) -> None:
    priority, reason = priority_of(Tally(same=successes, different=n - successes), 0.9, breaks)
    assert priority == expected and reason
