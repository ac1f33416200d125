"""Choosing a few variants from a set of rules, reproducibly: shared by prompt and IR variants.

Single-rule variants come first, spread over families in a seeded order, so
the first few differ in kind and a change in the generator's output can be
pinned on one kind of rewrite. Chains of rules only fill up what single rules
cannot. What a rule is applied to (a prompt text, an IR) and which chains are
allowed is the caller's; the order, the seeds and the de-duplication are here.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Sequence
from typing import Final, Protocol, TypeVar

COMPOSE_ATTEMPTS_PER_VARIANT: Final = 20

Rewritten = TypeVar("Rewritten")  # a prompt text or an IR
Chain = tuple[list[str], Rewritten]  # the rule ids in order of application, and what they made


class FamilyRule(Protocol):
    """A rule as chaining sees it: a stable id and the family it belongs to."""

    @property
    def id(self) -> str: ...

    @property
    def family(self) -> str: ...


AnyRule = TypeVar("AnyRule", bound=FamilyRule)


def stable_seed(*parts: object) -> int:
    """A seed from a SHA-256 of the parts: the same in every process, unlike hash()."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def check_request(count: int, max_rules_per_variant: int) -> None:
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    if max_rules_per_variant < 1:
        raise ValueError(f"max_rules_per_variant must be >= 1, got {max_rules_per_variant}")


def spread(found: Sequence[tuple[AnyRule, Rewritten]], rng: random.Random) -> list[tuple[AnyRule, Rewritten]]:
    """Round-robin over families in a seeded order, so the first few variants differ in kind."""
    by_family: dict[str, list[tuple[AnyRule, Rewritten]]] = {}
    for item in found:
        by_family.setdefault(item[0].family, []).append(item)
    families = sorted(by_family)
    rng.shuffle(families)
    for family in families:
        rng.shuffle(by_family[family])
    ordered: list[tuple[AnyRule, Rewritten]] = []
    while any(by_family.values()):
        ordered.extend(by_family[family].pop(0) for family in families if by_family[family])
    return ordered


def apply_chain(
    start: Rewritten,
    chain: Sequence[AnyRule],
    apply_step: Callable[[AnyRule, Rewritten, int], Rewritten | None],
) -> Chain[Rewritten] | None:
    """Apply the rules in order (``apply_step(rule, current, step)``); every one must apply, or no chain."""
    current = start
    for step, rule in enumerate(chain):
        result = apply_step(rule, current, step)
        if result is None:
            return None
        current = result
    return [rule.id for rule in chain], current


def choose_variants(
    original: Rewritten,
    singles: Sequence[tuple[AnyRule, Rewritten]],
    *,
    count: int,
    base: int,
    largest_chain: int,
    compose: Callable[[int], Chain[Rewritten] | None],
) -> list[Chain[Rewritten]]:
    """Up to ``count`` distinct rewrites of ``original``, each different from it.

    ``singles`` are the rules that apply on their own and what each made; they
    come first, spread over families (seeded by ``base``). Chains fill up the
    rest when ``largest_chain`` is 2 or more: ``compose(attempt)`` makes one, a
    bounded number of attempts per missing variant.
    """
    variants: list[Chain[Rewritten]] = []
    seen = [original]  # a list: an IR is not hashable
    for rule, result in spread(singles, random.Random(base)):
        if len(variants) == count:
            return variants
        if result not in seen:
            seen.append(result)
            variants.append(([rule.id], result))
    attempts = (count - len(variants)) * COMPOSE_ATTEMPTS_PER_VARIANT if largest_chain >= 2 else 0
    for attempt in range(attempts):
        if len(variants) == count:
            break
        composed = compose(attempt)
        if composed is not None and composed[1] not in seen:
            seen.append(composed[1])
            variants.append(composed)
    return variants
