"""Controls through the real baseline and analyze stages: sensitivity tells a blind generator from a reading one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes import ConstantEngine, CopyingEngine, FakeEngine
from tests.stages.test_baseline import make_inputs, runner_for
from tokdrift_cli.artifacts.baseline import BaselineArtifact, CaseResult
from tokdrift_cli.core.robustness import Tally
from tokdrift_cli.core.suite import default_suite_path
from tokdrift_cli.core.variants import CONTROL_RULES, generate_controls
from tokdrift_cli.stages.analyze import analyze_baseline, insensitivity_priority
from tokdrift_cli.stages.baseline import plan_cases, reusable_generations, run_baseline, unit_key
from tokdrift_cli.stages.merge import ShardFile, merge_shards
from tokdrift_cli.workflows.resume import resume_fingerprint


def run(suite: Path, engine: FakeEngine, **config: object) -> BaselineArtifact:
    return run_baseline(make_inputs(suite, **config), runner_for(engine))


@pytest.fixture(scope="module")
def constant() -> BaselineArtifact:
    return run(default_suite_path(), ConstantEngine(), limit=12, controls=3)


@pytest.fixture(scope="module")
def copying() -> BaselineArtifact:
    # Hand-written paraphrases reword freely ("shorter than" -> "fewer than"): left out, so robustness is exact.
    return run(default_suite_path(), CopyingEngine(into="assertions"), limit=12, controls=3, include_paraphrases=False)


def test_a_constant_generator_is_perfectly_robust_and_completely_insensitive(constant: BaselineArtifact) -> None:
    summary = constant.summary
    assert summary.robustness.rate == 1.0 and summary.robustness.n > 0
    assert summary.sensitivity is not None
    assert summary.sensitivity.rate == 0.0 and summary.sensitivity.n >= 12
    assert summary.sensitivity.high is not None and summary.sensitivity.high < 0.15
    for case in constant.cases:
        assert case.sensitivity is not None and case.sensitivity.successes == 0
        assert all(control.changed is False for control in case.controls)


def test_analyze_flags_every_prompt_of_a_constant_generator(constant: BaselineArtifact) -> None:
    analysis = analyze_baseline(constant)
    measured = [case.case_id for case in constant.cases if case.sensitivity is not None and case.sensitivity.n > 0]
    assert measured and sorted(item.case_id for item in analysis.insensitive_prompts) == sorted(measured)
    assert analysis.summary.insensitive_count == len(measured)
    assert analysis.summary.fragile_count == 0  # robustness alone would call it perfect
    assert analysis.summary.sensitivity is not None and analysis.summary.sensitivity.rate == 0.0
    for item in analysis.insensitive_prompts:
        assert item.priority in ("P0", "P1") and "no control changed the IR" in item.priority_reason
        assert len(item.ignored_controls) == item.sensitivity.n
        assert item.robustness.rate == 1.0


def test_a_generator_that_copies_meaning_words_is_sensitive(copying: BaselineArtifact) -> None:
    summary = copying.summary
    assert summary.sensitivity is not None and summary.sensitivity.n >= 12
    assert summary.sensitivity.rate == 1.0
    assert summary.undecided_controls == 0
    assert summary.robustness.rate == 1.0  # rule-made variants keep the words it copies
    assert analyze_baseline(copying).insensitive_prompts == []
    per_rule = {row.key: row for row in summary.per_control_rule}
    assert set(per_rule) <= set(CONTROL_RULES) and len(per_rule) >= 4
    assert all(row.flips == row.n for row in per_rule.values())
    for case in copying.cases:
        for control in case.controls:
            assert control.versus_original is not None and control.changed is not False
            if control.changed:
                assert control.versus_original.differing_fields == ["assertions"]


def test_a_generator_that_shows_meaning_changes_only_in_free_text_is_not_credited_nor_blamed() -> None:
    """The free-text tier's "different" withholds "same" but decides nothing: such controls are undecided."""
    for into in ("effects", "intent"):
        artifact = run(default_suite_path(), CopyingEngine(into=into), limit=12, controls=3, include_paraphrases=False)
        summary = artifact.summary
        assert summary.sensitivity is not None and summary.undecided_controls > 0
        assert summary.sensitivity.successes == 0  # never credited from free text alone
        assert summary.undecided_controls + summary.sensitivity.n == summary.controls - summary.failed_controls
        assert analyze_baseline(artifact).insensitive_prompts == [
            item for item in analyze_baseline(artifact).insensitive_prompts if item.sensitivity.n > 0
        ]


