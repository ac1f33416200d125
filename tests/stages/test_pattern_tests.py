"""Rules and families that stand out, tested within prompts and Holm-corrected for testing many."""

from __future__ import annotations

from pathlib import Path

import pytest

from tokdrift_cli.artifacts.baseline import BaselineArtifact
from tokdrift_cli.artifacts.io import read_artifact
from tokdrift_cli.cli.app import run
from tokdrift_cli.core.robustness import family_keys, rule_keys
from tokdrift_cli.core.stats import holm
from tokdrift_cli.stages.analyze import analyze_baseline
from tokdrift_cli.stages.pattern_tests import pattern_tests, within_prompt_differences

CORE_BASELINE = Path(__file__).resolve().parents[2] / "baselines" / "baseline_core_local.json"


@pytest.fixture(scope="module")
def core() -> BaselineArtifact:
    return read_artifact(CORE_BASELINE, BaselineArtifact)


def test_holm_adjusts_step_down_and_stays_monotone() -> None:
    assert holm([0.01, 0.04, 0.03, 0.5]) == pytest.approx([0.04, 0.09, 0.09, 0.5])
    assert holm([0.3, 0.6]) == pytest.approx([0.6, 0.6])
    assert holm([]) == []


def test_within_prompt_differences_compare_a_rule_with_the_other_variants_of_the_same_prompt(
    core: BaselineArtifact,
) -> None:
    key = "paraphrase"
    differences = within_prompt_differences(core.cases, key, family_keys)
    case = next(c for c in core.cases if any(key in family_keys(v.rule_ids) for v in c.variants if v.robust is not None))
    mine = [v.robust for v in case.variants if v.robust is not None and key in family_keys(v.rule_ids)]
    others = [v.robust for v in case.variants if v.robust is not None and key not in family_keys(v.rule_ids)]
    expected = sum(not r for r in mine) / len(mine) - sum(not r for r in others) / len(others)
    assert differences[0] == pytest.approx(expected)


def test_flags_on_the_core_baseline_are_holm_corrected(core: BaselineArtifact) -> None:
    rules = {test.key: test for test in pattern_tests(core.cases, rule_keys, 0.05)}
    tested = [test for test in rules.values() if test.p_value is not None]
    adjusted = holm([test.p_value for test in tested])  # type: ignore[misc]
    assert [test.p_adjusted for test in tested] == pytest.approx(adjusted)
    # Significant before the correction, not after it: the correction is what decides the flag.
    question = rules["natural.framing.question"]
    assert question.p_value is not None and question.p_value < 0.05 and not question.significant
    assert rules["paraphrase.hand"].significant and rules["paraphrase.hand"].direction == "more"
    assert rules["token.spacing.bracket_pad"].p_value is None and "not tested" in (rules["token.spacing.bracket_pad"].note or "")
    families = {test.key: test for test in analyze_baseline(core).family_tests or []}
    assert families["noise"].significant and families["noise"].direction == "fewer"
    assert families["casing"].p_value is not None and families["casing"].p_value < 0.05 and not families["casing"].significant


def test_analyze_prints_what_stands_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["analyze", str(CORE_BASELINE), "--output", str(tmp_path / "a.json")]) == 0
    err = capsys.readouterr().err
    assert "families that flip prompts more or fewer than the other rewrites of the same prompts (Holm over 6 tested" in err
    assert "paraphrase (more, mean +0.37" in err
