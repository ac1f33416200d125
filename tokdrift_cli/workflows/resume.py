"""Resume rules shared by the baseline workflows: what a finished output must match to be reused."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, TypeVar

from pydantic import BaseModel

from tokdrift_cli.artifacts.baseline import BaselineArtifact
from tokdrift_cli.artifacts.checkpoint import fingerprint
from tokdrift_cli.artifacts.header import Artifact, Provenance
from tokdrift_cli.artifacts.io import read_artifact
from tokdrift_cli.core.records import Generation
from tokdrift_cli.errors import ArtifactError, CheckpointMismatchError, InputError
from tokdrift_cli.stages.baseline import unit_key


class _RunArtifact(Protocol):
    config: BaseModel
    provenance: Provenance


RunArtifactT = TypeVar("RunArtifactT", bound=Artifact)


def resume_fingerprint(config: BaseModel, model_id: str | None, program_hash: str) -> str:
    """What must match for earlier generations to be reused (not: limit, which only selects cases).

    The shard counts: two shards writing to the same output must not take each other's file.
    """
    # exclude_defaults: a setting added in a later version, left at its default,
    # must not make older checkpoints and outputs look foreign.
    settings = config.model_dump(mode="json", exclude={"limit", "fragile_threshold"}, exclude_defaults=True)
    return fingerprint({"config": settings, "model_id": model_id, "program_hash": program_hash})


def previous_output(output: Path, kind: type[RunArtifactT], expected: str, restart: bool) -> RunArtifactT | None:
    """A finished artifact at ``output`` made with the same config (refuses one made otherwise)."""
    if restart or not output.exists():
        return None
    try:
        previous = read_artifact(output, kind)
    except ArtifactError as error:
        raise InputError(f"{error}; choose another --output or pass --restart to overwrite it") from None
    run: _RunArtifact = previous  # type: ignore[assignment]
    found = resume_fingerprint(run.config, run.provenance.model_id, run.provenance.program_hash or "")
    if found != expected:
        raise CheckpointMismatchError(
            f"{output} holds a {kind.KIND.replace('_', ' ')} made with a different config; choose another --output "
            "or pass --restart to overwrite it"
        )
    return previous


def reusable_generations(previous: BaselineArtifact | None) -> dict[str, Generation]:
    """Every IR generation of a finished IR-stage baseline, keyed as its checkpoint keys them."""
    if previous is None:
        return {}
    reusable = {}
    for case in previous.cases:
        reusable[unit_key(case.case_id, case.prompt)] = case.original
        for variant in case.variants:
            reusable[unit_key(case.case_id, variant.text)] = variant.generation
    return reusable
