"""Options shared by several commands, declared once.

Each reads ``TOKDRIFT_<NAME>`` from the environment when not given on the
command line; ``[tool.tokdrift]`` in pyproject.toml fills in below that
(see :mod:`tokdrift_cli.cli.settings`).

A command names each parameter as the field of the artifact config it sets
(``--variants`` is ``variants_per_prompt`` in a baseline), so the config is
built from the parameters by name (:func:`config_from`) and each setting is
typed once.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from tokdrift_cli.core.decoding import ApiPrompt, StructuredOutput

if TYPE_CHECKING:
    from pydantic import BaseModel

    from tokdrift_cli.workflows.run import RunOptions

ConfigT = TypeVar("ConfigT", bound="BaseModel")

MODEL_PANEL = "Model"
RUN_PANEL = "Run"
CODE_PANEL = "Code"


def config_from(ctx: typer.Context, config: type[ConfigT], **derived: Any) -> ConfigT:
    """The artifact config from the command's parameters named as its fields, plus values derived from others."""
    given = {name: value for name, value in ctx.params.items() if name in config.model_fields and name not in derived}
    return config(**given, **derived)


def run_options(ctx: typer.Context) -> RunOptions:
    """Where the command writes and how it treats earlier work, from the parameters of those names."""
    from dataclasses import fields

    from tokdrift_cli.workflows.run import RunOptions

    return RunOptions(**{field.name: ctx.params[field.name] for field in fields(RunOptions) if field.name in ctx.params})


def suite_path(suite: Path | None) -> str:
    """The suite a config records: the one given, or the shipped core suite."""
    from tokdrift_cli.core.suite import default_suite_path

    return str(suite or default_suite_path())


def output_option(what: str) -> Any:
    return typer.Option("--output", "-o", help=f"Where to write {what}.")

SuiteOption = Annotated[
    Path | None,
    typer.Option(
        "--suite",
        envvar="TOKDRIFT_SUITE",
        help="Suite JSONL file. Default: the shipped core suite (45 prompts).",
        rich_help_panel=RUN_PANEL,
    ),
]
ModelOption = Annotated[
    str,
    typer.Option(
        "--model",
        envvar="TOKDRIFT_MODEL",
        help="'local' (embedded SmolLM2-135M), 'local:PATH.gguf', or a DSPy model string such as "
        "'openai/gpt-4o-mini' (keys come from the provider's own variable, e.g. OPENAI_API_KEY).",
        rich_help_panel=MODEL_PANEL,
    ),
]
JudgeModelOption = Annotated[
    str | None,
    typer.Option(
        "--judge-model",
        envvar="TOKDRIFT_JUDGE_MODEL",
        help="A model (the same forms as --model) that judges the intents and effects the deterministic checker "
        "leaves undecided. Its verdicts are cached beside the output (OUTPUT.judge-cache.jsonl), so a re-run "
        "asks nothing twice. Default: no judge; undecided comparisons are counted apart.",
        rich_help_panel=MODEL_PANEL,
    ),
]
ApiBaseOption = Annotated[
    str | None,
    typer.Option(
        "--api-base",
        envvar="TOKDRIFT_API_BASE",
        metavar="URL",
        help="Base URL of an OpenAI-compatible server (vLLM, Ollama, LM Studio...).",
        rich_help_panel=MODEL_PANEL,
    ),
]
ProgramOption = Annotated[
    str,
    typer.Option(
        "--program",
        envvar="TOKDRIFT_PROGRAM",
        metavar="PROGRAM",
        help="'default', 'module:attr' (a dspy.Module or a factory returning one), or a program file.",
        rich_help_panel=MODEL_PANEL,
    ),
]
TemperatureOption = Annotated[
    float,
    typer.Option(
        "--temperature",
        envvar="TOKDRIFT_TEMPERATURE",
        min=0.0,
        max=2.0,
        help="Sampling temperature of the model; 0 decodes greedily (the same answer each time). Above 0 answers "
        "vary between runs, and `tokdrift baseline` can repeat each prompt to measure that noise.",
        rich_help_panel=MODEL_PANEL,
    ),
]
MaxTokensOption = Annotated[
    int,
    typer.Option("--max-tokens", envvar="TOKDRIFT_MAX_TOKENS", min=16, help="Cap on tokens per answer.", rich_help_panel=MODEL_PANEL),
]
StructuredOutputOption = Annotated[
    StructuredOutput,
    typer.Option(
        "--structured-output",
        envvar="TOKDRIFT_STRUCTURED_OUTPUT",
        help="How a provider's answers are held to the answer's JSON schema: json-schema (OpenAI's form), "
        "json-object (JSON mode with the schema beside it, llama.cpp's form), off, or auto: the first the endpoint "
        "honours, found by one small probe request (the artifact records which). The local model always uses a grammar.",
        rich_help_panel=MODEL_PANEL,
    ),
]
ApiPromptOption = Annotated[
    ApiPrompt,
    typer.Option(
        "--api-prompt",
        envvar="TOKDRIFT_API_PROMPT",
        help="How an --api-base server is asked: chat (messages to /chat/completions, for any OpenAI-compatible "
        "provider) or completion (the local model's prompt, grammar and sampler settings to /completions, for "
        "llama.cpp's server: the same weights then answer as with --model local).",
        rich_help_panel=MODEL_PANEL,
    ),
]
MaxCostOption = Annotated[
    float | None,
    typer.Option(
        "--max-cost",
        envvar="TOKDRIFT_MAX_COST",
        min=0.0,
        metavar="DOLLARS",
        help="Stop before a call would take the run's spend (list prices of LiteLLM's bundled table) past this "
        "budget; finished generations are kept, and the same command with a larger budget resumes. Needs a model "
        "the price table knows.",
        rich_help_panel=RUN_PANEL,
    ),
]
SeedOption = Annotated[
    int, typer.Option("--seed", envvar="TOKDRIFT_SEED", help="Seed for variants and sampling.", rich_help_panel=RUN_PANEL)
]
WorkersOption = Annotated[
    int,
    typer.Option(
        "--workers",
        envvar="TOKDRIFT_WORKERS",
        min=1,
        max=64,
        help="Parallel generations (useful for remote models; the local model runs one call at a time).",
        rich_help_panel=RUN_PANEL,
    ),
]
CodeWorkersOption = Annotated[
    int,
    typer.Option(
        "--workers",
        envvar="TOKDRIFT_WORKERS",
        min=1,
        max=64,
        help="Sandbox runs of generated code at a time (model calls stay one at a time); the output is the same "
        "whatever the number.",
        rich_help_panel=RUN_PANEL,
    ),
]
RequestTimeoutOption = Annotated[
    float,
    typer.Option(
        "--request-timeout",
        envvar="TOKDRIFT_REQUEST_TIMEOUT",
        min=0.1,
        metavar="SECONDS",
        help="How long one call to a provider model may take before it fails as a timeout (it is retried twice, "
        "and a run stops after 5 calls in a row fail). Changes no answer: a resume ignores it.",
        rich_help_panel=MODEL_PANEL,
    ),
]
MaxFailureShareOption = Annotated[
    float,
    typer.Option(
        "--max-failure-share",
        envvar="TOKDRIFT_MAX_FAILURE_SHARE",
        min=0.0,
        max=1.0,
        help="Above this share of failed generations the run is written but marked as no clean result, "
        "and the command exits 4.",
        rich_help_panel=RUN_PANEL,
    ),
]
LimitOption = Annotated[
    int | None,
    typer.Option(
        "--limit",
        min=1,
        help="Only the first N prompts of the suite. Each prompt runs as several generations (the original, "
        "its variants, paraphrases, controls and repeats: about 7 per prompt with baseline's defaults on the "
        "core suite).",
        rich_help_panel=RUN_PANEL,
    ),
]
RestartOption = Annotated[
    bool,
    typer.Option(
        "--restart",
        help="Discard a checkpoint or finished output made with another config instead of refusing.",
        rich_help_panel=RUN_PANEL,
    ),
]
AllowUnsandboxedOption = Annotated[
    bool,
    typer.Option(
        "--allow-unsandboxed",
        envvar="TOKDRIFT_ALLOW_UNSANDBOXED",
        help="Run model-written code even where no operating-system boundary (bubblewrap) is available; "
        "without one, only an in-process guard stands between the code and this machine.",
        rich_help_panel=CODE_PANEL,
    ),
]

