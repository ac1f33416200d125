"""Run the DSPy code program on one IR and record what happened (never raises per call)."""

from __future__ import annotations

import time
from typing import Any

from tokdrift_cli.codegen.generators import CodeGeneration
from tokdrift_cli.core.ir import IR
from tokdrift_cli.programs.code_generator import prediction_code, spec_text
from tokdrift_cli.programs.compact_adapter import CompactJSONAdapter
from tokdrift_cli.programs.runner import CallMeter, usage_of, classify_error, make_call_counter, scrub


class DspyCodeRunner:
    """Calls a DSPy IR -> code program with a given LM under the compact JSON adapter."""

    name = "lm"

    def __init__(self, program: Any, lm: Any):
        self.program = program
        self.lm = lm
        self.adapter = CompactJSONAdapter()
        self.meter = CallMeter()
        self.callback = make_call_counter(self.meter)

    def generate(self, ir: IR) -> CodeGeneration:
        import dspy

        self.meter.reset()
        started = time.perf_counter()
        try:
            with dspy.context(lm=self.lm, adapter=self.adapter, callbacks=[self.callback], track_usage=True):
                prediction = self.program(spec=spec_text(ir))
                code = prediction_code(prediction)
                usage = usage_of(prediction)
        except Exception as error:  # noqa: BLE001 - recorded per generation, like the IR runner
            return CodeGeneration(
                error=scrub(f"{type(error).__name__}: {error}"),
                error_kind=classify_error(error),  # type: ignore[arg-type]
                latency_s=time.perf_counter() - started,
                lm_calls=self.meter.calls,
            )
        return CodeGeneration(
            code=code,
            latency_s=time.perf_counter() - started,
            lm_calls=self.meter.calls,
            input_tokens=usage[0],
            output_tokens=usage[1],
        )
