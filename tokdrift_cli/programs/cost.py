"""What a run would cost in LM calls and tokens, estimated before anything is called (--dry-run).

Input tokens are counted from the very messages the adapter would send (the
instruction, every demo and the request), at about 4 characters per token,
the usual rule of thumb for English with BPE tokenizers; it is an estimate,
not a tokenizer count. Output tokens are bounded by --max-tokens; the typical
figure is the length of the demos' answers, which is what the model imitates.

Dollars come from the price table LiteLLM ships with its package (``litellm.model_cost``),
read offline (``LITELLM_LOCAL_MODEL_COST_MAP``): list prices per token, as of the installed
LiteLLM. A model the table does not know (the embedded model, a local GGUF, most custom
servers) has no price: its cost is unknown, never a guessed figure.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

CHARS_PER_TOKEN = 4.0


@dataclass(frozen=True)
class CostEstimate:
    lm_calls: int
    input_tokens: int
    output_tokens_typical: int
    output_tokens_max: int

    def __add__(self, other: CostEstimate) -> CostEstimate:
        return CostEstimate(
            self.lm_calls + other.lm_calls,
            self.input_tokens + other.input_tokens,
            self.output_tokens_typical + other.output_tokens_typical,
            self.output_tokens_max + other.output_tokens_max,
        )


NO_COST = CostEstimate(0, 0, 0, 0)


@dataclass(frozen=True)
class Price:
    """List prices of one model, dollars per token."""

    model: str  # the price table's entry
    input_per_token: float
    output_per_token: float

    def usd(self, input_tokens: int, output_tokens: int) -> float:
        return input_tokens * self.input_per_token + output_tokens * self.output_per_token


def price_of(model: str) -> Price | None:
    """The model's list price from LiteLLM's bundled table, or None when it has none (never fetched)."""
    if model == "local" or model.startswith("local:"):
        return None
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    table = litellm.model_cost
    provider, _, name = model.partition("/")
    for key in (model, name):
        entry = table.get(key)
        if not isinstance(entry, dict):
            continue
        listed_provider = str(entry.get("litellm_provider") or provider)
        if key == name and not listed_provider.startswith(provider) and provider not in ("openai", "openai_like"):
            continue  # the same name under another provider is another model
        input_price, output_price = entry.get("input_cost_per_token"), entry.get("output_cost_per_token")
        if isinstance(input_price, (int, float)) and isinstance(output_price, (int, float)):
            return Price(key, float(input_price), float(output_price))
    return None


def cost_of(estimate: CostEstimate, price: Price | None) -> tuple[float, float] | None:
    """(typical, at most) dollars of an estimate; None without a price."""
    if price is None:
        return None
    return (
        price.usd(estimate.input_tokens, estimate.output_tokens_typical),
        price.usd(estimate.input_tokens, estimate.output_tokens_max),
    )


def _tokens(chars: int) -> int:
    return round(chars / CHARS_PER_TOKEN)


def _message_chars(messages: Sequence[dict[str, Any]]) -> int:
    return sum(len(str(message.get("content", ""))) for message in messages)


def _demo_answer_chars(predictor: Any) -> int | None:
    lengths = []
    for demo in predictor.demos:
        answer = {name: demo.get(name) for name in predictor.signature.output_fields}
        lengths.append(len(json.dumps(answer, default=_jsonable, separators=(",", ":"))))
    return round(sum(lengths) / len(lengths)) if lengths else None


def _jsonable(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    return dump(mode="json") if callable(dump) else str(value)


def estimate_generations(module: Any, texts: Sequence[str], *, max_tokens: int) -> CostEstimate:
    """Cost of running ``module`` once on each text: one call per predictor, the adapter's real prompt."""
    from tokdrift_cli.programs.compact_adapter import CompactJSONAdapter

    adapter = CompactJSONAdapter()
    total = NO_COST
    for _, predictor in module.named_predictors():
        signature = predictor.signature
        input_names = list(signature.input_fields)
        answer_chars = _demo_answer_chars(predictor)
        typical = _tokens(answer_chars) if answer_chars is not None else max_tokens
        demos = [dict(demo) for demo in predictor.demos]
        for text in texts:
            inputs = {name: text for name in input_names[:1]}
            messages = adapter.format(signature, demos, inputs)
            total += CostEstimate(1, _tokens(_message_chars(messages)), min(typical, max_tokens), max_tokens)
    return total
