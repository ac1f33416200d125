"""The IR model: lift-sys shape, bare-string effects/assertions, strict fields."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import ValidationError

from tokdrift_cli.core.ir import Assertion, Effect, FunctionSignature, Intent, Parameter, parse_ir
from tokdrift_cli.errors import InputError, TokdriftError

# A full IR as lift-sys writes it: every optional field filled in.
LIFT_SYS_IR: dict[str, Any] = {
    "intent": {"summary": "Remove and return the last element.", "rationale": "stack pop"},
    "signature": {
        "name": "pop_last",
        "parameters": [{"name": "items", "type_hint": "list[int]", "description": "the stack"}],
        "returns": "int",
    },
    "effects": [{"description": "raises IndexError if items is empty"}, {"description": "modifies items"}],
    "assertions": [{"predicate": "len(items) > 0", "rationale": "cannot pop from empty"}],
    "metadata": {"source": "lift-sys", "version": 3, "tags": ["list"]},
}


def minimal_ir(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"intent": {"summary": "Do it."}, "signature": {"name": "f"}}
    data.update(changes)
    return data


def test_parse_full_lift_sys_ir() -> None:
    ir = parse_ir(LIFT_SYS_IR)

    assert ir.intent == Intent(summary="Remove and return the last element.", rationale="stack pop")
    assert ir.signature == FunctionSignature(
        name="pop_last",
        parameters=[Parameter(name="items", type_hint="list[int]", description="the stack")],
        returns="int",
    )
    assert [effect.description for effect in ir.effects] == ["raises IndexError if items is empty", "modifies items"]
    assert ir.assertions == [Assertion(predicate="len(items) > 0", rationale="cannot pop from empty")]
    assert ir.metadata == {"source": "lift-sys", "version": 3, "tags": ["list"]}


def test_parse_minimal_ir_fills_defaults() -> None:
    ir = parse_ir(minimal_ir(signature={"name": "f", "parameters": [{"name": "x"}]}))

    assert ir.intent.rationale is None
    assert ir.signature.parameters == [Parameter(name="x", type_hint="Any", description=None)]
    assert ir.signature.returns is None
    assert ir.effects == []
    assert ir.assertions == []
    assert ir.metadata == {}


@pytest.mark.parametrize(
    "dump",
    [
        pytest.param(lambda ir: ir.model_dump(), id="python"),
        pytest.param(lambda ir: ir.model_dump(mode="json"), id="json-mode"),
        pytest.param(lambda ir: ir.model_dump(exclude_defaults=True), id="exclude-defaults"),
    ],
)
def test_dump_and_parse_round_trip(dump: Any) -> None:
    ir = parse_ir(LIFT_SYS_IR)

    assert parse_ir(dump(ir)) == ir


def test_parse_ir_accepts_an_ir_instance() -> None:
    ir = parse_ir(LIFT_SYS_IR)

    assert parse_ir(ir) == ir


@pytest.mark.parametrize(
    ("field", "raw", "expected"),
    [
        ("effects", ["raises ValueError"], [Effect(description="raises ValueError")]),
        ("assertions", ["x > 0"], [Assertion(predicate="x > 0")]),
        (
            "effects",
            ["writes a file", {"description": "raises OSError"}],
            [Effect(description="writes a file"), Effect(description="raises OSError")],
        ),
        (
            "assertions",
            [{"predicate": "n >= 0", "rationale": "counts"}, "n < 10"],
            [Assertion(predicate="n >= 0", rationale="counts"), Assertion(predicate="n < 10")],
        ),
    ],
)
def test_bare_string_effects_and_assertions_are_accepted(field: str, raw: list[Any], expected: list[Any]) -> None:
    ir = parse_ir(minimal_ir(**{field: raw}))

    assert getattr(ir, field) == expected


@pytest.mark.parametrize(
    ("model", "text", "attribute"),
    [(Effect, "mutates items", "description"), (Assertion, "len(x) == 3", "predicate")],
)
def test_bare_string_validates_directly(model: type[Effect] | type[Assertion], text: str, attribute: str) -> None:
    assert getattr(model.model_validate(text), attribute) == text


@pytest.mark.parametrize(
    ("path", "key", "expected_location"),
    [
        ((), "intents", "intents: unknown field"),
        (("intent",), "sumary", "intent.sumary: unknown field"),
        (("signature",), "return", "signature.return: unknown field"),
        (("signature", "parameters", 0), "typ", "signature.parameters.0.typ: unknown field"),
        (("effects", 1), "desc", "effects.1.desc: unknown field"),
        (("assertions", 0), "why", "assertions.0.why: unknown field"),
    ],
)
def test_unknown_field_is_refused_with_its_path(path: tuple[Any, ...], key: str, expected_location: str) -> None:
    data = copy.deepcopy(LIFT_SYS_IR)
    target: Any = data
    for step in path:
        target = target[step]
    target[key] = "typo"

    with pytest.raises(InputError) as caught:
        parse_ir(data)

    assert expected_location in str(caught.value)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"signature": {"name": "f"}}, "intent: Field required"),
        ({"intent": {"summary": "x"}}, "signature: Field required"),
        ({"intent": {}, "signature": {"name": "f"}}, "intent.summary: Field required"),
        ({"intent": {"summary": "x"}, "signature": {}}, "signature.name: Field required"),
        (minimal_ir(signature={"name": "f", "parameters": [{"type_hint": "int"}]}), "signature.parameters.0.name"),
        (minimal_ir(effects=[{}]), "effects.0.description: Field required"),
        (minimal_ir(assertions=[{"rationale": "r"}]), "assertions.0.predicate: Field required"),
    ],
)
def test_missing_required_field_is_named(data: dict[str, Any], expected: str) -> None:
    with pytest.raises(InputError, match="is not a valid IR") as caught:
        parse_ir(data)

    assert expected in str(caught.value)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("not an IR", "<root>:"),
        ([], "<root>:"),
        (minimal_ir(effects="raises"), "effects:"),
        (minimal_ir(signature={"name": "f", "parameters": "x"}), "signature.parameters:"),
        (minimal_ir(metadata=[1, 2]), "metadata:"),
    ],
)
def test_wrong_types_are_refused(data: Any, expected: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_ir(data)

    assert expected in str(caught.value)


def test_every_problem_is_listed_on_one_line() -> None:
    data = {"intent": {"summary": "x", "extra": 1}, "signature": {"name": "f", "params": []}}

    with pytest.raises(InputError) as caught:
        parse_ir(data)

    message = str(caught.value)
    assert "\n" not in message
    assert "intent.extra: unknown field" in message
    assert "signature.params: unknown field" in message


def test_source_names_the_input_and_error_is_a_usage_error() -> None:
    with pytest.raises(InputError) as caught:
        parse_ir({}, source="gold IR of case simple-001")

    assert str(caught.value).startswith("gold IR of case simple-001 is not a valid IR: ")
    assert isinstance(caught.value, TokdriftError)
    assert caught.value.__cause__ is None


def test_ir_is_frozen() -> None:
    ir = parse_ir(LIFT_SYS_IR)

    with pytest.raises(ValidationError):
        ir.intent = Intent(summary="changed")  # type: ignore[misc]
    assert ir.intent.summary == "Remove and return the last element."


def test_bare_string_and_object_forms_give_equal_irs() -> None:
    assert parse_ir(minimal_ir(effects=["a"], assertions=["x"])) == parse_ir(
        minimal_ir(effects=[{"description": "a"}], assertions=[{"predicate": "x"}])
    )
    assert parse_ir(minimal_ir(effects=["a"])) != parse_ir(minimal_ir(effects=["b"]))
