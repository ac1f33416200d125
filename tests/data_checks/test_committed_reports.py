"""The committed reports of the core baseline are what `tokdrift report` writes from the committed analysis.

They live under baselines/ beside the artifacts they come from; a change of a renderer
that changes their bytes must regenerate them in the same commit.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tokdrift_cli.artifacts.analysis import AnalysisArtifact
from tokdrift_cli.artifacts.io import read_artifact
from tokdrift_cli.reports.fragile_markdown import render_fragile_prompts
from tokdrift_cli.reports.html_report import render_html_report
from tokdrift_cli.reports.issue_drafts import render_issue_drafts

BASELINES = Path(__file__).resolve().parents[2] / "baselines"
ANALYSIS = BASELINES / "analysis_core_local.json"

pytestmark = pytest.mark.skipif(not ANALYSIS.exists(), reason="no committed analysis")


@pytest.fixture(scope="module")
def analysis() -> AnalysisArtifact:
    return read_artifact(ANALYSIS, AnalysisArtifact)


def test_fragile_prompts_report_regenerates_byte_identical(analysis: AnalysisArtifact) -> None:
    assert (BASELINES / "FRAGILE_PROMPTS.md").read_text(encoding="utf-8") == render_fragile_prompts(analysis)


def test_html_report_regenerates_byte_identical(analysis: AnalysisArtifact) -> None:
    assert (BASELINES / "report_core_local.html").read_text(encoding="utf-8") == render_html_report(analysis)


def test_issue_drafts_regenerate_byte_identical(analysis: AnalysisArtifact) -> None:
    drafts = render_issue_drafts(analysis)
    committed = {path.name: path.read_text(encoding="utf-8") for path in (BASELINES / "issues").iterdir()}
    assert committed == drafts


def test_no_generated_report_at_the_repository_root() -> None:
    root = BASELINES.parent
    assert not (root / "FRAGILE_PROMPTS.md").exists()
    assert not list(root.glob("IMPROVEMENT_REPORT*.md")) and not (root / "STAGES.md").exists()
