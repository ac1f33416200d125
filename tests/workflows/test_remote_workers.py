"""--workers against an OpenAI-compatible server: requests really overlap and results do not change."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.conftest import REPO
from tokdrift_cli.artifacts.baseline import BaselineArtifact
from tokdrift_cli.artifacts.io import read_artifact
from tokdrift_cli.cli.app import run


def _stub_server():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("fake_openai_server", REPO / "benchmarks" / "fake_openai_server.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_parallel_workers_overlap_requests_and_give_identical_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-local-test")
    results = {}
    with _stub_server().serving(delay=0.05) as (url, handler):
        for workers in (1, 4):
            output = tmp_path / f"w{workers}.json"
            argv = ["baseline", "--model", "openai/stub", "--api-base", url, "--limit", "3", "--variants", "2"]
            assert run([*argv, "--workers", str(workers), "--output", str(output)]) == 0
            results[workers] = (read_artifact(output, BaselineArtifact), handler.max_in_flight)
            handler.max_in_flight = 0
    (serial, serial_overlap), (parallel, parallel_overlap) = results[1], results[4]
    assert serial_overlap == 1
    assert parallel_overlap > 1
    assert serial.summary.lm_calls == parallel.summary.lm_calls > 0
    assert serial.summary.schema_valid.rate == 1.0
    for a, b in zip(serial.cases, parallel.cases, strict=True):
        assert a.original.ir == b.original.ir
        assert [(v.text, v.generation.ir, v.robust) for v in a.variants] == [
            (v.text, v.generation.ir, v.robust) for v in b.variants
        ]
    capsys.readouterr()
