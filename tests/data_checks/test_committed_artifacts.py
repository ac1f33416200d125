"""Re-check the committed real-model artifacts from their raw contents.

These files were made by the embedded model; the tests recompute their
verdicts with today's checker instead of trusting the stored flags.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tokdrift_cli.artifacts.augment import AugmentSummaryArtifact
from tokdrift_cli.artifacts.baseline import BaselineArtifact
from tokdrift_cli.artifacts.io import read_artifact
from tokdrift_cli.core.equivalence import IRComparison, IRField, Outcome, Tier, compare_irs
from tokdrift_cli.core.gold import match_gold
from tokdrift_cli.core.suite import default_suite_path, load_suite

BASELINES = Path(__file__).resolve().parents[2] / "baselines"
AUGMENTED = BASELINES / "augmented_core.jsonl"
SUMMARY = BASELINES / "augmented_core.jsonl.summary.json"
CORE_BASELINE = BASELINES / "baseline_core_local.json"


@pytest.mark.skipif(not SUMMARY.exists(), reason="no committed augmentation")
def test_kept_augmented_lines_recheck_as_equivalent() -> None:
    summary = read_artifact(SUMMARY, AugmentSummaryArtifact)
    suite = load_suite(default_suite_path())
    gold = {case.id: case.gold for case in suite.cases}
    kept = [(case.case_id, a) for case in summary.cases for a in case.attempts if a.kept]
    assert kept
    agree = sum(
        1 for case_id, attempt in kept
        if attempt.generation is not None and attempt.generation.ir is not None
        and match_gold(attempt.generation.ir, gold[case_id]).equivalent
    )
    assert agree / len(kept) >= 0.95
    lines = load_suite(AUGMENTED)
    added = [line for line in lines.cases if line.base_id is not None]
    assert len(added) == len(kept)
    for line in added:
        assert line.base_id in gold and line.gold == gold[line.base_id] and line.rule_ids


STRUCTURAL_FIELDS = (IRField.NAME, IRField.PARAMETERS, IRField.RETURNS, IRField.ASSERTIONS)


def _check_recorded_verdicts(stored: IRComparison, recomputed: IRComparison) -> None:
    """A comparison stored before free text had tiers: structural verdicts must reproduce exactly.

    Effects were then equal only as exact normalised text, which today's tier still finds the
    same; other free-text verdicts legitimately changed (intent was not counted, reworded
    effects were called different).
    """
    for field in STRUCTURAL_FIELDS:
        assert stored.verdict(field).outcome == recomputed.verdict(field).outcome, field
    if stored.verdict(IRField.EFFECTS).outcome is Outcome.SAME:
        assert recomputed.verdict(IRField.EFFECTS).outcome is Outcome.SAME


@pytest.mark.skipif(not CORE_BASELINE.exists(), reason="no committed baseline")
def test_committed_baseline_verdicts_recompute() -> None:
    baseline = read_artifact(CORE_BASELINE, BaselineArtifact)
    suite = load_suite(default_suite_path())
    gold = {case.id: case.gold for case in suite.cases}
    for case in baseline.cases:
        assert case.original.ir is not None
        assert case.correct == match_gold(case.original.ir, gold[case.case_id]).equivalent
        for variant in case.variants:
            if variant.generation.ir is None:
                assert variant.robust is False
                continue
            stored = variant.versus_original
            assert stored is not None
            recomputed = compare_irs(variant.generation.ir, case.original.ir)
            if any(verdict.tier is Tier.RECORDED for verdict in stored.verdicts):
                _check_recorded_verdicts(stored, recomputed)
                assert variant.robust == stored.equivalent
            else:
                assert stored.outcome == recomputed.outcome


CODE_ARTIFACTS = sorted(BASELINES.glob("code_*.json"))


@pytest.mark.parametrize("path", CODE_ARTIFACTS, ids=[path.name for path in CODE_ARTIFACTS])
def test_committed_code_verdicts_recompute_from_the_stored_code(path: Path) -> None:
    """Re-run a sample of cases' stored code in the sandbox and re-judge every variant."""
    from tokdrift_cli.artifacts.code_baseline import CodeBaselineArtifact
    from tokdrift_cli.codegen.judging import calls_from_tests
    from tokdrift_cli.codegen.sandbox import run_function
    from tokdrift_cli.codegen.verdicts import ExecutedCode, judge_variant, summarise_tests

    artifact = read_artifact(path, CodeBaselineArtifact)
    suite = {case.id: case for case in load_suite(Path(artifact.config.suite)).cases}
    checked = 0
    for case in artifact.cases[:: max(1, len(artifact.cases) // 4)]:
        tests = suite[case.case_id].tests
        calls = calls_from_tests(tests)
        if case.inputs != "tests":
            continue

        def executed(code: str | None, name: str | None) -> ExecutedCode | None:
            if code is None or name is None:
                return None
            return ExecutedCode(code, name, run_function(code, name, calls))

        original = executed(case.code.code, case.function_name)
        if original is not None:
            assert summarise_tests(original, tests) == case.tests
        for variant in case.variants:
            verdict = judge_variant(original, executed(variant.code.code, variant.function_name), calls)
            assert verdict.equivalent == variant.verdict.equivalent, (case.case_id, variant.rule_ids)
            checked += 1
    assert checked > 0


PROGRAMS = sorted(BASELINES.glob("program_*.json"))


@pytest.mark.parametrize("path", PROGRAMS, ids=[path.name for path in PROGRAMS])
def test_committed_programs_never_saw_a_test_prompt(path: Path) -> None:
    """No demo of a committed program is a test-split function, and the chosen candidate is the best eligible one."""
    from tokdrift_cli.artifacts.program import ProgramArtifact
    from tokdrift_cli.programs.ir_generator import parse_signature

    artifact = read_artifact(path, ProgramArtifact)
    suite = {case.id: case for case in load_suite(default_suite_path()).cases}
    test_names = {suite[case_id].gold.signature.name.lower().replace("_", "") for case_id in artifact.split.test}
    demos = [demo for predictor in artifact.state.values() for demo in predictor["demos"]]
    assert demos
    for demo in demos:
        name = parse_signature(demo["spec"]["signature"]).name.lower().replace("_", "")
        assert name not in test_names, f"{path.name}: a demo specifies test function {name}"
    selection = artifact.scores.selection
    if selection:
        chosen = [record for record in selection if record.chosen]
        assert len(chosen) == 1 and chosen[0].eligible
        assert chosen[0].gain == max(record.gain for record in selection if record.eligible)
        for record in selection:
            if artifact.config.keep_accuracy:
                assert record.eligible == (record.accurate >= record.base_accurate)
