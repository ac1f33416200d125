"""The lexicons behind the deterministic text tier, as data.

One is ours, in ``data/``: ``equivalents.toml`` (rewordings, light words,
negations). The contrast lexicon (words whose swap changes meaning) is shared
with the control rules and lives in ``core/lexicon/contrast.toml``. The third
is the variant rules' synonym lexicon (``core/variants/synonym.py``), read as
it is: its entries become groups of interchangeable phrases, so a text and any
synonym rewrite of it canonicalise alike.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

# Contexts a variant pattern may need after its phrase ("takes" only before a parameter object).
_PROBE_SUFFIXES = ("", " a function", " a list", " x", " the")


@dataclass(frozen=True)
class Rewrite:
    pattern: re.Pattern[str]
    replacement: str
    start_only: bool = False  # framing of a whole text; never applied to a lexicon phrase


@dataclass(frozen=True)
class Equivalents:
    rewrites: tuple[Rewrite, ...]
    synonyms: tuple[tuple[str, ...], ...]
    light: frozenset[str]
    negation: frozenset[str]


def _load(name: str) -> dict[str, Any]:
    text = resources.files("tokdrift_cli.core.equivalence").joinpath("data").joinpath(name).read_text(encoding="utf-8")
    return tomllib.loads(text)


@cache
def equivalents() -> Equivalents:
    data = _load("equivalents.toml")
    return Equivalents(
        rewrites=tuple(
            Rewrite(re.compile(item["pattern"]), item["replacement"], item.get("start_only", False))
            for item in data["rewrite"]
        ),
        synonyms=tuple(tuple(group) for group in data["synonyms"]),
        light=frozenset(data["light"]),
        negation=frozenset(data["negation"]),
    )


# --------------------------------------------------------------------------- the variants' synonyms


def _variant_entries() -> tuple[Any, ...]:
    # Imported here: core.variants imports this package (its IR rules canonicalise predicates).
    from tokdrift_cli.core.variants import synonym

    return (*synonym.TASK_VERBS, *synonym.VERBS, *synonym.PHRASES, *synonym.NOUNS)


def _matches_whole(pattern: re.Pattern[str], phrase: str) -> bool:
    """Does ``pattern`` match exactly ``phrase`` in some context it may require after it?"""
    for suffix in _PROBE_SUFFIXES:
        match = pattern.match(phrase + suffix)
        if match is not None and match.end() == len(phrase):
            return True
    return False


@cache
def variant_synonyms() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Each pattern (a variant entry or one of its alternatives) with the representative of its group.

    Groups are the closure of "an entry and its alternatives", joined where an
    entry's pattern matches another entry's alternative ("computes" ->
    "calculates" and "calculates" -> "computes" form one group). The
    representative is the group's alphabetically first alternative, so both
    directions of a rewrite land on the same phrase.
    """
    entries = _variant_entries()
    phrases = sorted({alternative for entry in entries for alternative in entry.alternatives})
    parent = {f"e{index}": f"e{index}" for index in range(len(entries))} | {p: p for p in phrases}

    def find(node: str) -> str:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def union(a: str, b: str) -> None:
        parent[find(a)] = find(b)

    for index, entry in enumerate(entries):
        for alternative in entry.alternatives:
            union(f"e{index}", alternative)
        for phrase in phrases:
            if _matches_whole(entry.pattern, phrase):
                union(f"e{index}", phrase)
    representative: dict[str, str] = {}
    for phrase in phrases:
        root = find(phrase)
        representative[root] = min(representative.get(root, phrase), phrase)
    table = [(entry.pattern, representative[find(f"e{index}")]) for index, entry in enumerate(entries)]
    # An alternative that is no entry's own phrase ("gives back") is matched as plain text; one that is
    # ("write") keeps its entry's context, so "write the result to a file" stays as it is.
    sources = {phrase for phrase in phrases for entry in entries if _matches_whole(entry.pattern, phrase)}
    table += [(_phrase_pattern(phrase), representative[find(phrase)]) for phrase in phrases if phrase not in sources]
    return tuple(table)


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    body = re.escape(phrase).replace(r"\ ", r"\s+")
    return re.compile(rf"\b{body}\b", re.IGNORECASE)
