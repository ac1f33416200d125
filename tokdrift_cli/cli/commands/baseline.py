"""`tokdrift baseline`: measure robustness and accuracy of a generator on a suite."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tokdrift_cli.cli import options
from tokdrift_cli.cli.console import err_console, print_fields
from tokdrift_cli.cli.progress import GenerationProgress
from tokdrift_cli.errors import InputError

if TYPE_CHECKING:
    from rich.table import Table

    from tokdrift_cli.artifacts.baseline import GroupSensitivity
    from tokdrift_cli.workflows.baseline_run import BaselinePlan
    from tokdrift_cli.workflows.code_baseline_run import CodeBaselineRequest


class StageChoice(StrEnum):
    IR = "ir"
    IR_TO_CODE = "ir-to-code"
    END_TO_END = "end-to-end"


class CodeGeneratorChoice(StrEnum):
    LM = "lm"
    TEMPLATED = "templated"


CODE_PANEL = "Code stages"


class SplitChoice(StrEnum):
    TRAIN = "train"
    DEV = "dev"
    TEST = "test"
    ALL = "all"


def baseline(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the baseline artifact (JSON).")] = Path(
        "baseline.json"
    ),
    suite: options.SuiteOption = None,
    model: options.ModelOption = "local",
    api_base: options.ApiBaseOption = None,
    program: options.ProgramOption = "default",
    variants: Annotated[
        int,
        typer.Option(
            "--variants",
            envvar="TOKDRIFT_VARIANTS",
            min=0,
            max=50,
            help="Rule-made variants per prompt.",
            rich_help_panel=options.RUN_PANEL,
        ),
    ] = 5,
    seed: options.SeedOption = 0,
    temperature: options.TemperatureOption = 0.0,
    max_tokens: options.MaxTokensOption = 512,
    workers: options.WorkersOption = 1,
    limit: options.LimitOption = None,
    fragile_threshold: Annotated[
        float,
        typer.Option(
            "--fragile-threshold",
            min=0.0,
            max=1.0,
            help="A prompt below this robustness is fragile.",
            rich_help_panel=options.RUN_PANEL,
        ),
    ] = 0.9,
    paraphrases: Annotated[
        bool,
        typer.Option(
            "--paraphrases/--no-paraphrases",
            help="Also run the suite's hand-written paraphrases.",
            rich_help_panel=options.RUN_PANEL,
        ),
    ] = True,
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
            help="train, dev, test or all: run only that split of --split-from (default with a program file: test).",
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
    restart: options.RestartOption = False,
    shard: options.ShardOption = None,
    dry_run: options.DryRunOption = False,
    stage: Annotated[
        StageChoice,
        typer.Option(
            "--stage",
            help="ir: prompt variants -> IR. ir-to-code: IR variants of the gold IRs -> code. "
            "end-to-end: prompt variants -> IR -> code. Code is judged by AST, then by running it in a sandbox.",
            rich_help_panel=CODE_PANEL,
        ),
    ] = StageChoice.IR,
    code_generator: Annotated[
        CodeGeneratorChoice,
        typer.Option(
            "--code-generator",
            help="lm: the model writes the function. templated: a deterministic stub (robust by construction).",
            rich_help_panel=CODE_PANEL,
        ),
    ] = CodeGeneratorChoice.LM,
    code_max_tokens: Annotated[
        int,
        typer.Option(
            "--code-max-tokens", min=16, help="Cap on tokens per generated function.", rich_help_panel=CODE_PANEL
        ),
    ] = 200,
    from_baseline: Annotated[
        Path | None,
        typer.Option(
            "--from-baseline",
            help="end-to-end: reuse the IRs of an `--stage ir` baseline made with the same model and settings.",
            rich_help_panel=CODE_PANEL,
        ),
    ] = None,
) -> None:
    """Run the generator on every prompt of a suite and on meaning-preserving variants of it.

    Measures robustness (does a variant give an equivalent IR?) per prompt, per rule and
    overall, with Wilson intervals, and accuracy against the gold IRs. Finished generations
    are checkpointed beside the output: interrupt and re-run the same command to resume.

    With --stage ir-to-code (IR variants -> code) or end-to-end (prompt variants -> IR -> code)
    it measures the robustness of the generated code instead: equal syntax trees, or the same
    results when both functions run in a sandbox, and whether the code passes the case's tests.
    """
    _refuse_options_of_other_stages(ctx, stage, code_generator)
    if stage is not StageChoice.IR:
        from tokdrift_cli.artifacts.code_baseline import CodeStage
        from tokdrift_cli.workflows.code_baseline_run import CodeBaselineRequest

        code_request = CodeBaselineRequest(
            stage=CodeStage(stage.value),
            output=output,
            suite_path=suite,
            code_generator=code_generator.value,
            model=model,
            api_base=api_base,
            program=program,
            variants=variants,
            seed=seed,
            temperature=temperature,
            max_tokens=max_tokens,
            code_max_tokens=code_max_tokens,
            limit=limit,
            fragile_threshold=fragile_threshold,
            include_paraphrases=paraphrases,
            from_baseline=from_baseline,
            restart=restart,
        )
        _run_code_stage(code_request)
        return

    from tokdrift_cli.cli.render import baseline_table
    from tokdrift_cli.workflows.baseline_run import BaselineRequest, run_baseline_command

    request = BaselineRequest(
        output=output,
        suite_path=suite,
        model=model,
        api_base=api_base,
        program=program,
        variants=variants,
        seed=seed,
        temperature=temperature,
        max_tokens=max_tokens,
        workers=workers,
        limit=limit,
        fragile_threshold=fragile_threshold,
        include_paraphrases=paraphrases,
        repeats=repeats,
        split=split.value if split else None,
        split_from=split_from,
        update_expected=update_baseline,
        restart=restart,
        shard=shard,
    )
    if dry_run:
        from tokdrift_cli.workflows.baseline_run import plan_baseline_command

        print_plan(plan_baseline_command(request))
        return
    with GenerationProgress("generations") as progress:
        result = run_baseline_command(request, progress)
    written = f"wrote {output}" + (f" and {result.expected_path}" if result.expected_path else "")
    _print_summary(
        baseline_table(result.artifact), result.artifact.summary.per_family, output, result.up_to_date, written
    )


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
        ]
    )


def _run_code_stage(request: CodeBaselineRequest) -> None:
    from tokdrift_cli.cli.render import code_baseline_table
    from tokdrift_cli.workflows.code_baseline_run import run_code_baseline_command

    with GenerationProgress("generations") as progress:
        result = run_code_baseline_command(request, progress)
    summary = result.artifact.summary
    table = code_baseline_table(result.artifact)
    _print_summary(table, summary.per_family, request.output, result.up_to_date, f"wrote {request.output}")


def _print_summary(
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


# Options that mean nothing at a stage (or for a generator): refused when given, never silently ignored.
_IR_ONLY = ("dry_run", "repeats", "split", "split_from", "update_baseline", "workers", "shard")
_CODE_ONLY = ("code_generator", "code_max_tokens", "from_baseline")
_IR_GENERATION = ("program", "max_tokens", "paraphrases")
_MODEL = ("model", "api_base", "temperature", "code_max_tokens")


def _refuse_options_of_other_stages(ctx: typer.Context, stage: StageChoice, generator: CodeGeneratorChoice) -> None:
    """Refuse options typed on the command line that this stage would ignore.

    Settings from the environment or pyproject.toml are project-wide and may serve another stage.
    """
    irrelevant = list(_CODE_ONLY) if stage is StageChoice.IR else list(_IR_ONLY)
    if stage is StageChoice.IR_TO_CODE:
        irrelevant += _IR_GENERATION
        if generator is CodeGeneratorChoice.TEMPLATED:
            irrelevant += _MODEL
    if stage is not StageChoice.END_TO_END:
        irrelevant.append("from_baseline")
    given = [
        name
        for name in dict.fromkeys(irrelevant)
        if getattr(ctx.get_parameter_source(name), "name", None) == "COMMANDLINE"
    ]
    if given:
        flags = ", ".join("--" + name.replace("_", "-") for name in given)
        where = f"--stage {stage.value}" + (
            " --code-generator templated"
            if generator is CodeGeneratorChoice.TEMPLATED and stage is StageChoice.IR_TO_CODE
            else ""
        )
        raise InputError(f"{flags} {'does' if len(given) == 1 else 'do'} not apply to {where}")
