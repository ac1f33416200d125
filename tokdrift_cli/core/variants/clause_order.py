"""Clause-order rules: move a condition or a constraint, keep what it says.

Only two shapes are touched, both with one unambiguous reading: a sentence
"Return/Raise X if Y." and two adjacent stand-alone constraint sentences.
Anything with order words, a second condition, "otherwise" or a pronoun that
could refer across the move is left alone.
"""

from __future__ import annotations

import random
import re

from tokdrift_cli.core.variants.model import Rule, RuleGroup, Transform
from tokdrift_cli.core.variants.sentences import Sentence, split_sentences
from tokdrift_cli.core.variants.spans import ProtectedText, apply_edits, protect
from tokdrift_cli.core.variants.words import ORDER_PATTERN

_CONDITION_LAST = re.compile(r"(?P<main>(?:Return|Raise)\b[^,;:]*?)\s+(?P<if>if)\s+(?P<cond>[^,;:]+)\.")
_CONDITION_FIRST = re.compile(r"(?P<if>If)\s+(?P<cond>[^,;:]+?),\s+(?P<main>(?:return|raise)\b[^,;:]*)\.")
_BLOCKERS = re.compile(r"\b(?:if|otherwise|else|unless|when|whenever|except|while)\b", re.IGNORECASE)
_SECOND_ACTION = re.compile(r"\b(?:return|returns|raise|raises)\b", re.IGNORECASE)
# Words that lean on a neighbouring sentence; moving such a sentence can change its referent.
_ANAPHORA = re.compile(
    r"^that\b|\b(?:it|its|this|these|those|they|them|their|such|same|also|too|again|instead|"
    r"otherwise|else|former|latter|both|either|however|but|so|thus|hence|additionally|"
    r"furthermore|moreover)\b",
    re.IGNORECASE,
)


def _movable(protected: ProtectedText, sentence: Sentence) -> str | None:
    """The sentence text if it may be reordered at all."""
    body = protected.text[sentence.start : sentence.end]
    if ORDER_PATTERN.search(body) or protected.text[sentence.end - 1] != ".":
        return None
    return body


def _condition_edits(text: str, pattern: re.Pattern[str], front: bool) -> str | None:
    protected = protect(text)
    edits = []
    for sentence in split_sentences(protected):
        body = _movable(protected, sentence)
        match = pattern.fullmatch(body) if body else None
        if match is None or _BLOCKERS.search(match["main"]) or _BLOCKERS.search(match["cond"]):
            continue
        if _SECOND_ACTION.search(match["cond"]):
            continue  # "Return 1 if x is odd and return 0." has no single condition
        if_at = sentence.start + match.start("if")
        if protected.overlaps(if_at, if_at + 2) or protected.overlaps(sentence.end - 1, sentence.end):
            continue
        main, cond = match["main"], match["cond"]
        if front:
            new = f"If {cond}, {main[0].lower()}{main[1:]}."
        else:
            new = f"{main[0].upper()}{main[1:]} if {cond}."
        edits.append((sentence.start, sentence.end, new))
    return apply_edits(text, edits) if edits else None


def _condition_first(text: str, rng: random.Random) -> str | None:
    return _condition_edits(text, _CONDITION_LAST, front=True)


def _condition_last(text: str, rng: random.Random) -> str | None:
    return _condition_edits(text, _CONDITION_FIRST, front=False)


def _swap_sentences(text: str, rng: random.Random) -> str | None:
    """Swap two adjacent self-contained sentences; the first (the task) stays first."""
    protected = protect(text)
    sentences = split_sentences(protected)
    candidates = []
    for left, right in zip(sentences[1:], sentences[2:], strict=False):
        bodies = [_movable(protected, left), _movable(protected, right)]
        gap = text[left.end : right.start]
        if all(b and len(b.split()) >= 3 and not _ANAPHORA.search(b) for b in bodies) and gap.isspace():
            candidates.append((left, right, bodies))
    if not candidates:
        return None
    left, right, (first, second) = rng.choice(candidates)
    return text[: left.start] + f"{second}{text[left.end : right.start]}{first}" + text[right.end :]


def _rule(name: str, description: str, transform: Transform) -> Rule:
    return Rule(f"natural.clause_order.{name}", RuleGroup.NATURAL, "clause_order", description, transform)


RULES: tuple[Rule, ...] = (
    _rule("condition_first", "Return X if Y. -> If Y, return X.", _condition_first),
    _rule("condition_last", "If Y, return X. -> Return X if Y.", _condition_last),
    _rule("sentence_swap", "swap two adjacent stand-alone constraint sentences", _swap_sentences),
)
