"""The IR generator's data side: signature parsing, SpecDraft <-> IR, reading predictions."""

from __future__ import annotations

import os
from types import SimpleNamespace
from typing import Any

import dspy
import pytest
from pydantic import ValidationError

from tokdrift_cli.core.ir import IR, Assertion, Effect, FunctionSignature, Intent, Parameter, parse_ir
from tokdrift_cli.core.suite import SuiteCase, default_suite_path, load_suite
from tokdrift_cli.programs.ir_generator import (
    DEFAULT_DEMOS,
    SpecDraft,
    format_signature,
    parse_signature,
    prediction_ir,
    to_draft,
    to_ir,
)

SHIPPED_CASES: tuple[SuiteCase, ...] = load_suite(default_suite_path()).cases


def params(*pairs: tuple[str, str]) -> list[Parameter]:
    return [Parameter(name=name, type_hint=hint) for name, hint in pairs]


def draft(**changes: Any) -> SpecDraft:
    data: dict[str, Any] = {
        "signature": "clamp(value: int, low: int, high: int) -> int",
        "summary": "Clamp a value into a range.",
        "effects": ["raises ValueError if low > high"],
        "assertions": ["low <= high"],
    }
    data.update(changes)
    return SpecDraft(**data)


# --------------------------------------------------------------------------- parse_signature


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "add(a: int, b: int) -> int",
            FunctionSignature(name="add", parameters=params(("a", "int"), ("b", "int")), returns="int"),
            id="annotated",
        ),
        pytest.param(
            "pair(a, b: str) -> tuple",
            FunctionSignature(name="pair", parameters=params(("a", "Any"), ("b", "str")), returns="tuple"),
            id="unannotated-is-Any",
        ),
        pytest.param("now() -> float", FunctionSignature(name="now", returns="float"), id="no-parameters"),
        pytest.param(
            "log(message: str) -> None",
            FunctionSignature(name="log", parameters=params(("message", "str")), returns="None"),
            id="returns-None",
        ),
        pytest.param(
            "merge(a: dict[str, list[int]], b: dict[str, list[int]] | None) -> dict[str, list[tuple[int, str]]]",
            FunctionSignature(
                name="merge",
                parameters=params(("a", "dict[str, list[int]]"), ("b", "dict[str, list[int]] | None")),
                returns="dict[str, list[tuple[int, str]]]",
            ),
            id="nested-generics",
        ),
        pytest.param(
            "first(items: Optional[List[int]]) -> typing.Any",
            FunctionSignature(name="first", parameters=params(("items", "Optional[List[int]]")), returns="typing.Any"),
            id="typing-names",
        ),
        pytest.param(
            "scale(x: float, factor: float = 2.0) -> float",
            FunctionSignature(name="scale", parameters=params(("x", "float"), ("factor", "float")), returns="float"),
            id="default-value-dropped",
        ),
        pytest.param(
            "f(a, /, b, *, c: int) -> int",
            FunctionSignature(name="f", parameters=params(("a", "Any"), ("b", "Any"), ("c", "int")), returns="int"),
            id="positional-and-keyword-only",
        ),
        pytest.param(
            "  f(x:int,y:dict[str,int])->bool  ",
            FunctionSignature(name="f", parameters=params(("x", "int"), ("y", "dict[str, int]")), returns="bool"),
            id="spacing-normalised",
        ),
        pytest.param(
            "f(x: int)",
            FunctionSignature(name="f", parameters=params(("x", "int")), returns=None),
            id="no-return-annotation",
        ),
    ],
)
def test_parse_signature(text: str, expected: FunctionSignature) -> None:
    assert parse_signature(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "not a signature",
        "f",
        "f(x: int -> int",
        "f(x: int) ->",
        "f(1) -> int",
        "f(x y) -> int",
        "f(x: [) -> int",
        "9lives(x) -> int",
        "class X",
        "def f(x) -> int",
        "f(x) -> int; import os",
        "f(x=) -> int",
    ],
)
def test_parse_signature_refuses_non_python(text: str) -> None:
    with pytest.raises(ValueError, match="not a Python signature"):
        parse_signature(text)


@pytest.mark.parametrize(
    "text",
    [
        "add(a: int, b: int) -> int",
        "now() -> float",
        "log(message: str) -> None",
        "pair(a: Any, b: str) -> tuple[Any, str]",
        "merge(a: dict[str, list[int]], b: dict[str, list[int]] | None) -> dict[str, list[int]]",
    ],
)
def test_format_of_parse_round_trips(text: str) -> None:
    assert format_signature(parse_signature(text)) == text


