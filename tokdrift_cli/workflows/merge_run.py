"""`merge`: read baseline shards, put them together, write one baseline artifact."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tokdrift_cli.artifacts.baseline import BaselineArtifact
from tokdrift_cli.artifacts.io import read_artifact, write_artifact
from tokdrift_cli.artifacts.outputs import claim_outputs
from tokdrift_cli.errors import InputError
from tokdrift_cli.stages.merge import ShardFile, merge_shards
from tokdrift_cli.workflows.recorded_suite import recorded_suite


def run_merge(paths: Sequence[Path], output: Path, suite_path: Path | None = None) -> BaselineArtifact:
    """Merge the shard files at ``paths`` into ``output``; the suite gives the case order and is checked."""
    inputs = [("a shard", path) for path in paths] + ([("the input suite", suite_path)] if suite_path else [])
    with claim_outputs([("--output", output)], inputs):
        shards = [ShardFile(str(path), read_artifact(path, BaselineArtifact)) for path in paths]
        if not shards:
            raise InputError("nothing to merge: give the shard artifacts made with baseline --shard K/N")
        suite = recorded_suite(shards[0].artifact.config.suite, suite_path, [("--output", output)], "the shards'")
        merged = merge_shards(shards, suite)
        write_artifact(output, merged)
    return merged
