"""Is a variant's code equivalent to the original's? AST first, then execution.

Two sources that are the same program after consistent renaming are
equivalent without running anything. Otherwise both functions' sandbox runs on
the same inputs decide: any differing call makes them different; a call that
timed out or was refused on either side leaves the verdict open (None) rather
than counting as a difference the generator did not make.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tokdrift_cli.codegen.ast_compare import compare_code
from tokdrift_cli.codegen.differential import compare_results
from tokdrift_cli.codegen.judging import judge_tests
from tokdrift_cli.codegen.sandbox import FunctionCall, SandboxResult
from tokdrift_cli.core.records import CodeVerdict, TestSummary
from tokdrift_cli.core.suite import FunctionTest


@dataclass(frozen=True)
class ExecutedCode:
    """A generated function and its sandbox run on the case's inputs."""

    code: str
    function_name: str
    run: SandboxResult


def judge_variant(
    original: ExecutedCode | None, variant: ExecutedCode | None, calls: Sequence[FunctionCall]
) -> CodeVerdict:
    """The verdict for one variant; ``None`` stands for code that could not be generated or has no function."""
    if original is None:
        return CodeVerdict(equivalent=None, method="generation", reason="the original produced no runnable code")
    if variant is None:
        return CodeVerdict(equivalent=False, method="generation", reason="the variant produced no runnable code")
    same = compare_code(original.code, variant.code, original.function_name, variant.function_name)
    if same.equivalent:
        return CodeVerdict(equivalent=True, method="ast", reason=same.reason)
    executed = compare_results(original.run, variant.run, calls, original.function_name)
    return CodeVerdict(equivalent=executed.equivalent, method="execution", reason=f"{same.reason}; {executed.reason}")


def summarise_tests(executed: ExecutedCode, tests: Sequence[FunctionTest]) -> TestSummary | None:
    """How many of the case's tests the code passes (None when the case has no tests)."""
    if not tests:
        return None
    verdict = judge_tests(executed.run, tests, executed.function_name)
    return TestSummary(
        passed=verdict.passed, total=verdict.passed + verdict.failed, first_failure=verdict.first_failure
    )
