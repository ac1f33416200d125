"""Which structured-output form a provider's endpoint honours, decided once per run.

DSPy sends a JSON schema only when its capability table lists ``response_format`` for the
model, and a custom model name behind ``--api-base`` is in no table: its answers then go
unconstrained, while the same weights run in-process are grammar-constrained. So the form is
a setting (``--structured-output``); ``auto`` asks the endpoint itself with one small probe
request per form, in order json-schema, json-object, off, and keeps the first whose answer
obeys the probe's schema. A form the server refuses (400/422, or llama.cpp's 500) or ignores is
passed over.

The probe runs on the first generation, inside it: a probe that fails the way a call fails
(server down, timeout, rate limit) fails that generation with the same error, so the run's
failure policy sees it as it sees any call, and the next generation probes again.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tokdrift_cli.core.decoding import StructuredOutput

if TYPE_CHECKING:  # the pydantic record costs start-up time; it is built after a run
    from tokdrift_cli.core.records import DecodingRecord

PROBE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"probe": {"type": "boolean"}},
    "required": ["probe"],
    "additionalProperties": False,
}
# A request a model answers in words unless the schema forces JSON on it.
PROBE_MESSAGES = [
    {"role": "system", "content": "Reply in plain words."},
    {"role": "user", "content": "Say hello."},
]
PROBE_MAX_TOKENS = 24
PROBE_ORDER = (StructuredOutput.JSON_SCHEMA, StructuredOutput.JSON_OBJECT)

Probe = Callable[[StructuredOutput], bool]


def response_format_for(mode: StructuredOutput, schema: dict[str, Any], name: str) -> dict[str, Any] | None:
    """The ``response_format`` a request carries under ``mode`` (None: none)."""
    if mode is StructuredOutput.JSON_SCHEMA:
        return {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": True}}
    if mode is StructuredOutput.JSON_OBJECT:
        return {"type": "json_object", "schema": schema}
    return None


def obeys_probe_schema(text: str | None) -> bool:
    """Whether a probe's answer is what its schema allows, and nothing else."""
    try:
        data = json.loads(text or "")
    except ValueError:
        return False
    return isinstance(data, dict) and set(data) == {"probe"} and isinstance(data["probe"], bool)


class DecodingPlan:
    """The structured-output form of one model's calls, decided on first use; thread-safe."""

    def __init__(
        self,
        requested: StructuredOutput,
        *,
        provider: str,
        max_tokens: int,
        max_tokens_sent_as: str,
    ) -> None:
        self.requested = requested
        self.provider = provider
        self.max_tokens = max_tokens
        self.max_tokens_sent_as = max_tokens_sent_as
        self._probe: Probe | None = None
        self._lister: Callable[[], list[str]] | None = None
        self._mode: StructuredOutput | None = None if requested is StructuredOutput.AUTO else requested
        self.probed = False
        self.served_model: str | None = None
        self._lock = threading.Lock()

    def attach_probe(self, probe: Probe) -> None:
        """How ``auto`` asks the endpoint (without one, ``auto`` sends no schema)."""
        self._probe = probe

    def attach_model_lister(self, lister: Callable[[], list[str]]) -> None:
        """How to ask the server which models it serves (an OpenAI-compatible ``GET /models``)."""
        self._lister = lister

    def mode(self) -> StructuredOutput:
        """The form to send; under ``auto`` the first call probes (and raises what a failed call raises)."""
        with self._lock:
            if self._mode is None:
                self._mode = self._decide()
            if self._lister is not None:
                lister, self._lister = self._lister, None
                self._served_from(lister)
            return self._mode

    def _served_from(self, lister: Callable[[], list[str]]) -> None:
        """The served model from the server's list, when it names one: some servers (llama.cpp's) echo the
        requested name in their answers' ``model`` field instead of what they serve."""
        try:
            served = lister()
        except Exception:  # noqa: BLE001 - the listing is provenance only; the answers' field stays
            return
        if len(served) == 1:
            self.served_model = served[0]

    def _decide(self) -> StructuredOutput:
        """The first form the endpoint honours. A form the server answers with an error of its own (llama.cpp's
        server answers OpenAI's json_schema form with a 500) is passed over; when no form works and one failed
        that way, a request without a schema tells a refusing server (``off``) from a dead one (raised)."""
        from dspy.utils.exceptions import ContextWindowExceededError, LMRateLimitError, LMTimeoutError

        if self._probe is None:
            return StructuredOutput.OFF
        failure = False
        for candidate in PROBE_ORDER:
            try:
                honoured = self._probe(candidate)
            except (TimeoutError, LMTimeoutError, LMRateLimitError, ContextWindowExceededError):
                raise  # says nothing about the form: this generation fails, the next one probes again
            except Exception:  # noqa: BLE001 - a refusal or a dead server: the request without a schema tells
                failure = True
                continue
            if honoured:
                self.probed = True
                return candidate
        if failure:
            # Refused, or down? A request without a schema tells (and raises if the server is down).
            self._probe(StructuredOutput.OFF)
        self.probed = True
        return StructuredOutput.OFF

    def observe(self, served_model: str | None) -> None:
        """The model id a server put in an answer (the first one seen is kept)."""
        if served_model and self.served_model is None:
            self.served_model = served_model

    def record(self) -> DecodingRecord:
        from tokdrift_cli.core.records import DecodingRecord

        return DecodingRecord(
            provider=self.provider,
            served_model=self.served_model,
            structured_output=self._mode,
            probed=self.probed,
            max_tokens=self.max_tokens,
            max_tokens_sent_as=self.max_tokens_sent_as,
        )


def endpoint_probe(lm: Any, plan_observer: Callable[[str | None], None]) -> Probe:
    """A probe through ``lm``'s own route (same endpoint, key and timeout), with a small cap.

    A refusal of the form (the server's 400 or 422) is a "no"; any other failure is raised.
    """
    from dspy.utils.exceptions import ContextWindowExceededError, LMInvalidRequestError, LMUnsupportedFeatureError

    def probe(mode: StructuredOutput) -> bool:
        response_format = response_format_for(mode, PROBE_SCHEMA, "Probe")
        small = lm.copy(max_tokens=PROBE_MAX_TOKENS, cache=False)
        try:
            outputs = small(messages=PROBE_MESSAGES, response_format=response_format)
        except ContextWindowExceededError:
            raise
        except (LMInvalidRequestError, LMUnsupportedFeatureError):
            return False
        plan_observer(served_model_of(small))
        first = outputs[0] if outputs else None
        text = first.get("text") if isinstance(first, dict) else first
        return obeys_probe_schema(text if isinstance(text, str) else None)

    return probe


def list_served_models(api_base: str, timeout: float, api_key: str | None = None) -> list[str]:
    """The model ids an OpenAI-compatible server lists at ``GET {api_base}/models``.

    ``api_key`` is sent only when given: the caller passes the key of the provider the run talks to,
    so no other provider's key ever reaches ``api_base``.
    """
    import httpx

    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    answer = httpx.get(f"{api_base.rstrip('/')}/models", headers=headers, timeout=timeout)
    answer.raise_for_status()
    data = answer.json().get("data") or []
    return [str(entry["id"]) for entry in data if isinstance(entry, dict) and entry.get("id")]


def served_model_of(lm: Any) -> str | None:
    """The model id the server reported in the last answer ``lm`` received."""
    history = getattr(lm, "history", None) or []
    if not history:
        return None
    response = history[-1].get("response") if isinstance(history[-1], dict) else None
    model = getattr(response, "model", None)
    return str(model) if model else None
