"""The contrast lexicon (``contrast.toml``): words and phrases whose swap changes what a request asks for.

"Sort ascending" and "sort descending", "the sum" and "the product", "word
frequencies" and "character frequencies" specify different functions while
every structural field of their specs may agree. One file serves two readers:
the equivalence checker's text tier reads each group's classes (phrases of two
classes of one group exclude each other), and the control rules swap the
phrase pairs listed under a group's ``swaps`` (and the comparison pairs at the
end of the file), so every control is a change the checker knows to look for.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Final

DEFAULT_CONTROL: Final = "contrast_word"
COMPARISON_CONTROL: Final = "comparison"

Swap = tuple[str, str]


@dataclass(frozen=True)
class ContrastGroup:
    """Classes of phrases that exclude each other (index = class), and the pairs a control swaps."""

    name: str
    classes: tuple[tuple[str, ...], ...]
    swaps: tuple[Swap, ...] = ()
    control: str = DEFAULT_CONTROL  # the control rule that swaps this group's pairs
    # Groups beside which this one decides nothing (both texts name one of their classes).
    silent_beside: tuple[str, ...] = ()


@dataclass(frozen=True)
class ContrastLexicon:
    groups: tuple[ContrastGroup, ...]
    comparison_swaps: tuple[Swap, ...]  # the checker compares comparisons as operators, not as classes

    def swaps_for(self, control: str) -> tuple[Swap, ...]:
        """Every pair the control rule ``control`` may swap, in both directions, in lexicon order."""
        pairs = list(self.comparison_swaps) if control == COMPARISON_CONTROL else []
        pairs += [pair for group in self.groups if group.control == control for pair in group.swaps]
        return tuple(swap for a, b in pairs for swap in ((a, b), (b, a)))

    def swap_phrases(self) -> tuple[str, ...]:
        """Every phrase some control swaps, once each, sorted."""
        every = [*self.comparison_swaps, *(pair for group in self.groups for pair in group.swaps)]
        return tuple(sorted({phrase for pair in every for phrase in pair}))


def _swaps(raw: object) -> tuple[Swap, ...]:
    pairs = []
    for pair in raw if isinstance(raw, list) else []:
        if not (isinstance(pair, list) and len(pair) == 2 and pair[0] != pair[1]):
            raise ValueError(f"contrast.toml: a swap is two different phrases, got {pair!r}")
        pairs.append((str(pair[0]), str(pair[1])))
    return tuple(pairs)


@cache
def contrast_lexicon() -> ContrastLexicon:
    text = resources.files("tokdrift_cli.core.lexicon").joinpath("contrast.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    groups = tuple(
        ContrastGroup(
            name=group["name"],
            classes=tuple(tuple(phrases) for phrases in group["classes"]),
            swaps=_swaps(group.get("swaps")),
            control=group.get("control", DEFAULT_CONTROL),
            silent_beside=tuple(group.get("silent_beside", ())),
        )
        for group in data["group"]
    )
    names = {group.name for group in groups}
    for group in groups:
        unknown = sorted(set(group.silent_beside) - names)
        if unknown:
            raise ValueError(f"contrast.toml: group {group.name!r} is silent beside unknown groups {unknown}")
    return ContrastLexicon(groups=groups, comparison_swaps=_swaps(data.get("comparison", {}).get("swaps")))


@cache
def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """``phrase`` as a whole word or words, any case, any whitespace between words.

    A hyphen or underscore next to it makes it part of a longer word
    ("non-negative" holds no "negative", ``sort_ascending`` no "ascending").
    """
    body = r"\s+".join(re.escape(word) for word in phrase.split())
    return re.compile(rf"(?<![\w-]){body}(?![\w-])", re.IGNORECASE)
