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
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tokdrift_cli.artifacts.baseline import GroupSensitivity
from tokdrift_cli.artifacts.header import Artifact
from tokdrift_cli.artifacts.io import MIGRATIONS
from tokdrift_cli.core.ir import IR
from tokdrift_cli.core.records import CodeGeneration, CodeVerdict, Generation, TestSummary
from tokdrift_cli.core.stats import RateEstimate


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
    api_base: str | None = None
    include_paraphrases: bool = True
    limit: int | None = None
    shard: str | None = None
    fragile_threshold: float = 0.9
    generated_inputs: int = 8  # calls made from the signature when a case has no tests


class CodeBaselineSummary(_Frozen):
    stage: CodeStage
    cases: int
    variants: int
    lm_calls: int
    failed_generations: int
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


class CodeBaselineArtifact(Artifact):
    KIND = "code_baseline"
    SCHEMA_VERSION = 2

    kind: Literal["code_baseline"] = "code_baseline"
    schema_version: int = SCHEMA_VERSION
    config: CodeBaselineConfig
    cases: list[CodeCaseResult]
    summary: CodeBaselineSummary


def _record_the_sandbox(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 1 -> 2: schema 1 did not say which boundary, if any, the code ran behind."""
    summary = data.get("summary")
    if isinstance(summary, dict):
        summary.setdefault("sandbox", "unrecorded")
    return data


MIGRATIONS[CodeBaselineArtifact.KIND] = {1: _record_the_sandbox}
