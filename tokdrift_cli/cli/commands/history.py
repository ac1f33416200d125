"""`tokdrift history add | show | check`: remember each run, show the trend, alert on a regression."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from tokdrift_cli.cli.command import TokdriftTyper
from tokdrift_cli.cli.console import append_step_summary, err_console, out_console
from tokdrift_cli.core.gates import gates_exit_code
from tokdrift_cli.core.trend import TrendSettings

if TYPE_CHECKING:
    from tokdrift_cli.artifacts.history import HistoryRun

history_app = TokdriftTyper(
    help="Keep a history of runs in a JSONL file, show its trend and check the newest run for a regression.",
    no_args_is_help=True,
)

DEFAULTS = TrendSettings()
HistoryFileOption = Annotated[
    Path,
    typer.Option(
        "--history", envvar="TOKDRIFT_HISTORY", help="The history file (JSONL, one line per run; commit it)."
    ),
]
SuiteFilter = Annotated[
    str | None, typer.Option("--suite", help="Only runs of this suite (its file name, or a prefix of its hash).")
]
ModelFilter = Annotated[
    str | None, typer.Option("--model", help="Only runs of this model (as given to --model, or its id).")
]
DEFAULT_HISTORY = Path("tokdrift-history.jsonl")


class ShowFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    MARKDOWN = "markdown"
    GITHUB = "github"


class CheckFormat(StrEnum):
    NONE = "none"
    MARKDOWN = "markdown"
    GITHUB = "github"
    JUNIT = "junit"


@history_app.command("add")
def add(
    artifacts: Annotated[
        list[Path], typer.Argument(help="Baseline or validation artifacts to record.", show_default=False)
    ],
    history: HistoryFileOption = DEFAULT_HISTORY,
    no_git: Annotated[
        bool,
        typer.Option(
            "--no-git", help="Record no git commit and branch (for runs measured at another commit than this one)."
        ),
    ] = False,
) -> None:
    """Record the headline of each run (baseline or validation) at the end of the history file.

    Each line keeps the figures with their n and intervals, the suite, model, program and tokdrift
    versions, the git commit and branch (inside a repository) and the run's time. A run already in
    the file (the same artifact, or a validation of a recorded baseline) is skipped. Two processes
    may add to one file at once.
    """
    from tokdrift_cli.workflows.history_run import add_to_history

    appended = add_to_history(history, artifacts, with_git=not no_git)
    console = err_console()
    for run in appended.added:
        console.print(f"recorded run {run.run_id} ({run.source.path}) in {history}", markup=False)
    for run in appended.already_recorded:
        console.print(f"already recorded: run {run.run_id} ({run.source.path})", markup=False)


@history_app.command("show")
def show(
    history: HistoryFileOption = DEFAULT_HISTORY,
    suite: SuiteFilter = None,
    model: ModelFilter = None,
    last: Annotated[int | None, typer.Option("--last", min=1, help="Only the last N runs.")] = None,
    output_format: Annotated[
        ShowFormat,
        typer.Option(
            "--format",
            help="A table, the lines as a JSON array, markdown tables with spark lines, or that markdown also "
            "appended to $GITHUB_STEP_SUMMARY (github).",
        ),
    ] = ShowFormat.TABLE,
) -> None:
    """Print the recorded runs, oldest first, one table per suite and model."""
    from tokdrift_cli.workflows.history_run import load_selection

    runs = load_selection(history, suite=suite, model=model)
    runs = runs[-last:] if last else runs
    if output_format is ShowFormat.JSON:
        import orjson

        payload = [run.model_dump(mode="json") for run in runs]
        typer.echo(orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode())
    elif output_format is ShowFormat.TABLE:
        from tokdrift_cli.reports.history_text import by_series

        for title, members in by_series(runs):
            out_console().print(_runs_table(title, members))
    else:
        from tokdrift_cli.reports.history_text import trend_markdown

        text = trend_markdown(runs)
        typer.echo(text, nl=False)
        if output_format is ShowFormat.GITHUB:
            append_step_summary("## tokdrift history\n\n" + text)


def _runs_table(title: str, runs: list[HistoryRun]) -> Table:
    from tokdrift_cli.artifacts.history import METRICS

    table = Table(title=title)
    for header in ("run", "time (UTC)", "commit", "program", *METRICS, "tokdrift"):
        table.add_column(header, no_wrap=header in ("run", "commit"))
    for run in runs:
        figures = [read(run.headline) for read in METRICS.values()]
        table.add_row(
            run.run_id,
            run.run_time.strftime("%Y-%m-%d %H:%M"),
            run.git.commit[:8] if run.git else "",
            run.program,
            *("not measured" if figure is None else figure.format() for figure in figures),
            run.source.tool_version,
        )
    return table


_STATUS_STYLE = {"passed": "green", "failed": "bold red", "inconclusive": "bold yellow", "skipped": "dim"}


@history_app.command("check")
def check(
    history: HistoryFileOption = DEFAULT_HISTORY,
    suite: SuiteFilter = None,
    model: ModelFilter = None,
    window: Annotated[
        int, typer.Option("--window", min=2, help="Compare the newest run with the pooled last N comparable runs.")
    ] = DEFAULTS.window,
    alpha: Annotated[
        float, typer.Option("--alpha", min=0.0001, max=0.5, help="Significance level of the one-sided tests.")
    ] = DEFAULTS.alpha,
    max_drop: Annotated[
        float | None,
        typer.Option(
            "--max-drop",
            min=0.0,
            max=1.0,
            help="Also fail when a figure drops by more than this (absolute, e.g. 0.05), significant or not.",
        ),
    ] = DEFAULTS.max_drop,
    output_format: Annotated[
        CheckFormat,
        typer.Option(
            "--format",
            help="Also print the result on stdout: GitHub annotations (and a trend summary appended to "
            "$GITHUB_STEP_SUMMARY), JUnit XML or markdown.",
        ),
    ] = CheckFormat.NONE,
) -> None:
    """Check the newest run against the previous comparable run and the last N (same suite and model).

    A significant drop (validate's paired test when both runs' baselines are at hand, else Fisher's
    exact test on the recorded counts) or one larger than --max-drop fails.

    Exit 0: no regression. 1: a regression. 2: bad input. 3: undecidable (no earlier comparable run, n = 0).
    """
    from tokdrift_cli.reports.history_text import check_github, check_junit, check_markdown
    from tokdrift_cli.workflows.history_run import run_check

    settings = TrendSettings(alpha=alpha, max_drop=max_drop, window=window)
    result, trend = run_check(history, settings, suite=suite, model=model)
    code = gates_exit_code(result.checks)
    console = err_console()
    for item in result.checks:
        console.print(Text.assemble((f"{item.status}: ", _STATUS_STYLE[item.status]), f"{item.name}: {item.explanation}"))
    console.print(f"verdict: exit {int(code)}")
    if output_format is CheckFormat.GITHUB:
        annotations, summary = check_github(result, trend)
        typer.echo(annotations, nl=False)
        append_step_summary(summary)
    elif output_format is CheckFormat.JUNIT:
        typer.echo(check_junit(result), nl=False)
    elif output_format is CheckFormat.MARKDOWN:
        typer.echo(check_markdown(result, trend), nl=False)
    raise typer.Exit(code)
