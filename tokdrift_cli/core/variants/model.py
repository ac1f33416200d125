"""The data types shared by every rule and by the variant generator."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict

from tokdrift_cli.core.variants.markers import Markers, meaning_markers
from tokdrift_cli.errors import InputError


class UnknownRuleError(InputError, ValueError, KeyError):
    """A rule id that no rule has; the message lists the known ones."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class RuleGroup(StrEnum):
    TOKEN = "token"  # TokDrift-style: identifier casing and spacing
    NATURAL = "natural"  # wording: synonyms, clause order, framing, ...


Transform = Callable[[str, random.Random], str | None]

_ID = re.compile(r"[a-z]+\.[a-z_]+\.[a-z0-9_]+")


@dataclass(frozen=True)
class Rule:
    """One meaning-preserving rewrite; ids are stable because results cite them."""

    id: str
    group: RuleGroup
    family: str
    description: str
    transform: Transform = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        if not _ID.fullmatch(self.id) or not self.id.startswith(f"{self.group}.{self.family}."):
            raise ValueError(f"rule id {self.id!r} must read '{self.group}.{self.family}.<name>'")

    def apply(self, text: str, rng: random.Random) -> str | None:
        """The rewritten text, or None when the rule does not apply.

        Output that would change a number, literal or meaning word counts as
        not applicable: a wrong variant is worse than a missing one.
        """
        return self.apply_keeping(text, rng, meaning_markers(text))

    def apply_keeping(self, text: str, rng: random.Random, markers: Markers) -> str | None:
        """Like `apply`, against markers already known (saves recomputing them per rule)."""
        result = self.transform(text, rng)
        if result is None or result == text or meaning_markers(result) != markers:
            return None
        return result


class PromptVariant(BaseModel):
    """A rewritten prompt and the rules (in order) that produced it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    rule_ids: list[str]
    source: Literal["rule", "paraphrase"] = "rule"


class ControlVariant(BaseModel):
    """A prompt rewritten to ask for something else on purpose, and the control rule that did it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    rule_id: str
