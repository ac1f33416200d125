"""The baseline's schema history: schema-1 artifacts read with their failure share, a newer one is refused."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from tests.conftest import REPO
from tokdrift_cli.artifacts.baseline import BaselineArtifact, VariantResult
from tokdrift_cli.artifacts.io import read_artifact
from tokdrift_cli.core.equivalence import Outcome
from tokdrift_cli.errors import ArtifactError
from tokdrift_cli.stages.scoring import summarize

COMMITTED = sorted(path for path in (REPO / "baselines").glob("*.json") if b'"kind": "baseline"' in path.read_bytes())
# Written as schema 1 (before failure shares, controls and undecided verdicts): read through the migrations.
# The core test split's default-program run as tokdrift 0.1.0 wrote it; baselines/ now holds it rescored.
OLD_BASELINE = REPO / "tests" / "data" / "baseline_schema1.json"
SCHEMA_1 = [OLD_BASELINE]


@pytest.mark.parametrize("path", SCHEMA_1, ids=[path.name for path in SCHEMA_1])
def test_committed_baselines_read_with_their_failure_share(path: Path) -> None:
    artifact = read_artifact(path, BaselineArtifact)
    generations = artifact.generations()
    failed = sum(1 for generation in generations if not generation.ok)
    assert artifact.schema_version == BaselineArtifact.SCHEMA_VERSION == 4
    assert artifact.summary.decoding is None and artifact.summary.cost is None  # not recorded before schema 4
    assert artifact.summary.sensitivity is None  # made before controls: not measured, never 0
    assert artifact.summary.failure_share == pytest.approx(failed / len(generations))
    assert artifact.summary.failure_limit_exceeded is False


def test_a_schema_1_artifact_with_many_failures_reads_as_over_the_limit(tmp_path: Path) -> None:
    raw = orjson.loads(OLD_BASELINE.read_bytes())
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


@pytest.mark.parametrize("path", SCHEMA_1, ids=[path.name for path in SCHEMA_1])
def test_committed_baselines_read_exactly_as_before_with_an_undecided_share_of_0(path: Path) -> None:
    raw = orjson.loads(path.read_bytes())
    artifact = read_artifact(path, BaselineArtifact)
    stored_variants = [variant for case in raw["cases"] for variant in case["variants"]]
    variants = [variant for case in artifact.cases for variant in case.variants]
    assert [v.robust for v in variants] == [v["robust"] for v in stored_variants]
    assert all(v.outcome is not Outcome.UNDECIDED for v in variants)
    compared = sum(1 for v in variants if v.versus_original is not None)
    summary = artifact.summary
    assert (summary.undecided_share.successes, summary.undecided_share.n) == (0, compared)
    assert summary.robustness.model_dump() == raw["summary"]["robustness"]
    rescored = summarize(artifact.cases, fragile_threshold=summary.fragile_threshold, wall_time_s=0.0,
                         resumed_generations=0, lm_calls=0)
    for name in ("robustness", "undecided_share", "per_rule", "per_family", "per_group", "per_category"):
        assert getattr(rescored, name) == getattr(summary, name), name
    for case, stored in zip(artifact.cases, raw["cases"], strict=True):
        assert case.robustness.model_dump() == stored["robustness"]
        assert case.undecided_share.successes == 0


def test_a_variant_recorded_as_a_flip_with_an_undecided_comparison_reads_as_undecided() -> None:
    raw = orjson.loads(OLD_BASELINE.read_bytes())
    variant = next(v for case in raw["cases"] for v in case["variants"] if v["versus_original"])
    comparison = {**variant["versus_original"]}
    comparison.pop("equivalent")
    comparison.update({"outcome": "undecided", "undecided_fields": ["intent"], "differing_fields": []})
    read = VariantResult.model_validate({**variant, "versus_original": comparison, "robust": False})
    assert read.outcome is Outcome.UNDECIDED and read.robust is None
    with pytest.raises(ValueError, match="contradicts"):
        VariantResult.model_validate({**variant, "outcome": "undecided", "robust": False})


def test_a_schema_1_baseline_is_kept_and_the_committed_ones_are_current() -> None:
    assert orjson.loads(OLD_BASELINE.read_bytes())["schema_version"] == 1
    current = COMMITTED
    assert current, "the core baseline is committed in the current schema"
    with_controls = 0
    for path in current:
        artifact = read_artifact(path, BaselineArtifact)
        stored = orjson.loads(path.read_bytes())
        # Schema 3 (before decoding and cost were recorded) or the current one.
        assert stored["schema_version"] in (3, BaselineArtifact.SCHEMA_VERSION)
        # Made with controls: sensitivity measured; without: none claimed. Read back exactly as written
        # (schema 3: with the decoding and cost it did not record read as None).
        if artifact.config.controls:
            with_controls += 1
            assert artifact.summary.sensitivity is not None and artifact.summary.sensitivity.n > 0
        else:
            assert artifact.summary.sensitivity is None and artifact.summary.controls == 0
        expected = stored["summary"]
        if stored["schema_version"] == 3:
            expected = {**expected, "decoding": None, "cost": None}
        assert artifact.model_dump(mode="json")["summary"] == expected
    assert with_controls, "the core baseline is committed with controls"
