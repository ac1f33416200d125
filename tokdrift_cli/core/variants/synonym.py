"""Synonym rules: swap a programming-neutral word for an equivalent one.

The lexicon is deliberately small. Type words (list, string, integer, ...),
quantifiers and anything in the protected word classes are never sources nor
replacements, because in a spec they name a type or a condition.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from tokdrift_cli.core.variants.model import Rule, RuleGroup
from tokdrift_cli.core.variants.spans import apply_edits, match_case, protect


@dataclass(frozen=True)
class Entry:
    """A phrase and its interchangeable alternatives (lower case)."""

    pattern: re.Pattern[str]
    alternatives: tuple[str, ...]


def _entry(phrase: str, *alternatives: str) -> Entry:
    body = re.escape(phrase).replace(r"\ ", r"\s+")
    return Entry(re.compile(rf"\b{body}\b", re.IGNORECASE), alternatives)


_IDENT = r"[a-z][a-z0-9]*(?:_[a-z0-9]+|[A-Z][a-z0-9]*)+\b"
_TASK_VERBS = ("write", "create", "implement", "define", "build")
_OBJECT = (
    r"(?i:(?:(?:a|an|the)\s+)?(?:(?:python|small|simple|helper|short|pure|recursive)\s+)?"
    r"(?:function|method|class|program|script|routine|helper|procedure|generator)\b)"
    rf"|{_IDENT}"
)
# Only the imperative asking for code: "write the result to a file" keeps its verb.
TASK_VERBS = tuple(
    Entry(
        re.compile(rf"\b(?i:{verb})\b(?=\s+(?:{_OBJECT}))"),
        tuple(other for other in _TASK_VERBS if other != verb),
    )
    for verb in _TASK_VERBS
)

# "takes a list" names a parameter; "takes the square root" is an operation.
_PARAMETER_OBJECT = rf"\s+(?:(?i:a|an|as|one|two|three|four|several|multiple|any|no)\b|{_IDENT}|[`'\"“‘])"
# "named f" introduces a name; "named tuple", "named arguments" are terms.
_NAME_FOLLOWS = (
    rf"\s+(?:[`'\"“‘]|{_IDENT}|[A-Za-z_]\w*\s*(?:\(|[,.;:]|$|\s+(?i:that|which|with|taking|accepting)\b))"
)
_NAMED_TERMS = r"\s+(?i:tuples?|arguments?|parameters?|groups?|entit(?:y|ies)|constants?|fields?)\b"
VERBS: tuple[Entry, ...] = (
    Entry(re.compile(rf"\b(?i:takes)(?={_PARAMETER_OBJECT})"), ("accepts", "receives")),
    Entry(re.compile(rf"\b(?i:accepts)(?={_PARAMETER_OBJECT})"), ("takes",)),
    # "returns them" would become "gives back them"; pronoun objects keep "returns".
    Entry(re.compile(r"\b(?i:returns)\b(?!\s+(?i:it|them|this|that|these|those|one)\b)"), ("gives back",)),
    _entry("computes", "calculates"),
    _entry("compute", "calculate"),
    _entry("calculates", "computes"),
    _entry("calculate", "compute"),
    _entry("check whether", "determine whether"),
    _entry("checks whether", "determines whether"),
    _entry("check if", "determine whether"),
    _entry("checks if", "determines whether"),
    _entry("determine whether", "check whether"),
    _entry("contains", "includes"),
    _entry("ignore", "disregard"),
    _entry("ignores", "disregards"),
    _entry("modify", "change", "alter"),
    _entry("modifies", "changes", "alters"),
    _entry("modifying", "changing", "altering"),
    _entry("make sure", "ensure"),
    _entry("ensure", "make sure"),
)

PHRASES: tuple[Entry, ...] = (
    _entry("the number of", "the count of"),
    Entry(re.compile(rf"\b(?i:named)(?!{_NAMED_TERMS})(?={_NAME_FOLLOWS})"), ("called",)),
    _entry("the given", "the provided", "the supplied"),
    _entry("consisting of", "made up of", "composed of"),
    _entry("for each", "for every"),
)

NOUNS: tuple[Entry, ...] = (
    _entry("function", "routine", "procedure"),
    _entry("functions", "routines", "procedures"),
    _entry("element", "item"),
    _entry("elements", "items"),
    _entry("parameter", "argument"),
    _entry("parameters", "arguments"),
    _entry("program", "script"),
)
# "key function", "hash function" etc. are terms of art, not just "a function".
_TERM_OF_ART = re.compile(
    r"\b(?:hash|key|lambda|callback|comparison|comparator|generator|decorator|built-?in|builtin)\s+$",
    re.IGNORECASE,
)


def _substitute(text: str, rng: random.Random, entries: tuple[Entry, ...]) -> str | None:
    """Pick one applicable entry and one alternative; replace all its occurrences alike."""
    protected = protect(text)
    found = []
    for entry in entries:
        matches = [
            m for m in protected.free_matches(entry.pattern) if not _TERM_OF_ART.search(text, 0, m.start())
        ]
        if matches:
            found.append((entry, matches))
    if not found:
        return None
    entry, matches = rng.choice(found)
    replacement = rng.choice(entry.alternatives)
    return apply_edits(text, [(m.start(), m.end(), match_case(m.group(), replacement)) for m in matches])


def _rule(name: str, description: str, entries: tuple[Entry, ...]) -> Rule:
    def transform(text: str, rng: random.Random) -> str | None:
        return _substitute(text, rng, entries)

    return Rule(f"natural.synonym.{name}", RuleGroup.NATURAL, "synonym", description, transform)


RULES: tuple[Rule, ...] = (
    _rule("task_verb", "another verb asking for code: Write a function -> Implement a function", TASK_VERBS),
    _rule("verb", "an equivalent verb: takes -> accepts, computes -> calculates", VERBS),
    _rule("phrase", "an equivalent phrase: the number of -> the count of, named -> called", PHRASES),
    _rule("noun", "an equivalent noun: function -> routine, element -> item", NOUNS),
)