def test_controls_enter_no_other_figure(mini_suite_path: Path) -> None:
    without = run(mini_suite_path, FakeEngine())
    with_controls = run(mini_suite_path, FakeEngine(), controls=3)
    keep = {"robustness", "accuracy", "robust_accuracy", "fragile_cases", "unmeasured_cases", "per_rule",
            "per_family", "per_group", "per_category", "variants", "failed_generations", "schema_valid",
            "mean_prompt_robustness"}  # fmt: skip
    assert with_controls.summary.model_dump(include=keep) == without.summary.model_dump(include=keep)
    for before, after in zip(without.cases, with_controls.cases, strict=True):
        assert [v.text for v in after.variants] == [v.text for v in before.variants]
        assert (after.robustness, after.correct, after.robust_correct) == (
            before.robustness, before.correct, before.robust_correct,
        )  # fmt: skip
    assert without.summary.sensitivity is None and all(case.sensitivity is None for case in without.cases)
    assert with_controls.summary.controls == sum(len(case.controls) for case in with_controls.cases) > 0
    assert with_controls.summary.lm_calls == without.summary.lm_calls + with_controls.summary.controls
    assert {row.key for row in with_controls.summary.per_rule}.isdisjoint(CONTROL_RULES)


def test_a_prompt_no_control_applies_to_has_n_zero_and_is_not_flagged(mini_suite_path: Path) -> None:
    artifact = run(mini_suite_path, ConstantEngine(), controls=3)
    greet = next(case for case in artifact.cases if case.case_id == "mini-003")
    assert greet.controls == [] and greet.sensitivity is not None and greet.sensitivity.n == 0
    flagged = {item.case_id for item in analyze_baseline(artifact).insensitive_prompts}
    assert "mini-003" not in flagged and flagged == {"mini-001", "mini-002", "mini-004"}


def test_a_failed_control_is_not_counted_either_way(mini_suite_path: Path) -> None:
    engine = FakeEngine(garbage_on="product")  # only the operation control of mini-001 says "product"
    artifact = run(mini_suite_path, engine, controls=3)
    case = next(case for case in artifact.cases if case.case_id == "mini-001")
    failed = [control for control in case.controls if not control.generation.ok]
    assert len(failed) == 1 and failed[0].rule_id == "control.operation" and failed[0].changed is None
    assert case.sensitivity is not None and case.sensitivity.n == len(case.controls) - 1
    assert artifact.summary.failed_controls == 1
    assert artifact.summary.failed_generations == 0  # the count of the meaning-preserving run is untouched
    assert artifact.summary.sensitivity is not None
    assert artifact.summary.sensitivity.n == artifact.summary.controls - 1


def test_controls_are_planned_deterministically_and_apart_from_the_variants(mini_suite_path: Path) -> None:
    inputs = make_inputs(mini_suite_path, controls=2)
    first, again = plan_cases(inputs.suite, inputs.config), plan_cases(inputs.suite, inputs.config)
    assert first == again
    for planned in first:
        assert planned.controls == tuple(generate_controls(planned.case.prompt, count=2, seed=0))
        assert {c.text for c in planned.controls or ()}.isdisjoint({planned.case.prompt, *(v.text for v in planned.variants)})
        assert planned.texts()[-len(planned.controls or ()) or None :] == [c.text for c in planned.controls or ()] or not planned.controls
    assert all(planned.controls is None for planned in plan_cases(inputs.suite, make_inputs(mini_suite_path).config))


