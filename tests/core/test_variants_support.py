"""Shared strategies and meaning checks for the variant tests (no tests here).

The checks are written independently of the implementation's protection
layer, from the specification: what a variant must keep, counted plainly.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from hypothesis import strategies as st

NUMBER = re.compile(r"(?<![\w.])-?\d+(?:[.,]\d+)*")
LITERAL = re.compile(r"`[^`\n]+`|\"[^\"\n]*\"|(?<!\w)'[^'\n]*'(?!\w)")
NEGATION = re.compile(r"\b(?:not|no|never|without|none|nor|cannot)\b|n['’]t\b", re.IGNORECASE)
COMPARATIVES = (
    "greater", "less", "more", "fewer", "larger", "smaller", "at least", "at most",
    "than", "exceed", "below", "above", "equal",
)
ORDER_WORDS = (
    "first", "last", "before", "after", "ascending", "descending", "reverse", "reversed",
    "sorted", "order", "then", "earliest", "latest", "previous", "next",
)
IDENTIFIER = re.compile(
    r"(?<![\w.])(?:[a-z][a-z0-9]*(?:_[a-z][a-z0-9]*)+"
    r"|[a-z][a-z0-9]*(?:[A-Z][a-z][a-z0-9]*)+"
    r"|[A-Z][a-z][a-z0-9]*(?:[A-Z][a-z][a-z0-9]*)+)(?!\w)"
)


def literals(text: str) -> Counter[str]:
    return Counter(LITERAL.findall(text))


def numbers(text: str) -> Counter[str]:
    return Counter(NUMBER.findall(LITERAL.sub(" ", text)))


def negation_count(text: str) -> int:
    return len(NEGATION.findall(text))


def _alternation(words: tuple[str, ...]) -> re.Pattern[str]:
    body = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"\b(?:{body})\b", re.IGNORECASE)


_COMPARATIVE = _alternation(COMPARATIVES)
_ORDER = _alternation(ORDER_WORDS)


def word_counts(text: str, pattern: re.Pattern[str]) -> Counter[str]:
    return Counter(re.sub(r"\s+", " ", found.lower()) for found in pattern.findall(text))


def identifier_words(text: str) -> Counter[tuple[str, ...]]:
    """Identifiers outside literals, each as its lowercase words (casing-blind)."""
    plain = LITERAL.sub(" ", text)
    return Counter(
        tuple(p.lower() for chunk in m.split("_") for p in re.findall(r"[A-Z]?[a-z0-9]+", chunk))
        for m in IDENTIFIER.findall(plain)
    )


Profile = dict[str, object]


def meaning_profile(text: str) -> Profile:
    """Everything a variant must keep, counted plainly."""
    return {
        "literals": literals(text),
        "numbers": numbers(text),
        "negations": negation_count(text),
        "comparatives": word_counts(text, _COMPARATIVE),
        "order words": word_counts(text, _ORDER),
        "identifiers": identifier_words(text),
    }


def meaning_problems(original: str | Profile, variant: str) -> list[str]:
    """Every way `variant` fails to keep what `original` says (empty if none)."""
    before = meaning_profile(original) if isinstance(original, str) else original
    after = meaning_profile(variant)
    return [f"{name}: {before[name]} -> {after[name]}" for name in before if before[name] != after[name]]


# ---- strategies -------------------------------------------------------------

_PARTS = ("count", "max", "total", "user", "item", "value", "name", "index", "word", "vowel", "score", "nums")
_parts = st.lists(st.sampled_from(_PARTS), min_size=2, max_size=3, unique=True)
snake = _parts.map("_".join)
camel = _parts.map(lambda ws: ws[0] + "".join(w.capitalize() for w in ws[1:]))
pascal = _parts.map(lambda ws: "".join(w.capitalize() for w in ws))
identifier = st.one_of(snake, camel, pascal, st.sampled_from(("x", "n", "nums", "text", "password")))
short = st.sampled_from(("x", "n", "a", "b", "i"))
number = st.one_of(
    st.integers(-50, 5000).map(str),
    st.sampled_from(("3.5", "1,000", "0.25", "-1", "2,500,000")),
)
_content = st.text(alphabet="abcdefgh XYZ0123,.!?-", max_size=8)
quoted = st.one_of(_content.map(lambda c: f"'{c}'"), _content.map(lambda c: f'"{c}"'))
code = st.sampled_from(("`x % 2 == 0`", "`len(s) > 0`", "`sorted(a, key=len)`", "`x.strip()`", "`a, b = b, a`"))
comparative = st.sampled_from(
    ("greater than", "less than", "at least", "at most", "more than", "fewer than", "equal to", "larger than")
)
order = st.sampled_from(("ascending", "descending", "reverse", "first", "last", "previous", "next"))
operator = st.sampled_from((">", "<", ">=", "==", "!=", "+", "-", "*", "%", "/"))


def _expression(draw: st.DrawFn) -> str:
    left, op, right = draw(short), draw(operator), draw(short)
    return f"{left} {op} {right}" if draw(st.booleans()) else f"{left}{op}{right}"


# Each template draws only the fragments it uses, which keeps generation cheap.
_TEMPLATES: tuple[Callable[[st.DrawFn], str], ...] = (
    lambda d: f"Write a function named {d(identifier)} that takes {d(identifier)} and returns "
    f"the number of items {d(comparative)} {d(number)}.",
    lambda d: f"Create a function {d(identifier)}({d(identifier)}, {d(identifier)}) that returns True "
    f"if {_expression(d)} and False otherwise.",
    lambda d: f"Implement {d(identifier)} that takes a list nums and returns it sorted in {d(order)} order, "
    f"without modifying nums.",
    lambda d: f"Return {d(quoted)} if {d(identifier)} is {d(comparative)} {d(number)}.",
    lambda d: f"If {d(identifier)} does not contain {d(quoted)}, return {d(number)}.",
    lambda d: f"Raise ValueError if {d(identifier)} is empty.",
    lambda d: f"It's fine if {d(identifier)} can't be {d(quoted)}, but it is not allowed to be {d(number)}.",
    lambda d: f"Use {d(code)} to check whether {d(identifier)} is even.",
    lambda d: f"Please compute {d(identifier)} ,then return the {d(order)} value {_expression(d)}.",
    lambda d: f"The input f({d(short)},{d(short)}) may have {d(number)} elements, e.g. [{d(number)}, {d(number)}].",
    lambda d: f"Ignore items that don't match {d(quoted)} and never return None.",
    lambda d: f"Check if {d(identifier)}=={d(number)} or {d(identifier)} != {d(number)}; otherwise return -1.",
    lambda d: f"Do not change {d(identifier)} ( the input ) and keep {d(identifier)} non-empty.",
    lambda d: f"Assume {d(identifier)} has no more than {d(number)} values .",
    lambda d: f"{d(identifier)} is the {d(order)} {d(identifier)} you cannot skip",
    lambda d: f"The list must be {d(order)}. Each value is {d(comparative)} {d(number)}.",
)


@st.composite
def sentence(draw: st.DrawFn) -> str:
    """One sentence from a template mixing every kind of protected span."""
    return draw(st.sampled_from(_TEMPLATES))(draw)


@st.composite
def prompt(draw: st.DrawFn) -> str:
    parts = draw(st.lists(sentence(), min_size=1, max_size=4))
    separators = draw(st.lists(st.sampled_from((" ", " ", "\n", "  ")), min_size=len(parts), max_size=len(parts)))
    return "".join(p + s for p, s in zip(parts, separators, strict=True)).rstrip(" ")