MaxCallsOption = Annotated[
    int | None,
    typer.Option(
        "--max-calls",
        envvar="TOKDRIFT_MAX_CALLS",
        min=1,
        metavar="N",
        help="Start no generation once the generator has spent N LM calls: the prompts finished are written, "
        "the rest listed as not run (exit 3); re-run with a higher cap to go on.",
        rich_help_panel=RUN_PANEL,
    ),
]
ShardOption = Annotated[
    str | None,
    typer.Option(
        "--shard",
        envvar="TOKDRIFT_SHARD",
        metavar="K/N",
        help="Run only shard K of N of the cases (stable and balanced); put the shards together with `tokdrift merge`.",
        rich_help_panel=RUN_PANEL,
    ),
]

DryRunOption = Annotated[
    bool,
    typer.Option(
        "--dry-run",
        help="Print how many LM calls (and tokens, estimated) the command would make, then stop without calling.",
    ),
]

VariantsOption = Annotated[
    int,
    typer.Option(
        "--variants",
        envvar="TOKDRIFT_VARIANTS",
        min=0,
        max=50,
        help="Rule-made variants of each case.",
        rich_help_panel=RUN_PANEL,
    ),
]
ControlsOption = Annotated[
    int,
    typer.Option(
        "--controls",
        envvar="TOKDRIFT_CONTROLS",
        min=0,
        max=20,
        help="Also run N meaning-changing rewrites (controls) of each case and report sensitivity: the share "
        "whose IR changes. 0 leaves sensitivity unmeasured.",
        rich_help_panel=RUN_PANEL,
    ),
]
FragileThresholdOption = Annotated[
    float,
    typer.Option(
        "--fragile-threshold",
        min=0.0,
        max=1.0,
        help="A prompt below this robustness is fragile.",
        rich_help_panel=RUN_PANEL,
    ),
]
ParaphrasesOption = Annotated[
    bool,
    typer.Option(
        "--paraphrases/--no-paraphrases",
        help="Also run the suite's hand-written paraphrases.",
        rich_help_panel=RUN_PANEL,
    ),
]


class CodeGeneratorChoice(StrEnum):
    LM = "lm"
    TEMPLATED = "templated"


CodeGeneratorOption = Annotated[
    CodeGeneratorChoice,
    typer.Option(
        "--code-generator",
        help="lm: the model writes the function. templated: a deterministic stub (robust by construction).",
        rich_help_panel=CODE_PANEL,
    ),
]
CodeMaxTokensOption = Annotated[
    int,
    typer.Option("--code-max-tokens", min=16, help="Cap on tokens per generated function.", rich_help_panel=CODE_PANEL),
]
