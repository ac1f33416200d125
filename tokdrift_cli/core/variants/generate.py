"""Variant generation: a few distinct rewrites of one prompt, reproducibly.

One variant per applicable rule comes first, spread over families, so a
change in the generator's output can be pinned on a single kind of rewrite.
Compositions only fill up what single rules cannot (the order and seeds are
:mod:`tokdrift_cli.core.variants.chaining`'s, shared with IR variants).
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from tokdrift_cli.core.variants.chaining import (
    Chain,
    apply_chain,
    check_request,
    choose_variants,
    spread,
    stable_seed,
)
from tokdrift_cli.core.variants.markers import Markers, meaning_markers
from tokdrift_cli.core.variants.model import ControlVariant, PromptVariant, Rule
from tokdrift_cli.core.variants.registry import CONTROL_RULES, RULES, get_control_rule, get_rule


def _single_variants(prompt: str, rules: list[Rule], base: int, markers: Markers) -> list[tuple[Rule, str]]:
    found = []
    for rule in rules:
        text = rule.apply_keeping(prompt, random.Random(stable_seed(base, rule.id)), markers)
        if text is not None:
            found.append((rule, text))
    return found


def _compose(
    prompt: str, pool: list[Rule], largest: int, base: int, attempt: int, markers: Markers
) -> Chain[str] | None:
    """Apply 2 to ``largest`` distinct rules in a seeded order; every one of them must change the text."""
    size = random.Random(stable_seed(base, "size", attempt)).randint(2, largest)
    chain = random.Random(stable_seed(base, "compose", attempt)).sample(pool, k=size)

    def apply_step(rule: Rule, text: str, step: int) -> str | None:
        # Markers are compared with the prompt's, so each step keeps what the prompt says.
        return rule.apply_keeping(text, random.Random(stable_seed(base, attempt, step, rule.id)), markers)

    return apply_chain(prompt, chain, apply_step)


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
    check_request(count, max_rules_per_variant)
    rules = [get_rule(rule_id) for rule_id in sorted(set(RULES if rule_ids is None else rule_ids))]
    base = stable_seed(seed, prompt)
    markers = meaning_markers(prompt)
    found = _single_variants(prompt, rules, base, markers)
    pool = [rule for rule, _ in found]
    largest = min(max_rules_per_variant, len(pool))
    chosen = choose_variants(
        prompt,
        found,
        count=count,
        base=base,
        largest_chain=largest,
        compose=lambda attempt: _compose(prompt, pool, largest, base, attempt, markers),
    )
    return [PromptVariant(text=text, rule_ids=ids) for ids, text in chosen]


def generate_controls(
    prompt: str, *, count: int, seed: int, rule_ids: Sequence[str] | None = None
) -> list[ControlVariant]:
    """Up to ``count`` distinct meaning-changing rewrites of ``prompt``, one edit each.

    Deterministic for (prompt, count, seed, rule_ids), and the first ``k`` of
    ``count`` are those asked for with ``k``. Rules take turns in a seeded order,
    so the first few controls change different kinds of meaning. Controls are
    never chained: a second change could undo the first.
    """
    check_request(count, 1)
    rules = [get_control_rule(rule_id) for rule_id in sorted(set(CONTROL_RULES if rule_ids is None else rule_ids))]
    base = stable_seed(seed, "control", prompt)
    found = [(rule, text) for rule in rules for text in rule.rewrites(prompt)]
    controls: list[ControlVariant] = []
    for rule, text in spread(found, random.Random(base)):
        if len(controls) == count:
            break
        if all(text != control.text for control in controls):
            controls.append(ControlVariant(text=text, rule_id=rule.id))
    return controls
