"""The code-stage baseline artifact: robustness of the code a generator writes.

Two stages share it:

* ``ir-to-code``: each suite case's gold IR and its meaning-preserving IR
  variants go to a code generator; is the code for a variant equivalent to
  the code for the original IR?
* ``end-to-end``: each prompt and its variants go to the IR generator, then
  each IR to the code generator; is the final code equivalent?

Code equivalence is decided by AST comparison after consistent renaming, and
when the ASTs differ, by running both functions in the sandbox on the same
inputs (the case's tests, or inputs generated from the signature).

Schema history:
  1 - first version.
  2 - ``summary.sandbox``: the operating-system boundary the generated code ran behind
      (a schema-1 artifact reads as "unrecorded").
  3 - error kinds ``input`` and ``rate_limit``; ``config.max_failure_share``; ``summary.failure_share``
      and ``summary.failure_limit_exceeded``.
  4 - ``config.structured_output``; ``summary.decoding`` and ``summary.cost`` (as in the baseline's schema 4);
      older artifacts read with none recorded.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tokdrift_cli.artifacts.baseline import GroupSensitivity
from tokdrift_cli.artifacts.header import Artifact, EndpointUrl
from tokdrift_cli.artifacts.io import MIGRATIONS
from tokdrift_cli.core.decoding import ApiPrompt, StructuredOutput
from tokdrift_cli.core.failures import DEFAULT_MAX_FAILURE_SHARE, failure_limit_exceeded, failure_share
from tokdrift_cli.core.ir import IR
from tokdrift_cli.core.records import CallCost, CodeGeneration, CodeVerdict, DecodingRecord, Generation, TestSummary
from tokdrift_cli.core.stats import RateEstimate

NO_IR_ERROR = "no IR to generate code from"  # the code record of an item whose IR failed: not a generation


class CodeStage(StrEnum):
    IR_TO_CODE = "ir-to-code"
    END_TO_END = "end-to-end"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CodeVariantResult(_Frozen):
    rule_ids: list[str]
    source: Literal["ir-rule", "rule", "paraphrase"]
    # The prompt text (end-to-end) or None (ir-to-code, where the variant is the IR itself).
    text: str | None = None
    ir: IR | None = None
    ir_generation: Generation | None = None
    code: CodeGeneration
    function_name: str | None = None
    tests: TestSummary | None = None
    verdict: CodeVerdict


class CodeCaseResult(_Frozen):
    case_id: str
    category: str
    prompt: str
    ir: IR | None
    ir_generation: Generation | None = None
    code: CodeGeneration
    function_name: str | None = None
    inputs: Literal["tests", "generated", "none"]
    tests: TestSummary | None = None
    variants: list[CodeVariantResult] = Field(default_factory=list)
    robustness: RateEstimate
    passes: bool | None = None  # the original's code passes every test (None: the case has no tests)
    robust_passes: bool | None = None  # ... and so does every variant's

    def generations(self) -> list[Generation | CodeGeneration]:
        """Every generation of the case: its IRs (end-to-end), then its code.

        A variant whose IR failed has no code of its own: that failure is counted once, on the IR.
        """
        items = [(self.ir_generation, self.code), *((v.ir_generation, v.code) for v in self.variants)]
        irs: list[Generation | CodeGeneration] = [ir for ir, _ in items if ir is not None]
        return irs + [code for _, code in items if code.error != NO_IR_ERROR]


class CodeBaselineConfig(_Frozen):
    stage: CodeStage
    suite: str
    code_generator: Literal["templated", "lm"]
    model: str
    program: str = "default"  # the IR program (end-to-end)
    variants_per_case: int = 5
    seed: int = 0
    temperature: float = 0.0
    max_tokens: int = 512
    code_max_tokens: int = 200
    api_base: EndpointUrl = None
    # How a provider's answers are held to the schema (the in-process model always uses a grammar).
    structured_output: StructuredOutput = StructuredOutput.AUTO
    # How an --api-base server is asked (older artifacts were all made through the chat route).
    api_prompt: ApiPrompt = ApiPrompt.CHAT
    include_paraphrases: bool = True
    limit: int | None = None
    shard: str | None = None
    fragile_threshold: float = 0.9
    max_failure_share: float = DEFAULT_MAX_FAILURE_SHARE  # judges, like fragile_threshold; a resume ignores it
    generated_inputs: int = 8  # calls made from the signature when a case has no tests


class CodeBaselineSummary(_Frozen):
    stage: CodeStage
    cases: int
    variants: int
    lm_calls: int
    failed_generations: int
    # failed / all generations (IRs and code), and whether that is over config.max_failure_share.
    failure_share: float
    failure_limit_exceeded: bool
    robustness: RateEstimate
    mean_prompt_robustness: float | None
    pass_rate: RateEstimate  # originals whose code passes every test, over cases with tests
    robust_pass_rate: RateEstimate
    verdict_methods: dict[str, int]
    fragile_threshold: float
    fragile_cases: list[str]
    unmeasured_cases: list[str]
    per_rule: list[GroupSensitivity]
    per_family: list[GroupSensitivity]
    median_latency_s: float | None
    wall_time_s: float
    sandbox_runs: int
    sandbox_s: float
    #: The operating-system boundary the generated code ran behind: "bubblewrap", or "none" (run without one,
    #: by explicit permission); None when no code ran; "unrecorded" in artifacts older than schema 2.
    sandbox: str | None = None
    resumed_generations: int
    # How the model's answers were decoded and what this run's calls cost; None without a model (templated
    # code from gold IRs) and in artifacts older than schema 4.
    decoding: DecodingRecord | None = None
    cost: CallCost | None = None


class CodeBaselineArtifact(Artifact):
    KIND = "code_baseline"
    SCHEMA_VERSION = 4

    kind: Literal["code_baseline"] = "code_baseline"
    schema_version: int = SCHEMA_VERSION
    config: CodeBaselineConfig
    cases: list[CodeCaseResult]
    summary: CodeBaselineSummary

    def generations(self) -> list[Generation | CodeGeneration]:
        return [generation for case in self.cases for generation in case.generations()]


def _record_the_sandbox(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 1 -> 2: schema 1 did not say which boundary, if any, the code ran behind."""
    summary = data.get("summary")
    if isinstance(summary, dict):
        summary.setdefault("sandbox", "unrecorded")
    return data


def _v2_generation_count(case: dict[str, Any]) -> int:
    """The generations (IR and code) a schema-2 case holds, counted as :meth:`CodeCaseResult.generations` does."""
    items = [case, *(case.get("variants") or [])]
    irs = sum(1 for item in items if item.get("ir_generation") is not None)
    return irs + sum(1 for item in items if (item.get("code") or {}).get("error") != NO_IR_ERROR)


def _from_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 2 -> 3: schema 2 had no failure share: count it from the cases."""
    summary = data.get("summary")
    if isinstance(summary, dict) and "failure_share" not in summary:
        total = sum(_v2_generation_count(case) for case in data.get("cases") or [])
        failed = summary.get("failed_generations", 0)
        summary["failure_share"] = failure_share(failed, total)
        summary["failure_limit_exceeded"] = failure_limit_exceeded(failed, total, DEFAULT_MAX_FAILURE_SHARE)
    return data


def _from_v3(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 3 recorded no decoding or cost: they read as not recorded (the defaults)."""
    return data


MIGRATIONS[CodeBaselineArtifact.KIND] = {1: _record_the_sandbox, 2: _from_v2, 3: _from_v3}
