"""Word classes whose presence carries meaning, so no rule may edit them.

Kept as immutable tuples: the protection layer compiles them once into
patterns, and tests read them to check that lexicons never touch them.
"""

from __future__ import annotations

import re

NEGATION_WORDS: tuple[str, ...] = (
    "not", "no", "never", "without", "none", "nor", "neither", "nothing",
    "nobody", "nowhere", "cannot", "unless",
)

COMPARATIVE_WORDS: tuple[str, ...] = (
    "at least", "at most", "greater", "greatest", "less", "lesser", "least",
    "more", "most", "fewer", "fewest", "larger", "largest", "smaller",
    "smallest", "bigger", "biggest", "higher", "highest", "lower", "lowest",
    "than", "exceed", "exceeds", "exceeded", "exceeding", "below", "above",
    "under", "over", "equal", "equals", "equally", "maximum", "minimum",
    "between",
)

ORDER_WORDS: tuple[str, ...] = (
    "first", "last", "before", "after", "ascending", "descending", "reverse",
    "reversed", "reversing", "sorted", "sort", "sorts", "sorting", "order",
    "ordered", "ordering", "then", "earliest", "latest", "earlier", "later",
    "previous", "next", "preceding", "following", "prior", "second", "third",
    "final", "finally", "initial", "increasing", "decreasing", "oldest",
    "newest", "until", "start", "end", "beginning",
)


_Node = dict[str, "_Node"]


def _trie(words: tuple[str, ...]) -> str:
    """A regex alternation shaped as a prefix tree: much faster than a flat list in `re`."""
    root: _Node = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: _Node) -> str:
        branches = [
            (r"\s+" if char == " " else re.escape(char)) + emit(child)
            for char, child in sorted(node.items())
            if char
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(root)


_ALL_WORDS = NEGATION_WORDS + COMPARATIVE_WORDS + ORDER_WORDS
# Matches a meaning word or a contracted negation ("doesn't") in lower-cased text.
KEYWORD_PATTERN = re.compile(rf"\b(?:{_trie(_ALL_WORDS)}|[a-z]+n['’]t)\b")
# For the rare text whose lower-casing changes its length (offsets would shift).
KEYWORD_PATTERN_ANY_CASE = re.compile(KEYWORD_PATTERN.pattern, re.IGNORECASE)
ORDER_PATTERN = re.compile(rf"\b{_trie(ORDER_WORDS)}\b", re.IGNORECASE)
