"""`tokdrift merge`: baseline shards from a CI matrix or a cluster, back into one artifact."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tokdrift_cli.cli.console import err_console, print_next


def merge(
    shards: Annotated[list[Path], typer.Argument(help="Baseline artifacts made with `baseline --shard K/N`, all N.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the merged baseline.")] = Path(
        "baseline.json"
    ),
    suite: Annotated[
        Path | None,
        typer.Option("--suite", help="The suite the shards ran (default: the path recorded in them)."),
    ] = None,
) -> None:
    """Merge baseline shards into the artifact one unsharded run would have written.

    Every case is taken as it is from its shard and the figures are recomputed over all of
    them. Refused (exit 2): a shard missing or given twice, shards made with another config,
    model, program or suite. Wall time and LM calls are the sums over the shards.
    """
    from tokdrift_cli.cli.commands.baseline import check_failure_share
    from tokdrift_cli.cli.render import baseline_table
    from tokdrift_cli.workflows.merge_run import run_merge

    merged = run_merge(shards, output, suite)
    console = err_console()
    console.print(baseline_table(merged))
    console.print(f"merged {len(shards)} shard(s), {len(merged.cases)} cases: wrote {output}")
    check_failure_share(merged.summary, merged.config.max_failure_share, len(merged.generations()))
    print_next("analyze", output, "--output", "analysis.json", why="find the fragile prompts")
