"""A refused resume says which settings differ, as the command's own options, with both values."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes import FakeEngine
from tests.stages.test_baseline import make_inputs, runner_for
from tokdrift_cli.artifacts.io import write_artifact
from tokdrift_cli.cli.app import run
from tokdrift_cli.stages.baseline import run_baseline

OFFLINE_MODEL = "openai/gpt-4o-mini"  # identified without a key or the network; never called here


def test_a_finished_output_of_another_config_is_refused_naming_the_options(
    tmp_path: Path, mini_suite_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "b.json"
    write_artifact(output, run_baseline(make_inputs(mini_suite_path, variants_per_prompt=4), runner_for(FakeEngine())))
    before = output.read_bytes()
    arguments = ["baseline", "--suite", str(mini_suite_path), "--model", OFFLINE_MODEL, "--max-tokens", "256"]
    assert run([*arguments, "--variants", "2", "--output", str(output), "--dry-run"]) == 2
    message = capsys.readouterr().err.strip()
    assert len(message.splitlines()) == 1 and message.startswith("error:")
    assert "--variants 4 there, 2 now" in message
    assert f"--model 'local/fake' there, '{OFFLINE_MODEL}' now" in message
    assert "--seed" not in message and "--max-tokens" not in message  # equal settings are not listed
    assert message.endswith("choose another --output or pass --restart to overwrite it")
    assert output.read_bytes() == before
