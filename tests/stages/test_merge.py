"""Shards of a baseline merge into what one unsharded run gives, case by case; bad sets are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes import FakeEngine, WordingEngine
from tests.stages.test_baseline import make_inputs, runner_for
from tokdrift_cli.artifacts.baseline import BaselineArtifact, CaseResult
from tokdrift_cli.core.equivalence import Outcome
from tokdrift_cli.core.suite import default_suite_path
from tokdrift_cli.errors import InputError
from tokdrift_cli.stages.baseline import run_baseline
from tokdrift_cli.stages.merge import ShardFile, merge_shards


def _without_latency(case: CaseResult) -> dict[str, object]:
    data = case.model_dump(mode="json")
    data["original"].pop("latency_s")
    for variant in data["variants"]:
        variant["generation"].pop("latency_s")
    return data


def _run(suite_path: Path, **config: object) -> BaselineArtifact:
    # "please" makes the fake engine drift, so the merged figures are not trivially 100%.
    return run_baseline(make_inputs(suite_path, **config), runner_for(FakeEngine()))


@pytest.fixture(scope="module")
def sharded() -> tuple[BaselineArtifact, list[ShardFile]]:
    suite = default_suite_path()
    whole = _run(suite, limit=12, variants_per_prompt=2)
    shards = [ShardFile(f"s{k}.json", _run(suite, limit=12, variants_per_prompt=2, shard=f"{k}/3")) for k in (1, 2, 3)]
    return whole, shards


def test_merged_shards_equal_the_unsharded_run(sharded) -> None:  # type: ignore[no-untyped-def]
    whole, shards = sharded
    assert all(0 < len(s.artifact.cases) < len(whole.cases) for s in shards)
    merged = merge_shards(list(reversed(shards)), make_inputs(default_suite_path()).suite)
    assert [c.case_id for c in merged.cases] == [c.case_id for c in whole.cases]
    assert [_without_latency(c) for c in merged.cases] == [_without_latency(c) for c in whole.cases]
    assert merged.config == whole.config
    assert merged.summary.robustness == whole.summary.robustness
    assert merged.summary.accuracy == whole.summary.accuracy
    assert merged.summary.fragile_cases == whole.summary.fragile_cases
    assert merged.summary.per_rule == whole.summary.per_rule
    assert merged.summary.lm_calls == sum(s.artifact.summary.lm_calls for s in shards) == whole.summary.lm_calls


def test_merged_shards_recompute_the_undecided_shares_identically() -> None:
    suite = default_suite_path()
    settings = {"limit": 12, "variants_per_prompt": 5}
    engine = WordingEngine(keep_please=True, reworded=0.5)  # same, different and undecided, all three
    whole = run_baseline(make_inputs(suite, **settings), runner_for(engine))
    outcomes = {variant.outcome for case in whole.cases for variant in case.variants}
    assert outcomes == {Outcome.SAME, Outcome.DIFFERENT, Outcome.UNDECIDED}
    shards = [
        ShardFile(f"s{k}.json", run_baseline(make_inputs(suite, shard=f"{k}/3", **settings), runner_for(engine)))
        for k in (1, 2, 3)
    ]
    merged = merge_shards(shards, make_inputs(suite).suite)
    fields = {"lm_calls", "wall_time_s", "resumed_generations", "median_latency_s"}
    assert merged.summary.model_dump(exclude=fields) == whole.summary.model_dump(exclude=fields)
    assert merged.summary.undecided_share.successes > 0
    assert [c.undecided_share for c in merged.cases] == [c.undecided_share for c in whole.cases]


def test_a_missing_or_repeated_shard_is_refused(sharded) -> None:  # type: ignore[no-untyped-def]
    _, shards = sharded
    suite = make_inputs(default_suite_path()).suite
    with pytest.raises(InputError, match="missing shard.*2/3"):
        merge_shards([shards[0], shards[2]], suite)
    with pytest.raises(InputError, match="given twice"):
        merge_shards([shards[0], shards[0], shards[1], shards[2]], suite)
    with pytest.raises(InputError, match="nothing to merge"):
        merge_shards([], suite)


def test_shards_of_different_runs_are_refused(sharded) -> None:  # type: ignore[no-untyped-def]
    whole, shards = sharded
    suite = make_inputs(default_suite_path()).suite
    other_seed = shards[1].artifact.model_copy(
        update={"config": shards[1].artifact.config.model_copy(update={"seed": 7})}
    )
    with pytest.raises(InputError, match="another config.*seed"):
        merge_shards([shards[0], ShardFile("x.json", other_seed), shards[2]], suite)
    other_model = shards[1].artifact.model_copy(
        update={"provenance": shards[1].artifact.provenance.model_copy(update={"model_id": "other"})}
    )
    with pytest.raises(InputError, match="another model"):
        merge_shards([shards[0], ShardFile("x.json", other_model), shards[2]], suite)
    with pytest.raises(InputError, match="not a shard"):
        merge_shards([ShardFile("whole.json", whole)], suite)
    other_split = shards[1].artifact.model_copy(
        update={"config": shards[1].artifact.config.model_copy(update={"shard": "2/4"})}
    )
    with pytest.raises(InputError, match="differently"):
        merge_shards([shards[0], ShardFile("x.json", other_split), shards[2]], suite)


def test_a_shard_holding_other_cases_is_refused(sharded) -> None:  # type: ignore[no-untyped-def]
    _, shards = sharded
    suite = make_inputs(default_suite_path()).suite
    tampered = shards[1].artifact.model_copy(update={"cases": shards[1].artifact.cases[:-1]})
    with pytest.raises(InputError, match="does not hold the cases of shard 2/3"):
        merge_shards([shards[0], ShardFile("x.json", tampered), shards[2]], suite)


def test_shards_from_another_checkout_merge_but_not_from_another_version(sharded) -> None:  # type: ignore[no-untyped-def]
    whole, shards = sharded
    suite = make_inputs(default_suite_path()).suite
    moved = shards[1].artifact.model_copy(
        update={"config": shards[1].artifact.config.model_copy(update={"suite": "/elsewhere/core.jsonl"})}
    )
    merged = merge_shards([shards[0], ShardFile("moved.json", moved), shards[2]], suite)
    assert [c.case_id for c in merged.cases] == [c.case_id for c in whole.cases]
    older = shards[1].artifact.model_copy(update={"tool_version": "0.0.1"})
    with pytest.raises(InputError, match="made by tokdrift 0.0.1"):
        merge_shards([shards[0], ShardFile("old.json", older), shards[2]], suite)


def test_merged_shards_count_what_the_judge_cost_in_every_shard() -> None:
    from tests.fakes import fake_lm
    from tests.workflows.test_judge_run import SameJudgeEngine
    from tokdrift_cli.programs.judge import DspyTextJudge

    suite = default_suite_path()
    settings = {"limit": 6, "variants_per_prompt": 2, "judge_model": "judge"}

    def shard(k: int) -> ShardFile:
        judge = DspyTextJudge(fake_lm(SameJudgeEngine()), model_id="local/judge")
        artifact = run_baseline(
            make_inputs(suite, shard=f"{k}/2", **settings), runner_for(WordingEngine()), judge=judge
        )
        return ShardFile(f"s{k}.json", artifact)

    shards = [shard(1), shard(2)]
    judged = [s.artifact.summary.judge for s in shards]
    assert all(j is not None and j.questions > 0 for j in judged)
    merged = merge_shards(shards, make_inputs(suite).suite).summary.judge
    assert merged is not None and merged.model_id == "local/judge"
    assert merged.questions == sum(j.questions for j in judged if j is not None)
    assert merged.lm_calls == sum(j.lm_calls for j in judged if j is not None) > 0
    plain = [ShardFile(f"p{k}.json", _run(suite, limit=4, shard=f"{k}/2")) for k in (1, 2)]
    assert merge_shards(plain, make_inputs(suite).suite).summary.judge is None
