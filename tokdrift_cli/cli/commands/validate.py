"""`tokdrift validate`: prove an improvement with paired statistics, or gate a baseline in CI."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import annotated_types
import typer
from rich.table import Table
from rich.text import Text

from tokdrift_cli.cli import options
from tokdrift_cli.cli.console import append_step_summary, err_console, print_next
from tokdrift_cli.core.gates import VERDICTS, GateResult, GateSettings, gates_exit_code

if TYPE_CHECKING:
    from tokdrift_cli.artifacts.validation import ValidationArtifact
    from tokdrift_cli.errors import ExitCode

GATES_PANEL = "Gates"
OFF_WORDS = ("off", "none", "no", "false")
# Defaults and ranges are GateSettings' own: declared once, there.
DEFAULTS = GateSettings()


class ValidateFormat(StrEnum):
    NONE = "none"
    JSON = "json"
    JUNIT = "junit"
    GITHUB = "github"
    MARKDOWN = "markdown"


class InconclusiveAs(StrEnum):
    FAILURE = "failure"
    SKIP = "skip"


class AccuracyOn(StrEnum):
    REQUESTS = "requests"
    INPUTS = "inputs"


class GateOn(StrEnum):
    MEAN = "mean"
    LOWER_BOUND = "lower-bound"


class ChangeGate(StrEnum):
    POINT = "point"
    LOWER_BOUND = "lower-bound"


DEFAULT_GATE_ON = GateOn(DEFAULTS.gate_on)
DEFAULT_ROBUSTNESS_GATE = ChangeGate(DEFAULTS.robustness_gate)
DEFAULT_ACCURACY_GATE = ChangeGate(DEFAULTS.accuracy_gate)
DEFAULT_ACCURACY_ON = AccuracyOn(DEFAULTS.accuracy_on)


def _bounds(setting: str) -> tuple[float, float | None, bool, bool]:
    """(low, high, low open, high open) of a GateSettings field, read from its declared constraints."""
    low: float = 0.0
    high: float | None = None
    low_open = high_open = False
    for constraint in GateSettings.model_fields[setting].metadata:
        match constraint:
            case annotated_types.Ge(ge=bound):
                low, low_open = bound, False
            case annotated_types.Gt(gt=bound):
                low, low_open = bound, True
            case annotated_types.Le(le=bound):
                high, high_open = bound, False
            case annotated_types.Lt(lt=bound):
                high, high_open = bound, True
    return low, high, low_open, high_open


def _switchable(kind: type, setting: str) -> Callable[[Any], Any]:
    """A parser for a gate threshold that also accepts ``off`` (from the command line, environment or pyproject)."""
    low, high, low_open, high_open = _bounds(setting)

    def parse(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, str) and value.strip().lower() in OFF_WORDS:
            return None
        if isinstance(value, bool):
            raise typer.BadParameter(f"{value!r} is not a number or 'off'")
        try:
            number = kind(value)
        except (TypeError, ValueError):
            raise typer.BadParameter(
                f"{value!r} is not a{'n integer' if kind is int else ' number'} or 'off'"
            ) from None
        too_low = number <= low if low_open else number < low
        too_high = high is not None and (number >= high if high_open else number > high)
        if too_low or too_high:
            opening = "(" if low_open else "["
            closing = ")" if high_open or high is None else "]"
            span = f"{opening}{kind(low)}, {kind(high) if high is not None else 'inf'}{closing}"
            raise typer.BadParameter(f"{number} is not in {span} (or 'off')")
        return number

    return parse


def validate(
    ctx: typer.Context,
    after: Annotated[Path, typer.Option("--after", help="The baseline to gate (e.g. run with the optimized program).")],
    before: Annotated[
        Path | None, typer.Option("--before", help="The baseline to compare with; enables the paired statistics.")
    ] = None,
    fail_under: Annotated[
        float | None,
        typer.Option(
            "--fail-under",
            envvar="TOKDRIFT_FAIL_UNDER",
            parser=_switchable(float, "fail_under"),
            metavar="FLOAT|off",
            help="Fail when the after baseline's pooled robustness (or its lower bound) is below this; "
            "inconclusive (exit 3) when its undecided variants could turn the result either way.",
            rich_help_panel=GATES_PANEL,
        ),
    ] = DEFAULTS.fail_under,
    gate_on: Annotated[
        GateOn,
        typer.Option(
            "--gate-on",
            help="Gate on the pooled rate (mean) or its Wilson lower bound "
            "(an interval straddling the threshold is inconclusive).",
            rich_help_panel=GATES_PANEL,
        ),
    ] = DEFAULT_GATE_ON,
    alpha: Annotated[
        float | None,
        typer.Option(
            "--alpha",
            parser=_switchable(float, "alpha"),
            metavar="FLOAT|off",
            help="Significance level of the one-sided Wilcoxon test (needs --before); intervals are at 1 - alpha.",
            rich_help_panel=GATES_PANEL,
        ),
    ] = DEFAULTS.alpha,
    min_robustness_gain: Annotated[
        float | None,
        typer.Option(
            "--min-robustness-gain",
            parser=_switchable(float, "min_robustness_gain"),
            metavar="FLOAT|off",
            help="Smallest allowed mean per-prompt robustness gain, after - before (needs --before).",
            rich_help_panel=GATES_PANEL,
        ),
    ] = DEFAULTS.min_robustness_gain,
    robustness_gate: Annotated[
        ChangeGate,
        typer.Option(
            "--robustness-gate",
            help="Gate the robustness gain on its point estimate, or on the lower end of its paired bootstrap "
            "interval (an interval straddling the limit is inconclusive, exit 3).",
            rich_help_panel=GATES_PANEL,
        ),
    ] = DEFAULT_ROBUSTNESS_GATE,
    max_accuracy_drop: Annotated[
        float | None,
        typer.Option(
            "--max-accuracy-drop",
            parser=_switchable(float, "max_accuracy_drop"),
            metavar="FLOAT|off",
            help="Largest allowed absolute drop in accuracy against gold (needs --before).",
            rich_help_panel=GATES_PANEL,
        ),
    ] = DEFAULTS.max_accuracy_drop,
    accuracy_on: Annotated[
        AccuracyOn,
        typer.Option(
            "--accuracy-on",
            help="Measure the accuracy drop on every input (each request and variant against the prompt's gold, "
            "prompts resampled by the bootstrap) or on the requests (one per prompt).",
            rich_help_panel=GATES_PANEL,
        ),
    ] = DEFAULT_ACCURACY_ON,
    accuracy_gate: Annotated[
        ChangeGate,
        typer.Option(
            "--accuracy-gate",
            help="Gate the accuracy change on its point estimate (>= -max-accuracy-drop), or, as a "
            "non-inferiority test, on the lower end of its paired bootstrap interval (straddling: exit 3).",
            rich_help_panel=GATES_PANEL,
        ),
    ] = DEFAULT_ACCURACY_GATE,
    max_latency_increase: Annotated[
        float | None,
        typer.Option(
            "--max-latency-increase",
            parser=_switchable(float, "max_latency_increase"),
            metavar="FLOAT|off",
            help="Largest allowed relative increase of the median latency per generation (needs --before).",
            rich_help_panel=GATES_PANEL,
        ),
    ] = DEFAULTS.max_latency_increase,
    min_fixed: Annotated[
        int | None,
        typer.Option(
            "--min-fixed",
            parser=_switchable(int, "min_fixed"),
            metavar="N|off",
            help="Fragile prompts an improvement must fix (capped at how many were fragile before).",
            rich_help_panel=GATES_PANEL,
        ),
    ] = DEFAULTS.min_fixed,
    fragile_threshold: Annotated[
        float,
        typer.Option(
            "--fragile-threshold",
            min=0.0,
            max=1.0,
            help="A prompt below this robustness is fragile.",
            rich_help_panel=GATES_PANEL,
        ),
    ] = DEFAULTS.fragile_threshold,
    allow_mismatch: Annotated[
        bool,
        typer.Option(
            "--allow-mismatch",
            help="Pair only the cases present in both baselines with identical variant texts, instead of refusing.",
        ),
    ] = False,
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the validation artifact.")] = Path(
        "validation.json"
    ),
    format: Annotated[  # the option is --format, so its pyproject key is `format`
        ValidateFormat,
        typer.Option(
            "--format",
            help="Also print the result on stdout: the artifact (json), JUnit XML, GitHub annotations "
            "(also appended to $GITHUB_STEP_SUMMARY) or the improvement report (markdown).",
        ),
    ] = ValidateFormat.NONE,
    inconclusive_as: Annotated[
        InconclusiveAs,
        typer.Option(
            "--inconclusive-as",
            envvar="TOKDRIFT_INCONCLUSIVE_AS",
            help="How --format junit reports an inconclusive gate: a failure (dashboards then show it) or "
            "skipped. The exit code (3) is the same either way.",
        ),
    ] = InconclusiveAs.FAILURE,
    seed: options.SeedOption = 0,
) -> None:
    """Compare a before and an after baseline with paired statistics, and gate the result.

    With --before: a one-sided paired Wilcoxon test, a paired bootstrap interval of the mean
    difference and an exact McNemar test on accuracy flips; gates on robustness, its gain,
    significance, accuracy (over every input by default), latency and fragile prompts fixed, and
    the minimum detectable change at this n. Without it: gate one baseline's robustness.

    Exit 0: every gate passed. 1: a gate failed. 2: bad input. 3: inconclusive (too little data).
    """
    from tokdrift_cli.workflows.validate_run import run_validate

    settings = options.config_from(ctx, GateSettings)
    validation = run_validate(before, after, output, settings, allow_mismatch=allow_mismatch, seed=seed)
    code = gates_exit_code(validation.gates)
    _print_gates(validation, code, output)
    if before is not None:
        print_next("report", output, why="IMPROVEMENT_REPORT.md")
    _emit(validation, format, inconclusive_as)
    raise typer.Exit(code)


_VERDICT_STYLE = {"passed": "bold green", "failed": "bold red", "inconclusive": "bold yellow"}


def _print_gates(validation: ValidationArtifact, code: ExitCode, output: Path) -> None:
    """The gate table, then one unwrapped line per gate with its exact figure (what a CI log reader greps for)."""
    console = err_console()
    console.print(gate_table(validation))
    if validation.statistics is not None and validation.statistics.detectable is not None:
        from tokdrift_cli.reports.power import detectable_sentence

        console.print(Text(detectable_sentence(validation.statistics.detectable)))
    for gate in validation.gates:
        label, style = _LINE_LABEL[gate.status]
        console.print(Text.assemble((label, style), f"{gate.name}: {gate.explanation}"))
    verdict = VERDICTS[code]
    console.print(
        Text.assemble(("verdict: ", "bold"), (verdict, _VERDICT_STYLE[verdict]), f" (exit {int(code)}); wrote {output}")
    )


def _emit(validation: ValidationArtifact, output_format: ValidateFormat, inconclusive_as: InconclusiveAs) -> None:
    if output_format is ValidateFormat.NONE:
        return
    if output_format is ValidateFormat.JSON:
        from tokdrift_cli.artifacts.io import dump_artifact

        typer.echo(dump_artifact(validation).decode(), nl=False)
    elif output_format is ValidateFormat.JUNIT:
        from tokdrift_cli.reports.ci_formats import render_junit

        typer.echo(render_junit(validation, inconclusive_as=inconclusive_as.value), nl=False)
    elif output_format is ValidateFormat.GITHUB:
        from tokdrift_cli.reports.ci_formats import render_github

        annotations, step_summary = render_github(validation)
        typer.echo(annotations, nl=False)
        append_step_summary(step_summary)
    else:
        from tokdrift_cli.reports.improvement_markdown import render_improvement_report

        typer.echo(render_improvement_report(validation), nl=False)


_STATUS_STYLE = {"passed": "green", "failed": "bold red", "inconclusive": "yellow", "skipped": "dim"}
_LINE_LABEL = {
    "passed": ("passed: ", "green"),
    "failed": ("gate failed: ", "bold red"),
    "inconclusive": ("inconclusive: ", "bold yellow"),
    "skipped": ("skipped: ", "dim"),
}


def _figure(gate: GateResult, value: float | None) -> str:
    if value is None:
        return "n/a"
    if gate.name == "fragile_fixed" and float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def gate_table(validation: ValidationArtifact) -> Table:
    pairing = validation.pairing
    title = f"tokdrift validate · {pairing.paired_cases} prompts" + (
        f" ({pairing.dropped_cases} dropped)" if pairing.dropped_cases else ""
    )
    table = Table(title=title)
    table.add_column("gate", style="bold")
    table.add_column("status")
    table.add_column("figure (exact)", justify="right", no_wrap=True)
    table.add_column("threshold", justify="right", no_wrap=True)
    table.add_column("n", justify="right")
    for gate in validation.gates:
        table.add_row(
            gate.name,
            Text(gate.status, style=_STATUS_STYLE[gate.status]),
            _figure(gate, gate.value),
            _figure(gate, gate.threshold),
            "" if gate.n is None else str(gate.n),
        )
    return table
