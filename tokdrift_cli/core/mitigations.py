"""What to try first when a family of rewrites breaks prompts: one text per rule family.

The analysis records it per fragile prompt and the issue drafts quote it, so
both say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

MITIGATIONS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "casing": "Identifier casing changes the output: add demos that request the same function in "
        "snake_case and camelCase with one spec, or normalise identifiers in the request before generation.",
        "spacing": "Spacing around punctuation or operators changes the output: normalise whitespace in the "
        "request before generation, or add demos with irregular spacing.",
        "synonym": "Rewording with synonyms changes the output: optimize the program with the robustness-aware "
        "metric (tokdrift optimize) on augmented data that contains synonym variants.",
        "clause_order": "Moving a condition clause changes the output: add demos whose conditions come before "
        "and after the main clause, and state in the instruction that clause order carries no meaning.",
        "framing": "Polite, question or indirect framing changes the output: strip framing phrases before "
        "generation, or add demos phrased as questions and requests.",
        "contraction": "Contractions change the output: expand contractions before generation, or add demos "
        "that use them.",
        "noise": "Whitespace or letter-case noise changes the output: normalise whitespace and sentence case "
        "before generation.",
        "paraphrase": "A hand-written paraphrase changes the output: the generator keys on surface wording; "
        "train on verified paraphrases (tokdrift augment, then tokdrift optimize).",
    }
)
FAILURE_MITIGATION: Final = (
    "Variants make the generator fail outright: inspect the recorded errors; raise --max-tokens if answers "
    "are cut short, or tighten the instruction."
)


def mitigation_for(family: str, *, only_failures: bool) -> str:
    """The family's advice; the failure advice when the variants only ever broke the generator, or for an
    unknown family."""
    if only_failures:
        return FAILURE_MITIGATION
    return MITIGATIONS.get(family, FAILURE_MITIGATION)


# What to try for the IR field that drifted, beside the family's advice.
FIELD_ADVICE: Final[Mapping[str, str]] = MappingProxyType(
    {
        "intent": "give demos whose intent is one short sentence in fixed wording, so the summary does not follow "
        "the request's phrasing",
        "name": "state the function name in the instruction as the one to copy verbatim, with demos whose request "
        "spells it in another casing than the spec",
        "parameters": "add demos that keep parameter names and types exactly as written in the request",
        "returns": "add demos whose return type is spelled out in the request, and canonicalise type spellings",
        "effects": "list effects in a fixed vocabulary (raises X, mutates Y) in the demos and the instruction",
        "assertions": "write each condition in the demos' specs as one canonical predicate (for example `len(x) > 0`), "
        "never as prose or a raise statement",
    }
)


def field_advice(fields: list[str]) -> list[str]:
    """The advice for each drifting IR field we have advice for, in the order given."""
    return [f"`{field}`: {FIELD_ADVICE[field]}" for field in fields if field in FIELD_ADVICE]
