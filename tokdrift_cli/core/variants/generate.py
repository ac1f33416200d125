"""Variant generation: a few distinct rewrites of one prompt, reproducibly.

One variant per applicable rule comes first, spread over families, so a
change in the generator's output can be pinned on a single kind of rewrite.
Compositions only fill up what single rules cannot.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence

from tokdrift_cli.core.variants.markers import Markers, meaning_markers
from tokdrift_cli.core.variants.model import PromptVariant, Rule
from tokdrift_cli.core.variants.registry import RULES, get_rule

_COMPOSE_ATTEMPTS_PER_VARIANT = 20


def stable_seed(*parts: object) -> int:
    """A seed from a SHA-256 of the parts: the same in every process, unlike hash()."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def _single_variants(prompt: str, rules: list[Rule], base: int, markers: Markers) -> list[tuple[Rule, str]]:
    found = []
    for rule in rules:
        text = rule.apply_keeping(prompt, random.Random(stable_seed(base, rule.id)), markers)
        if text is not None:
            found.append((rule, text))
    return found


def _spread(found: list[tuple[Rule, str]], rng: random.Random) -> list[tuple[Rule, str]]:
    """Round-robin over families in a seeded order, so the first few variants differ in kind."""
    by_family: dict[str, list[tuple[Rule, str]]] = {}
    for item in found:
        by_family.setdefault(item[0].family, []).append(item)
    families = sorted(by_family)
    rng.shuffle(families)
    for family in families:
        rng.shuffle(by_family[family])
    ordered: list[tuple[Rule, str]] = []
    while any(by_family.values()):
        ordered.extend(by_family[f].pop(0) for f in families if by_family[f])
    return ordered


def _compose(
    prompt: str, pool: list[Rule], size: int, base: int, attempt: int, markers: Markers
) -> tuple[list[str], str] | None:
    """Apply `size` distinct rules in a seeded order; every one of them must change the text."""
    rng = random.Random(stable_seed(base, "compose", attempt))
    chain = rng.sample(pool, k=size)
    text = prompt
    for step, rule in enumerate(chain):
        # Markers are compared with the prompt's, so each step keeps what the prompt says.
        result = rule.apply_keeping(text, random.Random(stable_seed(base, attempt, step, rule.id)), markers)
        if result is None:
            return None
        text = result
    return [rule.id for rule in chain], text


def generate_variants(
    prompt: str,
    *,
    count: int,
    seed: int,
    rule_ids: Sequence[str] | None = None,
    max_rules_per_variant: int = 1,
) -> list[PromptVariant]:
    """Up to `count` distinct variants of `prompt`, each different from it.

    Deterministic for (prompt, count, seed, rule_ids). With one rule per
    variant there are at most as many variants as applicable rules.
    """
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    if max_rules_per_variant < 1:
        raise ValueError(f"max_rules_per_variant must be >= 1, got {max_rules_per_variant}")
    ids = sorted(set(RULES if rule_ids is None else rule_ids))
    rules = [get_rule(rule_id) for rule_id in ids]
    base = stable_seed(seed, prompt)
    rng = random.Random(base)

    variants: list[PromptVariant] = []
    seen = {prompt}
    markers = meaning_markers(prompt)
    found = _single_variants(prompt, rules, base, markers)
    for rule, text in _spread(found, rng):
        if len(variants) == count:
            return variants
        if text not in seen:
            seen.add(text)
            variants.append(PromptVariant(text=text, rule_ids=[rule.id]))

    pool = [rule for rule, _ in found]
    largest = min(max_rules_per_variant, len(pool))
    attempts = (count - len(variants)) * _COMPOSE_ATTEMPTS_PER_VARIANT if largest >= 2 else 0
    for attempt in range(attempts):
        if len(variants) == count:
            break
        size = random.Random(stable_seed(base, "size", attempt)).randint(2, largest)
        composed = _compose(prompt, pool, size, base, attempt, markers)
        if composed is not None and composed[1] not in seen:
            seen.add(composed[1])
            variants.append(PromptVariant(text=composed[1], rule_ids=composed[0]))
    return variants
