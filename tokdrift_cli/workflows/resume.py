"""Resume rules shared by the run workflows: what a finished output must match to be reused."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel

from tokdrift_cli.artifacts.checkpoint import fingerprint, setting_differences
from tokdrift_cli.artifacts.header import Artifact, Provenance
from tokdrift_cli.artifacts.io import read_artifact
from tokdrift_cli.errors import ArtifactError, CheckpointMismatchError, InputError


class _RunArtifact(Protocol):
    config: BaseModel
    provenance: Provenance


RunArtifactT = TypeVar("RunArtifactT", bound=Artifact)

# Settings that select, add or judge units without changing them: earlier units stay reusable.
# controls only adds generations, each keyed by its own text, so adding controls to a finished
# run reuses all of its generations; judge_model judges them again (the config still records it, so
# a finished output made without it or with another is not up to date).
SELECTING_SETTINGS = frozenset(
    {"limit", "fragile_threshold", "max_failure_share", "controls", "judge_model", "until_decided", "max_calls"}
)


def resume_settings(
    config: BaseModel,
    model_id: str | None,
    program_hash: str,
    *,
    ignore: Collection[str] = SELECTING_SETTINGS,
    **also: Any,
) -> dict[str, Any]:
    """What must match for earlier units to be reused: the config but ``ignore``, the model, the program,
    and whatever else ``also`` names.

    The shard counts: two shards writing to the same output must not take each other's file.
    """
    # exclude_defaults: a setting added in a later version, left at its default,
    # must not make older checkpoints and outputs look foreign.
    settings = config.model_dump(mode="json", exclude=set(ignore), exclude_defaults=True)
    return {"config": settings, "model_id": model_id, "program_hash": program_hash, **also}


def resume_fingerprint(
    config: BaseModel,
    model_id: str | None,
    program_hash: str,
    *,
    ignore: Collection[str] = SELECTING_SETTINGS,
    **also: Any,
) -> str:
    """The hash of :func:`resume_settings`: equal fingerprints, reusable units."""
    return fingerprint(resume_settings(config, model_id, program_hash, ignore=ignore, **also))


def stored_alike(previous: BaseModel, current: BaseModel) -> bool:
    """Equal as an artifact stores them: a credential in an endpoint URL is masked in both."""
    return previous.model_dump(mode="json") == current.model_dump(mode="json")


def previous_output(
    output: Path, kind: type[RunArtifactT], expected: str, restart: bool, settings: dict[str, Any] | None = None
) -> RunArtifactT | None:
    """A finished artifact at ``output`` made with the same config (refuses one made otherwise)."""
    if restart or not output.exists():
        return None
    try:
        previous = read_artifact(output, kind)
    except ArtifactError as error:
        raise InputError(f"{error}; choose another --output or pass --restart to overwrite it") from None
    run: _RunArtifact = previous  # type: ignore[assignment]
    recorded = resume_settings(run.config, run.provenance.model_id, run.provenance.program_hash or "")
    if fingerprint(recorded) != expected:
        raise CheckpointMismatchError(
            f"{output} holds a {kind.KIND.replace('_', ' ')} made",
            "choose another --output or pass --restart to overwrite it",
            setting_differences(recorded, settings) if settings is not None else [],
        )
    return previous
