"""Identifier casing rules (TokDrift): same name, different casing style.

Every occurrence of a name is converted, or none is: renaming only some
occurrences would turn one variable into two.
"""

from __future__ import annotations

import random
import re

from tokdrift_cli.core.variants.identifiers import IDENTIFIER_PATTERNS, Style, convert
from tokdrift_cli.core.variants.model import Rule, RuleGroup
from tokdrift_cli.core.variants.spans import LITERAL_KINDS, Edit, apply_edits, protect

# Names whose spelling is fixed outside the prompt (brands, library APIs,
# typing names); renaming them would point at something else.
_FIXED_NAMES = frozenset(
    {
        "iPhone", "iPad", "iPod", "iTunes", "eBay", "JavaScript", "TypeScript",
        "CoffeeScript", "GitHub", "GitLab", "NumPy", "SciPy", "PyPy", "PyTorch",
        "TensorFlow", "YouTube", "LinkedIn", "PowerShell", "WordPress",
        "OrderedDict", "DefaultDict", "NamedTuple", "TypedDict", "ChainMap",
        "NoneType", "zip_longest", "lru_cache", "bit_length", "is_integer",
        "default_factory", "to_bytes", "from_bytes",
        # naming the styles themselves: "convert snake_case to camelCase"
        "snake_case", "camel_case", "pascal_case", "camelCase", "PascalCase",
        "lowerCamelCase", "UpperCamelCase", "screaming_snake_case", "kebab_case",
    }
)
_FIXED_SUFFIXES = ("Error", "Exception", "Warning")


def _renameable(name: str) -> bool:
    return name not in _FIXED_NAMES and not name.endswith(_FIXED_SUFFIXES)


def _occurrences(text: str, name: str) -> list[re.Match[str]]:
    return list(re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text))


def _convert_all(text: str, source: Style, target: Style) -> str | None:
    protected = protect(text)
    literals = " ".join(protected.texts(LITERAL_KINDS))
    free: dict[str, set[int]] = {}
    for match in protected.free_matches(IDENTIFIER_PATTERNS[source]):
        free.setdefault(match.group(), set()).add(match.start())
    edits: list[Edit] = []
    for name, starts in free.items():
        new = convert(name, target) if _renameable(name) else None
        found = _occurrences(text, name)
        # Skip if renaming would merge two names, or leave a copy behind in
        # code, an attribute ("obj.name") or a file name ("name.py").
        if new is None or _occurrences(text, new) or _occurrences(literals, name):
            continue
        if {m.start() for m in found} != starts:
            continue
        edits.extend((m.start(), m.end(), new) for m in found)
    return apply_edits(text, edits) if edits else None


def _rule(source: Style, target: Style, example: str) -> Rule:
    def transform(text: str, rng: random.Random) -> str | None:
        return _convert_all(text, source, target)

    return Rule(
        id=f"token.casing.{source}_to_{target}",
        group=RuleGroup.TOKEN,
        family="casing",
        description=f"rewrite every {source} identifier in {target} style ({example})",
        transform=transform,
    )


RULES: tuple[Rule, ...] = (
    _rule(Style.SNAKE, Style.CAMEL, "count_vowels -> countVowels"),
    _rule(Style.SNAKE, Style.PASCAL, "count_vowels -> CountVowels"),
    _rule(Style.CAMEL, Style.SNAKE, "maxLength -> max_length"),
    _rule(Style.CAMEL, Style.PASCAL, "maxLength -> MaxLength"),
    _rule(Style.PASCAL, Style.SNAKE, "BankAccount -> bank_account"),
)
