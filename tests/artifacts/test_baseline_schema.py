"""The baseline's schema history: schema-1 artifacts read with their failure share, a newer one is refused."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from tests.conftest import REPO
from tokdrift_cli.artifacts.baseline import BaselineArtifact
from tokdrift_cli.artifacts.io import read_artifact
from tokdrift_cli.errors import ArtifactError

COMMITTED = sorted(path for path in (REPO / "baselines").glob("*.json") if b'"kind": "baseline"' in path.read_bytes())


@pytest.mark.parametrize("path", COMMITTED, ids=[path.name for path in COMMITTED])
def test_committed_baselines_read_with_their_failure_share(path: Path) -> None:
    artifact = read_artifact(path, BaselineArtifact)
    generations = artifact.generations()
    failed = sum(1 for generation in generations if not generation.ok)
    assert artifact.schema_version == BaselineArtifact.SCHEMA_VERSION == 3
    assert artifact.summary.sensitivity is None  # made before controls: not measured, never 0
    assert artifact.summary.failure_share == pytest.approx(failed / len(generations))
    assert artifact.summary.failure_limit_exceeded is False


def test_a_schema_1_artifact_with_many_failures_reads_as_over_the_limit(tmp_path: Path) -> None:
    raw = orjson.loads((REPO / "baselines" / "baseline_core_local.json").read_bytes())
    assert raw["schema_version"] == 1
    total = raw["summary"]["schema_valid"]["n"]
    raw["summary"]["failed_generations"] = total  # as if every generation had failed
    old = tmp_path / "old.json"
    old.write_bytes(orjson.dumps(raw))
    summary = read_artifact(old, BaselineArtifact).summary
    assert summary.failure_share == 1.0 and summary.failure_limit_exceeded
    raw["schema_version"] = BaselineArtifact.SCHEMA_VERSION + 1
    future = tmp_path / "future.json"
    future.write_bytes(orjson.dumps(raw))
    with pytest.raises(ArtifactError, match="newer than this tokdrift understands"):
        read_artifact(future, BaselineArtifact)
