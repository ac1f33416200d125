"""`tokdrift augment`: verified, meaning-preserving training lines for each suite case."""

from __future__ import annotations

import threading
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from tokdrift_cli.cli import options
from tokdrift_cli.cli.console import err_console, print_fields, print_next
from tokdrift_cli.cli.progress import GenerationProgress
from tokdrift_cli.engines.resolve import DEFAULT_REQUEST_TIMEOUT
from tokdrift_cli.stages.progress import AugmentProgress

if TYPE_CHECKING:
    from tokdrift_cli.artifacts.augment import AugmentSummaryArtifact


class VerifyChoice(StrEnum):
    GOLD = "gold"
    ORIGINAL = "original"


class AugmentProgressBar(GenerationProgress, AugmentProgress):
    """The generation bar, whose total (an upper bound) shrinks as cases reach the factor early."""

    def __init__(self, description: str):
        super().__init__(description)
        self._total_lock = threading.Lock()

    def shrink(self, count: int) -> None:
        if count <= 0 or self._task is None:
            return
        with self._total_lock:
            self.total -= count
            self._progress.update(self._task, total=self.total)


def _ratio(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def augment_table(artifact: AugmentSummaryArtifact, output: Path) -> Table:
    summary = artifact.summary
    diversity = summary.diversity
    table = Table(title=f"tokdrift augment · {artifact.provenance.model_id} · verify {artifact.config.verify}",
                  show_header=False)
    table.add_column("metric", style="bold")
    table.add_column("value")
    table.add_row(
        "originals -> lines",
        f"{summary.originals} -> {summary.lines}  (factor {summary.overall_factor:.2f}, target {summary.factor_target})",
    )
    short = [case.case_id for case in artifact.cases if not case.target_reached]
    reached = f"{summary.cases_reaching_target} of {summary.originals}"
    if short:
        reached += "  (short: " + ", ".join(short[:5]) + (" …" if len(short) > 5 else "") + ")"
    table.add_row("cases reaching the factor", reached)
    table.add_row("validation (kept / tried)", summary.validation.format())
    table.add_row("undecided (not kept, not fragile)", summary.undecided_share.format())
    table.add_row(
        "rejected candidates (fragile)",
        f"{len(summary.rejected) - summary.undecided_share.successes}  "
        f"({summary.meaning_rejected} failed the meaning check)",
    )
    if artifact.config.paraphrase_model:
        table.add_row("paraphrase-model failures", str(summary.paraphrase_failures))
    if summary.unverifiable_cases:
        table.add_row("unverifiable (original failed)", ", ".join(summary.unverifiable_cases[:5]))
    table.add_row(
        "IR naming lines",
        f"{summary.naming_lines}  ({summary.naming_named_in_prompt} suite lines fix the function name, so none for them)",
    )
    table.add_row("distinct-1 / distinct-2", f"{_ratio(diversity.distinct_1)} / {_ratio(diversity.distinct_2)}")
    table.add_row("mean edit distance to original", _ratio(diversity.mean_edit_distance))
    table.add_row(
        "LM calls (this run / units reused)",
        f"{summary.lm_calls} ({summary.paraphrase_lm_calls} paraphrase) / {summary.reused_units}",
    )
    table.add_row("wall time", f"{summary.wall_time_s:.1f} s")
    return table


def rule_mix_table(artifact: AugmentSummaryArtifact) -> Table:
    table = Table(title="added lines per family")
    table.add_column("family")
    table.add_column("lines", justify="right")
    for family, count in sorted(artifact.summary.diversity.rule_mix.per_family.items(), key=lambda item: -item[1]):
        table.add_row(family, str(count))
    return table


def augment(
    ctx: typer.Context,
    output: Annotated[Path, options.output_option("the augmented suite (JSONL, suite format)")] = Path(
        "augmented.jsonl"
    ),
    suite: options.SuiteOption = None,
    factor: Annotated[
        int,
        typer.Option(
            "--factor",
            min=1,
            max=50,
            help="Lines per case in the output: the original plus factor - 1 verified variants.",
            rich_help_panel=options.RUN_PANEL,
        ),
    ] = 5,
    verify: Annotated[
        VerifyChoice,
        typer.Option(
            "--verify",
            help="gold: keep a variant whose IR matches the gold signature (parameters, return, and the names "
            "the suite line fixes); "
            "original: keep one whose IR is equivalent to the IR of the original prompt.",
            rich_help_panel=options.RUN_PANEL,
        ),
    ] = VerifyChoice.GOLD,
    summary: Annotated[
        Path | None,
        typer.Option("--summary", help="Where to write the summary artifact. Default: OUTPUT.summary.json."),
    ] = None,
    paraphrase_model: Annotated[
        str | None,
        typer.Option(
            "--paraphrase-model",
            help="Also ask this model (same forms as --model) for paraphrases; each must keep the prompt's "
            "numbers, literals, negations and names, or it is rejected unseen.",
            rich_help_panel=options.MODEL_PANEL,
        ),
    ] = None,
    model_paraphrases: Annotated[
        int,
        typer.Option(
            "--model-paraphrases",
            min=0,
            max=10,
            help="Paraphrases to ask the paraphrase model for per case (only as many as the factor needs).",
            rich_help_panel=options.MODEL_PANEL,
        ),
    ] = 2,
    model: options.ModelOption = "local",
    api_base: options.ApiBaseOption = None,
    program: options.ProgramOption = "default",
    seed: options.SeedOption = 0,
    temperature: options.TemperatureOption = 0.0,
    max_tokens: options.MaxTokensOption = 512,
    workers: options.WorkersOption = 1,
    request_timeout: options.RequestTimeoutOption = DEFAULT_REQUEST_TIMEOUT,
    limit: options.LimitOption = None,
    shard: options.ShardOption = None,
    restart: options.RestartOption = False,
    dry_run: options.DryRunOption = False,
) -> None:
    """Write an augmented suite: each case's original line plus verified variants.

    Candidates are rule-made variants (casing, spacing, synonyms, framing...),
    the suite's hand-written paraphrases and, with --paraphrase-model, model
    paraphrases. Each runs through the IR generator and is kept only if
    verified (--verify gold or original), until the case has --factor lines.
    Added lines carry base_id and rule_ids, so `tokdrift optimize --trainset`
    keeps every variant on its base prompt's side of the split.

    Rejected candidates are fragile cases: the summary (OUTPUT.summary.json)
    lists each with its reason, beside the validation rate, diversity
    (distinct-1/2, edit distance, rule mix) and LM calls. Finished work is
    checkpointed beside the output: interrupt and re-run to resume.
    """
    from tokdrift_cli.artifacts.augment import AugmentConfig
    from tokdrift_cli.workflows.augment_run import plan_augment_command, run_augment_command

    config = options.config_from(ctx, AugmentConfig, suite=options.suite_path(suite))
    run = options.run_options(ctx)
    console = err_console()
    if dry_run:
        plan = plan_augment_command(config, run, summary_path=summary)
        cost = plan.cost
        print_fields(
            [
                ("cases", plan.cases),
                ("generations", f"at most {plan.generations_max} (a case stops once it has --factor lines)"),
                ("lm calls", f"at most {cost.lm_calls + plan.paraphrase_calls_max}"),
                ("paraphrase calls", f"at most {plan.paraphrase_calls_max}"),
                ("input tokens (estimated)", f"at most {cost.input_tokens} for the generations"),
                ("output tokens (estimated)", f"{cost.output_tokens_typical} typical, at most {cost.output_tokens_max}"),
            ]
        )
        return
    with AugmentProgressBar("generations") as progress:
        outcome = run_augment_command(config, run, progress, summary_path=summary)
    artifact = outcome.artifact
    console.print(augment_table(artifact, outcome.output))
    if artifact.summary.diversity.rule_mix.per_family:
        console.print(rule_mix_table(artifact))
    console.print(f"wrote {outcome.output} and {outcome.summary_path}")
    print_next("optimize", "--trainset", outcome.output, "--output", "program.json", why="train on the verified lines")
