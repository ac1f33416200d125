"""The record of one generator call, kept whether it succeeded or not."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from tokdrift_cli.core.ir import IR

ErrorKind = Literal["parse", "timeout", "provider", "program"]


class CallRecord(BaseModel):
    """What every recorded generator call keeps, whatever it produces: why it failed, and what it cost."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    error: str | None = None
    error_kind: ErrorKind | None = None
    latency_s: float = 0.0
    lm_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0


class Generation(CallRecord):
    """One call of the IR generator on one prompt text: what came back, or why nothing did."""

    ir: IR | None = None
    raw: str | None = None

    @property
    def ok(self) -> bool:
        return self.ir is not None
