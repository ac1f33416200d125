"""Run the DSPy code program on one IR and record what happened (never raises per call)."""

from __future__ import annotations

from typing import Any

from tokdrift_cli.core.ir import IR
from tokdrift_cli.core.records import CodeGeneration
from tokdrift_cli.programs.code_generator import prediction_code, spec_text
from tokdrift_cli.programs.runner import DspyCaller


class DspyCodeRunner:
    """Calls a DSPy IR -> code program with a given LM under the compact JSON adapter."""

    name = "lm"

    def __init__(self, program: Any, lm: Any):
        self.program = program
        self.caller = DspyCaller(lm)

    def generate(self, ir: IR) -> CodeGeneration:
        outcome = self.caller.call(lambda: self.program(spec=spec_text(ir)), prediction_code)
        return CodeGeneration(code=outcome.value, **dict(outcome.record))
