"""How a provider is asked to hold its answers to the answer's JSON schema.

Two runs of the same weights are the same measurement only if their answers were decoded the same
way: constrained by the same JSON schema (or not), under the same answer cap. A remote server may
not take a schema in the form a client sends it, so the form is a setting, and the artifact records
the form used (:class:`tokdrift_cli.core.records.DecodingRecord`).
"""

from __future__ import annotations

from enum import StrEnum


class StructuredOutput(StrEnum):
    """How answers are constrained to the answer's JSON schema.

    ``json-schema``: OpenAI's ``response_format: {type: json_schema, json_schema: {...}}``;
    ``json-object``: ``{type: json_object, schema: {...}}``, JSON mode with the schema beside it,
    the form llama.cpp's server (and several other OpenAI-compatible servers) enforce;
    ``off``: no constraint, the prompt alone asks for JSON;
    ``auto``: the first of those the endpoint honours, found by one small probe request.
    """

    AUTO = "auto"
    JSON_SCHEMA = "json-schema"
    JSON_OBJECT = "json-object"
    OFF = "off"


class ApiPrompt(StrEnum):
    """How an ``--api-base`` server is asked.

    ``chat``: the adapter's messages to ``/chat/completions`` (the server applies the model's chat
    template and its own sampler defaults), what any OpenAI-compatible provider takes;
    ``completion``: the in-process engine's few-shot document, grammar and sampler settings to
    ``/completions`` (llama.cpp's server), so the same weights answer as they do in-process.
    """

    CHAT = "chat"
    COMPLETION = "completion"
