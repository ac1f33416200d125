"""`tokdrift analyze` and `tokdrift report`."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tokdrift_cli.cli import options
from tokdrift_cli.cli.console import err_console, out_console, print_next

if TYPE_CHECKING:
    from tokdrift_cli.artifacts.analysis import AnalysisArtifact


class AnalyzeFormat(StrEnum):
    NONE = "none"
    JSON = "json"
    MARKDOWN = "markdown"


def analyze(
    baseline: Annotated[Path, typer.Argument(help="A baseline artifact written by `tokdrift baseline`.")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Where to write the analysis artifact.")] = Path(
        "analysis.json"
    ),
    fragile_threshold: options.FragileThresholdOption = 0.9,
    old_threshold: Annotated[
        float | None,
        typer.Option("--threshold", min=0.0, max=1.0, hidden=True, help="Old name of --fragile-threshold."),
    ] = None,
    confidence: Annotated[float, typer.Option("--confidence", min=0.5, max=0.999, help="Level of every interval.")] = 0.95,
    sensitivity_threshold: Annotated[
        float,
        typer.Option(
            "--sensitivity-threshold",
            min=0.0,
            max=1.0,
            help="A prompt whose sensitivity (share of controls that change its IR) is below this ignores meaning "
            "changes (needs a baseline run with --controls N).",
        ),
    ] = 0.5,
    output_format: Annotated[
        AnalyzeFormat, typer.Option("--format", help="Also print the analysis on stdout as JSON or markdown.")
    ] = AnalyzeFormat.NONE,
) -> None:
    """Find the fragile prompts (robustness below the threshold) and the rewrite patterns that break them.

    Each fragile prompt gets n, a Wilson interval and a priority (P0-P2: severity, certainty, and
    whether accuracy breaks); rules and families get their flip rate; categories get accuracy,
    robust accuracy and its drop. A baseline run with --controls N also gives sensitivity, and a
    list of its own for the prompts whose generator ignores meaning changes (P0-P1: no control
    changed the IR, the whole interval is below the sensitivity threshold).
    """
    from tokdrift_cli.cli.render import analysis_table, sensitivity_table
    from tokdrift_cli.workflows.analyze_run import run_analyze

    if old_threshold is not None:
        err_console().print("--threshold (TOKDRIFT_THRESHOLD, `threshold` in pyproject.toml) is the old name of "
                            "--fragile-threshold, and will go", markup=False)
        fragile_threshold = old_threshold
    analysis = run_analyze(
        baseline, output, threshold=fragile_threshold, confidence=confidence, sensitivity_threshold=sensitivity_threshold
    )
    console = err_console()
    console.print(analysis_table(analysis))
    console.print(sensitivity_table("sensitivity per family (flip rate)", analysis.per_family))
    for line in standing_out(analysis):
        console.print(line, markup=False)
    if output is not None:
        console.print(f"wrote {output}")
        print_next("report", output, "--html", "report.html", why="FRAGILE_PROMPTS.md and an HTML report")
    if output_format is AnalyzeFormat.JSON:
        out_console().print_json(analysis.model_dump_json())
    elif output_format is AnalyzeFormat.MARKDOWN:
        from tokdrift_cli.reports.fragile_markdown import render_fragile_prompts

        out_console().print(render_fragile_prompts(analysis), markup=False, end="")


def standing_out(analysis: AnalysisArtifact) -> list[str]:
    """The families and rules that flip prompts more or fewer than the other rewrites, Holm-corrected."""
    from tokdrift_cli.reports import pattern_flags

    alpha = 1.0 - analysis.config.confidence
    lines = []
    for what, tests in (("families", analysis.family_tests), ("rules", analysis.rule_tests)):
        if tests is None:
            continue
        flagged = [
            f"{test.key} ({test.direction}, mean {test.mean_difference:+.2f}, Holm p {test.p_adjusted:.3g}, "
            f"n={test.n_prompts} prompts)"
            for test in pattern_flags.flagged(tests)
        ]
        tested = pattern_flags.tested(tests)
        found = "; ".join(flagged) if flagged else "none"
        lines.append(
            f"{what} that flip prompts more or fewer than the other rewrites of the same prompts (Holm over "
            f"{tested} tested, alpha {alpha:.2g}): {found}"
        )
    return lines


def report(
    artifacts: Annotated[
        list[Path] | None,
        typer.Argument(
            help="One analysis artifact (`tokdrift analyze`), one validation artifact (`tokdrift validate`), "
            "or one or more baseline artifacts of any stage (`tokdrift baseline`, `ir-to-code`, `end-to-end`).",
            show_default=False,
        ),
    ] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="The markdown report to write.")] = Path(
        "FRAGILE_PROMPTS.md"
    ),
    html: Annotated[Path | None, typer.Option("--html", help="Also write a self-contained HTML report with charts.")] = None,
    issues_dir: Annotated[
        Path | None, typer.Option("--issues-dir", help="Also write one markdown issue draft per fragile area here.")
    ] = None,
    history: Annotated[
        Path | None,
        typer.Option(
            "--history",
            help="Instead of artifacts, a run history (`tokdrift history add`): write an HTML page of its trends "
            "to --output (TRENDS.html when --output is left at its default).",
        ),
    ] = None,
) -> None:
    """Regenerate a markdown report (and optionally an HTML report and issue drafts) from artifacts.

    An analysis gives FRAGILE_PROMPTS.md; a validation gives IMPROVEMENT_REPORT.md; one or more
    baselines of any stage (ir, ir-to-code, end-to-end) give STAGES.md, per-stage robustness side by
    side. The last two are written there when --output is left at its default, and take neither
    --html nor --issues-dir. The output depends only on the artifacts: the same inputs give the same bytes.
    A run history (--history) gives TRENDS.html: each figure over time, one line per suite and model.
    """
    from tokdrift_cli.workflows.analyze_run import run_report

    written = run_report(artifacts or [], output, html=html, issues_dir=issues_dir, history=history)
    for path in written.paths:
        err_console().print(f"wrote {path}")
