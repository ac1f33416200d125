"""Meaning-preserving prompt variants: the rules and the generator.

Token rules follow TokDrift (arXiv 2510.14972): identifier casing and
spacing changes that leave the request intact. Natural rules reword it.
Every rule edits only text outside protected spans (numbers, literals,
negations, comparatives, order words), so a variant asks for the same thing.
"""

from __future__ import annotations

from tokdrift_cli.core.variants.generate import generate_variants
from tokdrift_cli.core.variants.model import PromptVariant, Rule, RuleGroup
from tokdrift_cli.core.variants.registry import (
    PARAPHRASE_FAMILY,
    PARAPHRASE_ID,
    RULES,
    UnknownRuleError,
    family_of,
    get_rule,
)

__all__ = [
    "PARAPHRASE_FAMILY",
    "PARAPHRASE_ID",
    "RULES",
    "PromptVariant",
    "Rule",
    "RuleGroup",
    "UnknownRuleError",
    "family_of",
    "generate_variants",
    "get_rule",
]
