"""The header every artifact starts with."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from tokdrift_cli import __version__
from tokdrift_cli.core.redaction import redact_optional_url

# An endpoint URL as a config holds it: as given in memory (it calls the model), with any credential
# masked whenever it is dumped (the artifact, the resume fingerprint, --format json).
EndpointUrl = Annotated[str | None, PlainSerializer(redact_optional_url, return_type=str | None)]


class InputFile(BaseModel):
    """A file an artifact was made from, so a reader can tell if it changed since."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: str
    path: str
    sha256: str


class Provenance(BaseModel):
    """What produced the numbers: which model, which program, which data, which seed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model_id: str | None = None
    model_fingerprint: str | None = None
    program_hash: str | None = None
    suite_hash: str | None = None
    seed: int | None = None


class Artifact(BaseModel):
    """Base of every artifact model; subclasses set ``KIND`` and ``SCHEMA_VERSION``."""

    model_config = ConfigDict(extra="forbid")

    KIND: ClassVar[str]
    SCHEMA_VERSION: ClassVar[int]

    kind: str
    schema_version: int
    tool_version: str = __version__
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    inputs: list[InputFile] = Field(default_factory=list)
    provenance: Provenance = Field(default_factory=Provenance)


def input_file(role: str, path: Path, sha256: str) -> InputFile:
    return InputFile(role=role, path=str(path), sha256=sha256)
