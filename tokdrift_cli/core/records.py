"""The records artifacts store: one generator call, its code, and the verdict on that code.

They live in ``core`` so that reading an artifact needs no generator or sandbox,
and so that a change of a stored shape shows up here, beside the artifacts'
schema versions, rather than deep in the code that fills it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from tokdrift_cli.core.decoding import StructuredOutput
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


class DecodingRecord(BaseModel):
    """What the answers of a run were decoded under, as far as the client can tell."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    provider: str  # "local" (in-process llama.cpp) or the model string's provider ("openai", "anthropic"...)
    # The model id the server reported in its answers (None: in-process, or no answer came back).
    served_model: str | None = None
    # The structured-output mode the answers were asked under; None when no call was made.
    structured_output: StructuredOutput | None = None
    probed: bool = False  # the mode was found by a probe request (--structured-output auto)
    max_tokens: int
    # The request parameter that carried the cap: servers built on llama.cpp read max_tokens and
    # ignore max_completion_tokens, OpenAI's newer models take only the latter.
    max_tokens_sent_as: str


class CallCost(BaseModel):
    """What the calls a run made (not the ones it reused) cost, at the price table's list prices."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lm_calls: int
    input_tokens: int
    output_tokens: int
    # Dollars; None when the price table has no entry for the model (local weights, a custom server).
    usd: float | None = None

    def plus(self, other: CallCost) -> CallCost:
        usd = None if self.usd is None and other.usd is None else (self.usd or 0.0) + (other.usd or 0.0)
        return CallCost(
            lm_calls=self.lm_calls + other.lm_calls,
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            usd=usd,
        )
