"""The LM-backed code generator: a DSPy program from an IR to a Python implementation.

The model reads the IR as the compact spec the IR generator writes (signature
line, summary, effects, assertions) and answers the whole function as one
JSON string under the same adapter and grammar as the IR stage. Three worked
examples (functions that are not in the shipped suites) show the format.
"""

from __future__ import annotations

import json
from typing import Any

import dspy

from tokdrift_cli.core.ir import IR
from tokdrift_cli.programs.ir_generator import SpecDraft, format_signature, to_draft


def spec_text(ir: IR) -> str:
    """The IR as the model reads it: the compact spec JSON, in the field order the IR stage writes."""
    try:
        return to_draft(ir).model_dump_json()
    except ValueError:  # longer than the IR stage's bounds (e.g. imported problems): same shape, unbounded
        return json.dumps(
            {
                "signature": format_signature(ir.signature),
                "summary": ir.intent.summary,
                "effects": [effect.description for effect in ir.effects],
                "assertions": [assertion.predicate for assertion in ir.assertions],
            },
            ensure_ascii=False,
        )


class ImplementFunction(dspy.Signature):
    """Write the complete Python function the specification describes. Use exactly the function
    name, parameter names and types of its signature, return what the summary says, raise the
    exceptions its effects name, and use only the standard library. No prints, no input()."""

    spec: str = dspy.InputField(desc="the function's specification as JSON")
    code: str = dspy.OutputField(desc="the Python source of the function")


class CodeGenerator(dspy.Module):
    """Turns an IR (as spec text) into the source of one Python function."""

    def __init__(self) -> None:
        super().__init__()
        self.implement = dspy.Predict(ImplementFunction)

    def forward(self, spec: str) -> dspy.Prediction:
        return self.implement(spec=spec)


def _demo(draft: SpecDraft, code: str) -> dspy.Example:
    return dspy.Example(spec=draft.model_dump_json(), code=code).with_inputs("spec")


CODE_DEMOS: tuple[dspy.Example, ...] = (
    _demo(
        SpecDraft(
            signature="kilometers_to_miles(km: float) -> float",
            summary="Convert a distance from kilometers to miles.",
            effects=[],
            assertions=[],
        ),
        "def kilometers_to_miles(km: float) -> float:\n    return km * 0.621371\n",
    ),
    _demo(
        SpecDraft(
            signature="pop_last(items: list[int]) -> int",
            summary="Remove and return the last element of a list.",
            effects=["raises IndexError if items is empty", "modifies items"],
            assertions=[],
        ),
        "def pop_last(items: list[int]) -> int:\n    if not items:\n        raise IndexError('empty list')\n"
        "    return items.pop()\n",
    ),
    _demo(
        SpecDraft(
            signature="count_upper(text: str) -> int",
            summary="Count the uppercase letters in a string.",
            effects=[],
            assertions=["result >= 0"],
        ),
        "def count_upper(text: str) -> int:\n    count = 0\n    for char in text:\n        if char.isupper():\n"
        "            count += 1\n    return count\n",
    ),
)


def build_code_program() -> CodeGenerator:
    """The shipped code generator with its three worked examples."""
    program = CodeGenerator()
    program.implement.demos = list(CODE_DEMOS)
    return program


def prediction_code(prediction: Any) -> str:
    code = getattr(prediction, "code", None)
    if not isinstance(code, str) or not code.strip():
        raise ValueError("the program returned no code")
    return code
