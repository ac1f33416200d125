"""`tokdrift ir-to-code` and `tokdrift end-to-end`: how robust is the code at the end of the chain?"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tokdrift_cli.cli import options
from tokdrift_cli.cli.console import print_next
from tokdrift_cli.cli.progress import GenerationProgress
from tokdrift_cli.core.decoding import ApiPrompt, StructuredOutput
from tokdrift_cli.core.failures import DEFAULT_MAX_FAILURE_SHARE
from tokdrift_cli.engines.resolve import DEFAULT_REQUEST_TIMEOUT


def ir_to_code(
    ctx: typer.Context,
    output: Annotated[Path, options.output_option("the code baseline (JSON)")] = Path("ir_to_code.json"),
    suite: options.SuiteOption = None,
    code_generator: options.CodeGeneratorOption = options.CodeGeneratorChoice.LM,
    model: options.ModelOption = "local",
    api_base: options.ApiBaseOption = None,
    structured_output: options.StructuredOutputOption = StructuredOutput.AUTO,
    api_prompt: options.ApiPromptOption = ApiPrompt.CHAT,
    temperature: options.TemperatureOption = 0.0,
    code_max_tokens: options.CodeMaxTokensOption = 200,
    request_timeout: options.RequestTimeoutOption = DEFAULT_REQUEST_TIMEOUT,
    workers: options.CodeWorkersOption = 1,
    max_cost: options.MaxCostOption = None,
    variants_per_case: options.VariantsOption = 5,
    seed: options.SeedOption = 0,
    limit: options.LimitOption = None,
    fragile_threshold: options.FragileThresholdOption = 0.9,
    max_failure_share: options.MaxFailureShareOption = DEFAULT_MAX_FAILURE_SHARE,
    restart: options.RestartOption = False,
    allow_unsandboxed: options.AllowUnsandboxedOption = False,
) -> None:
    """Turn each case's gold IR and its meaning-preserving IR variants into code: is the code the same?

    A variant's code is judged against the original's by syntax tree, then by running both in a
    sandbox on the case's tests (or on inputs made from the signature); the original's code is
    run against the tests. The model options apply to --code-generator lm. Finished generations
    are checkpointed beside the output: interrupt and re-run the same command to resume.
    """
    _run(ctx, "ir-to-code", suite, from_baseline=None)


def end_to_end(
    ctx: typer.Context,
    output: Annotated[Path, options.output_option("the code baseline (JSON)")] = Path("end_to_end.json"),
    suite: options.SuiteOption = None,
    code_generator: options.CodeGeneratorOption = options.CodeGeneratorChoice.LM,
    model: options.ModelOption = "local",
    api_base: options.ApiBaseOption = None,
    structured_output: options.StructuredOutputOption = StructuredOutput.AUTO,
    api_prompt: options.ApiPromptOption = ApiPrompt.CHAT,
    program: options.ProgramOption = "default",
    temperature: options.TemperatureOption = 0.0,
    max_tokens: options.MaxTokensOption = 512,
    code_max_tokens: options.CodeMaxTokensOption = 200,
    request_timeout: options.RequestTimeoutOption = DEFAULT_REQUEST_TIMEOUT,
    workers: options.CodeWorkersOption = 1,
    max_cost: options.MaxCostOption = None,
    variants_per_case: options.VariantsOption = 5,
    seed: options.SeedOption = 0,
    limit: options.LimitOption = None,
    fragile_threshold: options.FragileThresholdOption = 0.9,
    max_failure_share: options.MaxFailureShareOption = DEFAULT_MAX_FAILURE_SHARE,
    include_paraphrases: options.ParaphrasesOption = True,
    from_baseline: Annotated[
        Path | None,
        typer.Option(
            "--from-baseline",
            help="Reuse the IRs of a `tokdrift baseline` made with the same model, program and settings.",
            rich_help_panel=options.CODE_PANEL,
        ),
    ] = None,
    restart: options.RestartOption = False,
    allow_unsandboxed: options.AllowUnsandboxedOption = False,
) -> None:
    """Send each prompt and its meaning-preserving variants to the IR generator, then each IR to code.

    A variant's code is judged against the original's by syntax tree, then by running both in a
    sandbox on the case's tests (or on inputs made from the signature); the original's code is
    run against the tests. Finished generations are checkpointed beside the output: interrupt
    and re-run the same command to resume.
    """
    _run(ctx, "end-to-end", suite, from_baseline=from_baseline)


def _run(ctx: typer.Context, stage: str, suite: Path | None, *, from_baseline: Path | None) -> None:
    from tokdrift_cli.artifacts.code_baseline import CodeBaselineConfig
    from tokdrift_cli.cli.commands.baseline import check_failure_share, print_summary
    from tokdrift_cli.cli.render import code_baseline_table
    from tokdrift_cli.workflows.code_baseline_run import run_code_baseline_command

    config = options.config_from(ctx, CodeBaselineConfig, stage=stage, suite=options.suite_path(suite))
    run = options.run_options(ctx)
    with GenerationProgress("generations") as progress:
        result = run_code_baseline_command(config, run, progress, from_baseline=from_baseline)
    table = code_baseline_table(result.artifact)
    print_summary(table, result.artifact.summary.per_family, run.output, result.up_to_date, f"wrote {run.output}")
    artifact = result.artifact
    check_failure_share(artifact.summary, artifact.config.max_failure_share, len(artifact.generations()))
    print_next("report", run.output, why="robustness per stage side by side, with other stages' baselines")
