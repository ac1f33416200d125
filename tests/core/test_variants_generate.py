"""The registry, the variant model and generate_variants' contract."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from tokdrift_cli.core.variants import (
    RULES,
    PromptVariant,
    RuleGroup,
    UnknownRuleError,
    family_of,
    generate_variants,
    get_rule,
)
from tokdrift_cli.core.variants.chaining import stable_seed
from tokdrift_cli.core.variants.spans import protect
from tokdrift_cli.core.variants.synonym import NOUNS, PHRASES, TASK_VERBS, VERBS
from tokdrift_cli.errors import InputError

PROMPT = (
    "Write a function named count_vowels that takes a string text and returns the number of vowels in it. "
    "Return 0 if text is empty."
)
FAMILIES = {"casing", "spacing", "synonym", "clause_order", "framing", "contraction", "noise"}


def test_registry_ids_are_well_formed_and_read_only() -> None:
    for rule_id, rule in RULES.items():
        assert rule.id == rule_id
        assert re.fullmatch(r"(token|natural)\.[a-z_]+\.[a-z0-9_]+", rule_id)
        assert rule_id.startswith(f"{rule.group}.{rule.family}.")
        assert rule.description
    assert {rule.family for rule in RULES.values()} == FAMILIES
    assert {rule.family for rule in RULES.values() if rule.group is RuleGroup.TOKEN} == {"casing", "spacing"}
    with pytest.raises(TypeError):
        RULES["x"] = RULES["token.casing.snake_to_camel"]  # type: ignore[index]


def test_unknown_rule_ids_are_refused_with_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown rule id 'token\.casing\.nope'.*token\.casing\.snake_to_camel"):
        get_rule("token.casing.nope")
    with pytest.raises(InputError):
        family_of("nope")
    with pytest.raises(UnknownRuleError):
        generate_variants(PROMPT, count=2, seed=0, rule_ids=["nope"])


def test_family_of() -> None:
    assert family_of("paraphrase") == "paraphrase"
    assert family_of("natural.contraction.contract") == "contraction"


def test_prompt_variant_is_frozen_and_strict() -> None:
    variant = PromptVariant(text="x", rule_ids=["natural.framing.polite"])
    assert variant.source == "rule"
    with pytest.raises(ValidationError):
        variant.text = "y"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        PromptVariant(text="x", rule_ids=[], source="other")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        PromptVariant(text="x", rule_ids=[], extra=1)  # type: ignore[call-arg]


def test_bad_arguments() -> None:
    assert generate_variants(PROMPT, count=0, seed=0) == []
    with pytest.raises(ValueError, match="count"):
        generate_variants(PROMPT, count=-1, seed=0)
    with pytest.raises(ValueError, match="max_rules_per_variant"):
        generate_variants(PROMPT, count=1, seed=0, max_rules_per_variant=0)


def test_single_rule_variants_come_first_and_spread_over_families() -> None:
    variants = generate_variants(PROMPT, count=40, seed=3)
    ids = [v.rule_ids[0] for v in variants]
    assert all(len(v.rule_ids) == 1 for v in variants)
    assert len(set(ids)) == len(ids)
    applicable = {family_of(i) for i in ids}
    first = [family_of(i) for i in ids[: len(applicable)]]
    assert sorted(first) == sorted(applicable), "one of each family before any family repeats"
    assert len(variants) < 40, "no more variants than applicable rules"


def test_composition_fills_up_after_single_rules() -> None:
    singles = generate_variants(PROMPT, count=100, seed=1)
    variants = generate_variants(PROMPT, count=len(singles) + 10, seed=1, max_rules_per_variant=3)
    assert variants[: len(singles)] == singles
    composed = variants[len(singles) :]
    assert len(composed) == 10
    for variant in composed:
        assert 2 <= len(variant.rule_ids) <= 3
        assert len(set(variant.rule_ids)) == len(variant.rule_ids)
    assert len({v.text for v in variants} | {PROMPT}) == len(variants) + 1


def test_restricting_rules() -> None:
    only = ["natural.framing.polite", "token.casing.snake_to_camel", "natural.noise.sentence_newlines"]
    variants = generate_variants(PROMPT, count=5, seed=0, rule_ids=only)
    assert sorted(v.rule_ids[0] for v in variants) == sorted(only)
    assert generate_variants(PROMPT, count=5, seed=0, rule_ids=list(reversed(only))) == variants


def test_seeds_change_the_choice() -> None:
    runs = {tuple(v.text for v in generate_variants(PROMPT, count=4, seed=seed)) for seed in range(8)}
    assert len(runs) > 1


def test_stable_seed_does_not_depend_on_hash_randomisation() -> None:
    assert stable_seed(0, "abc") == 7893518791494973455
    script = (
        "import json; from tokdrift_cli.core.variants import generate_variants as g; "
        f"print(json.dumps([v.model_dump() for v in g({PROMPT!r}, count=6, seed=5, max_rules_per_variant=2)]))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=root, capture_output=True, text=True, check=True)
    here = [v.model_dump() for v in generate_variants(PROMPT, count=6, seed=5, max_rules_per_variant=2)]
    assert json.loads(out.stdout) == here


def test_lexicon_never_introduces_protected_words() -> None:
    """Sources need no such check: a match touching a protected word is never edited."""
    for entry in (*TASK_VERBS, *VERBS, *PHRASES, *NOUNS):
        for alternative in entry.alternatives:
            assert protect(alternative).spans == (), alternative
