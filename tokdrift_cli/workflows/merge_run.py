"""`merge`: read baseline shards, put them together, write one baseline artifact."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tokdrift_cli.artifacts.baseline import BaselineArtifact
from tokdrift_cli.artifacts.io import read_artifact, write_artifact
from tokdrift_cli.artifacts.outputs import check_outputs, claim_outputs
from tokdrift_cli.core.suite import load_suite
from tokdrift_cli.errors import InputError
from tokdrift_cli.stages.merge import ShardFile, merge_shards


def run_merge(paths: Sequence[Path], output: Path, suite_path: Path | None = None) -> BaselineArtifact:
    """Merge the shard files at ``paths`` into ``output``; the suite gives the case order and is checked."""
    inputs = [("a shard", path) for path in paths] + ([("the input suite", suite_path)] if suite_path else [])
    with claim_outputs([("--output", output)], inputs):
        shards = [ShardFile(str(path), read_artifact(path, BaselineArtifact)) for path in paths]
        if not shards:
            raise InputError("nothing to merge: give the shard artifacts made with baseline --shard K/N")
        suite_file = suite_path or Path(shards[0].artifact.config.suite)
        check_outputs([("--output", output)], [("the shards' suite", suite_file)])
        if not suite_file.exists():
            raise InputError(f"the shards' suite {suite_file} is not here; pass --suite PATH")
        merged = merge_shards(shards, load_suite(suite_file))
        write_artifact(output, merged)
    return merged
