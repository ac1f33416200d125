"""Analyze and report from paths: read artifacts, call the stage or renderer, write files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tokdrift_cli.artifacts.analysis import AnalysisArtifact
from tokdrift_cli.artifacts.baseline import BaselineArtifact
from tokdrift_cli.artifacts.header import input_file
from tokdrift_cli.artifacts.io import read_artifact, read_raw_artifact, sha256_file, write_artifact, write_bytes_atomic
from tokdrift_cli.errors import ArtifactError, InputError
from tokdrift_cli.stages.analyze import analyze_baseline


def run_analyze(baseline_path: Path, output: Path | None, *, threshold: float, confidence: float) -> AnalysisArtifact:
    baseline = read_artifact(baseline_path, BaselineArtifact)
    analysis = analyze_baseline(
        baseline,
        fragile_threshold=threshold,
        confidence=confidence,
        inputs=[input_file("baseline", baseline_path, sha256_file(baseline_path))],
    )
    if output is not None:
        write_artifact(output, analysis)
    return analysis


@dataclass(frozen=True)
class WrittenReport:
    paths: list[Path]


def run_report(
    artifact_path: Path, output: Path, *, html: Path | None = None, issues_dir: Path | None = None
) -> WrittenReport:
    """Render whatever artifact ``artifact_path`` holds into its report(s)."""
    kind = read_raw_artifact(artifact_path)["kind"]
    if kind == AnalysisArtifact.KIND:
        from tokdrift_cli.reports.fragile_markdown import render_fragile_prompts
        from tokdrift_cli.reports.html_report import render_html_report
        from tokdrift_cli.reports.issue_drafts import render_issue_drafts

        analysis = read_artifact(artifact_path, AnalysisArtifact)
        written = [output]
        write_bytes_atomic(output, render_fragile_prompts(analysis).encode())
        if html is not None:
            write_bytes_atomic(html, render_html_report(analysis).encode())
            written.append(html)
        if issues_dir is not None:
            issues_dir.mkdir(parents=True, exist_ok=True)
            for name, text in sorted(render_issue_drafts(analysis).items()):
                write_bytes_atomic(issues_dir / name, text.encode())
                written.append(issues_dir / name)
        return WrittenReport(paths=written)
    if kind == "validation":
        from tokdrift_cli.artifacts.validation import ValidationArtifact
        from tokdrift_cli.reports.improvement_markdown import render_improvement_report

        if html is not None or issues_dir is not None:
            raise InputError("--html and --issues-dir apply to analysis artifacts, not to a validation artifact")
        validation = read_artifact(artifact_path, ValidationArtifact)
        if output.name == "FRAGILE_PROMPTS.md":  # the analysis default: never overwrite the fragility report
            output = output.with_name("IMPROVEMENT_REPORT.md")
        write_bytes_atomic(output, render_improvement_report(validation).encode())
        return WrittenReport(paths=[output])
    raise ArtifactError(
        f"{artifact_path} is a {kind!r} artifact; `report` takes an analysis or a validation artifact"
    )
