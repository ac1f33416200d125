"""Failures are never results: a provider that dies, hangs, is never up or rate-limits, end to end.

Each run goes through the real command line, DSPy and HTTP to a local
OpenAI-compatible server (tests/fake_server.py). A broken run must exit with
its documented code, write no artifact and keep its checkpoint; the next run,
once the server is back, must finish with the same IRs as a run that was
never interrupted, retrying exactly what failed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import MINI_SUITE
from tests.fake_server import FakeOpenAIServer, free_port
from tokdrift_cli.artifacts.baseline import BaselineArtifact
from tokdrift_cli.artifacts.checkpoint import checkpoint_path_for
from tokdrift_cli.artifacts.code_baseline import CodeBaselineArtifact
from tokdrift_cli.artifacts.io import read_artifact
from tokdrift_cli.cli.app import run
from tokdrift_cli.core.ir import IR
from tokdrift_cli.errors import ExitCode

DUMMY_KEY = "sk-test-dummy-key-0123456789"
# 4 cases x (1 original + 3 variants) = 16 generations, one call each.
GENERATIONS = 16


@pytest.fixture(autouse=True)
def _fast_and_keyed(monkeypatch: pytest.MonkeyPatch) -> None:
    """A dummy key in the environment only, and no retry inside a call (each would wait a second)."""
    monkeypatch.setenv("OPENAI_API_KEY", DUMMY_KEY)
    monkeypatch.setattr("tokdrift_cli.engines.resolve.PROVIDER_RETRIES", 0)


def _baseline(api_base: str, output: Path, mini_suite_path: Path, *extra: str) -> int:
    return run(
        [
            "baseline", "--model", "openai/fake", "--api-base", api_base, "--suite", str(mini_suite_path),
            "--variants", "3", "--no-paraphrases", "--request-timeout", "0.5", "--output", str(output),
            "--structured-output", "json-schema", *extra,  # no probe: every request is a generation
        ]
    )


def _irs(output: Path) -> list[tuple[str, IR | None]]:
    artifact = read_artifact(output, BaselineArtifact)
    return [(case.case_id, generation.ir) for case in artifact.cases for generation in case.generations()]


def _error_lines(err: str) -> list[str]:
    assert "Traceback" not in err
    return [line for line in err.splitlines() if line.startswith("error:")]


def _checkpointed(output: Path) -> int:
    """Finished generations in the checkpoint (its first line is the header)."""
    return len(checkpoint_path_for(output).read_text().splitlines()) - 1


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[tuple[str, IR | None]]]:
    """The IRs of a run that nothing interrupted."""
    with pytest.MonkeyPatch.context() as patch, FakeOpenAIServer() as server:
        patch.setenv("OPENAI_API_KEY", DUMMY_KEY)
        output = tmp_path_factory.mktemp("reference") / "reference.json"
        assert _baseline(server.api_base, output, MINI_SUITE) == 0
        assert server.answered == GENERATIONS
    yield _irs(output)


def _assert_no_key_in_files(directory: Path) -> None:
    for path in directory.rglob("*"):
        if path.is_file():
            assert DUMMY_KEY not in path.read_text(errors="replace"), path


def test_server_killed_mid_run_stops_keeps_the_checkpoint_and_resumes_to_the_same_irs(
    tmp_path: Path, mini_suite_path: Path, reference: list[tuple[str, IR | None]], capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "killed.json"
    with FakeOpenAIServer(kill_after=3) as server:
        code = _baseline(server.api_base, output, mini_suite_path)
        errors = _error_lines(capsys.readouterr().err)
        assert code == ExitCode.RUNTIME
        assert len(errors) == 1 and "failed 5 times in a row" in errors[0] and "kept" in errors[0]
        assert not output.exists()
        assert _checkpointed(output) == 3
        server.revive()
        before = server.requests
        assert _baseline(server.api_base, output, mini_suite_path) == 0
        assert server.requests - before == GENERATIONS - 3  # exactly what was not finished
    assert _irs(output) == reference
    assert not checkpoint_path_for(output).exists()
    _assert_no_key_in_files(tmp_path)


def test_a_few_transient_failures_at_the_end_write_nothing_and_are_retried(
    tmp_path: Path, mini_suite_path: Path, reference: list[tuple[str, IR | None]], capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "short.json"
    with FakeOpenAIServer(kill_after=GENERATIONS - 2) as server:
        code = _baseline(server.api_base, output, mini_suite_path)
        errors = _error_lines(capsys.readouterr().err)
        assert code == ExitCode.RUNTIME
        assert len(errors) == 1 and "retry those 2" in errors[0]
        assert not output.exists()  # never "robustness 100% (n=14)" with exit 0
        assert _checkpointed(output) == GENERATIONS - 2
        server.revive()
        before = server.requests
        assert _baseline(server.api_base, output, mini_suite_path) == 0
        assert server.requests - before == 2
    assert _irs(output) == reference
    capsys.readouterr()
    assert _baseline(server.api_base, output, mini_suite_path) == 0  # finished: the (stopped) server is not called
    assert "up to date" in capsys.readouterr().err


def test_hung_server_times_out_stops_and_resumes(
    tmp_path: Path, mini_suite_path: Path, reference: list[tuple[str, IR | None]], capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "hung.json"
    with FakeOpenAIServer(mode="hang") as server:
        code = _baseline(server.api_base, output, mini_suite_path)
        errors = _error_lines(capsys.readouterr().err)
        assert code == ExitCode.RUNTIME
        assert len(errors) == 1 and "did not answer within the request timeout 5 times" in errors[0]
        assert server.requests == 5  # the breaker, after 5 calls of 0.5 s: not a hang
        assert not output.exists() and checkpoint_path_for(output).exists()
        server.revive()
        assert _baseline(server.api_base, output, mini_suite_path) == 0
    assert _irs(output) == reference


def test_server_never_up_is_unreachable_then_runs_once_it_is_up(
    tmp_path: Path, mini_suite_path: Path, reference: list[tuple[str, IR | None]], capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "never.json"
    port = free_port()
    code = _baseline(f"http://127.0.0.1:{port}/v1", output, mini_suite_path)
    errors = _error_lines(capsys.readouterr().err)
    assert code == ExitCode.RUNTIME
    assert len(errors) == 1 and "unreachable" in errors[0] and "Connection refused" in errors[0]
    assert not output.exists() and _checkpointed(output) == 0
    with FakeOpenAIServer(port=port) as server:
        assert _baseline(server.api_base, output, mini_suite_path) == 0
    assert _irs(output) == reference


def test_rate_limited_server_stops_with_rate_limit_and_resumes(
    tmp_path: Path, mini_suite_path: Path, reference: list[tuple[str, IR | None]], capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "limited.json"
    with FakeOpenAIServer(mode="rate_limited") as server:
        code = _baseline(server.api_base, output, mini_suite_path)
        errors = _error_lines(capsys.readouterr().err)
        assert code == ExitCode.RUNTIME
        assert len(errors) == 1 and "refused 5 times in a row with a rate limit" in errors[0]
        assert not output.exists() and checkpoint_path_for(output).exists()
        server.revive()
        assert _baseline(server.api_base, output, mini_suite_path) == 0
    assert _irs(output) == reference


def test_input_over_the_context_window_is_an_input_failure_not_an_unreachable_model(
    tmp_path: Path, mini_suite_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "too_long.json"
    with FakeOpenAIServer(mode="context_window") as server:
        code = _baseline(server.api_base, output, mini_suite_path)
        assert server.requests == GENERATIONS  # every case was tried: the model is there, the inputs are too long
    err = capsys.readouterr().err
    errors = _error_lines(err)
    assert "unreachable" not in err
    # Every generation failed on its input: measured and written, but not a clean result.
    assert code == ExitCode.RUNTIME
    assert len(errors) == 1 and "16 of 16 generations failed" in errors[0]
    artifact = read_artifact(output, BaselineArtifact)
    assert {g.error_kind for g in artifact.generations()} == {"input"}
    assert artifact.summary.failure_share == 1.0 and artifact.summary.failure_limit_exceeded
    # Input failures are results about those inputs: the run is finished (the stopped server is not
    # called), and stays a failure.
    assert _baseline(server.api_base, output, mini_suite_path) == ExitCode.RUNTIME
    assert "up to date" in capsys.readouterr().err
    # With a higher limit it is judged again from what was measured, without a call.
    assert _baseline(server.api_base, output, mini_suite_path, "--max-failure-share", "1") == 0
    assert read_artifact(output, BaselineArtifact).summary.failure_limit_exceeded is False


def _end_to_end(api_base: str, output: Path) -> int:
    return run(
        [
            "end-to-end", "--model", "openai/fake", "--api-base", api_base, "--suite", str(MINI_SUITE),
            "--variants", "2", "--no-paraphrases", "--request-timeout", "0.5", "--output", str(output),
            "--structured-output", "json-schema",
        ]
    )


def _code_results(output: Path) -> list[tuple[object, ...]]:
    artifact = read_artifact(output, CodeBaselineArtifact)
    items = [(case.case_id, case.ir, case.code.code, None) for case in artifact.cases]
    items += [(case.case_id, v.ir, v.code.code, v.verdict) for case in artifact.cases for v in case.variants]
    return items


def test_code_stage_killed_mid_run_resumes_to_the_same_irs_and_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeOpenAIServer() as server:
        assert _end_to_end(server.api_base, tmp_path / "reference.json") == 0
        calls = server.answered
    output = tmp_path / "killed.json"
    with FakeOpenAIServer(kill_after=calls // 2) as server:
        code = _end_to_end(server.api_base, output)
        errors = _error_lines(capsys.readouterr().err)
        assert code == ExitCode.RUNTIME and len(errors) == 1 and "kept" in errors[0]
        assert not output.exists() and _checkpointed(output) == calls // 2
        server.revive()
        before = server.requests
        assert _end_to_end(server.api_base, output) == 0
        assert server.requests - before == calls - calls // 2
    assert _code_results(output) == _code_results(tmp_path / "reference.json")
    _assert_no_key_in_files(tmp_path)
