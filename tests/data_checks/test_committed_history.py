"""The committed run history is what `history add` records from the committed runs, and TRENDS.html is its page.

The history was seeded with
``tokdrift history add baselines/before_test_local.json baselines/after_test_*.json
baselines/baseline_core_local.json --history baselines/history.jsonl --no-git`` (no git identity: the runs
were measured at earlier commits), then the HumanEval test-split runs were added the same way
(``history add baselines/before_humaneval_test.json baselines/after_humaneval_test.json ...``), and the page with
``tokdrift report --history baselines/history.jsonl --output baselines/TRENDS.html``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO
from tokdrift_cli.artifacts.history import read_history
from tokdrift_cli.cli.app import run
from tokdrift_cli.reports.history_html import render_history_html
from tokdrift_cli.workflows.history_run import record

BASELINES = REPO / "baselines"
HISTORY = BASELINES / "history.jsonl"
SEEDED = ["before_test_local.json", *sorted(path.name for path in BASELINES.glob("after_test_*.json")),
          "baseline_core_local.json", "before_humaneval_test.json", "after_humaneval_test.json"]

pytestmark = pytest.mark.skipif(not HISTORY.exists(), reason="no committed history")


def test_re_adding_the_seeded_runs_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "history.jsonl"
    shutil.copy(HISTORY, copy)
    monkeypatch.chdir(REPO)
    assert run(["history", "add", *(f"baselines/{name}" for name in SEEDED), "--history", str(copy), "--no-git"]) == 0
    assert copy.read_bytes() == HISTORY.read_bytes()


def test_every_line_is_what_recording_its_run_gives_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    runs = read_history(HISTORY)
    assert sorted(Path(run.source.path).name for run in runs) == sorted(SEEDED)
    for recorded in runs:
        fresh = record(Path(recorded.source.path), None)
        assert fresh.model_dump(exclude={"created_at"}) == recorded.model_dump(exclude={"created_at"})


def test_the_trend_page_regenerates_byte_identical() -> None:
    assert (BASELINES / "TRENDS.html").read_text(encoding="utf-8") == render_history_html(read_history(HISTORY))
