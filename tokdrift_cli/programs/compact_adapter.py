"""A DSPy adapter that keeps prompts short enough for a small model.

DSPy's JSONAdapter spends about a thousand tokens describing the field
structure before the request; a 135M-parameter model loses the thread in
that preamble. This adapter sends the instruction, the demos as plain
request/JSON turns, and the request; the answer's shape is enforced by a JSON
schema sent as ``response_format`` (a grammar on the local engine; on a provider, in the
form its endpoint honours, see :mod:`tokdrift_cli.engines.decoding`).

When the signature has a single output field holding a pydantic model, the
model's JSON is the whole answer (no wrapper object): fewer tokens, same data.
"""

from __future__ import annotations

import json
from typing import Any

import dspy
import pydantic
from dspy.utils.exceptions import AdapterParseError

from tokdrift_cli.core.decoding import StructuredOutput
from tokdrift_cli.engines.decoding import DecodingPlan, response_format_for, served_model_of


def _single_model_field(signature: Any) -> tuple[str, type[pydantic.BaseModel]] | None:
    fields = signature.output_fields
    if len(fields) != 1:
        return None
    name, field = next(iter(fields.items()))
    annotation = field.annotation
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return name, annotation
    return None


def _to_jsonable(value: Any) -> Any:
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump(mode="json")
    return value


class CompactJSONAdapter(dspy.Adapter):
    """Instruction + demos + request, answered in schema-constrained JSON."""

    def __call__(self, lm: Any, lm_kwargs: dict[str, Any], signature: Any, demos: list[dict[str, Any]], inputs: dict[str, Any]) -> Any:
        plan: DecodingPlan | None = getattr(lm, "decoding", None)
        if plan is None:
            # An in-process engine (or a test's) that declares schema support: DSPy turns the class into
            # the schema it hands the engine.
            if "response_format" in getattr(lm, "supported_params", ()):
                lm_kwargs = {**lm_kwargs, "response_format": self.response_format(signature)}
            return super().__call__(lm, lm_kwargs, signature, demos, inputs)
        mode = plan.mode()
        if mode is not StructuredOutput.OFF:
            lm_kwargs = {**lm_kwargs, "response_format": self.provider_response_format(signature, mode)}
        result = super().__call__(lm, lm_kwargs, signature, demos, inputs)
        plan.observe(served_model_of(lm))
        return result

    def provider_response_format(self, signature: Any, mode: StructuredOutput) -> dict[str, Any] | None:
        """The answer's schema in the form ``mode`` names, shaped as DSPy shapes it for an in-process engine
        (strict: every property required, no extra ones), so a server's grammar is the local one."""
        from dspy.clients.legacy_requests import _strict_json_schema

        model = self.response_format(signature)
        return response_format_for(mode, _strict_json_schema(model.model_json_schema()), model.__name__)

    def response_format(self, signature: Any) -> type[pydantic.BaseModel]:
        """The answer's shape as a pydantic class; DSPy sends it as a strict JSON schema."""
        single = _single_model_field(signature)
        if single is not None:
            return single[1]
        fields = {name: (field.annotation, ...) for name, field in signature.output_fields.items()}
        return pydantic.create_model(  # type: ignore[call-overload,no-any-return]
            "Outputs", __config__=pydantic.ConfigDict(extra="forbid"), **fields
        )

    def format(self, signature: Any, demos: list[dict[str, Any]], inputs: dict[str, Any]) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = [{"role": "system", "content": self.system_text(signature)}]
        for demo in demos:
            if not all(demo.get(name) is not None for name in signature.fields):
                continue  # a partial demo teaches a small model to leave fields out
            messages.append({"role": "user", "content": self.request_text(signature, demo)})
            messages.append({"role": "assistant", "content": self.answer_text(signature, demo)})
        messages.append({"role": "user", "content": self.request_text(signature, inputs)})
        return messages

    def system_text(self, signature: Any) -> str:
        return f"{signature.instructions.strip()}\nAnswer with JSON only."

    def request_text(self, signature: Any, values: dict[str, Any]) -> str:
        fields = list(signature.input_fields)
        if len(fields) == 1:
            return str(values.get(fields[0], ""))
        return "\n".join(f"{name}: {values.get(name, '')}" for name in fields)

    def answer_text(self, signature: Any, values: dict[str, Any]) -> str:
        single = _single_model_field(signature)
        if single is not None:
            payload = _to_jsonable(values[single[0]])
        else:
            payload = {name: _to_jsonable(values[name]) for name in signature.output_fields}
        return json.dumps(payload, ensure_ascii=False)

    def parse(self, signature: Any, completion: str) -> dict[str, Any]:
        try:
            # strict=False accepts raw newlines and tabs inside strings, which a
            # grammar allows and small models emit; the text is still JSON.
            data = json.loads(completion, strict=False)
        except json.JSONDecodeError as error:
            raise AdapterParseError(
                adapter_name=type(self).__name__,
                signature=signature,
                lm_response=completion,
                message=f"the answer is not valid JSON ({error.msg})",
            ) from None
        single = _single_model_field(signature)
        if single is not None:
            data = {single[0]: data}
        if not isinstance(data, dict):
            raise AdapterParseError(
                adapter_name=type(self).__name__, signature=signature, lm_response=completion,
                message="the answer is not a JSON object",
            )
        parsed = {}
        for name, field in signature.output_fields.items():
            if name not in data:
                raise AdapterParseError(
                    adapter_name=type(self).__name__, signature=signature, lm_response=completion,
                    message=f"the answer has no field {name!r}",
                )
            try:
                parsed[name] = pydantic.TypeAdapter(field.annotation).validate_python(data[name])
            except pydantic.ValidationError as error:
                raise AdapterParseError(
                    adapter_name=type(self).__name__, signature=signature, lm_response=completion,
                    message=f"field {name!r} does not match its type: {error.errors()[0]['msg']}",
                ) from None
        return parsed
