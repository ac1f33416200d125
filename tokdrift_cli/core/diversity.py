"""How varied a set of prompts is: lexical diversity, edit distance, rule mix.

Used to describe augmented training data: a factor of 5 made of five copies
that differ by one space teaches an optimizer little, and these figures show
it.

Tokens are lowercase *word tokens*: runs of word characters, and runs of
punctuation as tokens of their own (so "sum." is ``sum``, ``.``). Whitespace
is not a token: a variant that only adds a space adds no diversity, while
detaching punctuation ("sum ." -> ``sum``, ``.``) or re-casing an identifier
(``countVowels`` -> ``countvowels``) does.

* distinct-n (Li et al., 2016) = unique n-grams / all n-grams over a list of
  texts; n-grams never span two texts.
* normalised edit distance = word-level Levenshtein distance / the longer
  token count (0 = same words, 1 = nothing in common).
* rule mix = how many lines each rule and each rule family made.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Final

from pydantic import BaseModel, ConfigDict

from tokdrift_cli.core.variants import family_of

__all__ = [
    "DiversityReport",
    "RuleMix",
    "distinct_n",
    "diversity_report",
    "levenshtein",
    "mean_edit_distance",
    "normalized_edit_distance",
    "rule_mix",
    "word_tokens",
]

_TOKEN: Final = re.compile(r"\w+|[^\w\s]+")


def word_tokens(text: str) -> list[str]:
    """Lowercase word tokens: word-character runs and punctuation runs."""
    return _TOKEN.findall(text.lower())


def _ngrams(tokens: Sequence[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(tokens[index : index + n]) for index in range(len(tokens) - n + 1)]


def distinct_n(texts: Iterable[str], n: int) -> float:
    """Unique n-grams / total n-grams over ``texts`` (0.0 when there is no n-gram at all)."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    total = 0
    unique: set[tuple[str, ...]] = set()
    for text in texts:
        grams = _ngrams(word_tokens(text), n)
        total += len(grams)
        unique.update(grams)
    return len(unique) / total if total else 0.0


def levenshtein(a: Sequence[str], b: Sequence[str]) -> int:
    """Edit distance between two token sequences (insert, delete, substitute: cost 1 each)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, token_a in enumerate(a, start=1):
        current = [i]
        for j, token_b in enumerate(b, start=1):
            current.append(
                min(
                    previous[j] + 1,  # delete token_a
                    current[j - 1] + 1,  # insert token_b
                    previous[j - 1] + (token_a != token_b),  # substitute (free when equal)
                )
            )
        previous = current
    return previous[-1]


def normalized_edit_distance(a: str, b: str) -> float:
    """Word-level Levenshtein distance / max(len a, len b), in [0, 1]; 0.0 for two empty texts."""
    tokens_a, tokens_b = word_tokens(a), word_tokens(b)
    longest = max(len(tokens_a), len(tokens_b))
    return levenshtein(tokens_a, tokens_b) / longest if longest else 0.0


def mean_edit_distance(pairs: Iterable[tuple[str, str]]) -> float | None:
    """Mean normalised edit distance over (original, variant) pairs; None when there is none."""
    distances = [normalized_edit_distance(original, variant) for original, variant in pairs]
    return sum(distances) / len(distances) if distances else None


class RuleMix(BaseModel):
    """Lines per rule id and per family (a line made by two rules counts for both)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    per_rule: dict[str, int]
    per_family: dict[str, int]


def rule_mix(rule_id_lists: Iterable[Sequence[str]]) -> RuleMix:
    """Count, over lines, each rule id and each family (once per line), sorted by key."""
    per_rule: Counter[str] = Counter()
    per_family: Counter[str] = Counter()
    for rule_ids in rule_id_lists:
        per_rule.update(set(rule_ids))
        per_family.update({family_of(rule_id) for rule_id in rule_ids})
    return RuleMix(per_rule=dict(sorted(per_rule.items())), per_family=dict(sorted(per_family.items())))


class DiversityReport(BaseModel):
    """Diversity figures of a set of prompts (e.g. an augmented suite)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    texts: int
    distinct_1: float
    distinct_2: float
    variant_pairs: int
    mean_edit_distance: float | None
    rule_mix: RuleMix


def diversity_report(
    texts: Sequence[str], pairs: Sequence[tuple[str, str]], rule_id_lists: Iterable[Sequence[str]]
) -> DiversityReport:
    """distinct-1/2 over ``texts``, mean edit distance over (original, variant) ``pairs``, rule mix."""
    return DiversityReport(
        texts=len(texts),
        distinct_1=distinct_n(texts, 1),
        distinct_2=distinct_n(texts, 2),
        variant_pairs=len(pairs),
        mean_edit_distance=mean_edit_distance(pairs),
        rule_mix=rule_mix(rule_id_lists),
    )
