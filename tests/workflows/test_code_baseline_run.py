"""The code-stage workflow: written artifact, up-to-date re-run, refusals."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import FakeEngine
from tests.stages.test_baseline import make_inputs, runner_for
from tokdrift_cli.artifacts.code_baseline import CodeBaselineArtifact, CodeBaselineConfig, CodeStage
from tokdrift_cli.artifacts.header import Provenance
from tokdrift_cli.artifacts.io import read_artifact, write_artifact
from tokdrift_cli.errors import CheckpointMismatchError, InputError
from tokdrift_cli.stages.baseline import run_baseline
from tokdrift_cli.stages.progress import ProgressSink
from tokdrift_cli.workflows.code_baseline_run import _reusable_irs, run_code_baseline_command
from tokdrift_cli.workflows.run import RunOptions


@dataclass(frozen=True)
class CodeRun:
    """A code-stage run as a command makes it: its config, run options and the IR baseline it may reuse."""

    config: CodeBaselineConfig
    run: RunOptions
    from_baseline: Path | None = None

    @property
    def output(self) -> Path:
        return self.run.output


def templated(tmp_path: Path, suite: Path, **overrides: Any) -> CodeRun:
    run = RunOptions(output=tmp_path / "code.json", restart=overrides.pop("restart", False))
    from_baseline = overrides.pop("from_baseline", None)
    values: dict[str, Any] = {"stage": CodeStage.IR_TO_CODE, "suite": str(suite), "code_generator": "templated",
                              "model": "local"}
    return CodeRun(CodeBaselineConfig(**{**values, **overrides}), run, from_baseline)


def run_code_baseline(request: CodeRun, progress: ProgressSink) -> Any:
    return run_code_baseline_command(request.config, request.run, progress, from_baseline=request.from_baseline)


def test_templated_run_writes_then_is_up_to_date(tmp_path: Path, mini_suite_path: Path) -> None:
    request = templated(tmp_path, mini_suite_path)
    first = run_code_baseline(request, ProgressSink())
    assert not first.up_to_date
    written = request.output.read_bytes()
    assert read_artifact(request.output, CodeBaselineArtifact).summary.robustness.rate == 1.0
    assert first.artifact.config.model == "none" and first.artifact.provenance.model_id is None
    assert not Path(f"{request.output}.checkpoint.jsonl").exists()

    again = run_code_baseline(request, ProgressSink())
    assert again.up_to_date and request.output.read_bytes() == written

    other = templated(tmp_path, mini_suite_path, seed=3)
    with pytest.raises(CheckpointMismatchError, match="different config"):
        run_code_baseline(other, ProgressSink())
    assert run_code_baseline(templated(tmp_path, mini_suite_path, seed=3, restart=True), ProgressSink())


def test_from_baseline_is_checked_before_reuse(tmp_path: Path, mini_suite_path: Path) -> None:
    inputs = make_inputs(mini_suite_path, max_tokens=512)
    inputs.provenance = Provenance(model_id="local/fake", program_hash="p1", suite_hash=inputs.suite.sha256)
    path = tmp_path / "ir.json"
    baseline = run_baseline(inputs, runner_for(FakeEngine()))
    write_artifact(path, baseline)
    with pytest.raises(InputError, match="only applies to --stage end-to-end"):
        run_code_baseline(templated(tmp_path, mini_suite_path, from_baseline=path), ProgressSink())

    config = CodeBaselineConfig(
        stage=CodeStage.END_TO_END,
        suite=str(mini_suite_path),
        code_generator="templated",
        model="m",
        variants_per_case=4,
    )
    same = Provenance(model_id="local/fake", suite_hash=inputs.suite.sha256)
    reused = _reusable_irs(path, config, same, "p1")
    assert len(reused) == sum(1 + len(case.variants) for case in baseline.cases)
    with pytest.raises(InputError, match="another model, IR program or suite"):
        _reusable_irs(path, config, same, "other-program")
    with pytest.raises(InputError, match="--temperature, --max-tokens or --seed"):
        _reusable_irs(path, config.model_copy(update={"max_tokens": 64}), same, "p1")


def test_code_stage_shards_are_refused(tmp_path: Path, mini_suite_path: Path) -> None:
    with pytest.raises(InputError, match="does not merge code stages"):
        run_code_baseline(templated(tmp_path, mini_suite_path, shard="1/2"), ProgressSink())


def test_settings_a_stage_does_not_use_do_not_change_its_fingerprint(tmp_path: Path, mini_suite_path: Path) -> None:
    first = run_code_baseline(templated(tmp_path, mini_suite_path), ProgressSink())
    # A project-wide temperature or IR program means nothing to templated ir-to-code.
    again = run_code_baseline(
        templated(tmp_path, mini_suite_path, temperature=0.7, program="pkg:prog", max_tokens=64), ProgressSink()
    )
    assert again.up_to_date and again.artifact.config == first.artifact.config
