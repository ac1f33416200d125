"""Run a DSPy IR program on one prompt and record what happened.

A failure of one generation (unparseable answer, provider error, a bug in a
user's program) is recorded on that generation and never stops a run: a
suite of hundreds of calls must not die on call 97.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from tokdrift_cli.core.records import CallRecord, Generation
from tokdrift_cli.core.redaction import redact_text
from tokdrift_cli.programs.compact_adapter import CompactJSONAdapter
from tokdrift_cli.programs.ir_generator import prediction_ir

MAX_ERROR_CHARS = 300

T = TypeVar("T")


class GeneratesIR(Protocol):
    """Anything that turns a prompt text into a recorded :class:`Generation`."""

    def generate(self, text: str) -> Generation: ...


def scrub(message: str) -> str:
    """Remove anything that looks like a credential from an error message."""
    return redact_text(message)[:MAX_ERROR_CHARS]


def describe(error: BaseException) -> str:
    """The error, and the root cause it wraps when that says more (LiteLLM reports a refused connection
    as "Connection error."; the socket's own error says "Connection refused")."""
    text = f"{type(error).__name__}: {error}"
    root, seen = error, {id(error)}
    while (nested := root.__cause__ or root.__context__) is not None and id(nested) not in seen:
        root = nested
        seen.add(id(root))
    if root is not error and str(root) and str(root) not in text:
        text = f"{text} ({type(root).__name__}: {root})"
    return text


# How llama.cpp (and servers built on it) say a prompt is longer than the model's context window.
_CONTEXT_WINDOW_PATTERN = re.compile(
    r"exceed(s|ed)? (the )?context window|context length|context_length_exceeded", re.IGNORECASE
)


def classify_error(error: BaseException) -> str:
    """Sort a failed generation: the model's answer, the input, the model's service, or the program.

    The service's kinds (``provider``, ``timeout``, ``rate_limit``) are retried by a later run;
    ``input`` (a prompt the model cannot take) and ``parse`` are results about that prompt.
    """
    from dspy.utils.exceptions import (
        AdapterParseError,
        ContextWindowExceededError,
        LMError,
        LMRateLimitError,
        LMTimeoutError,
        LMTransportError,
    )
    from pydantic import ValidationError

    if isinstance(error, (AdapterParseError, ValidationError)):
        return "parse"
    if isinstance(error, ContextWindowExceededError) or (
        isinstance(error, (LMError, ValueError)) and _CONTEXT_WINDOW_PATTERN.search(str(error))
    ):
        return "input"
    if isinstance(error, LMRateLimitError):
        return "rate_limit"
    if isinstance(error, (TimeoutError, LMTimeoutError)) or "timeout" in type(error).__name__.lower():
        return "timeout"
    if isinstance(error, LMTransportError) and "timed out" in str(error):
        return "timeout"  # the native engine reports a read timeout as a transport failure
    if isinstance(error, LMError):
        return "provider"
    return "program"


class CallMeter:
    """Counts LM calls per thread, via DSPy's callback hooks (tokens come from DSPy's usage tracking)."""

    def __init__(self) -> None:
        self._local = threading.local()

    def reset(self) -> None:
        self._local.calls = 0

    @property
    def calls(self) -> int:
        return getattr(self._local, "calls", 0)

    def count(self) -> None:
        self._local.calls = self.calls + 1


def make_call_counter(meter: CallMeter) -> Any:
    from dspy.utils.callback import BaseCallback

    class _Counter(BaseCallback):
        def on_lm_end(self, call_id: str, outputs: Any, exception: BaseException | None = None) -> None:
            meter.count()

    return _Counter()


@dataclass(frozen=True)
class CallOutcome(Generic[T]):
    """One program call: the extracted value (None if it failed), its bookkeeping, and the error if any."""

    value: T | None
    record: CallRecord
    error: BaseException | None = None


class DspyCaller:
    """Runs one DSPy program call under the compact adapter, counting LM calls and tokens; never raises.

    A failure (unparseable answer, provider error, a bug in a user's program) comes back as a
    scrubbed, classified record: a suite of hundreds of calls must not die on call 97.
    """

    def __init__(self, lm: Any):
        self.lm = lm
        self.adapter = CompactJSONAdapter()
        self.meter = CallMeter()
        self.callback = make_call_counter(self.meter)

    def call(self, invoke: Callable[[], Any], extract: Callable[[Any], T]) -> CallOutcome[T]:
        """``invoke()`` runs the program; ``extract(prediction)`` pulls the value out (its errors count too)."""
        import dspy

        self.meter.reset()
        started = time.perf_counter()
        try:
            with dspy.context(lm=self.lm, adapter=self.adapter, callbacks=[self.callback], track_usage=True):
                prediction = invoke()
                value = extract(prediction)
                usage = usage_of(prediction)
        except Exception as error:  # noqa: BLE001 - recorded per call by design, see the docstring
            record = CallRecord(
                error=scrub(describe(error)),
                error_kind=classify_error(error),  # type: ignore[arg-type]
                latency_s=time.perf_counter() - started,
                lm_calls=self.meter.calls,
            )
            return CallOutcome(value=None, record=record, error=error)
        record = CallRecord(
            latency_s=time.perf_counter() - started,
            lm_calls=self.meter.calls,
            input_tokens=usage[0],
            output_tokens=usage[1],
        )
        return CallOutcome(value=value, record=record)


class DspyIRRunner:
    """Calls a DSPy IR program with a given LM under the JSON adapter."""

    def __init__(self, program: Any, lm: Any):
        self.program = program
        self.caller = DspyCaller(lm)

    def generate(self, text: str) -> Generation:
        outcome = self.caller.call(lambda: self.program(request=text), prediction_ir)
        raw = getattr(outcome.error, "lm_response", None)
        return Generation(ir=outcome.value, raw=raw if isinstance(raw, str) else None, **dict(outcome.record))


def usage_of(prediction: Any) -> tuple[int, int]:
    getter = getattr(prediction, "get_lm_usage", None)
    usage = getter() if callable(getter) else None
    if not usage:
        return 0, 0
    prompt = sum(int(entry.get("prompt_tokens") or 0) for entry in usage.values())
    completion = sum(int(entry.get("completion_tokens") or 0) for entry in usage.values())
    return prompt, completion
