"""Options shared by several commands, declared once.

Each reads ``TOKDRIFT_<NAME>`` from the environment when not given on the
command line; ``[tool.tokdrift]`` in pyproject.toml fills in below that
(see :mod:`tokdrift_cli.cli.settings`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

MODEL_PANEL = "Model"
RUN_PANEL = "Run"

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
ApiBaseOption = Annotated[
    str | None,
    typer.Option(
        "--api-base",
        envvar="TOKDRIFT_API_BASE",
        help="Base URL of an OpenAI-compatible server (vLLM, Ollama, LM Studio...).",
        rich_help_panel=MODEL_PANEL,
    ),
]
ProgramOption = Annotated[
    str,
    typer.Option(
        "--program",
        envvar="TOKDRIFT_PROGRAM",
        help="'default', 'module:attr' (a dspy.Module or a factory returning one), or a program file.",
        rich_help_panel=MODEL_PANEL,
    ),
]
TemperatureOption = Annotated[
    float,
    typer.Option("--temperature", envvar="TOKDRIFT_TEMPERATURE", min=0.0, max=2.0, rich_help_panel=MODEL_PANEL),
]
MaxTokensOption = Annotated[
    int,
    typer.Option("--max-tokens", envvar="TOKDRIFT_MAX_TOKENS", min=16, help="Cap on tokens per answer.", rich_help_panel=MODEL_PANEL),
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
LimitOption = Annotated[
    int | None, typer.Option("--limit", min=1, help="Only the first N cases of the suite.", rich_help_panel=RUN_PANEL)
]
RestartOption = Annotated[
    bool,
    typer.Option(
        "--restart",
        help="Discard a checkpoint or finished output made with another config instead of refusing.",
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
