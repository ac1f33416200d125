"""The records artifacts store: one generator call, its code, and the verdict on that code.

They live in ``core`` so that reading an artifact needs no generator or sandbox,
and so that a change of a stored shape shows up here, beside the artifacts'
schema versions, rather than deep in the code that fills it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from tokdrift_cli.core.ir import IR

# provider, timeout and rate_limit are failures of the model's service (retried by a later run); input is a
# prompt the model cannot take (over its context window); parse an unusable answer; program a bug in the program.
ErrorKind = Literal["parse", "input", "timeout", "rate_limit", "provider", "program"]
VerdictMethod = Literal["ast", "execution", "generation"]


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


class CodeGeneration(CallRecord):
    """One call of a code generator on one IR: the source, or why there is none."""

    code: str | None = None

    @property
    def ok(self) -> bool:
        return self.code is not None


class CodeVerdict(BaseModel):
    """Equivalent, different, or None (cannot tell: the original failed, or execution was inconclusive)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    equivalent: bool | None
    method: VerdictMethod
    reason: str


class TestSummary(BaseModel):
    """One code's run against a case's tests."""

    __test__ = False  # not a pytest class
    model_config = ConfigDict(extra="forbid", frozen=True)

    passed: int
    total: int
    first_failure: str | None = None

    @property
    def all_passed(self) -> bool:
        return self.total > 0 and self.passed == self.total
