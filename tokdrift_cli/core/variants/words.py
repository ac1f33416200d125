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


def word_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """Whole-word, case-insensitive alternation; longest first so 'at least' beats 'least'."""
    alternatives = sorted(words, key=len, reverse=True)
    body = "|".join(re.escape(word).replace(r"\ ", r"\s+") for word in alternatives)
    return re.compile(rf"\b(?:{body})\b", re.IGNORECASE)


ORDER_PATTERN = word_pattern(ORDER_WORDS)