def test_adding_controls_to_a_finished_run_reuses_every_generation(mini_suite_path: Path) -> None:
    before = run(mini_suite_path, FakeEngine())
    inputs = make_inputs(mini_suite_path, controls=3)
    assert resume_fingerprint(inputs.config, "m", "p") == resume_fingerprint(before.config, "m", "p")
    engine = FakeEngine()
    after = run_baseline(inputs, runner_for(engine), reusable=reusable_generations(before))
    assert engine.calls == after.summary.controls > 0
    control_texts = [c.text for case in after.cases for c in case.controls]
    assert all(any(text in prompt for text in control_texts) for prompt in engine.prompts)
    again = FakeEngine()
    run_baseline(inputs, runner_for(again), reusable=reusable_generations(after))
    assert again.calls == 0
    keys = reusable_generations(after)
    assert all(unit_key(case.case_id, c.text) in keys for case in after.cases for c in case.controls)


def test_merged_shards_keep_the_sensitivity_of_one_run() -> None:
    suite = default_suite_path()
    whole = run(suite, ConstantEngine(), limit=9, controls=2, variants_per_prompt=1)
    shards = [
        ShardFile(f"s{k}", run(suite, ConstantEngine(), limit=9, controls=2, variants_per_prompt=1, shard=f"{k}/3"))
        for k in (1, 2, 3)
    ]
    merged = merge_shards(shards, make_inputs(suite).suite)
    assert merged.summary.sensitivity == whole.summary.sensitivity
    assert merged.summary.per_control_rule == whole.summary.per_control_rule
    assert merged.summary.controls == whole.summary.controls
    assert [_sensitivities(c) for c in merged.cases] == [_sensitivities(c) for c in whole.cases]


def _sensitivities(case: CaseResult) -> tuple[object, ...]:
    return case.case_id, case.sensitivity, [(c.text, c.rule_id, c.changed) for c in case.controls]


@pytest.mark.parametrize(
    ("successes", "n", "expected"),
    [(0, 8, "P0"), (0, 3, "P1"), (1, 8, "P1"), (1, 3, "P2")],
)
def test_insensitivity_priority(successes: int, n: int, expected: str) -> None:
    priority, reason = insensitivity_priority(Tally(same=n - successes, different=successes), 0.5)
    assert priority == expected
    assert ("no control changed the IR" in reason) is (successes == 0)


class RewordingEngine(ConstantEngine):
    """Constant but for an effect reworded by prompt, in words no deterministic rule can compare."""

    WORDS = ("Tidies the basket.", "Polishes the lantern.", "Folds the blanket.")

    def answer(self, prompt: str) -> str:
        import hashlib
        import json

        spec = json.loads(super().answer(prompt))
        spec["effects"] = [self.WORDS[hashlib.sha256(prompt.encode()).digest()[0] % len(self.WORDS)]]
        return json.dumps(spec)


def test_an_undecided_control_is_counted_apart(mini_suite_path: Path) -> None:
    from tokdrift_cli.core.equivalence import Outcome

    artifact = run(mini_suite_path, RewordingEngine(), controls=3)
    controls = [control for case in artifact.cases for control in case.controls]
    undecided = [c for c in controls if c.versus_original is not None and c.versus_original.outcome is Outcome.UNDECIDED]
    assert undecided and all(control.changed is None for control in undecided)
    assert artifact.summary.undecided_controls == len(undecided)
    assert artifact.summary.sensitivity is not None
    assert artifact.summary.sensitivity.n == len(controls) - len(undecided)
    assert artifact.summary.sensitivity.successes == 0  # the decided ones are all the same IR
    compared = [control for control in controls if control.versus_original is not None]
    share = artifact.summary.sensitivity_undecided_share
    assert share is not None and (share.successes, share.n) == (len(undecided), len(compared))
    assert all(control.outcome is Outcome.UNDECIDED for control in undecided)
    analysis = analyze_baseline(artifact)
    assert analysis.summary.undecided_controls == len(undecided)
    assert analysis.summary.sensitivity_undecided_share == share
    for prompt in analysis.insensitive_prompts:  # each beside its own undecided share
        case = next(case for case in artifact.cases if case.case_id == prompt.case_id)
        apart = [c for c in case.controls if c.outcome is Outcome.UNDECIDED]
        assert prompt.sensitivity_undecided_share is not None
        assert prompt.sensitivity_undecided_share.successes == len(apart)
