"""The deterministic tier for free text: same, different, or undecided.

*Same* needs every piece of evidence to agree: after canonicalisation both
texts hold the same content words (order aside, so clause order, voice and
framing do not matter), and no two words swapped roles ("from Celsius to
Fahrenheit" against "from Fahrenheit to Celsius").

*Different* needs a contradiction: a contrast class each text has and the
other lacks ("ascending" / "descending"; unless the lexicon silences that
group beside another both texts share), exception names that differ on both
sides, numbers or comparisons that differ on both sides of texts that share
enough of their other words, or a negation added to
otherwise matching text. Negation flips the sense of contrasts and
comparisons ("if empty" is "unless non-empty"), so when the negations
differ, a contrast or comparison alone decides nothing.

Anything else is *undecided*: a reworded text whose meaning no rule can
settle, or one text saying more than the other.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Final, Protocol

from tokdrift_cli.core.equivalence.canonical import (
    COMPARATORS,
    CanonicalText,
    canonical_text,
    is_number,
    negation_tokens,
)
from tokdrift_cli.core.equivalence.verdicts import IRField, Outcome, Tier
from tokdrift_cli.core.lexicon.contrast import contrast_lexicon

# Share of content words two texts must have in common for a lone negation to decide "different".
NEGATION_OVERLAP: Final = 0.6
# ... and for numbers or comparisons that differ: "must be positive" against "at least 1", or
# "exactly one '@'" against "a single '@' and at least one character", are rewordings, not changes.
TOPIC_OVERLAP: Final = 0.3
_COORDINATION: Final = frozenset({"and", "or", "nor", "&"})
_SHOWN_WORDS: Final = 6


@dataclass(frozen=True)
class TextVerdict:
    outcome: Outcome
    reason: str


class TextJudge(Protocol):
    """A second opinion on two texts the deterministic tier left undecided (a judge model, say).

    It answers with a verdict of its own; UNDECIDED when it cannot tell either.
    """

    def __call__(self, field: IRField, first: str, second: str) -> TextVerdict: ...


def decide_text(field: IRField, a: str, b: str, judge: TextJudge | None = None) -> tuple[TextVerdict, Tier]:
    """The deterministic verdict, and the judge's where that one is not a *same*, with the tier that spoke last.

    The judge is asked about what the tier leaves undecided and about what it calls different (which
    counts only as undecided: see ``verdicts.WITHHOLDING_TIERS``). An unsure judge leaves a
    "different" as the tier said it, so the reason keeps the contradiction the tier found.
    """
    verdict = compare_texts(a, b)
    if verdict.outcome is Outcome.SAME or judge is None:
        return verdict, Tier.DETERMINISTIC
    judged = judge(field, a, b)
    reason = f"{verdict.reason}; judge: {judged.reason}"
    if judged.outcome is Outcome.UNDECIDED and verdict.outcome is Outcome.DIFFERENT:
        return TextVerdict(Outcome.DIFFERENT, reason), Tier.DETERMINISTIC
    return TextVerdict(judged.outcome, reason), Tier.JUDGE


@dataclass(frozen=True)
class _Conflict:
    polarity_bound: bool  # reversed by a negation (contrasts, comparisons)
    text: str
    needs_topic: bool = False  # decides only when the texts otherwise talk about the same things


def _resolve_one(tokens: Sequence[str], other: Sequence[str]) -> list[str]:
    """A lone "one" is the number 1 where the other text has a 1 to spare, else a pronoun (dropped)."""
    spare = max(0, other.count("1") - tokens.count("1"))
    out = []
    for token in tokens:
        if token == "one":
            if spare:
                out.append("1")
                spare -= 1
            continue
        out.append(token)
    return out


def _swapped_roles(a: Sequence[str], b: Sequence[str]) -> tuple[str, str] | None:
    """Two words that traded places, unless they are just coordinated ("keys and values")."""
    if len(a) != len(b):
        return None
    positions = [index for index, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    if len(positions) != 2:
        return None
    first, second = positions
    if a[first] != b[second] or a[second] != b[first]:
        return None
    between = a[first + 1 : second]
    # Adjacent words trade places in a change of voice ("the list is sorted" / "sorts the list").
    if not between or all(token in _COORDINATION for token in between):
        return None
    return a[first], a[second]


def _multiset_conflict(
    name: str, a: Sequence[str], b: Sequence[str], *, polarity_bound: bool, needs_topic: bool = False
) -> _Conflict | None:
    only_a, only_b = Counter(a) - Counter(b), Counter(b) - Counter(a)
    if not (only_a and only_b):
        return None
    shown_a, shown_b = " ".join(sorted(only_a.elements())), " ".join(sorted(only_b.elements()))
    return _Conflict(polarity_bound, f"{name} differ: {shown_a} vs {shown_b}", needs_topic)


@cache
def _silencers() -> dict[str, frozenset[str]]:
    """Per contrast group, the groups beside which it decides nothing (read once from the lexicon)."""
    return {group.name: frozenset(group.silent_beside) for group in contrast_lexicon().groups}


def _contrast_conflicts(a: CanonicalText, b: CanonicalText) -> list[_Conflict]:
    conflicts = []
    shared_groups = {hit.group for hit in a.contrasts} & {hit.group for hit in b.contrasts}
    silencers = _silencers()
    for group in dict.fromkeys(hit.group for hit in a.contrasts):
        if silencers.get(group, frozenset()) & shared_groups:
            continue
        classes_a = {hit.class_index: hit.label for hit in a.contrasts if hit.group == group}
        classes_b = {hit.class_index: hit.label for hit in b.contrasts if hit.group == group}
        only_a = [classes_a[index] for index in sorted(classes_a.keys() - classes_b.keys())]
        only_b = [classes_b[index] for index in sorted(classes_b.keys() - classes_a.keys())]
        if only_a and only_b:
            conflicts.append(_Conflict(True, f"{group}: {', '.join(only_a)} vs {', '.join(only_b)}"))
    return conflicts


def _conflicts(a: CanonicalText, b: CanonicalText, tokens_a: list[str], tokens_b: list[str]) -> list[_Conflict]:
    numbers_a = [token for token in tokens_a if is_number(token)]
    numbers_b = [token for token in tokens_b if is_number(token)]
    found = [
        _multiset_conflict("numbers", numbers_a, numbers_b, polarity_bound=False, needs_topic=True),
        _multiset_conflict("exceptions", sorted(a.exceptions), sorted(b.exceptions), polarity_bound=False),
        _multiset_conflict("comparisons", a.comparators, b.comparators, polarity_bound=True, needs_topic=True),
    ]
    return [conflict for conflict in found if conflict is not None] + _contrast_conflicts(a, b)


def _overlap(a: Sequence[str], b: Sequence[str], ignored: frozenset[str], *, numbers: bool = True) -> float:
    """Shared share of the two texts' words (Jaccard), leaving out ``ignored`` and, unless ``numbers``, numbers."""
    set_a, set_b = set(a) - ignored, set(b) - ignored
    if not numbers:
        set_a, set_b = {t for t in set_a if not is_number(t)}, {t for t in set_b if not is_number(t)}
    union = set_a | set_b
    return len(set_a & set_b) / len(union) if union else 1.0


