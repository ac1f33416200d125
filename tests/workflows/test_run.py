"""The run skeleton: models identified before anything loads, loaded once, released however the run ends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.fakes import FakeEngine, fake_lm
from tokdrift_cli.artifacts.baseline import BaselineArtifact, BaselineConfig
from tokdrift_cli.artifacts.checkpoint import checkpoint_path_for
from tokdrift_cli.artifacts.io import read_artifact
from tokdrift_cli.core.records import Generation
from tokdrift_cli.engines.resolve import ModelIdentity, ModelSettings, ResolvedModel
from tokdrift_cli.workflows.baseline_run import BaselineStage, prepare_baseline
from tokdrift_cli.workflows.run import ModelUse, RunOptions, StageCall, finished_units, run_with_resume


class ClosingEngine(FakeEngine):
    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.closed = 0

    def close(self) -> None:
        self.closed += 1


class Models:
    """Stands in for model identification and loading, and remembers both."""

    def __init__(self) -> None:
        self.identified: list[str] = []
        self.loaded: list[ClosingEngine] = []

    def identify(self, requested: str, settings: ModelSettings) -> ModelIdentity:
        self.identified.append(requested)
        return ModelIdentity(f"local/{requested}", "f00d")

    def resolve(self, requested: str, settings: ModelSettings, identity: ModelIdentity | None = None) -> ResolvedModel:
        assert identity is not None and identity.model_id == f"local/{requested}"  # identified once, not again
        engine = ClosingEngine()
        self.loaded.append(engine)
        return ResolvedModel(requested, identity.model_id, identity.fingerprint, True, fake_lm(engine), engine)


def prepared(suite: Path) -> BaselineStage:
    config = BaselineConfig(
        suite=str(suite), model="fake", program="default", variants_per_prompt=1, seed=0, temperature=0.0,
        max_tokens=256, limit=2,
    )
    return prepare_baseline(config)


class Failing(BaselineStage):
    """The baseline stage, stopped by an error after its first unit is checkpointed."""

    def call(self, call: StageCall[Generation]) -> BaselineArtifact:
        assert call.checkpoint is not None
        call.checkpoint.record("k", Generation(error="x", error_kind="parse", lm_calls=1))
        raise RuntimeError("the stage failed")


def test_a_run_identifies_loads_and_releases_its_model_and_replays_as_up_to_date(
    tmp_path: Path, mini_suite_path: Path
) -> None:
    models, run = Models(), RunOptions(output=tmp_path / "b.json")
    outcome = run_with_resume(prepared(mini_suite_path), run, identify=models.identify, resolve=models.resolve)
    assert not outcome.up_to_date
    assert [engine.closed for engine in models.loaded] == [1]
    assert models.loaded[0].calls > 0
    written = read_artifact(run.output, BaselineArtifact)
    assert written.provenance.model_id == "local/fake" and written.provenance.model_fingerprint == "f00d"
    assert not checkpoint_path_for(run.output).exists()

    again = Models()
    replay = run_with_resume(prepared(mini_suite_path), run, identify=again.identify, resolve=again.resolve)
    assert replay.up_to_date and again.identified == ["fake"] and again.loaded == []
    units = finished_units(prepared(mini_suite_path), run, identify=again.identify)
    assert len(units) == sum(1 + len(case.variants) for case in written.cases)


def test_a_failed_stage_releases_its_model_and_keeps_its_checkpoint(tmp_path: Path, mini_suite_path: Path) -> None:
    models, run = Models(), RunOptions(output=tmp_path / "b.json")
    stage = prepared(mini_suite_path)
    failing = Failing(config=stage.config, suite=stage.suite, models=stage.models, program_hash=stage.program_hash,
                      program=stage.program)
    with pytest.raises(RuntimeError, match="the stage failed"):
        run_with_resume(failing, run, identify=models.identify, resolve=models.resolve)
    assert [engine.closed for engine in models.loaded] == [1]
    assert not run.output.exists()
    assert "k" in finished_units(stage, run, identify=models.identify)  # resumable: the unit is kept
    assert finished_units(stage, RunOptions(output=run.output, restart=True), identify=models.identify) == {}


def test_two_uses_of_one_model_share_one_loaded_model(tmp_path: Path, mini_suite_path: Path) -> None:
    models, run = Models(), RunOptions(output=tmp_path / "b.json")
    stage = prepared(mini_suite_path)
    seen: list[tuple[ResolvedModel, ...]] = []

    class TwoUses(BaselineStage):
        def call(self, call: StageCall[Generation]) -> BaselineArtifact:
            seen.append(call.models)
            return super().call(call)

    use = stage.models[0]
    twice = TwoUses(config=stage.config, suite=stage.suite, models=(use, ModelUse(use.requested, use.settings)),
                    program_hash=stage.program_hash, program=stage.program)
    run_with_resume(twice, run, identify=models.identify, resolve=models.resolve)
    assert models.identified == ["fake"] and len(models.loaded) == 1
    assert seen[0][0] is seen[0][1]
    assert models.loaded[0].closed == 1
