"""Baselines and analyses made before controls existed read as "sensitivity not measured", never 0."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.fakes import FakeEngine
from tests.reports.factories import make_analysis
from tests.stages.test_baseline import make_inputs, runner_for
from tokdrift_cli.artifacts.analysis import AnalysisArtifact
from tokdrift_cli.artifacts.baseline import BaselineArtifact
from tokdrift_cli.artifacts.io import read_artifact
from tokdrift_cli.reports.fragile_markdown import render_fragile_prompts
from tokdrift_cli.stages.analyze import analyze_baseline
from tokdrift_cli.stages.baseline import run_baseline

CASE_FIELDS = ("controls", "sensitivity")
SUMMARY_FIELDS = ("controls", "failed_controls", "undecided_controls", "sensitivity", "per_control_rule")


def _write(path: Path, data: dict[str, Any]) -> Path:
    path.write_bytes(orjson.dumps(data))
    return path


@pytest.mark.parametrize("version", [1, 2])
def test_a_baseline_from_before_controls_reads_as_not_measured(
    version: int, tmp_path: Path, mini_suite_path: Path
) -> None:
    artifact = run_baseline(make_inputs(mini_suite_path), runner_for(FakeEngine()))
    data = artifact.model_dump(mode="json")
    data["schema_version"] = version
    for case in data["cases"]:
        for field in CASE_FIELDS:
            del case[field]
    for field in SUMMARY_FIELDS:
        del data["summary"][field]
    del data["config"]["controls"]

    read = read_artifact(_write(tmp_path / "old.json", data), BaselineArtifact)

    assert read.schema_version == BaselineArtifact.SCHEMA_VERSION == 4
    assert read.summary.sensitivity is None and read.summary.per_control_rule == []
    assert all(case.sensitivity is None and case.controls == [] for case in read.cases)
    assert read.config == artifact.config and read.summary.robustness == artifact.summary.robustness
    analysis = analyze_baseline(read)
    assert analysis.summary.sensitivity is None and analysis.insensitive_prompts == []


def test_a_version_1_analysis_reads_and_reports_as_not_measured(tmp_path: Path) -> None:
    data = make_analysis().model_dump(mode="json")
    data["schema_version"] = 1
    for field in ("insensitive_prompts", "per_control_rule", "prompt_sensitivity"):
        del data[field]
    for field in ("sensitivity", "insensitive_count"):
        del data["summary"][field]
    del data["config"]["sensitivity_threshold"]
    for item in data["fragile_prompts"]:
        del item["sensitivity"]

    read = read_artifact(_write(tmp_path / "v1.json", data), AnalysisArtifact)

    assert read.schema_version == AnalysisArtifact.SCHEMA_VERSION == 4
    assert read.summary.sensitivity is None and read.insensitive_prompts == []
    assert read.rule_tests is None and read.family_tests is None  # not tested: never "none stands out"
    text = render_fragile_prompts(read)
    assert "| Sensitivity, pooled over decided controls | not measured" in text
    assert "Sensitivity not measured: the baseline ran no controls" in text


def test_a_version_2_analysis_reads_without_prompt_texts_and_still_reports() -> None:
    """The core analysis as committed in schema 2: no prompt texts for robust prompts, no baseline config."""
    from tokdrift_cli.reports.html_report import render_html_report
    from tokdrift_cli.reports.issue_drafts import render_issue_drafts

    path = Path(__file__).resolve().parents[1] / "reports" / "data" / "analysis_core_v2.json"
    read = read_artifact(path, AnalysisArtifact)
    assert read.schema_version == AnalysisArtifact.SCHEMA_VERSION == 4
    assert read.prompts == [] and read.baseline_config is None
    texts = read.prompt_texts()
    assert set(texts) == {item.case_id for item in (*read.fragile_prompts, *read.insensitive_prompts)}
    page = render_html_report(read)
    assert 'class="ptext"' in page
    drafts = render_issue_drafts(read)
    assert "--suite SUITE.jsonl" in drafts["P0-casing.md"]  # the suite is not recorded: the command says so


def test_a_schema_3_analysis_reads_with_its_patterns_not_tested() -> None:
    """The core analysis as committed at schema 3 (kept as a fixture when baselines/ moved on)."""
    path = Path(__file__).resolve().parents[1] / "reports" / "data" / "analysis_core_v3.json"
    assert orjson.loads(path.read_bytes())["schema_version"] == 3
    read = read_artifact(path, AnalysisArtifact)
    assert read.schema_version == 4 and read.rule_tests is None and read.family_tests is None
