"""Human-readable summaries of artifacts (rich tables on stderr)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:  # annotations only: keeps `tokdrift --help` from importing scipy and pydantic models
    from tokdrift_cli.artifacts.analysis import AnalysisArtifact
    from tokdrift_cli.artifacts.baseline import BaselineArtifact, GroupSensitivity
    from tokdrift_cli.artifacts.code_baseline import CodeBaselineArtifact
    from tokdrift_cli.core.equivalence import IRComparison
    from tokdrift_cli.core.equivalence.verdicts import FieldVerdict
    from tokdrift_cli.core.stats import RateEstimate


def sensitivity_text(sensitivity: RateEstimate | None, undecided: RateEstimate | None = None) -> str:
    """Sensitivity over decided controls, with the undecided ones beside it; never 0 when not measured."""
    if sensitivity is None:
        return "not measured (run with --controls N)"
    apart = "" if undecided is None else f"; undecided {undecided.successes} of {undecided.n} compared"
    return sensitivity.format() + apart


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


UNDECIDED_LABEL = "undecided share (in no robustness figure)"


def _measured(cases: int, unmeasured: list[str], unmeasurable: list[str]) -> str:
    text = f"{cases - len(unmeasured)} measured"
    return text + (f"; {len(unmeasurable)} unmeasurable, every variant undecided" if unmeasurable else "")


def baseline_table(artifact: BaselineArtifact) -> Table:
    summary = artifact.summary
    table = Table(title=f"tokdrift baseline · {artifact.provenance.model_id}", show_header=False)
    table.add_column("metric", style="bold")
    table.add_column("value")
    table.add_row("cases / variants", f"{summary.cases} / {summary.variants}")
    table.add_row("robustness (pooled, decided variants)", summary.robustness.format())
    table.add_row(UNDECIDED_LABEL, summary.undecided_share.format())
    table.add_row("mean prompt robustness", _pct(summary.mean_prompt_robustness))
    table.add_row("accuracy vs gold", summary.accuracy.format())
    table.add_row("robust accuracy", summary.robust_accuracy.format())
    if summary.gold_undecided_cases:
        table.add_row("gold verdicts undecided (not counted right)", f"{len(summary.gold_undecided_cases)} prompts")
    table.add_row(
        "sensitivity (controls whose IR changed)",
        sensitivity_text(summary.sensitivity, summary.sensitivity_undecided_share),
    )
    table.add_row(
        f"fragile prompts (< {summary.fragile_threshold:.0%})",
        f"{len(summary.fragile_cases)} of "
        + _measured(summary.cases, summary.unmeasured_cases, summary.unmeasurable_cases),
    )
    table.add_row("schema-valid answers", summary.schema_valid.format())
    table.add_row("LM calls (this run / reused)", f"{summary.lm_calls} / {summary.resumed_generations} generations reused")
    if summary.judge is not None:
        judge = summary.judge
        table.add_row(
            f"judge {judge.model_id}",
            f"{judge.questions} questions, {judge.cache_hits} from the cache, {judge.failures} failed; "
            f"{judge.lm_calls} LM calls, {judge.input_tokens} / {judge.output_tokens} tokens in / out",
        )
    table.add_row("median latency per generation", "n/a" if summary.median_latency_s is None else f"{summary.median_latency_s:.2f} s")
    table.add_row("wall time", f"{summary.wall_time_s:.1f} s")
    return table


def code_baseline_table(artifact: CodeBaselineArtifact) -> Table:
    summary = artifact.summary
    config = artifact.config
    generator = f"{config.code_generator} code generator" + (
        f" · {artifact.provenance.model_id}" if artifact.provenance.model_id else ""
    )
    table = Table(title=f"tokdrift {summary.stage.value} · {generator}", show_header=False)
    table.add_column("metric", style="bold")
    table.add_column("value")
    table.add_row("cases / variants", f"{summary.cases} / {summary.variants}")
    table.add_row("code robustness (pooled)", summary.robustness.format())
    table.add_row("mean prompt robustness", _pct(summary.mean_prompt_robustness))
    table.add_row("tests passed (original)", summary.pass_rate.format())
    table.add_row("tests passed (original and every variant)", summary.robust_pass_rate.format())
    table.add_row(
        f"fragile cases (< {summary.fragile_threshold:.0%})",
        f"{len(summary.fragile_cases)} of {summary.cases - len(summary.unmeasured_cases)} measured",
    )
    methods = ", ".join(f"{name} {count}" for name, count in summary.verdict_methods.items()) or "none"
    table.add_row("verdicts by", methods)
    table.add_row("failed generations", str(summary.failed_generations))
    table.add_row("LM calls (this run / reused)", f"{summary.lm_calls} / {summary.resumed_generations} generations reused")
    behind = f" behind {summary.sandbox}" if summary.sandbox else ""
    table.add_row("sandbox runs", f"{summary.sandbox_runs} in {summary.sandbox_s:.1f} s{behind}")
    table.add_row("median latency per generation", "n/a" if summary.median_latency_s is None else f"{summary.median_latency_s:.2f} s")
    table.add_row("wall time", f"{summary.wall_time_s:.1f} s")
    return table


def sensitivity_table(title: str, rows: list[GroupSensitivity]) -> Table:
    """Flip rate per key; an undecided column where the verdicts can be undecided (the IR stage)."""
    undecided = any(row.undecided_share is not None for row in rows)
    table = Table(title=title)
    table.add_column("rule or family")
    table.add_column("flips", justify="right")
    table.add_column("decided variants" if undecided else "variants", justify="right")
    table.add_column("flip rate [95% CI]", justify="right")
    if undecided:
        table.add_column("undecided", justify="right")
    for row in sorted(rows, key=lambda r: -(r.flip_rate.rate or 0)):
        cells = [row.key, str(row.flips), str(row.n), row.flip_rate.format()]
        if undecided:
            share = row.undecided_share
            cells.append("n/a" if share is None else f"{share.successes}/{share.n}")
        table.add_row(*cells)
    return table


_OVERALL_TITLES = {"same": "equivalent", "different": "NOT equivalent", "undecided": "undecided"}
_VERDICT_CELLS = {"same": "same", "different": "[red]differs[/red]", "undecided": "[yellow]undecided[/yellow]"}


def _counted_cell(verdict: FieldVerdict, comparison: IRComparison) -> str:
    """How a field enters the outcome: not at all, as given, or (free text called different) as undecided."""
    if verdict.field not in comparison.counted_fields:
        return "no"
    return "as undecided" if verdict.counted_outcome is not verdict.outcome else "yes"


def comparison_table(comparison: IRComparison) -> Table:
    table = Table(title=f"IR comparison · {_OVERALL_TITLES[comparison.outcome.value]}")
    table.add_column("field")
    table.add_column("verdict")
    table.add_column("decided by")
    table.add_column("counted")
    table.add_column("reason")
    for verdict in comparison.verdicts:
        table.add_row(
            verdict.field.value,
            _VERDICT_CELLS[verdict.outcome.value],
            verdict.tier.value,
            _counted_cell(verdict, comparison),
            escape(verdict.reason),
        )
    return table


def analysis_table(analysis: AnalysisArtifact) -> Table:
    summary = analysis.summary
    table = Table(title=f"tokdrift analyze · {analysis.provenance.model_id}", show_header=False)
    table.add_column("metric", style="bold")
    table.add_column("value")
    measured = f"{summary.measured_cases} of {summary.cases}"
    if summary.unmeasurable_cases:
        measured += f" ({len(summary.unmeasurable_cases)} unmeasurable: every variant undecided)"
    table.add_row("measured prompts", measured)
    table.add_row(
        f"fragile (< {analysis.config.fragile_threshold:.0%})",
        f"{summary.fragile_count}  (P0 {summary.priorities['P0']} · P1 {summary.priorities['P1']} · P2 {summary.priorities['P2']})",
    )
    table.add_row("robustness (pooled, decided variants)", summary.robustness.format())
    table.add_row(UNDECIDED_LABEL, "not recorded" if summary.undecided_share is None else summary.undecided_share.format())
    table.add_row("accuracy", summary.accuracy.format())
    table.add_row("robust accuracy", summary.robust_accuracy.format())
    table.add_row("accuracy drop under variants", _pct(summary.accuracy_drop))
    table.add_row(
        "sensitivity (controls whose IR changed)",
        sensitivity_text(summary.sensitivity, summary.sensitivity_undecided_share),
    )
    if summary.sensitivity is not None:
        table.add_row(
            f"ignore meaning changes (< {analysis.config.sensitivity_threshold:.0%})",
            f"{summary.insensitive_count} of {len(analysis.prompt_sensitivity)} prompts with controls",
        )
    noise = analysis.noise_floor
    floor = noise.disagreement.format() if noise.disagreement else "not measured"
    if noise.undecided_share is not None and noise.undecided_share.successes:
        floor += f"; {noise.undecided_share.successes}/{noise.undecided_share.n} repeats undecided"
    table.add_row("noise floor", floor)
    top = [flip for flip in analysis.field_flips if flip.flips][:3]
    table.add_row("fields that flip most", ", ".join(f"{f.field.value} ({f.flips})" for f in top) or "none")
    return table
