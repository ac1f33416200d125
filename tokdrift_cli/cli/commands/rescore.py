"""`tokdrift rescore`: a finished baseline judged again by this version's checker, with no model call."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tokdrift_cli.cli.console import err_console, print_next


def rescore(
    baseline: Annotated[Path, typer.Argument(help="A baseline artifact (any schema version tokdrift reads).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the rescored baseline.")] = Path(
        "rescored.json"
    ),
    suite: Annotated[
        Path | None,
        typer.Option("--suite", help="The suite the baseline ran (default: the path recorded in it)."),
    ] = None,
) -> None:
    """Judge every answer a baseline recorded again, with this version's equivalence checker.

    No model is called: the generations (originals, variants, repeats, controls) are taken as
    recorded and every comparison and figure is made again, so a baseline from an older tokdrift
    reads as this version would measure the same answers. Wall time, LM calls and cost stay the
    original run's. Refused (exit 2): a suite whose content changed since the run, a run judged
    by a judge model or stopped by --until-decided (re-run those with `tokdrift baseline`).
    """
    from tokdrift_cli.cli.commands.baseline import check_failure_share
    from tokdrift_cli.cli.render import baseline_table
    from tokdrift_cli.workflows.rescore_run import run_rescore

    rescored = run_rescore(baseline, output, suite)
    console = err_console()
    console.print(baseline_table(rescored))
    console.print(f"rescored {len(rescored.cases)} cases of {baseline} with no model call: wrote {output}")
    check_failure_share(rescored.summary, rescored.config.max_failure_share, len(rescored.generations()))
    print_next("analyze", output, "--output", "analysis.json", why="find the fragile prompts")
