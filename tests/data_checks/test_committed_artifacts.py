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
from tokdrift_cli.core.equivalence import compare_irs, match_gold
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
            else:
                assert variant.robust == compare_irs(variant.generation.ir, case.original.ir).equivalent
