"""Meaning-preserving variants: the prompt rules, the IR rules, their registry and the generators.

Token rules follow TokDrift (arXiv 2510.14972): identifier casing and
spacing changes that leave the request intact. Natural rules reword it.
Every rule edits only text outside protected spans (numbers, literals,
negations, comparatives, order words), so a variant asks for the same thing.
IR rules re-spell a spec without changing the function it specifies.
Control rules do the opposite on purpose (a contrast word, a number, a
negation, a comparison or an operation changes) and are kept apart from the
others: :func:`generate_controls` alone makes them.
"""

from __future__ import annotations

from tokdrift_cli.core.variants.control_rules import CONTROL_GROUP, ControlRule
from tokdrift_cli.core.variants.generate import generate_controls, generate_variants
from tokdrift_cli.core.variants.model import ControlVariant, PromptVariant, Rule, RuleGroup, UnknownRuleError
from tokdrift_cli.core.variants.registry import (
    CONTROL_RULES,
    MODEL_PARAPHRASE_ID,
    PARAPHRASE_FAMILY,
    PARAPHRASE_ID,
    RULES,
    RuleKind,
    family_of,
    get_control_rule,
    get_rule,
    is_control,
    kind_of,
)

__all__ = [
    "CONTROL_GROUP",
    "CONTROL_RULES",
    "MODEL_PARAPHRASE_ID",
    "PARAPHRASE_FAMILY",
    "PARAPHRASE_ID",
    "RULES",
    "ControlRule",
    "ControlVariant",
    "PromptVariant",
    "Rule",
    "RuleGroup",
    "RuleKind",
    "UnknownRuleError",
    "family_of",
    "generate_controls",
    "generate_variants",
    "get_control_rule",
    "get_rule",
    "is_control",
    "kind_of",
]
