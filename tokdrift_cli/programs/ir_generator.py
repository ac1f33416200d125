"""The default IR generator: a DSPy program from a request to a function spec.

The model fills a compact ``SpecDraft`` (what a small model can produce
reliably under a grammar); ``to_ir`` lifts it into the full lift-sys-shaped
IR. Optimizers tune the ``generate`` predictor's instruction and demos.
"""

from __future__ import annotations

import ast
from typing import Annotated, Any

import dspy
from pydantic import BaseModel, ConfigDict, Field, field_validator

from tokdrift_cli.core.ir import IR, Assertion, Effect, FunctionSignature, Intent, Parameter

# A Python-like signature line: small models have seen millions of these and
# write them far more reliably than nested parameter objects. The pattern is
# a grammar on the local engine, so it spells out the shape (every parameter
# annotated, a return type) and bounds every repetition: llama.cpp ignores
# maxLength once a pattern is given, and an unbounded `*` lets a small model
# loop until it runs out of tokens. Quotes can never appear, so the JSON
# string cannot break.
_NAME = r"[A-Za-z_][A-Za-z0-9_]{0,39}"
_ATOM = r"[A-Za-z_][A-Za-z0-9_.]{0,24}"
_LEAF = r"[A-Za-z0-9_. |]{1,30}"
_ARGUMENT = rf"({_ATOM}(\[{_LEAF}(, {_LEAF}){{0,3}}\])?( \| {_ATOM}){{0,2}}|[.][.][.])"
_SIMPLE_TYPE = rf"{_ATOM}(\[{_ARGUMENT}(, {_ARGUMENT}){{0,3}}\])?"
_TYPE = rf"{_SIMPLE_TYPE}( \| {_SIMPLE_TYPE}){{0,2}}"
_SIGNATURE_PATTERN = rf"^{_NAME}\(({_NAME}: {_TYPE}(, {_NAME}: {_TYPE}){{0,5}})?\) -> {_TYPE}$"


class SpecDraft(BaseModel):
    """The fields the model writes, bounded so a small model cannot ramble."""

    # Field order is generation order: the signature comes first, while the
    # request is still fresh in a small model's short attention.
    model_config = ConfigDict(extra="forbid")

    signature: str = Field(max_length=160, pattern=_SIGNATURE_PATTERN)
    summary: str = Field(max_length=120)
    effects: list[Annotated[str, Field(max_length=80)]] = Field(max_length=3)
    assertions: list[Annotated[str, Field(max_length=60)]] = Field(max_length=3)

    @field_validator("signature")
    @classmethod
    def _parses_as_python(cls, value: str) -> str:
        parse_signature(value)
        return value

    # DSPy's BootstrapFewShot picks among a prompt's traces with a random
    # generator seeded by the pickle of the demos. Pydantic pickles the set of
    # fields that were set, whose order follows Python's per-process string
    # hashing, so the same run chose other demos in another process and an
    # interrupted optimize could not replay its cache. Sorted, it is stable.
    def __getstate__(self) -> dict[Any, Any]:
        state = super().__getstate__()
        return {**state, "__pydantic_fields_set__": tuple(sorted(state["__pydantic_fields_set__"]))}

    def __setstate__(self, state: dict[Any, Any]) -> None:
        super().__setstate__({**state, "__pydantic_fields_set__": set(state["__pydantic_fields_set__"])})


def parse_signature(text: str) -> FunctionSignature:
    """``name(a: int, b: str) -> bool`` as a :class:`FunctionSignature` (ValueError if not Python)."""
    try:
        tree = ast.parse(f"def {text.strip()}: pass")
    except SyntaxError:
        raise ValueError(f"not a Python signature: {text!r}") from None
    function = tree.body[0]
    if not isinstance(function, ast.FunctionDef):
        raise ValueError(f"not a Python signature: {text!r}")
    arguments = function.args.posonlyargs + function.args.args + function.args.kwonlyargs
    parameters = [
        Parameter(name=arg.arg, type_hint=ast.unparse(arg.annotation) if arg.annotation else "Any")
        for arg in arguments
    ]
    returns = ast.unparse(function.returns) if function.returns else None
    return FunctionSignature(name=function.name, parameters=parameters, returns=returns)


