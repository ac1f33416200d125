"""`tokdrift baseline`: measure robustness and accuracy of the IR generator on a suite."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Protocol

import typer

from tokdrift_cli.cli import options
from tokdrift_cli.cli.command import TokdriftCommand
from tokdrift_cli.cli.console import err_console, print_fields, print_next
from tokdrift_cli.cli.progress import GenerationProgress
from tokdrift_cli.core.decoding import ApiPrompt, StructuredOutput
from tokdrift_cli.core.failures import DEFAULT_MAX_FAILURE_SHARE
from tokdrift_cli.engines.resolve import DEFAULT_REQUEST_TIMEOUT
from tokdrift_cli.errors import BudgetReachedError, FailureLimitError, InputError

if TYPE_CHECKING:
    from rich.table import Table

    from tokdrift_cli.artifacts.baseline import BaselineSummary, GroupSensitivity, SequentialSettings
    from tokdrift_cli.programs.cost import CostEstimate, Price
    from tokdrift_cli.workflows.baseline_run import BaselinePlan


SEQUENTIAL_PANEL = "Sequential and budget"


class SplitChoice(StrEnum):
    TRAIN = "train"
    DEV = "dev"
    TEST = "test"
    ALL = "all"


def baseline(
    ctx: typer.Context,
    output: Annotated[Path, options.output_option("the baseline artifact (JSON)")] = Path("baseline.json"),
    suite: options.SuiteOption = None,
    model: options.ModelOption = "local",
    api_base: options.ApiBaseOption = None,
    structured_output: options.StructuredOutputOption = StructuredOutput.AUTO,
    api_prompt: options.ApiPromptOption = ApiPrompt.CHAT,
    judge_model: options.JudgeModelOption = None,
    program: options.ProgramOption = "default",
    variants_per_prompt: options.VariantsOption = 5,
    controls: options.ControlsOption = 0,
    seed: options.SeedOption = 0,
    temperature: options.TemperatureOption = 0.0,
    max_tokens: options.MaxTokensOption = 512,
    workers: options.WorkersOption = 1,
    max_cost: options.MaxCostOption = None,
    request_timeout: options.RequestTimeoutOption = DEFAULT_REQUEST_TIMEOUT,
    limit: options.LimitOption = None,
    case_ids: Annotated[
        list[str] | None,
        typer.Option(
            "--case",
            metavar="ID",
            help="Run only the prompt with this id (repeatable): to reproduce one prompt of a report.",
            rich_help_panel=options.RUN_PANEL,
        ),
    ] = None,
    fragile_threshold: options.FragileThresholdOption = 0.9,
    max_failure_share: options.MaxFailureShareOption = DEFAULT_MAX_FAILURE_SHARE,
    include_paraphrases: options.ParaphrasesOption = True,
    repeats: Annotated[
        int,
        typer.Option(
            "--repeats",
            min=1,
            max=20,
            help="Run each original prompt R times to measure the noise floor (for models sampled at temperature > 0).",
            rich_help_panel=options.RUN_PANEL,
        ),
    ] = 1,
    split: Annotated[
        SplitChoice | None,
        typer.Option(
            "--split",
            help="train, dev, test or all: run only that split of --split-from or of a --program file (default: test); "
            "without one, or with a program optimized on another suite, the suite's own split for --seed (the one "
            "`optimize` would make).",
            rich_help_panel=options.RUN_PANEL,
        ),
    ] = None,
    split_from: Annotated[
        Path | None,
        typer.Option(
            "--split-from",
            help="A program file from `tokdrift optimize` whose split to use (e.g. for the 'before' baseline).",
            rich_help_panel=options.RUN_PANEL,
        ),
    ] = None,
    update_baseline: Annotated[
        bool,
        typer.Option("--update-baseline", help="Also write the headline figures to baselines/expected_results.json."),
    ] = False,
    until_decided: Annotated[
        bool,
        typer.Option(
            "--until-decided",
            help="Run prompts in a seeded random order and stop once robustness >= --fail-under is decided at "
            "--alpha by a confidence sequence (valid however early it stops).",
            rich_help_panel=SEQUENTIAL_PANEL,
        ),
    ] = False,
    fail_under: Annotated[
        float | None,
        typer.Option(
            "--fail-under", min=0.0, max=1.0, help="The robustness threshold --until-decided decides.",
            rich_help_panel=SEQUENTIAL_PANEL,
        ),
    ] = None,
    alpha: Annotated[
        float,
        typer.Option(
            "--alpha",
            help="Largest chance of a wrong --until-decided decision.", rich_help_panel=SEQUENTIAL_PANEL,
        ),
    ] = 0.05,
    max_calls: options.MaxCallsOption = None,
    restart: options.RestartOption = False,
    shard: options.ShardOption = None,
    dry_run: options.DryRunOption = False,
) -> None:
    """Run the IR generator on every prompt of a suite and on meaning-preserving variants of it.

    Measures robustness (does a variant give an equivalent IR?) per prompt, per rule and
    overall, with Wilson intervals, and accuracy against the gold IRs. With --controls N it
    also runs N rewrites per prompt that change the meaning on purpose and reports
    sensitivity (does a control give a different IR?): robustness alone would reward a
    generator that ignores its input. Finished generations are checkpointed beside the
    output: interrupt and re-run the same command to resume.

    The code at the end of the chain is measured by `tokdrift ir-to-code` and `tokdrift end-to-end`.
    """
    from tokdrift_cli.artifacts.baseline import BaselineConfig
    from tokdrift_cli.cli.render import baseline_table
    from tokdrift_cli.workflows.baseline_run import plan_baseline_command, run_baseline_command

    config = options.config_from(
        ctx,
        BaselineConfig,
        suite=options.suite_path(suite),
        case_ids=case_ids or None,
        until_decided=sequential_settings(until_decided, fail_under, alpha),
    )
    run = options.run_options(ctx)
    if dry_run:
        print_plan(plan_baseline_command(config, run, split_from=split_from))
        return
    with GenerationProgress("generations") as progress:
        result = run_baseline_command(config, run, progress, split_from=split_from, update_expected=update_baseline)
    written = f"wrote {output}" + (f" and {result.expected_path}" if result.expected_path else "")
    print_summary(
        baseline_table(result.artifact), result.artifact.summary.per_family, output, result.up_to_date, written
    )
    artifact = result.artifact
    check_failure_share(artifact.summary, artifact.config.max_failure_share, len(artifact.generations()))
    report_stop(artifact.summary)
    print_next("analyze", output, "--output", "analysis.json", why="find the fragile prompts")
    from tokdrift_cli.programs.loading import program_file

    if program_file(program) is not None:
        print_next("validate", "--before", "before.json", "--after", output,
                   why="against the base program's baseline of the same split")


def sequential_settings(until_decided: bool, fail_under: float | None, alpha: float) -> SequentialSettings | None:
    """--until-decided with the gate it decides; --fail-under means nothing without it."""
    from tokdrift_cli.artifacts.baseline import SequentialSettings

    if until_decided and fail_under is None:
        raise InputError("--until-decided needs --fail-under X: the robustness threshold to decide")
    if not 0.0 < alpha < 1.0:
        raise InputError(f"--alpha {alpha} is not in (0, 1)")
    if not until_decided and fail_under is not None:
        raise InputError("--fail-under is the threshold of --until-decided: give both (or gate with tokdrift validate)")
    return SequentialSettings(fail_under=fail_under, alpha=alpha) if fail_under is not None else None


def report_stop(summary: BaselineSummary) -> None:
    """The sequential decision, and a run stopped at its budget is inconclusive (exit 3) with what it left."""
    if summary.stop is None:
        if summary.sequential is not None:
            state = summary.sequential
            err_console().print(
                f"robustness >= {state.fail_under}: {state.decision} at alpha {state.alpha} after all "
                f"{state.seen} prompts"
            )
        return
    if summary.stop.reason == "max_calls":
        raise BudgetReachedError(summary.stop.message)
    err_console().print(summary.stop.message)


class BaselineCommand(TokdriftCommand):
    """`baseline`, which points the `--stage` of older versions at the command that replaced it.

    Checked before parsing: the options of a code stage would otherwise be refused as unknown first.
    """

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        for position, arg in enumerate(args):
            if arg == "--":
                break
            if arg == "--stage" or arg.startswith("--stage="):
                stage = arg.partition("=")[2] or (args[position + 1] if position + 1 < len(args) else "")
                raise InputError(_moved_stage(stage))
        return super().parse_args(ctx, args)


def _moved_stage(stage: str) -> str:
    if stage in ("ir-to-code", "end-to-end"):
        return f"--stage {stage} is now a command of its own: tokdrift {stage} ..."
    return "tokdrift baseline is the IR stage: drop --stage (the code stages are `tokdrift ir-to-code` and `tokdrift end-to-end`)"


class _FailureCounts(Protocol):
    @property
    def failed_generations(self) -> int: ...
    @property
    def failure_limit_exceeded(self) -> bool: ...


def check_failure_share(summary: _FailureCounts, max_share: float, generations: int) -> None:
    """A written run whose generations mostly failed is no clean result: say so, and exit 4."""
    if summary.failure_limit_exceeded:
        from tokdrift_cli.core.failures import failure_limit_message

        raise FailureLimitError(f"{failure_limit_message(summary.failed_generations, generations, max_share)}; "
                                "the artifact is marked failure_limit_exceeded")


def print_plan(plan: BaselinePlan) -> None:
    """The --dry-run figures, one per line on stdout (what a script or a person budgets with)."""
    cost = plan.cost
    print_fields(
        [
            ("cases", plan.cases),
            (
                "generations",
                f"{plan.generations} ({plan.reusable} already done, {plan.generations - plan.reusable} to run)",
            ),
            ("lm calls", cost.lm_calls),
            ("input tokens (estimated)", cost.input_tokens),
            ("output tokens (estimated)", f"{cost.output_tokens_typical} typical, at most {cost.output_tokens_max}"),
            ("cost (estimated)", dollars_line(plan.cost, plan.price)),
        ]
    )


def dollars_line(cost: CostEstimate, price: Price | None) -> str:
    """The dry-run's dollars, or why there are none."""
    from tokdrift_cli.programs.cost import cost_of

    dollars = cost_of(cost, price)
    if dollars is None or price is None:
        return "unknown: no price for this model in LiteLLM's bundled price table (local and custom models have none)"
    return f"${dollars[0]:.4f} typical, at most ${dollars[1]:.4f} (list price of {price.model}, LiteLLM's table)"


def print_summary(
    table: Table, per_family: list[GroupSensitivity], output: Path, up_to_date: bool, written: str
) -> None:
    """The run's table, its flip rate per family, and what happened to the output file."""
    from tokdrift_cli.cli.render import sensitivity_table

    console = err_console()
    console.print(table)
    console.print(sensitivity_table("sensitivity per family (flip rate)", per_family))
    if up_to_date:
        console.print(f"{output} is up to date with this config: no LM call made, file left as it was")
    else:
        console.print(written)
