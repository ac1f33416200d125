"""Identifier styles (snake_case, camelCase, PascalCase) and conversions.

Conversions are checked by a round trip, so a rule never produces a name
that reads back as different words ("get_x" -> "getX" is refused).
"""

from __future__ import annotations

import re
from enum import StrEnum
from types import MappingProxyType


class Style(StrEnum):
    SNAKE = "snake"
    CAMEL = "camel"
    PASCAL = "pascal"


_CAP = r"[A-Z][a-z][a-z0-9]*"
_BODIES = MappingProxyType(
    {
        Style.SNAKE: r"[a-z][a-z0-9]*(?:_[a-z][a-z0-9]*)+",
        Style.CAMEL: rf"[a-z][a-z0-9]*(?:{_CAP})+",
        Style.PASCAL: rf"{_CAP}(?:{_CAP})+",
    }
)
# Not an attribute ("math.floor_div") nor a file name ("data_file.csv").
IDENTIFIER_PATTERNS = MappingProxyType(
    {style: re.compile(rf"(?<![\w.]){body}(?!\w|\.\w)") for style, body in _BODIES.items()}
)
_FULL = MappingProxyType({style: re.compile(body) for style, body in _BODIES.items()})
_PART = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def style_of(name: str) -> Style | None:
    return next((style for style, full in _FULL.items() if full.fullmatch(name)), None)


def split_words(name: str) -> tuple[str, ...]:
    """Lowercase words of an identifier, whatever its style."""
    return tuple(part.lower() for chunk in name.split("_") for part in _PART.findall(chunk))


def join_words(words: tuple[str, ...], style: Style) -> str:
    if style is Style.SNAKE:
        return "_".join(words)
    capitalised = [word[:1].upper() + word[1:] for word in words]
    if style is Style.CAMEL:
        return words[0] + "".join(capitalised[1:])
    return "".join(capitalised)


def convert(name: str, target: Style) -> str | None:
    """`name` in the `target` style, or None if that would not read back the same."""
    words = split_words(name)
    if not words:
        return None
    converted = join_words(words, target)
    if style_of(converted) is not target or split_words(converted) != words:
        return None
    return converted
