"""`tokdrift history add | show | check` and `report --history` on copies of the committed runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
import pytest

from tests.conftest import REPO
from tokdrift_cli.artifacts.history import read_history
from tokdrift_cli.cli.app import run

COMMITTED = ["before_test_local.json", "after_test_base_first.json", "after_test_gold_demos.json",
             "baseline_core_local.json", "validation_gold_demos.json", "analysis_core_local.json"]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory holding copies of the committed runs under baselines/, as the validations name them."""
    (tmp_path / "baselines").mkdir()
    for name in COMMITTED:
        shutil.copy(REPO / "baselines" / name, tmp_path / "baselines" / name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return tmp_path


def _add(*names: str) -> int:
    return run(["history", "add", *(f"baselines/{name}" for name in names), "--history", "h.jsonl"])


def test_add_records_each_run_once_with_its_identity(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _add("baseline_core_local.json", "before_test_local.json", "after_test_gold_demos.json") == 0
    assert _add("after_test_gold_demos.json", "validation_gold_demos.json") == 0
    err = capsys.readouterr().err
    assert err.count("already recorded") == 2  # the same file, and a validation of a recorded run
    runs = read_history(workdir / "h.jsonl")
    assert [Path(run.source.path).name for run in runs] == [
        "before_test_local.json", "after_test_gold_demos.json", "baseline_core_local.json"  # by run time
    ]
    gold = runs[1]
    assert gold.headline.robustness.successes == 46 and gold.headline.robustness.n == 81
    assert gold.headline.input_accuracy is not None and gold.headline.input_accuracy.n == 120
    assert gold.suite.selection == "split test" and gold.suite.cases == 18
    assert gold.source.created_at is not None and gold.source.created_at.isoformat().startswith("2026-11-26T06:04")
    core = runs[2]
    assert core.headline.sensitivity is not None and core.headline.sensitivity.n == 105
    assert core.headline.lm_calls == 419 and {row.key for row in core.headline.per_family} >= {"casing", "spacing"}
    assert gold.git is None  # not a repository


def test_add_inside_a_git_repository_records_commit_and_branch(workdir: Path) -> None:
    import subprocess

    subprocess.run(["git", "init", "-q", "-b", "trunk"], check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "x"],
                   check=True)
    assert _add("before_test_local.json") == 0
    (recorded,) = read_history(workdir / "h.jsonl")
    assert recorded.git is not None and recorded.git.branch == "trunk" and len(recorded.git.commit) == 40


def test_add_refuses_what_is_not_a_run(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _add("analysis_core_local.json") == 2
    assert _add("missing.json") == 2
    err = capsys.readouterr().err
    assert "'analysis' artifact; `history add` records baseline or validation" in err
    assert "Traceback" not in err
    assert not (workdir / "h.jsonl").exists()


def test_show_formats(workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    _add("before_test_local.json", "after_test_base_first.json", "after_test_gold_demos.json")
    capsys.readouterr()
    assert run(["history", "show", "--history", "h.jsonl", "--format", "json", "--last", "2"]) == 0
    shown = orjson.loads(capsys.readouterr().out)
    assert [Path(line["source"]["path"]).name for line in shown] == ["after_test_base_first.json",
                                                                     "after_test_gold_demos.json"]
    summary = workdir / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert run(["history", "show", "--history", "h.jsonl", "--format", "github", "--model", "local"]) == 0
    out = capsys.readouterr().out
    assert "- robustness `\u2581\u2588\u2588` 31.9% to 56.8% (newest 56.8%)" in out
    assert "| 56.8% [45.9\u201367.0] n=81 |" in out
    assert summary.read_text(encoding="utf-8").startswith("## tokdrift history")
    assert run(["history", "show", "--history", "h.jsonl"]) == 0
    assert "split test" in capsys.readouterr().out
    assert run(["history", "show", "--history", "h.jsonl", "--suite", "other.jsonl"]) == 2


def test_check_uses_the_paired_test_when_both_baselines_are_at_hand(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _add("before_test_local.json", "after_test_base_first.json", "after_test_gold_demos.json")
    capsys.readouterr()
    assert run(["history", "check", "--history", "h.jsonl", "--format", "junit"]) == 0
    captured = capsys.readouterr()
    assert "one-sided paired wilcoxon p" in captured.err
    assert '<testcase classname="tokdrift.history" name="robustness vs window"' in captured.out
    (workdir / "baselines" / "after_test_base_first.json").unlink()  # no longer at hand: the counts decide
    assert run(["history", "check", "--history", "h.jsonl"]) == 0
    assert "robustness vs previous: robustness 56.8%" in capsys.readouterr().err.replace("\n", " ")


def test_check_fails_a_real_drop_and_writes_github_output(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _add("after_test_gold_demos.json")
    _add("before_test_local.json")  # recorded later: 56.8% -> 31.9%
    summary = workdir / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    capsys.readouterr()
    assert run(["history", "check", "--history", "h.jsonl", "--format", "github"]) == 1
    out = capsys.readouterr().out
    assert "::error title=tokdrift history failed%3A robustness vs previous::" in out
    text = summary.read_text(encoding="utf-8")
    assert "**failed** (exit 1)" in text and "### Trend" in text


def test_check_without_an_earlier_run_is_inconclusive(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _add("baseline_core_local.json")
    capsys.readouterr()
    assert run(["history", "check", "--history", "h.jsonl", "--format", "markdown"]) == 3
    assert "no earlier comparable run" in capsys.readouterr().out


def test_report_history_writes_the_trend_page(workdir: Path) -> None:
    _add("before_test_local.json", "after_test_gold_demos.json")
    assert run(["report", "--history", "h.jsonl"]) == 0
    page = (workdir / "TRENDS.html").read_text(encoding="utf-8")
    assert 'id="trend-robustness"' in page and "<script" not in page
    assert run(["report", "baselines/before_test_local.json", "--history", "h.jsonl"]) == 2
    (workdir / "empty.jsonl").write_bytes(b"")
    assert run(["report", "--history", "empty.jsonl", "--output", "x.html"]) == 2