@pytest.mark.parametrize(
    ("signature", "text"),
    [
        (FunctionSignature(name="f", parameters=params(("x", "int")), returns="str"), "f(x: int) -> str"),
        (FunctionSignature(name="g", returns="list[int]"), "g() -> list[int]"),
        (FunctionSignature(name="h", parameters=[Parameter(name="x")], returns="int"), "h(x: Any) -> int"),
        (FunctionSignature(name="k", parameters=params(("x", "int"))), "k(x: int) -> None"),
    ],
)
def test_format_signature(signature: FunctionSignature, text: str) -> None:
    assert format_signature(signature) == text


def test_parse_of_format_round_trips_except_a_missing_return() -> None:
    with_return = FunctionSignature(name="f", parameters=params(("a", "int"), ("b", "str | None")), returns="bool")
    without_return = with_return.model_copy(update={"returns": None})

    assert parse_signature(format_signature(with_return)) == with_return
    # No return type is written "-> None", which reads back as the type None.
    assert parse_signature(format_signature(without_return)) == with_return.model_copy(update={"returns": "None"})


# --------------------------------------------------------------------------- SpecDraft <-> IR


def test_to_ir_lifts_a_draft() -> None:
    assert to_ir(draft()) == IR(
        intent=Intent(summary="Clamp a value into a range."),
        signature=FunctionSignature(
            name="clamp", parameters=params(("value", "int"), ("low", "int"), ("high", "int")), returns="int"
        ),
        effects=[Effect(description="raises ValueError if low > high")],
        assertions=[Assertion(predicate="low <= high")],
    )


@pytest.mark.parametrize("demo", DEFAULT_DEMOS, ids=lambda demo: demo.spec.signature.split("(")[0])
def test_default_demos_round_trip(demo: dspy.Example) -> None:
    assert set(demo.inputs().keys()) == {"request"}
    assert to_draft(to_ir(demo.spec)) == demo.spec


def test_default_demos_are_not_in_the_shipped_suite() -> None:
    shipped_names = {case.gold.signature.name for case in SHIPPED_CASES}
    demo_names = {to_ir(demo.spec).signature.name for demo in DEFAULT_DEMOS}

    assert demo_names.isdisjoint(shipped_names)


def representable_part(ir: IR) -> IR:
    """What survives IR -> SpecDraft -> IR: no rationales, descriptions or metadata; three of each list."""
    return IR(
        intent=Intent(summary=ir.intent.summary),
        signature=FunctionSignature(
            name=ir.signature.name,
            parameters=params(*((p.name, p.type_hint) for p in ir.signature.parameters)),
            returns=ir.signature.returns or "None",
        ),
        effects=[Effect(description=effect.description) for effect in ir.effects[:3]],
        assertions=[Assertion(predicate=assertion.predicate) for assertion in ir.assertions[:3]],
    )


@pytest.mark.parametrize("case", SHIPPED_CASES, ids=lambda case: case.id)
def test_shipped_gold_irs_round_trip_through_drafts(case: SuiteCase) -> None:
    spec = to_draft(case.gold)

    assert to_ir(spec) == representable_part(case.gold)
    assert to_draft(to_ir(spec)) == spec


def test_to_draft_keeps_the_first_three_effects_and_assertions() -> None:
    ir = parse_ir(
        {
            "intent": {"summary": "Many things.", "rationale": "dropped"},
            "signature": {"name": "f", "parameters": [{"name": "x", "type_hint": "int", "description": "dropped"}]},
            "effects": ["e1", "e2", "e3", "e4", "e5"],
            "assertions": ["a1", "a2", "a3", "a4"],
            "metadata": {"dropped": True},
        }
    )

    spec = to_draft(ir)

    assert spec == SpecDraft(
        signature="f(x: int) -> None", summary="Many things.", effects=["e1", "e2", "e3"], assertions=["a1", "a2", "a3"]
    )
    assert to_ir(spec) == representable_part(ir)


