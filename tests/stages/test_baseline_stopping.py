"""Sequential and budget-capped baseline runs on the fake engine: where they stop, what they record, resuming."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes import FakeEngine
from tests.stages.test_baseline import make_inputs, runner_for
from tokdrift_cli.artifacts.baseline import SequentialSettings
from tokdrift_cli.artifacts.checkpoint import Checkpoint
from tokdrift_cli.core.records import Generation
from tokdrift_cli.core.sequential import visiting_order
from tokdrift_cli.core.suite import default_suite_path
from tokdrift_cli.stages.baseline import reusable_generations, run_baseline
from tokdrift_cli.stages.stopping import StopRule

CORE = default_suite_path()


def test_a_clear_decision_stops_early_in_the_seeded_order() -> None:
    engine = FakeEngine()
    inputs = make_inputs(CORE, variants_per_prompt=3, until_decided=SequentialSettings(fail_under=0.2, alpha=0.05))
    artifact = run_baseline(inputs, runner_for(engine))
    summary = artifact.summary
    assert summary.sequential is not None and summary.stop is not None
    assert summary.sequential.decision == "passed" and summary.stop.reason == "decided"
    run = {case.case_id for case in artifact.cases}
    order = visiting_order([case.id for case in inputs.suite.cases], inputs.config.seed)
    assert summary.stop.visiting_order == order
    # The prompts run are the first ones of the seeded order; the rest are listed as not run.
    assert run == set(order[: len(run)]) and summary.stop.prompts_not_run == order[len(run) :]
    assert len(run) == summary.sequential.seen == summary.sequential.decided_at < len(order) // 2
    assert summary.sequential.low >= 0.2
    assert engine.calls == summary.lm_calls < len(order) * 4 // 2
    assert "stopped early: the decision is made; robustness >= 0.2 passed at alpha 0.05" in summary.stop.message


def test_a_decision_too_close_to_call_runs_every_prompt() -> None:
    inputs = make_inputs(CORE, variants_per_prompt=3)
    full = run_baseline(inputs, runner_for(FakeEngine()))
    robustness = full.summary.robustness.rate
    assert robustness is not None
    close = SequentialSettings(fail_under=round(robustness, 2), alpha=0.05)
    artifact = run_baseline(inputs.__class__(**{**inputs.__dict__, "config": inputs.config.model_copy(
        update={"until_decided": close})}), runner_for(FakeEngine()))
    assert artifact.summary.stop is None and len(artifact.cases) == len(full.cases)
    assert artifact.summary.sequential is not None and artifact.summary.sequential.seen == len(full.cases)
    # With every prompt seen the decision is the gate's own, exactly.
    assert artifact.summary.sequential.decision == ("passed" if robustness >= close.fail_under else "failed")


def test_max_calls_stops_cleanly_and_a_rerun_goes_on_without_repeating_a_call(tmp_path: Path) -> None:
    inputs = make_inputs(CORE, variants_per_prompt=2, limit=10, max_calls=12)
    engine = FakeEngine()
    checkpoint: Checkpoint[Generation] = Checkpoint(
        tmp_path / "c.jsonl", kind="baseline", config_fingerprint="f", unit_model=Generation
    )
    checkpoint.open(restart=False)
    stopped = run_baseline(inputs, runner_for(engine), checkpoint=checkpoint)
    checkpoint.close()
    stop = stopped.summary.stop
    assert stop is not None and stop.reason == "max_calls" and checkpoint.keep
    assert engine.calls == stopped.summary.lm_calls == 12
    assert stop.message.startswith("stopped at --max-calls 12 (12 LM calls spent); ")
    assert "re-run with a higher --max-calls (or without it) to go on" in stop.message
    assert len(stopped.cases) + len(stop.prompts_not_run) == 10
    assert stopped.summary.sequential is None

    again: Checkpoint[Generation] = Checkpoint(
        tmp_path / "c.jsonl", kind="baseline", config_fingerprint="f", unit_model=Generation
    )
    again.open(restart=False)
    rest = FakeEngine()
    unlimited = inputs.config.model_copy(update={"max_calls": None})
    finished = run_baseline(
        inputs.__class__(**{**inputs.__dict__, "config": unlimited}), runner_for(rest), checkpoint=again,
        reusable=reusable_generations(stopped),
    )
    assert finished.summary.stop is None and len(finished.cases) == 10
    full_engine = FakeEngine()
    run_baseline(inputs.__class__(**{**inputs.__dict__, "config": unlimited}), runner_for(full_engine))
    assert rest.calls == full_engine.calls - 12  # nothing run twice


def test_a_replay_from_recorded_generations_stops_where_the_rule_says_with_no_call() -> None:
    inputs = make_inputs(CORE, variants_per_prompt=3)
    full = run_baseline(inputs, runner_for(FakeEngine()))
    settings = SequentialSettings(fail_under=0.3, alpha=0.05)
    engine = FakeEngine()
    replay = run_baseline(
        inputs.__class__(**{**inputs.__dict__, "config": inputs.config.model_copy(update={"until_decided": settings})}),
        runner_for(engine),
        reusable=reusable_generations(full),
    )
    assert engine.calls == 0 and replay.summary.sequential is not None
    most = max(len(case.variants) for case in full.cases)
    rule = StopRule.for_run(replay.config, [case.case_id for case in full.cases], most)
    assert rule is not None
    by_id = {case.case_id: case for case in full.cases}
    for case_id in rule.order:
        rule.finish_case(by_id[case_id])
        if rule.should_stop():
            break
    state = rule.state()
    assert state is not None and state.decided_at == replay.summary.sequential.decided_at
    assert state.decision == replay.summary.sequential.decision == "passed"


def test_stop_rule_is_none_for_a_plain_run() -> None:
    assert StopRule.for_run(make_inputs(CORE).config, ["a"], 3) is None


@pytest.mark.parametrize("workers", [3])
def test_parallel_workers_decide_on_the_ordered_prefix(workers: int) -> None:
    inputs = make_inputs(CORE, variants_per_prompt=3, until_decided=SequentialSettings(fail_under=0.2))
    artifact = run_baseline(inputs, runner_for(FakeEngine()), workers=workers)
    sequential, stop = artifact.summary.sequential, artifact.summary.stop
    assert sequential is not None and stop is not None and sequential.decision == "passed"
    # Prompts finished beyond the decision are kept in the artifact; the decision counts the ordered prefix.
    assert sequential.seen <= len(artifact.cases) <= sequential.seen + 2 * workers


def test_a_budget_reached_before_the_decision_says_what_is_still_undecided() -> None:
    settings = SequentialSettings(fail_under=0.5, alpha=0.05)
    inputs = make_inputs(CORE, variants_per_prompt=2, max_calls=6, until_decided=settings)
    artifact = run_baseline(inputs, runner_for(FakeEngine()))
    stop, sequential = artifact.summary.stop, artifact.summary.sequential
    assert stop is not None and sequential is not None and stop.reason == "max_calls"
    assert sequential.decision == "undecided" and sequential.decided_at is None
    assert "robustness >= 0.5 still undecided at alpha 0.05 ([" in stop.message
    assert sequential.low <= sequential.high
