"""Analyze and report from paths: read artifacts, call the stage or renderer, write files."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tokdrift_cli.artifacts.analysis import AnalysisArtifact
from tokdrift_cli.artifacts.atomic import write_files_atomic
from tokdrift_cli.artifacts.baseline import BaselineArtifact
from tokdrift_cli.artifacts.header import input_file
from tokdrift_cli.artifacts.io import read_artifact, read_raw_artifact, sha256_file, write_artifact
from tokdrift_cli.artifacts.outputs import NamedPath, claim_outputs
from tokdrift_cli.errors import ArtifactError, InputError
from tokdrift_cli.stages.analyze import analyze_baseline


def run_analyze(
    baseline_path: Path,
    output: Path | None,
    *,
    threshold: float,
    confidence: float,
    sensitivity_threshold: float = 0.5,
) -> AnalysisArtifact:
    outputs = [("--output", output)] if output is not None else []
    with claim_outputs(outputs, [("the input baseline", baseline_path)]):
        baseline = read_artifact(baseline_path, BaselineArtifact)
        analysis = analyze_baseline(
            baseline,
            fragile_threshold=threshold,
            confidence=confidence,
            sensitivity_threshold=sensitivity_threshold,
            inputs=[input_file("baseline", baseline_path, sha256_file(baseline_path))],
        )
        if output is not None:
            write_artifact(output, analysis)
    return analysis


@dataclass(frozen=True)
class WrittenReport:
    paths: list[Path]


@dataclass(frozen=True)
class _Rendered:
    """A report's files, rendered and not yet written: what each is to the command, its path, its bytes."""

    files: list[tuple[str, Path, bytes]]
    directories: list[Path]  # directories of outputs, locked as a whole

    def write(self, inputs: Sequence[NamedPath]) -> WrittenReport:
        """Every file or none, after checking that none of them is an input."""
        outputs = [(role, path) for role, path, _ in self.files]
        lock = [path for role, path in outputs if role != ISSUE_DRAFT] + self.directories
        with claim_outputs(outputs, inputs, lock=lock):
            write_files_atomic({path: data for _, path, data in self.files})
        return WrittenReport(paths=[path for _, path in outputs])


ACCEPTED = (
    "`report` takes one analysis artifact, one validation artifact, or one or more baseline artifacts of any stage"
)
STAGE_KINDS = frozenset({BaselineArtifact.KIND, "code_baseline"})
ANALYSIS_DEFAULT_NAME = "FRAGILE_PROMPTS.md"
ISSUE_DRAFT = "the issue draft"


def run_report(
    artifact_paths: Sequence[Path],
    output: Path,
    *,
    html: Path | None = None,
    issues_dir: Path | None = None,
    history: Path | None = None,
) -> WrittenReport:
    """Render the artifacts into their report: pick the renderer from the artifacts' kinds."""
    if history is not None:
        return _report_history(history, artifact_paths, output, html=html, issues_dir=issues_dir)
    if not artifact_paths:
        raise InputError(f"no artifact given; {ACCEPTED}")
    inputs = [("an input artifact", path) for path in artifact_paths]
    kinds = [read_raw_artifact(path)["kind"] for path in artifact_paths]
    if all(kind in STAGE_KINDS for kind in kinds):
        pairs = list(zip(artifact_paths, kinds, strict=True))
        return _report_stages(pairs, output, html=html, issues_dir=issues_dir).write(inputs)
    if len(artifact_paths) > 1:
        raise InputError(f"got {', '.join(repr(kind) for kind in kinds)} artifacts; {ACCEPTED}")
    path, kind = artifact_paths[0], kinds[0]
    if kind == AnalysisArtifact.KIND:
        return _report_analysis(path, output, html=html, issues_dir=issues_dir).write(inputs)
    if kind == "validation":
        return _report_validation(path, output, html=html, issues_dir=issues_dir).write(inputs)
    raise ArtifactError(f"{path} is a {kind!r} artifact; {ACCEPTED}")


def _default_output(output: Path, name: str) -> Path:
    """``name`` when --output was left at the analysis default: never overwrite the fragility report."""
    return output.with_name(name) if output.name == ANALYSIS_DEFAULT_NAME else output


def _report_analysis(path: Path, output: Path, *, html: Path | None, issues_dir: Path | None) -> _Rendered:
    from tokdrift_cli.reports.fragile_markdown import render_fragile_prompts
    from tokdrift_cli.reports.html_report import render_html_report
    from tokdrift_cli.reports.issue_drafts import render_issue_drafts

    analysis = read_artifact(path, AnalysisArtifact)
    files = [("--output", output, render_fragile_prompts(analysis).encode())]
    if html is not None:
        files.append(("--html", html, render_html_report(analysis).encode()))
    if issues_dir is None:
        return _Rendered(files, [])
    for name, text in sorted(render_issue_drafts(analysis).items()):
        files.append((ISSUE_DRAFT, issues_dir / name, text.encode()))
    return _Rendered(files, [issues_dir])


def _report_validation(path: Path, output: Path, *, html: Path | None, issues_dir: Path | None) -> _Rendered:
    from tokdrift_cli.artifacts.validation import ValidationArtifact
    from tokdrift_cli.reports.improvement_markdown import render_improvement_report

    if html is not None or issues_dir is not None:
        raise InputError("--html and --issues-dir apply to analysis artifacts, not to a validation artifact")
    validation = read_artifact(path, ValidationArtifact)
    output = _default_output(output, "IMPROVEMENT_REPORT.md")
    return _Rendered([("--output", output, render_improvement_report(validation).encode())], [])


def _report_stages(
    paths_and_kinds: Sequence[tuple[Path, str]], output: Path, *, html: Path | None, issues_dir: Path | None
) -> _Rendered:
    from tokdrift_cli.artifacts.code_baseline import CodeBaselineArtifact
    from tokdrift_cli.reports.stages_markdown import render_stage_report

    if html is not None or issues_dir is not None:
        raise InputError("--html and --issues-dir apply to analysis artifacts, not to baseline artifacts")
    artifacts: list[tuple[str, BaselineArtifact | CodeBaselineArtifact]] = []
    for path, kind in paths_and_kinds:
        model = BaselineArtifact if kind == BaselineArtifact.KIND else CodeBaselineArtifact
        artifacts.append((str(path), read_artifact(path, model)))
    output = _default_output(output, "STAGES.md")
    return _Rendered([("--output", output, render_stage_report(artifacts).encode())], [])


def _report_history(
    history: Path, artifact_paths: Sequence[Path], output: Path, *, html: Path | None, issues_dir: Path | None
) -> WrittenReport:
    from tokdrift_cli.artifacts.history import read_history
    from tokdrift_cli.reports.history_html import render_history_html

    if artifact_paths or html is not None or issues_dir is not None:
        raise InputError("--history makes the trend page alone; give no artifact, --html or --issues-dir with it")
    runs = read_history(history)
    if not runs:
        raise InputError(f"{history} records no run yet; add runs with `tokdrift history add`")
    output = _default_output(output, "TRENDS.html")
    return _Rendered([("--output", output, render_history_html(runs).encode())], []).write([("the history", history)])
