"""The intermediate representation (IR) a generator turns a request into.

The shape follows lift-sys JSON so that IRs can move between the two tools:
``intent``, ``signature``, ``effects``, ``assertions`` and free ``metadata``.
Unknown fields are refused: a typo in a gold IR must not pass silently.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tokdrift_cli.errors import InputError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Intent(_Strict):
    """What the function is for, in words."""

    summary: str
    rationale: str | None = None


class Parameter(_Strict):
    name: str
    type_hint: str = "Any"
    description: str | None = None


class FunctionSignature(_Strict):
    name: str
    parameters: list[Parameter] = Field(default_factory=list)
    returns: str | None = None


class Effect(_Strict):
    """An observable side effect or behaviour (raises, mutates, writes, ...)."""

    description: str

    @model_validator(mode="before")
    @classmethod
    def _accept_bare_string(cls, value: Any) -> Any:
        # lift-sys writes effects either as objects or as plain strings.
        if isinstance(value, str):
            return {"description": value}
        return value


class Assertion(_Strict):
    """A condition that holds on inputs or outputs, as a Python-like predicate."""

    predicate: str
    rationale: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _accept_bare_string(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"predicate": value}
        return value


class IR(_Strict):
    """A full specification of one function."""

    intent: Intent
    signature: FunctionSignature
    effects: list[Effect] = Field(default_factory=list)
    assertions: list[Assertion] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)


def describe_validation_error(error: ValidationError) -> str:
    """Turn a pydantic error into one readable line: ``field.path: problem``."""
    parts = []
    for item in error.errors():
        location = ".".join(str(p) for p in item["loc"]) or "<root>"
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown field"
        parts.append(f"{location}: {message}")
    return "; ".join(parts)


def parse_ir(data: Any, *, source: str = "IR") -> IR:
    """Validate ``data`` as an IR or raise an :class:`InputError` naming the field."""
    try:
        return IR.model_validate(data)
    except ValidationError as error:
        raise InputError(f"{source} is not a valid IR: {describe_validation_error(error)}") from None
