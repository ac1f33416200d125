"""Contraction rules: "does not" <-> "doesn't", "it is" <-> "it's".

These are the only rules allowed to edit negation words, and only between
forms that still negate: "not" becomes "n't" and back, "cannot" <-> "can't".
"""

from __future__ import annotations

import random
import re
from types import MappingProxyType

from tokdrift_cli.core.variants.model import Rule, RuleGroup, Transform
from tokdrift_cli.core.variants.spans import SpanKind, apply_edits, match_case, protect

_NEGATION = frozenset({SpanKind.NEGATION})

_CONTRACTIONS = MappingProxyType(
    {
        "does not": "doesn't", "do not": "don't", "did not": "didn't",
        "is not": "isn't", "are not": "aren't", "was not": "wasn't",
        "were not": "weren't", "has not": "hasn't", "have not": "haven't",
        "had not": "hadn't", "should not": "shouldn't", "would not": "wouldn't",
        "could not": "couldn't", "must not": "mustn't", "will not": "won't",
        "cannot": "can't", "can not": "can't",
        "it is": "it's", "that is": "that's", "there is": "there's",
        "they are": "they're", "you are": "you're", "we are": "we're",
        "you will": "you'll", "they will": "they'll", "we will": "we'll",
    }
)
_EXPANSIONS = MappingProxyType(
    {
        "doesn't": "does not", "don't": "do not", "didn't": "did not",
        "isn't": "is not", "aren't": "are not", "wasn't": "was not",
        "weren't": "were not", "hasn't": "has not", "haven't": "have not",
        "hadn't": "had not", "shouldn't": "should not", "wouldn't": "would not",
        "couldn't": "could not", "mustn't": "must not", "won't": "will not",
        "can't": "cannot", "it's": "it is", "that's": "that is",
        "there's": "there is", "they're": "they are", "you're": "you are",
        "we're": "we are", "you'll": "you will", "they'll": "they will",
        "we'll": "we will",
    }
)


def _alternation(phrases: list[str]) -> re.Pattern[str]:
    ordered = sorted(phrases, key=len, reverse=True)
    body = "|".join(re.escape(p).replace(r"\ ", r"\s+").replace("'", "['’]") for p in ordered)
    return re.compile(rf"\b(?:{body})\b", re.IGNORECASE)


_CONTRACTIBLE = _alternation(list(_CONTRACTIONS))
# "what it is." cannot become "what it's."; only negations contract before a pause.
_PAUSE = re.compile(r"\s*(?:[.,;:!?)]|$)")
_EXPANDABLE = _alternation(list(_EXPANSIONS))
# "it's been" is "it has been": expanding it to "it is been" would be wrong.
_HAS_SENSE = re.compile(r"\s+(?:been|got|gotten|had)\b", re.IGNORECASE)


def _key(phrase: str) -> str:
    return re.sub(r"\s+", " ", phrase.lower().replace("’", "'"))


def _contract(text: str, rng: random.Random) -> str | None:
    protected = protect(text)
    edits = [
        (m.start(), m.end(), match_case(m.group(), _CONTRACTIONS[_key(m.group())]))
        for m in protected.free_matches(_CONTRACTIBLE, editable=_NEGATION)
        if _key(m.group()).endswith("not") or not _PAUSE.match(text, m.end())
    ]
    return apply_edits(text, edits) if edits else None


def _expand(text: str, rng: random.Random) -> str | None:
    protected = protect(text)
    edits = [
        (m.start(), m.end(), match_case(m.group(), _EXPANSIONS[_key(m.group())]))
        for m in protected.free_matches(_EXPANDABLE, editable=_NEGATION)
        if not (_key(m.group()).endswith("'s") and _HAS_SENSE.match(text, m.end()))
    ]
    return apply_edits(text, edits) if edits else None


def _rule(name: str, description: str, transform: Transform) -> Rule:
    return Rule(f"natural.contraction.{name}", RuleGroup.NATURAL, "contraction", description, transform)


RULES: tuple[Rule, ...] = (
    _rule("contract", "does not -> doesn't, it is -> it's", _contract),
    _rule("expand", "doesn't -> does not, can't -> cannot", _expand),
)
