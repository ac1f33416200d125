"""The code stages on the templated generator and on small fakes: verdicts, tests, resume, reuse."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes import FakeEngine
from tests.stages.test_baseline import CountingProgress, runner_for
from tokdrift_cli.artifacts.checkpoint import Checkpoint
from tokdrift_cli.artifacts.code_baseline import CodeBaselineConfig, CodeStage
from tokdrift_cli.artifacts.header import Provenance
from tokdrift_cli.codegen.generators import TemplatedCodeGenerator
from tokdrift_cli.core.ir import IR
from tokdrift_cli.core.records import CodeGeneration
from tokdrift_cli.core.suite import load_suite
from tokdrift_cli.stages.baseline import plan_cases, unit_key
from tokdrift_cli.stages.code_baseline import (
    CodeBaselineInputs,
    CodeBaselineRun,
    CodeUnit,
    as_baseline_config,
    plan_code_cases,
    run_code_baseline,
)


class CasingSensitiveCoder:
    """Writes a correct sum for snake_case names and a wrong one otherwise: a known, predictable drift."""

    name = "fake"

    def __init__(self, fail_on: str | None = None) -> None:
        self.calls: list[str] = []
        self.fail_on = fail_on

    def generate(self, ir: IR) -> CodeGeneration:
        name = ir.signature.name
        self.calls.append(name)
        if self.fail_on is not None and self.fail_on in name:
            return CodeGeneration(error="ValueError: no", error_kind="parse", lm_calls=1)
        params = [p.name for p in ir.signature.parameters]
        body = " + ".join(params) if name == name.lower() else f"{' - '.join(params) or '0'} + 1"
        return CodeGeneration(code=f"def {name}({', '.join(params)}):\n    return {body}\n", lm_calls=1, latency_s=0.01)


def make_run(suite_path: Path, coder, stage: CodeStage = CodeStage.IR_TO_CODE, **kwargs) -> CodeBaselineRun:  # type: ignore[no-untyped-def]
    overrides = {k: kwargs.pop(k) for k in list(kwargs) if k in CodeBaselineConfig.model_fields}
    config = CodeBaselineConfig(
        stage=stage, suite=str(suite_path), code_generator="lm", model="local/fake", **overrides
    )
    inputs = CodeBaselineInputs(load_suite(suite_path), config, Provenance(model_id="local/fake"))
    return CodeBaselineRun(inputs, coder, **kwargs)


def test_templated_ir_to_code_is_fully_robust_by_ast(mini_suite_path: Path) -> None:
    artifact = run_code_baseline(make_run(mini_suite_path, TemplatedCodeGenerator()))
    summary = artifact.summary
    assert summary.variants > 0
    assert summary.robustness.rate == 1.0
    assert summary.verdict_methods == {"ast": summary.variants}
    assert summary.lm_calls == 0
    # Stubs raise NotImplementedError: no test can pass, and the tests did run.
    assert summary.pass_rate.rate == 0.0 and summary.pass_rate.n == len(artifact.cases)
    assert all(case.tests is not None and case.tests.passed == 0 for case in artifact.cases)


def test_drifting_code_is_caught_by_execution_with_a_reason(mini_suite_path: Path) -> None:
    artifact = run_code_baseline(make_run(mini_suite_path, CasingSensitiveCoder(), variants_per_case=4))
    add = next(case for case in artifact.cases if case.case_id == "mini-001")
    assert add.passes is True  # a + b passes add_numbers' tests
    verdicts = {tuple(v.rule_ids): v.verdict for v in add.variants}
    assert verdicts[("ir.name.snake_upper",)].equivalent is False
    assert verdicts[("ir.name.snake_upper",)].method == "execution"
    assert "!=" in verdicts[("ir.name.snake_upper",)].reason or "differ" in verdicts[("ir.name.snake_upper",)].reason
    assert add.robust_passes is False
    assert "mini-001" in artifact.summary.fragile_cases
    naming = next(row for row in artifact.summary.per_family if row.key == "naming")
    assert naming.flips > 0
    assert artifact.summary.lm_calls == sum(1 for case in artifact.cases for _ in [case.code, *case.variants])


def test_failed_generations_flip_or_leave_unmeasured(mini_suite_path: Path) -> None:
    artifact = run_code_baseline(make_run(mini_suite_path, CasingSensitiveCoder(fail_on="ADD"), variants_per_case=4))
    add = next(case for case in artifact.cases if case.case_id == "mini-001")
    failed = [v for v in add.variants if not v.code.ok]
    assert failed and all(v.verdict.equivalent is False and v.verdict.method == "generation" for v in failed)

    broken_original = run_code_baseline(make_run(mini_suite_path, CasingSensitiveCoder(fail_on="add_numbers")))
    add = next(case for case in broken_original.cases if case.case_id == "mini-001")
    assert add.robustness.n == 0 and add.passes is False
    assert "mini-001" in broken_original.summary.unmeasured_cases
    assert all(v.verdict.equivalent is None for v in add.variants)


def test_same_ir_is_turned_into_code_once_at_temperature_zero(mini_suite_path: Path) -> None:
    coder = CasingSensitiveCoder()
    progress = CountingProgress()
    run = make_run(
        mini_suite_path,
        coder,
        stage=CodeStage.END_TO_END,
        ir_runner=runner_for(FakeEngine()),
        limit=1,
        progress=progress,
    )
    artifact = run_code_baseline(run)
    assert progress.advanced == progress.total  # a reused IR still moves the bar
    case = artifact.cases[0]
    distinct_irs = {ir.model_dump_json() for ir in [case.ir, *[v.ir for v in case.variants]] if ir is not None}
    assert len(coder.calls) == len(distinct_irs) < 1 + len(case.variants)
    assert all(v.verdict.method == "ast" for v in case.variants if v.ir == case.ir)


def test_end_to_end_plans_the_ir_stage_prompts_and_reuses_its_irs(mini_suite_path: Path) -> None:
    config = CodeBaselineConfig(stage=CodeStage.END_TO_END, suite=str(mini_suite_path), code_generator="lm", model="m")
    suite = load_suite(mini_suite_path)
    planned_texts = [[p.original.text, *[v.text for v in p.variants]] for p in plan_code_cases(suite, config)]
    assert planned_texts == [p.texts() for p in plan_cases(suite, as_baseline_config(config))]

    engine = FakeEngine()
    first = run_code_baseline(
        make_run(mini_suite_path, CasingSensitiveCoder(), CodeStage.END_TO_END, ir_runner=runner_for(engine))
    )
    reusable = {unit_key(c.case_id, c.prompt): c.ir_generation for c in first.cases}
    reusable.update({unit_key(c.case_id, v.text): v.ir_generation for c in first.cases for v in c.variants})
    calls_before = engine.calls
    again = run_code_baseline(
        make_run(
            mini_suite_path,
            CasingSensitiveCoder(),
            CodeStage.END_TO_END,
            ir_runner=runner_for(engine),
            reusable_irs=reusable,
        )
    )
    assert engine.calls == calls_before  # every IR came from the earlier run
    assert [c.ir for c in again.cases] == [c.ir for c in first.cases]
    assert again.summary.resumed_generations == len(reusable)


def test_end_to_end_needs_an_ir_runner(mini_suite_path: Path) -> None:
    with pytest.raises(ValueError, match="IR runner"):
        make_run(mini_suite_path, CasingSensitiveCoder(), CodeStage.END_TO_END)


def test_a_checkpoint_lets_a_rerun_skip_every_generation(tmp_path: Path, mini_suite_path: Path) -> None:
    checkpoint = Checkpoint(tmp_path / "c.jsonl", kind="code_baseline", config_fingerprint="f", unit_model=CodeUnit)
    checkpoint.open()
    progress = CountingProgress()
    first = run_code_baseline(
        make_run(mini_suite_path, CasingSensitiveCoder(), checkpoint=checkpoint, progress=progress)
    )
    checkpoint.close()
    assert progress.advanced == progress.total and progress.cases_done == len(first.cases)

    resumed = Checkpoint(tmp_path / "c.jsonl", kind="code_baseline", config_fingerprint="f", unit_model=CodeUnit)
    resumed.open()
    coder = CasingSensitiveCoder()
    second = run_code_baseline(make_run(mini_suite_path, coder, checkpoint=resumed))
    resumed.close()
    assert coder.calls == []
    assert second.summary.lm_calls == 0 and second.summary.resumed_generations > 0
    assert second.cases == first.cases


def test_a_finished_smaller_run_is_reused_for_a_larger_one(mini_suite_path: Path) -> None:
    from tokdrift_cli.stages.code_baseline import reusable_code_units

    engine = FakeEngine()
    first_coder = CasingSensitiveCoder()
    first = run_code_baseline(
        make_run(mini_suite_path, first_coder, CodeStage.END_TO_END, ir_runner=runner_for(engine), limit=1)
    )
    calls_after_first = engine.calls
    coder = CasingSensitiveCoder()
    larger = run_code_baseline(
        make_run(
            mini_suite_path,
            coder,
            CodeStage.END_TO_END,
            ir_runner=runner_for(engine),
            reusable_units=reusable_code_units(first),
        )
    )
    assert larger.cases[0] == first.cases[0]
    new_irs = sum(1 + len(case.variants) for case in larger.cases[1:])
    assert engine.calls - calls_after_first == new_irs  # the first case's IRs were not asked again
    assert len(coder.calls) == larger.summary.lm_calls - new_irs  # nor its code
    assert not set(coder.calls) & set(first_coder.calls)


def test_workers_run_sandboxes_at_once_and_change_nothing_in_the_output(
    mini_suite_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    import tokdrift_cli.stages.code_baseline as stage

    real_run = stage.run_function
    active, peak, lock = 0, 0, threading.Lock()

    def watched(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        try:
            return real_run(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            with lock:
                active -= 1

    monkeypatch.setattr(stage, "run_function", watched)
    serial = run_code_baseline(make_run(mini_suite_path, CasingSensitiveCoder(), variants_per_case=4))
    assert peak == 1
    parallel = run_code_baseline(make_run(mini_suite_path, CasingSensitiveCoder(), variants_per_case=4, workers=3))
    assert peak > 1  # sandboxes ran side by side
    assert [case.model_dump() for case in parallel.cases] == [case.model_dump() for case in serial.cases]
    assert parallel.summary.sandbox_runs == serial.summary.sandbox_runs
