"""Load an optimized program written by ``tokdrift optimize``."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import orjson

from tokdrift_cli.artifacts.io import read_artifact
from tokdrift_cli.artifacts.program import ProgramArtifact
from tokdrift_cli.errors import ArtifactError


def signature_hash(module: Any) -> str:
    """A hash of the program's shape: predictor names, field names and types (not instructions or demos).

    Optimizers change instructions and demos; a different shape means the saved
    state would be loaded into the wrong program.
    """
    shape = []
    for name, predictor in module.named_predictors():
        fields = []
        for field_name, field in predictor.signature.fields.items():
            annotation = field.annotation
            schema = annotation.model_json_schema() if hasattr(annotation, "model_json_schema") else str(annotation)
            fields.append([field_name, schema])
        shape.append([name, fields])
    return hashlib.sha256(orjson.dumps(shape, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]


def load_program_artifact(path: Path) -> ProgramArtifact:
    return read_artifact(path, ProgramArtifact)


def build_program_from_artifact(artifact: ProgramArtifact, *, source: str) -> Any:
    from tokdrift_cli.programs.ir_generator import IRGenerator

    module = IRGenerator()
    expected = signature_hash(module)
    if artifact.signature_hash != expected:
        raise ArtifactError(
            f"{source} was optimized for a program of another shape (signature {artifact.signature_hash}, "
            f"this tokdrift's is {expected}); re-run `tokdrift optimize`"
        )
    module.load_state(artifact.state)
    return module


def load_program_file(path: Path) -> Any:
    return build_program_from_artifact(load_program_artifact(path), source=str(path))
