"""Atomic, versioned reading and writing of artifacts.

A reader refuses the wrong kind and any schema newer than it knows, with a
message that says what to do; older schemas are migrated step by step.
Writes go to a temp file that is renamed into place (:mod:`tokdrift_cli.artifacts.atomic`), so an
interrupted write never leaves half a file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import orjson
from pydantic import ValidationError

from tokdrift_cli.artifacts.atomic import write_bytes_atomic
from tokdrift_cli.artifacts.header import Artifact
from tokdrift_cli.core.files import read_input
from tokdrift_cli.core.ir import describe_validation_error
from tokdrift_cli.errors import ArtifactError

ArtifactT = TypeVar("ArtifactT", bound=Artifact)

# kind -> {from_version: step that upgrades a raw dict to from_version + 1}
Migration = Callable[[dict[str, Any]], dict[str, Any]]
MIGRATIONS: dict[str, dict[int, Migration]] = {}


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def dump_artifact(artifact: Artifact) -> bytes:
    return orjson.dumps(artifact.model_dump(mode="json"), option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)


def write_artifact(path: Path, artifact: Artifact) -> None:
    write_bytes_atomic(path, dump_artifact(artifact))


def parse_artifact_data(
    raw: bytes, where: str, *, question: str = "is it a tokdrift artifact?", noun: str = "a tokdrift artifact"
) -> dict[str, Any]:
    """JSON bytes with a tokdrift header (``kind``, ``schema_version``), or a one-line error saying ``where``."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ArtifactError(f"{where} is not valid JSON; {question}") from None
    if not isinstance(data, dict) or "kind" not in data or "schema_version" not in data:
        raise ArtifactError(f"{where} is not {noun} (no kind/schema_version header)")
    return data


def read_raw_artifact(path: Path) -> dict[str, Any]:
    return parse_artifact_data(read_input(path), str(path))


def read_artifact(path: Path, model: type[ArtifactT]) -> ArtifactT:
    """Read ``path`` as ``model``, migrating older schemas and refusing newer ones."""
    return artifact_from_data(read_raw_artifact(path), model, str(path))


def artifact_from_data(data: dict[str, Any], model: type[ArtifactT], where: str) -> ArtifactT:
    """``data`` (one artifact's JSON object, from a file or a line of a JSONL store) as ``model``; ``where``
    names it in messages. Older schemas are migrated, newer ones refused."""
    kind, version = data["kind"], data["schema_version"]
    if kind != model.KIND:
        raise ArtifactError(f"{where} is a {kind!r} artifact, but a {model.KIND!r} artifact is needed here")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:  # JSON true is not 1
        raise ArtifactError(f"{where} has an invalid schema_version {version!r}")
    if version > model.SCHEMA_VERSION:
        raise ArtifactError(
            f"{where} uses {kind} schema {version}, newer than this tokdrift understands "
            f"({model.SCHEMA_VERSION}); upgrade tokdrift to read it"
        )
    steps = MIGRATIONS.get(kind, {})
    while version < model.SCHEMA_VERSION:
        if version not in steps:
            raise ArtifactError(f"{where}: no migration from {kind} schema {version}; re-run the stage that made it")
        data = steps[version](data)
        version += 1
        data["schema_version"] = version
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ArtifactError(f"{where} is a corrupt {kind} artifact: {describe_validation_error(error)}") from None
