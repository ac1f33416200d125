"""Merge baseline shards (``baseline --shard K/N``) into the artifact an unsharded run makes.

Every case comes from exactly one shard and is copied as it is; the summary is
recomputed from the cases with the same code as a baseline run, so the merged
figures are those of one run over all the cases. Shards must agree on
everything but the shard (config, model, program, suite), and all N must be
there: a partial merge would pass for a whole run.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from tokdrift_cli.artifacts.baseline import BaselineArtifact, BaselineSummary, CaseResult, JudgeSummary
from tokdrift_cli.core.records import CallCost
from tokdrift_cli.core.shards import Shard, parse_shard
from tokdrift_cli.core.suite import Suite
from tokdrift_cli.errors import InputError
from tokdrift_cli.stages.baseline import select_cases
from tokdrift_cli.stages.scoring import summarize


@dataclass(frozen=True)
class ShardFile:
    """A shard artifact and where it was read from (for error messages)."""

    name: str
    artifact: BaselineArtifact


def merge_shards(shards: Sequence[ShardFile], suite: Suite) -> BaselineArtifact:
    if not shards:
        raise InputError("nothing to merge: give the shard artifacts made with baseline --shard K/N")
    first = shards[0]
    parsed = [_shard_of(item) for item in shards]
    _check_same_run(shards)
    _check_complete(shards, parsed)
    if first.artifact.provenance.suite_hash not in (None, suite.sha256):
        raise InputError(f"the shards were made on another version of the suite {suite.path}; pass --suite")
    whole = select_cases(suite, first.artifact.config, whole=True)
    by_id: dict[str, CaseResult] = {}
    for item, shard in zip(shards, parsed, strict=True):
        expected_ids = [case.id for case in shard.select(whole, key=lambda case: case.id)]
        found_ids = [case.case_id for case in item.artifact.cases]
        if found_ids != expected_ids:
            raise InputError(f"{item.name} does not hold the cases of shard {shard} of this suite; re-run that shard")
        by_id.update((case.case_id, case) for case in item.artifact.cases)
    cases = [by_id[case.id] for case in whole]
    summaries = [item.artifact.summary for item in shards]
    summary = summarize(
        cases,
        fragile_threshold=first.artifact.config.fragile_threshold,
        max_failure_share=first.artifact.config.max_failure_share,
        # The compute spent over all shards (they may have run side by side).
        wall_time_s=sum(s.wall_time_s for s in summaries),
        resumed_generations=sum(s.resumed_generations for s in summaries),
        lm_calls=sum(s.lm_calls for s in summaries),
        judge=_judged_together(summaries),
    )
    costs = [s.cost for s in summaries if s.cost is not None]
    decodings = [s.decoding for s in summaries if s.decoding is not None]
    summary = summary.model_copy(update={
        # The shards' decoding as the first recorded it (one config); their costs added up.
        "decoding": decodings[0] if decodings else None,
        "cost": functools.reduce(CallCost.plus, costs) if costs else None,
    })
    return BaselineArtifact(
        tool_version=first.artifact.tool_version,
        inputs=first.artifact.inputs,
        provenance=first.artifact.provenance,
        config=first.artifact.config.model_copy(update={"shard": None}),
        cases=cases,
        summary=summary,
    )


def _shard_of(item: ShardFile) -> Shard:
    if item.artifact.config.shard is None:
        raise InputError(f"{item.name} is not a shard (it was made without --shard K/N)")
    return parse_shard(item.artifact.config.shard)


def _check_same_run(shards: Sequence[ShardFile]) -> None:
    reference = shards[0]
    # The suite's path may differ between machines; its content is checked by hash (provenance).
    expected_config = reference.artifact.config.model_dump(exclude={"shard", "suite"})
    for item in shards[1:]:
        if item.artifact.tool_version != reference.artifact.tool_version:
            raise InputError(
                f"{item.name} was made by tokdrift {item.artifact.tool_version}, {reference.name} by "
                f"{reference.artifact.tool_version}; re-run the shards with one version"
            )
        config = item.artifact.config.model_dump(exclude={"shard", "suite"})
        differing = sorted(key for key in expected_config if config.get(key) != expected_config[key])
        if differing:
            raise InputError(
                f"{item.name} was made with another config than {reference.name} ({', '.join(differing)} differ)"
            )
        if item.artifact.provenance != reference.artifact.provenance:
            raise InputError(f"{item.name} was made with another model, program or suite than {reference.name}")


def _check_complete(shards: Sequence[ShardFile], parsed: Sequence[Shard]) -> None:
    counts = {shard.count for shard in parsed}
    if len(counts) > 1:
        raise InputError(f"the shards split the suite differently (N = {', '.join(map(str, sorted(counts)))})")
    count = counts.pop()
    seen: dict[int, str] = {}
    for item, shard in zip(shards, parsed, strict=True):
        if shard.index in seen:
            raise InputError(f"shard {shard} given twice: {seen[shard.index]} and {item.name}")
        seen[shard.index] = item.name
    missing = [f"{index}/{count}" for index in range(1, count + 1) if index not in seen]
    if missing:
        raise InputError(f"missing shard(s) {', '.join(missing)}: a merge needs all {count}")


def _judged_together(summaries: Sequence[BaselineSummary]) -> JudgeSummary | None:
    """What the judge cost over all shards (one config, so all had the same judge or none)."""
    judged = [summary.judge for summary in summaries if summary.judge is not None]
    return functools.reduce(JudgeSummary.plus, judged) if judged else None
