"""Validate from paths: read the baselines, call the stage, write the validation artifact."""

from __future__ import annotations

from pathlib import Path

from tokdrift_cli.artifacts.baseline import BaselineArtifact
from tokdrift_cli.artifacts.header import input_file
from tokdrift_cli.artifacts.io import read_artifact, sha256_file, write_artifact
from tokdrift_cli.artifacts.outputs import claim_outputs
from tokdrift_cli.artifacts.validation import ValidationArtifact
from tokdrift_cli.core.gates import GateSettings
from tokdrift_cli.stages.validate import validate_baselines


def run_validate(
    before_path: Path | None,
    after_path: Path,
    output: Path | None,
    settings: GateSettings,
    *,
    allow_mismatch: bool = False,
    seed: int = 0,
) -> ValidationArtifact:
    """Compare ``before_path`` (optional) with ``after_path`` and write the result to ``output``.

    The artifact is written whatever the verdict (a failed gate is a result, not an error);
    a refused pairing or unreadable input raises before anything is written.
    """
    sources = [("the --after baseline", after_path)]
    if before_path is not None:
        sources.append(("the --before baseline", before_path))
    with claim_outputs([("--output", output)] if output is not None else [], sources):
        before = read_artifact(before_path, BaselineArtifact) if before_path is not None else None
        after = read_artifact(after_path, BaselineArtifact)
        inputs = []
        if before_path is not None:
            inputs.append(input_file("before", before_path, sha256_file(before_path)))
        inputs.append(input_file("after", after_path, sha256_file(after_path)))
        validation = validate_baselines(
            before, after, settings, allow_mismatch=allow_mismatch, seed=seed, inputs=inputs
        )
        if output is not None:
            write_artifact(output, validation)
    return validation
