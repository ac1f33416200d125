"""The record of one generator call, kept whether it succeeded or not."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from tokdrift_cli.core.ir import IR

ErrorKind = Literal["parse", "timeout", "provider", "program"]


class Generation(BaseModel):
    """One call of the generator on one prompt text: what came back, or why nothing did."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ir: IR | None = None
    raw: str | None = None
    error: str | None = None
    error_kind: ErrorKind | None = None
    latency_s: float = 0.0
    lm_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def ok(self) -> bool:
        return self.ir is not None