@pytest.mark.parametrize(
    "signature",
    [
        pytest.param("clamp(value: int)", id="no-return"),
        pytest.param("clamp(value: int)->int", id="arrow-without-spaces"),
        pytest.param("def clamp(value: int) -> int", id="def-keyword"),
        pytest.param("clamp(value: 'int') -> int", id="quotes"),
        pytest.param("clamp(*values: int) -> int", id="star-args"),
        pytest.param("clamp(value: int) -> int; import os", id="trailing-statement"),
        pytest.param("clamp(value: int) -> " + "x" * 49, id="return-too-long"),
        pytest.param("1clamp(value: int) -> int", id="bad-name"),
        pytest.param("clamp(value int) -> int", id="matches-pattern-but-not-python"),
        pytest.param("clamp(value: [) -> int", id="unbalanced-bracket"),
    ],
)
def test_spec_draft_refuses_a_bad_signature(signature: str) -> None:
    with pytest.raises(ValidationError) as caught:
        draft(signature=signature)

    assert [error["loc"] for error in caught.value.errors()] == [("signature",)]


@pytest.mark.parametrize(
    ("changes", "location"),
    [
        ({"summary": "s" * 121}, ("summary",)),
        ({"effects": ["a", "b", "c", "d"]}, ("effects",)),
        ({"effects": ["e" * 81]}, ("effects", 0)),
        ({"assertions": ["x > 0"] * 4}, ("assertions",)),
        ({"assertions": ["x" * 61]}, ("assertions", 0)),
        ({"colour": "red"}, ("colour",)),
    ],
)
def test_spec_draft_bounds(changes: dict[str, Any], location: tuple[Any, ...]) -> None:
    with pytest.raises(ValidationError) as caught:
        draft(**changes)

    assert [error["loc"] for error in caught.value.errors()] == [location]


def test_spec_draft_accepts_values_at_the_bounds() -> None:
    spec = draft(summary="s" * 120, effects=["e" * 80] * 3, assertions=["a" * 60] * 3)

    assert len(to_ir(spec).effects) == 3


# --------------------------------------------------------------------------- prediction_ir


IR_FROM_DRAFT = to_ir(draft())


@pytest.mark.parametrize(
    "prediction",
    [
        pytest.param(SimpleNamespace(ir=IR_FROM_DRAFT), id="ir-object"),
        pytest.param(SimpleNamespace(ir=IR_FROM_DRAFT.model_dump(mode="json")), id="ir-dict"),
        pytest.param(SimpleNamespace(spec=draft()), id="spec"),
        pytest.param(SimpleNamespace(ir=None, spec=draft()), id="ir-none-spec"),
        pytest.param(dspy.Prediction(spec=draft(), ir=IR_FROM_DRAFT), id="dspy-prediction"),
        pytest.param(dspy.Prediction(spec=draft()), id="dspy-prediction-spec-only"),
    ],
)
def test_prediction_ir(prediction: Any) -> None:
    assert prediction_ir(prediction) == IR_FROM_DRAFT


def test_prediction_ir_prefers_the_ir_field() -> None:
    other = to_ir(draft(summary="Something else."))

    assert prediction_ir(SimpleNamespace(ir=other, spec=draft())) is other


def test_prediction_ir_validates_an_ir_dict() -> None:
    with pytest.raises(ValidationError):
        prediction_ir(SimpleNamespace(ir={"intent": {"summary": "x"}}))


@pytest.mark.parametrize(
    "prediction",
    [
        pytest.param(SimpleNamespace(), id="empty"),
        pytest.param(SimpleNamespace(ir="not an IR", spec={"signature": "f() -> int"}), id="wrong-types"),
        pytest.param(dspy.Prediction(answer="42"), id="dspy-prediction-without-fields"),
        pytest.param(None, id="none"),
    ],
)
def test_prediction_ir_without_ir_or_spec_is_a_type_error(prediction: Any) -> None:
    with pytest.raises(TypeError, match="neither an `ir` \\(IR\\) nor a `spec` \\(SpecDraft\\)"):
        prediction_ir(prediction)


def test_a_spec_pickles_the_same_in_every_process() -> None:
    """DSPy seeds its choice of bootstrapped demos with the demos' pickle: it must not vary with hash seeds."""
    import subprocess
    import sys

    script = (
        "import pickle, hashlib\n"
        "from tokdrift_cli.programs.ir_generator import SpecDraft\n"
        "draft = SpecDraft(signature='f(x: int) -> int', summary='s', effects=['raises ValueError'], assertions=[])\n"
        "again = pickle.loads(pickle.dumps(draft))\n"
        "assert again == draft and again.model_fields_set == draft.model_fields_set\n"
        "print(hashlib.sha256(pickle.dumps(draft)).hexdigest())\n"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script], env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True, text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(digests) == 1
