"""The code baseline's schema history: older artifacts still read, a newer one is refused."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from tests.conftest import REPO
from tokdrift_cli.artifacts.code_baseline import CodeBaselineArtifact
from tokdrift_cli.artifacts.io import read_artifact
from tokdrift_cli.errors import ArtifactError

COMMITTED = sorted((REPO / "baselines").glob("code_*.json"))


@pytest.mark.parametrize("path", COMMITTED, ids=[path.name for path in COMMITTED])
def test_committed_code_baselines_read_and_say_their_sandbox_was_not_recorded(path: Path) -> None:
    raw = orjson.loads(path.read_bytes())
    artifact = read_artifact(path, CodeBaselineArtifact)
    assert artifact.schema_version == CodeBaselineArtifact.SCHEMA_VERSION == 4
    assert artifact.summary.decoding is None and artifact.summary.cost is None  # not recorded before schema 4
    expected = raw["summary"].get("sandbox", "unrecorded") if raw["schema_version"] >= 2 else "unrecorded"
    assert artifact.summary.sandbox == expected


def test_a_schema_1_artifact_is_migrated_and_a_future_one_refused(tmp_path: Path) -> None:
    raw = orjson.loads((REPO / "baselines" / "code_ir_to_code_templated.json").read_bytes())
    raw["schema_version"] = 1
    raw["summary"].pop("sandbox", None)
    old = tmp_path / "old.json"
    old.write_bytes(orjson.dumps(raw))
    assert read_artifact(old, CodeBaselineArtifact).summary.sandbox == "unrecorded"
    raw["schema_version"] = 5
    future = tmp_path / "future.json"
    future.write_bytes(orjson.dumps(raw))
    with pytest.raises(ArtifactError, match="newer than this tokdrift understands"):
        read_artifact(future, CodeBaselineArtifact)


@pytest.mark.parametrize("path", COMMITTED, ids=[path.name for path in COMMITTED])
def test_committed_code_baselines_read_with_their_failure_share(path: Path) -> None:
    artifact = read_artifact(path, CodeBaselineArtifact)
    generations = artifact.generations()
    failed = sum(1 for generation in generations if not generation.ok)
    assert failed == artifact.summary.failed_generations
    assert artifact.summary.failure_share == pytest.approx(failed / len(generations))
    # The embedded model's code answers fail to parse at most a quarter of the time: no committed run is over.
    assert artifact.summary.failure_share < 0.25 and not artifact.summary.failure_limit_exceeded