def _wording(tokens_a: Sequence[str], tokens_b: Sequence[str]) -> str:
    only_a = sorted((Counter(tokens_a) - Counter(tokens_b)).elements())
    only_b = sorted((Counter(tokens_b) - Counter(tokens_a)).elements())

    def shown(words: list[str]) -> str:
        more = f" (+{len(words) - _SHOWN_WORDS})" if len(words) > _SHOWN_WORDS else ""
        return (" ".join(words[:_SHOWN_WORDS]) or "nothing") + more

    return f"only in a: {shown(only_a)}; only in b: {shown(only_b)}"


def compare_texts(a: str, b: str) -> TextVerdict:
    """Judge two free-text descriptions of the same thing; never raises."""
    if a.strip() == b.strip():
        return TextVerdict(Outcome.SAME, "identical text")
    canonical_a, canonical_b = canonical_text(a), canonical_text(b)
    tokens_a = _resolve_one(canonical_a.content, canonical_b.content)
    tokens_b = _resolve_one(canonical_b.content, canonical_a.content)
    if Counter(tokens_a) == Counter(tokens_b):
        swapped = _swapped_roles(tokens_a, tokens_b)
        if swapped is not None:
            return TextVerdict(Outcome.DIFFERENT, f"same words with roles swapped: {swapped[0]} / {swapped[1]}")
        return TextVerdict(Outcome.SAME, "same content words after canonicalisation")
    conflicts = _conflicts(canonical_a, canonical_b, tokens_a, tokens_b)
    negation_differs = canonical_a.negations % 2 != canonical_b.negations % 2
    # A negation inside a contrast phrase ("does not raise") belongs to that phrase, not to the sentence.
    polarity_flipped = canonical_a.free_negations % 2 != canonical_b.free_negations % 2
    same_topic = _overlap(tokens_a, tokens_b, negation_tokens() | COMPARATORS, numbers=False) >= TOPIC_OVERLAP
    deciding = [
        c for c in conflicts if not (polarity_flipped and c.polarity_bound) and (same_topic or not c.needs_topic)
    ]
    if deciding:
        return TextVerdict(Outcome.DIFFERENT, "; ".join(c.text for c in deciding))
    if negation_differs and not conflicts:
        overlap = _overlap(tokens_a, tokens_b, negation_tokens())
        if overlap >= NEGATION_OVERLAP:
            counts = f"{canonical_a.negations} vs {canonical_b.negations}"
            return TextVerdict(Outcome.DIFFERENT, f"negation differs ({counts}) in otherwise matching text")
    note = "negation and a contrast both differ; " if polarity_flipped and conflicts else ""
    return TextVerdict(Outcome.UNDECIDED, f"{note}wording differs: {_wording(tokens_a, tokens_b)}")
