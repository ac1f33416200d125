"""Deciding the structured-output form: what a probe's failure means, and whose key lists the served models."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from dspy.utils.exceptions import LMRateLimitError, LMTimeoutError

from tokdrift_cli.core.decoding import StructuredOutput
from tokdrift_cli.engines import decoding
from tokdrift_cli.engines.decoding import DecodingPlan


def plan_with(probe: Any) -> DecodingPlan:
    plan = DecodingPlan(StructuredOutput.AUTO, provider="openai", max_tokens=64, max_tokens_sent_as="max_tokens")
    plan.attach_probe(probe)
    return plan


@pytest.mark.parametrize("error", [TimeoutError("read timed out"), LMTimeoutError("t"), LMRateLimitError("r")])
def test_a_probe_that_times_out_fails_the_call_and_the_next_call_probes_again(error: Exception) -> None:
    """A timeout says nothing about the form: it must not settle the run on `off`."""
    calls: list[StructuredOutput] = []

    def flaky(mode: StructuredOutput) -> bool:
        calls.append(mode)
        if len(calls) == 1:
            raise error
        return mode is StructuredOutput.JSON_SCHEMA

    plan = plan_with(flaky)
    with pytest.raises(type(error)):
        plan.mode()
    assert plan.mode() is StructuredOutput.JSON_SCHEMA
    assert calls == [StructuredOutput.JSON_SCHEMA, StructuredOutput.JSON_SCHEMA]


def test_a_refused_form_is_passed_over() -> None:
    def refusing(mode: StructuredOutput) -> bool:
        if mode is StructuredOutput.JSON_SCHEMA:
            raise RuntimeError("HTTP 500: json_schema not supported")
        return True

    assert plan_with(refusing).mode() is StructuredOutput.JSON_OBJECT


@pytest.mark.parametrize(("key", "expected"), [(None, None), ("sk-openai", "Bearer sk-openai")])
def test_the_model_list_carries_only_the_key_it_is_given(
    monkeypatch: pytest.MonkeyPatch, key: str | None, expected: str | None
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-must-not-leak")
    seen: dict[str, Any] = {}

    def fake_get(url: str, headers: dict[str, str], timeout: float) -> httpx.Response:
        seen.update(url=url, authorization=headers.get("Authorization"))
        return httpx.Response(200, json={"data": [{"id": "served"}]}, request=httpx.Request("GET", url))

    monkeypatch.setattr(httpx, "get", fake_get)
    assert decoding.list_served_models("http://127.0.0.1:9/v1/", 1.0, key) == ["served"]
    assert seen == {"url": "http://127.0.0.1:9/v1/models", "authorization": expected}
