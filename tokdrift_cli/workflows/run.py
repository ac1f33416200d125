"""What every run command shares: where it writes, and how it treats earlier work."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from tokdrift_cli.engines.resolve import ModelSettings


@dataclass(frozen=True)
class RunOptions:
    """How a run treats its output and earlier work; none of these changes what it measures."""

    output: Path
    restart: bool = False  # discard a checkpoint or output made with another config instead of refusing
    workers: int = 1
    dry_run: bool = False


class _SamplingConfig(Protocol):
    @property
    def temperature(self) -> float: ...
    @property
    def max_tokens(self) -> int: ...
    @property
    def api_base(self) -> str | None: ...
    @property
    def seed(self) -> int: ...


def model_settings(config: _SamplingConfig) -> ModelSettings:
    """How a config asks the model to answer."""
    return ModelSettings(
        temperature=config.temperature, max_tokens=config.max_tokens, api_base=config.api_base, seed=config.seed
    )
