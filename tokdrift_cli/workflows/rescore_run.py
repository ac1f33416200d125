"""`rescore`: read a baseline and its suite, judge every stored answer again, write a new baseline."""

from __future__ import annotations

from pathlib import Path

from tokdrift_cli.artifacts.baseline import BaselineArtifact
from tokdrift_cli.artifacts.header import InputFile
from tokdrift_cli.artifacts.io import read_artifact, sha256_file, write_artifact
from tokdrift_cli.artifacts.outputs import claim_outputs
from tokdrift_cli.stages.rescore import RESCORED_ROLE, rescore_baseline
from tokdrift_cli.workflows.recorded_suite import recorded_suite


def run_rescore(path: Path, output: Path, suite_path: Path | None = None) -> BaselineArtifact:
    """Rescore the baseline at ``path`` into ``output``; the suite gives each case's gold and is checked."""
    inputs = [("the input baseline", path)] + ([("the input suite", suite_path)] if suite_path else [])
    with claim_outputs([("--output", output)], inputs):
        artifact = read_artifact(path, BaselineArtifact)
        suite = recorded_suite(artifact.config.suite, suite_path, [("--output", output)], "the baseline's")
        source = InputFile(role=RESCORED_ROLE, path=str(path), sha256=sha256_file(path))
        rescored = rescore_baseline(artifact, suite, source)
        write_artifact(output, rescored)
    return rescored