def format_signature(signature: FunctionSignature) -> str:
    parameters = ", ".join(f"{p.name}: {p.type_hint}" for p in signature.parameters)
    return f"{signature.name}({parameters}) -> {signature.returns or 'None'}"


def to_ir(draft: SpecDraft) -> IR:
    return IR(
        intent=Intent(summary=draft.summary),
        signature=parse_signature(draft.signature),
        effects=[Effect(description=text) for text in draft.effects],
        assertions=[Assertion(predicate=text) for text in draft.assertions],
    )


def to_draft(ir: IR) -> SpecDraft:
    """The inverse of :func:`to_ir`, to show gold IRs to the model as demos."""
    return SpecDraft(
        signature=format_signature(ir.signature),
        summary=ir.intent.summary,
        effects=[effect.description for effect in ir.effects][:3],
        assertions=[assertion.predicate for assertion in ir.assertions][:3],
    )


class GenerateFunctionSpec(dspy.Signature):
    """Write the specification of the single Python function the request asks for: its Python
    signature with the exact function and parameter names from the request and type hints,
    a one-line summary, its effects (exceptions it raises, inputs it modifies), and the
    conditions it states as Python boolean expressions."""

    request: str = dspy.InputField(desc="a request for one Python function")
    spec: SpecDraft = dspy.OutputField(desc="the function specification")


class IRGenerator(dspy.Module):
    """Turns a natural-language request into an IR."""

    def __init__(self) -> None:
        super().__init__()
        self.generate = dspy.Predict(GenerateFunctionSpec)

    def forward(self, request: str) -> dspy.Prediction:
        prediction = self.generate(request=request)
        return dspy.Prediction(spec=prediction.spec, ir=to_ir(prediction.spec))


def _demo(request: str, spec: SpecDraft) -> dspy.Example:
    return dspy.Example(request=request, spec=spec).with_inputs("request")


# Worked examples shown to the model. They cover functions that are not in
# the shipped suites, so they never leak an answer into a measurement.
DEFAULT_DEMOS: tuple[dspy.Example, ...] = (
    _demo(
        "Write a function named kilometers_to_miles that takes a float km and returns the distance in miles.",
        SpecDraft(
            signature="kilometers_to_miles(km: float) -> float",
            summary="Convert a distance from kilometers to miles.",
            effects=[],
            assertions=[],
        ),
    ),
    _demo(
        "Create a function called pop_last that removes and returns the last element of the list items, "
        "and raises IndexError if items is empty.",
        SpecDraft(
            signature="pop_last(items: list[int]) -> int",
            summary="Remove and return the last element of a list.",
            effects=["raises IndexError if items is empty", "modifies items in place"],
            assertions=["len(items) > 0"],
        ),
    ),
    _demo(
        "Implement word_lengths(words, min_len) returning a dict that maps each word in words "
        "with at least min_len characters to its length.",
        SpecDraft(
            signature="word_lengths(words: list[str], min_len: int) -> dict[str, int]",
            summary="Map each word of at least min_len characters to its length.",
            effects=[],
            assertions=["min_len >= 0"],
        ),
    ),
)


def build_default_program() -> IRGenerator:
    """The shipped program: the signature above with three worked examples."""
    program = IRGenerator()
    program.generate.demos = list(DEFAULT_DEMOS)
    return program


def prediction_ir(prediction: Any) -> IR:
    """The IR from a program's prediction: an ``ir`` field, or a ``spec`` draft."""
    ir = getattr(prediction, "ir", None)
    if isinstance(ir, IR):
        return ir
    if isinstance(ir, dict):
        return IR.model_validate(ir)
    spec = getattr(prediction, "spec", None)
    if isinstance(spec, SpecDraft):
        return to_ir(spec)
    raise TypeError("the program's prediction has neither an `ir` (IR) nor a `spec` (SpecDraft) field")
