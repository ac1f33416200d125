"""Meaning-preserving variants: the prompt rules, the IR rules, their registry and the generators.

Token rules follow TokDrift (arXiv 2510.14972): identifier casing and
spacing changes that leave the request intact. Natural rules reword it.
Every rule edits only text outside protected spans (numbers, literals,
negations, comparatives, order words), so a variant asks for the same thing.
IR rules re-spell a spec without changing the function it specifies.
"""

from __future__ import annotations

from tokdrift_cli.core.variants.generate import generate_variants
from tokdrift_cli.core.variants.model import PromptVariant, Rule, RuleGroup, UnknownRuleError
from tokdrift_cli.core.variants.registry import (
    MODEL_PARAPHRASE_ID,
    PARAPHRASE_FAMILY,
    PARAPHRASE_ID,
    RULES,
    RuleKind,
    family_of,
    get_rule,
    kind_of,
)

__all__ = [
    "MODEL_PARAPHRASE_ID",
    "PARAPHRASE_FAMILY",
    "PARAPHRASE_ID",
    "RULES",
    "PromptVariant",
    "Rule",
    "RuleGroup",
    "RuleKind",
    "UnknownRuleError",
    "family_of",
    "generate_variants",
    "get_rule",
    "kind_of",
]
