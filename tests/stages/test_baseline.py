"""The baseline stage on a fake engine: planning, scoring, resume, failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes import FakeEngine, fake_lm
from tokdrift_cli.artifacts.baseline import BaselineConfig
from tokdrift_cli.artifacts.checkpoint import Checkpoint
from tokdrift_cli.artifacts.header import Provenance
from tokdrift_cli.core.records import Generation
from tokdrift_cli.core.suite import load_suite
from tokdrift_cli.errors import ModelError
from tokdrift_cli.programs.ir_generator import build_default_program
from tokdrift_cli.programs.runner import DspyIRRunner
from tokdrift_cli.stages.baseline import BaselineInputs, plan_cases, run_baseline, unit_key
from tokdrift_cli.stages.failure_policy import RunIncompleteError
from tokdrift_cli.stages.progress import ProgressSink


def make_inputs(suite_path: Path, **overrides: object) -> BaselineInputs:
    settings: dict[str, object] = {
        "suite": str(suite_path),
        "model": "local/fake",
        "program": "default",
        "variants_per_prompt": 4,
        "seed": 0,
        "temperature": 0.0,
        "max_tokens": 256,
    }
    settings.update(overrides)
    config = BaselineConfig(**settings)  # type: ignore[arg-type]
    return BaselineInputs(suite=load_suite(suite_path), config=config, provenance=Provenance(model_id="local/fake"))


def runner_for(engine: FakeEngine) -> DspyIRRunner:
    return DspyIRRunner(build_default_program(), fake_lm(engine))


class CountingProgress(ProgressSink):
    def __init__(self) -> None:
        self.total = self.reused = self.advanced = self.cases = self.cases_done = 0

    def start(self, total: int, reused: int, cases: int = 0, cases_done: int = 0) -> None:
        self.total, self.reused, self.cases, self.cases_done = total, reused, cases, cases_done

    def advance(self, generation: Generation) -> None:
        self.advanced += 1

    def finish_case(self) -> None:
        self.cases_done += 1


def test_plan_is_deterministic_and_includes_paraphrases(mini_suite_path: Path) -> None:
    inputs = make_inputs(mini_suite_path)
    first = plan_cases(inputs.suite, inputs.config)
    second = plan_cases(inputs.suite, inputs.config)
    assert first == second
    assert len(first) == len(inputs.suite.cases)
    for planned in first:
        texts = [v.text for v in planned.variants]
        assert planned.case.prompt not in texts
        assert len(set(texts)) == len(texts)
        for paraphrase in planned.case.paraphrases:
            assert paraphrase in texts
    without = plan_cases(inputs.suite, inputs.config.model_copy(update={"include_paraphrases": False}))
    assert all(v.source == "rule" for p in without for v in p.variants)


def test_limit_selects_first_cases(mini_suite_path: Path) -> None:
    inputs = make_inputs(mini_suite_path, limit=2)
    assert [p.case.id for p in plan_cases(inputs.suite, inputs.config)] == [c.id for c in inputs.suite.cases[:2]]


def test_run_scores_flips_exactly_where_the_fake_is_fragile(mini_suite_path: Path) -> None:
    engine = FakeEngine()
    progress = CountingProgress()
    artifact = run_baseline(make_inputs(mini_suite_path), runner_for(engine), progress=progress)
    assert progress.advanced == progress.total == engine.calls
    assert progress.cases_done == progress.cases == len(artifact.cases)
    total_variants = 0
    for case in artifact.cases:
        for variant in case.variants:
            total_variants += 1
            # The fake adds an assertion exactly when the text says "please".
            expected_robust = ("please" in variant.text.lower()) == ("please" in case.prompt.lower())
            assert variant.robust is expected_robust, variant.text
            if not variant.robust:
                assert variant.versus_original is not None
                assert "assertions" in variant.versus_original.differing_fields
    summary = artifact.summary
    assert summary.variants == total_variants
    flips = sum(1 for c in artifact.cases for v in c.variants if not v.robust)
    assert summary.robustness.successes == total_variants - flips
    assert summary.lm_calls == engine.calls
    polite = [row for row in summary.per_rule if row.key == "natural.framing.polite"]
    if polite:
        assert polite[0].flips == polite[0].n


def test_accuracy_against_gold_uses_signature_fields(mini_suite_path: Path) -> None:
    artifact = run_baseline(make_inputs(mini_suite_path), runner_for(FakeEngine()))
    suite = load_suite(mini_suite_path)
    gold_by_id = {case.id: case.gold for case in suite.cases}
    for case in artifact.cases:
        gold = gold_by_id[case.case_id]
        # The fake always answers `(x: int) -> int`; right only if the gold says exactly that.
        fits = [(p.name, p.type_hint) for p in gold.signature.parameters] == [
            ("x", "int")
        ] and gold.signature.returns == "int"
        assert case.correct is fits


def test_resume_from_checkpoint_redoes_no_call(tmp_path: Path, mini_suite_path: Path) -> None:
    inputs = make_inputs(mini_suite_path)
    checkpoint_path = tmp_path / "out.json.checkpoint.jsonl"
    first_engine = FakeEngine()
    checkpoint = Checkpoint(checkpoint_path, kind="baseline", config_fingerprint="abc", unit_model=Generation)
    checkpoint.open()
    first = run_baseline(inputs, runner_for(first_engine), checkpoint=checkpoint)
    checkpoint.close()

    second_engine = FakeEngine()
    again = Checkpoint(checkpoint_path, kind="baseline", config_fingerprint="abc", unit_model=Generation)
    again.open()
    progress = CountingProgress()
    second = run_baseline(inputs, runner_for(second_engine), checkpoint=again, progress=progress)
    again.close()
    assert second_engine.calls == 0
    assert progress.reused == progress.total == first_engine.calls
    assert second.summary.resumed_generations == first_engine.calls
    assert [c.robustness for c in second.cases] == [c.robustness for c in first.cases]


def test_partial_checkpoint_runs_only_the_rest(tmp_path: Path, mini_suite_path: Path) -> None:
    inputs = make_inputs(mini_suite_path)
    plan = plan_cases(inputs.suite, inputs.config)
    first_case = plan[0]
    checkpoint = Checkpoint(tmp_path / "c.jsonl", kind="baseline", config_fingerprint="f", unit_model=Generation)
    checkpoint.open()
    warm = runner_for(FakeEngine())
    for text in first_case.texts():
        checkpoint.record(unit_key(first_case.case.id, text), warm.generate(text))
    engine = FakeEngine()
    run_baseline(inputs, runner_for(engine), checkpoint=checkpoint)
    checkpoint.close()
    all_units = sum(len(p.texts()) for p in plan)
    assert engine.calls == all_units - len(first_case.texts())
    assert not set(engine.prompts) & set(first_case.texts()) - {t for p in plan[1:] for t in p.texts()}


def test_failed_generations_are_recorded_and_counted(mini_suite_path: Path) -> None:
    suite = load_suite(mini_suite_path)
    target = suite.cases[0].prompt.split()[3]  # a word from the first prompt only
    engine = FakeEngine(garbage_on=target)
    artifact = run_baseline(make_inputs(mini_suite_path), runner_for(engine))
    failed = [g for c in artifact.cases for g in [c.original] + [v.generation for v in c.variants] if not g.ok]
    assert failed and all(g.error_kind == "parse" for g in failed)
    assert artifact.summary.failed_generations == len(failed)
    assert artifact.summary.schema_valid.n == engine.calls


def test_original_failure_leaves_case_unmeasured(mini_suite_path: Path) -> None:
    suite = load_suite(mini_suite_path)
    first_prompt = suite.cases[0].prompt
    engine = FakeEngine(garbage_on=first_prompt[:40])
    artifact = run_baseline(
        make_inputs(mini_suite_path, include_paraphrases=False, rules=["natural.noise.trailing_whitespace"]),
        runner_for(engine),
    )
    first = artifact.cases[0]
    assert not first.original.ok
    assert first.robustness.n == 0 and first.robustness.rate is None
    assert first.case_id in artifact.summary.unmeasured_cases


def test_variant_failure_counts_as_flip(mini_suite_path: Path) -> None:
    engine = FakeEngine(garbage_on="  ")  # double spaces appear only in whitespace-noise variants
    inputs = make_inputs(mini_suite_path, include_paraphrases=False, rules=["natural.noise.double_space"])
    artifact = run_baseline(inputs, runner_for(engine))
    variants = [v for c in artifact.cases for v in c.variants]
    assert variants
    for variant in variants:
        assert variant.generation.ok is False
        assert variant.robust is False


def test_unreachable_model_stops_early(mini_suite_path: Path) -> None:
    engine = FakeEngine(error=ConnectionError("connection refused"))
    with pytest.raises(ModelError, match="unreachable"):
        run_baseline(make_inputs(mini_suite_path), runner_for(engine))
    assert engine.calls == 5


def test_parallel_workers_give_identical_results(mini_suite_path: Path) -> None:
    inputs = make_inputs(mini_suite_path)
    serial = run_baseline(inputs, runner_for(FakeEngine()), workers=1)
    parallel = run_baseline(inputs, runner_for(FakeEngine()), workers=4)
    strip = lambda artifact: [  # noqa: E731
        (c.case_id, c.robustness, [(v.text, v.robust) for v in c.variants]) for c in artifact.cases
    ]
    assert strip(serial) == strip(parallel)


def test_provider_failures_stay_out_of_the_checkpoint_so_a_resume_retries_them(
    tmp_path: Path, mini_suite_path: Path
) -> None:
    checkpoint = Checkpoint(tmp_path / "c.jsonl", kind="baseline", config_fingerprint="f", unit_model=Generation)
    checkpoint.open()
    flaky = FakeEngine(fail_on="add_numbers", error=RuntimeError("503 from the provider"))
    with pytest.raises(RunIncompleteError, match="retry those"):  # no result while some are still to retry
        run_baseline(make_inputs(mini_suite_path, limit=2), runner_for(flaky), checkpoint=checkpoint)
    checkpoint.close()
    kept = Checkpoint(tmp_path / "c.jsonl", kind="baseline", config_fingerprint="f", unit_model=Generation)
    units = kept.peek()
    assert units and all(unit.error_kind not in ("provider", "timeout") for unit in units.values())
    assert not any("add_numbers" in key for key in units)
