"""`tokdrift optimize`: tune the IR generator with a robustness-aware metric."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tokdrift_cli.artifacts.program import CandidateRecord
from tokdrift_cli.cli import options
from tokdrift_cli.cli.console import err_console, print_fields, print_next
from tokdrift_cli.engines.resolve import DEFAULT_REQUEST_TIMEOUT

if TYPE_CHECKING:
    from tokdrift_cli.workflows.optimize_run import OptimizeStage


class DemoPool(StrEnum):
    ALL = "all"
    MISSED = "missed"


class OptimizerChoice(StrEnum):
    BOOTSTRAP = "bootstrap"
    GOLD_DEMOS = "gold-demos"
    MIPRO = "mipro"
    COPRO = "copro"
    GEPA = "gepa"


def optimize(
    ctx: typer.Context,
    output: Annotated[Path, options.output_option("the program file")] = Path("program.json"),
    suite: options.SuiteOption = None,
    trainset: Annotated[
        Path | None,
        typer.Option("--trainset", help="Training lines (e.g. from `tokdrift augment`); only their train-split bases are used."),
    ] = None,
    optimizer: Annotated[
        OptimizerChoice,
        typer.Option(
            "--optimizer",
            help="bootstrap = BootstrapFewShotWithRandomSearch (needs no proposer); gold-demos = random search "
            "over sets of --max-labeled-demos gold demos from the train split (needs no proposer); mipro = MIPROv2; "
            "copro and gepa need --prompt-model.",
        ),
    ] = OptimizerChoice.BOOTSTRAP,
    model: options.ModelOption = "local",
    prompt_model: Annotated[
        str | None,
        typer.Option("--prompt-model", help="A stronger model that proposes instructions (MIPROv2, COPRO, GEPA).",
                     rich_help_panel=options.MODEL_PANEL),
    ] = None,
    api_base: options.ApiBaseOption = None,
    request_timeout: options.RequestTimeoutOption = DEFAULT_REQUEST_TIMEOUT,
    program: options.ProgramOption = "default",
    seed: options.SeedOption = 0,
    metric_variants: Annotated[
        int, typer.Option("--metric-variants", min=0, max=10, help="Variants per example the metric checks for drift.")
    ] = 2,
    max_bootstrapped_demos: Annotated[
        int,
        typer.Option(
            "--max-bootstrapped-demos", min=0, max=16,
            help="Demos a candidate may hold that the program itself answered right on train prompts (bootstrap, mipro).",
        ),
    ] = 3,
    max_labeled_demos: Annotated[
        int,
        typer.Option(
            "--max-labeled-demos", min=0, max=16,
            help="Demos a candidate may hold taken as they are from train prompts and their gold IRs.",
        ),
    ] = 4,
    candidates: Annotated[
        int, typer.Option("--candidates", min=1, max=64,
                          help="Random-search candidate programs (bootstrap, gold-demos).")
    ] = 4,
    max_errors: Annotated[
        int, typer.Option("--max-errors", min=1, help="Failed generations tolerated per evaluation before DSPy aborts.")
    ] = 1000,
    keep_accuracy: Annotated[
        bool,
        typer.Option(
            "--keep-accuracy/--metric-only",
            help="Candidates that beat the base program on dev are re-scored on every train and dev prompt "
            "their demos were not made from; keep only those at least as accurate there as the base program "
            "(default), or choose on the metric alone. The base program is kept if none qualifies.",
        ),
    ] = True,
    keep_base_demos: Annotated[
        bool,
        typer.Option(
            "--keep-base-demos/--replace-base-demos",
            help="Give every candidate the base program's demos after its own (they stay closest to the request), "
            "or let the optimizer's demos replace them (DSPy's own behaviour).",
        ),
    ] = False,
    base_demos_first: Annotated[
        bool,
        typer.Option(
            "--base-demos-first",
            help="With --keep-base-demos: put the base program's demos before the candidate's, so the optimizer's "
            "demos are closest to the request.",
        ),
    ] = False,
    demo_pool: Annotated[
        DemoPool,
        typer.Option(
            "--demo-pool",
            help="Train prompts the optimizer may draw demos from: all, or only those the base program gets "
            "wrong on the signature (missed), so the demos show the patterns it misses.",
        ),
    ] = DemoPool.ALL,
    dev_share: Annotated[
        float,
        typer.Option(
            "--dev-share", min=0.1, max=0.5,
            help="Share of the suite's prompts used to choose among candidates (test is always 40%, train the rest).",
        ),
    ] = 0.2,
    max_tokens: options.MaxTokensOption = 512,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit", min=1,
            help="Only the first N prompts of the suite, split as usual (40% test, --dev-share dev, the rest "
            "train); a quick trial of the settings before the whole suite.",
            rich_help_panel=options.RUN_PANEL,
        ),
    ] = None,
    restart: options.RestartOption = False,
    dry_run: options.DryRunOption = False,
) -> None:
    """Improve the IR generator's demos (and instructions) on train prompts, scored on dev prompts.

    The metric is accuracy * (0.5 + 0.5 * consistency): gold-field accuracy of the request's IR,
    discounted when its variants drift. The split is by base prompt; test prompts are never shown
    to the optimizer. Interrupt and re-run: finished LM calls come back from the cache beside the output.
    """
    from tokdrift_cli.artifacts.program import OptimizeConfig
    from tokdrift_cli.errors import InputError
    from tokdrift_cli.core.splits import split_fractions
    from tokdrift_cli.workflows.optimize_run import prepare_optimize
    from tokdrift_cli.workflows.run import run_with_resume

    if base_demos_first and not keep_base_demos:
        raise InputError("--base-demos-first orders the base program's demos: give --keep-base-demos too")
    config = options.config_from(
        ctx,
        OptimizeConfig,
        suite=options.suite_path(suite),
        trainset=str(trainset) if trainset else None,
        split_fractions=split_fractions(dev_share),
    )
    run = options.run_options(ctx)
    if dry_run:
        print_plan(prepare_optimize(config, program=program, api_base=api_base, max_tokens=max_tokens), max_tokens)
        return
    console = err_console()
    with console.status("optimizing (DSPy prints its own progress below)…") as status:

        def on_selection_prompt(done: int, total: int) -> None:
            status.update(f"re-scoring candidates on train and dev prompts: {done}/{total}")

        stage = prepare_optimize(
            config, program=program, api_base=api_base, max_tokens=max_tokens,
            on_selection_prompt=on_selection_prompt,
        )
        artifact = run_with_resume(stage, run).artifact
    scores = artifact.scores
    accuracy = ""
    if scores.baseline_dev_accuracy is not None and scores.optimized_dev_accuracy is not None:
        accuracy = f"dev accuracy {scores.baseline_dev_accuracy:.3f} -> {scores.optimized_dev_accuracy:.3f}; "
    console.print(
        f"dev score {scores.baseline_dev:.3f} -> {scores.optimized_dev:.3f} ({scores.metric}); {accuracy}"
        f"split train {len(artifact.split.train)} / dev {len(artifact.split.dev)} / test {len(artifact.split.test)}; "
        f"{artifact.lm_calls} LM calls (+{artifact.cached_calls} from cache); {artifact.wall_time_s:.0f} s"
    )
    for record in scores.selection:
        mark = "chosen" if record.chosen else ("eligible" if record.eligible else "less accurate")
        console.print(
            f"  {record.label}: {record.prompts} prompts, accurate {record.accurate} (base {record.base_accurate}"
            f"{_flips(record)}){_inputs(record)}, metric {record.score:.3f} (base {record.base_score:.3f}) - {mark}",
            markup=False,
        )
    from tokdrift_cli.stages.candidate_selection import BASE_LABEL

    if any(record.chosen and record.label == BASE_LABEL for record in scores.selection):
        console.print("no candidate beat the base program without losing accuracy: the file holds the base program")
    console.print(f"wrote {output}")
    print_next("baseline", "--split-from", output, "--output", "before.json",
               why="the base program on the held-out test prompts")
    print_next("baseline", "--program", output, "--output", "after.json", why="the optimized program on the same prompts")


def print_plan(stage: OptimizeStage, max_tokens: int) -> None:
    """The --dry-run figures, one per line on stdout."""
    from tokdrift_cli.workflows.optimize_plan import plan_optimize

    plan = plan_optimize(stage, max_tokens=max_tokens)
    cost = plan.cost
    bound = "at most" if plan.search_bounded else "at least"
    search = "" if plan.search_bounded else f", plus what --optimizer {stage.config.optimizer} searches itself"
    print_fields(
        [
            ("prompts", f"{plan.prompts} (train {plan.train} examples, dev {plan.dev}, test {plan.test} held out)"),
            ("evaluations", f"{bound} {plan.evaluations} (a request and its metric variants each){search}"),
            ("lm calls", f"{bound} {cost.lm_calls} (repeated requests are answered from the cache)"),
            ("input tokens (estimated)", f"{bound} {cost.input_tokens}, with the base program's demos"),
            ("output tokens (estimated)", f"{cost.output_tokens_typical} typical, at most {cost.output_tokens_max}"),
        ]
    )


def _flips(record: CandidateRecord) -> str:
    """'; lost 1 / gained 2': prompts the base program got right and this one not, and the reverse."""
    if record.lost is None or record.gained is None or record.dev_score is None:  # the base program itself
        return ""
    return f"; lost {record.lost} / gained {record.gained}"


def _inputs(record: CandidateRecord) -> str:
    """', inputs 48/75 (base 45)': signature accuracy on the requests and their metric variants."""
    if record.inputs is None or record.inputs_accurate is None or record.base_inputs_accurate is None:
        return ""
    return f", inputs {record.inputs_accurate}/{record.inputs} (base {record.base_inputs_accurate})"
