"""The scoring rule: how three-valued comparisons become robustness and an undecided share.

A comparison of a variant's IR with the original's is *same*, *different* or
*undecided* (free text the deterministic tier could not judge and no judge
settled). Counting an undecided comparison as robust would hide drift;
counting it as a flip would invent drift. So it is counted on neither side:

* **robustness** = same / (same + different), over the *decided* variants,
  with a Wilson interval (n = decided variants);
* the **undecided share** = undecided / variants whose IR could be compared
  (both generations produced an IR), set beside it with its own n.

A variant whose generation failed while the original's succeeded is a flip
(decided, different): the rewrite broke the generator. It has no IR, so it is
not in the undecided share's n. When the original failed, nothing is
compared: the variant is *unmeasured* and enters neither figure.

A prompt all of whose compared variants are undecided has robustness n = 0:
it is *unmeasurable* ("every variant undecided"), never 0% nor 100%.

The same rule serves every grouping (prompt, rule, family, group, category,
pooled) and every other three-valued count (repeats against the original for
the noise floor, controls for sensitivity, where the counted side is
*different*). Definitions: docs/concepts/statistics.md.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from tokdrift_cli.core.equivalence import Outcome
from tokdrift_cli.core.stats import DEFAULT_CONFIDENCE, RateEstimate, wilson
from tokdrift_cli.core.variants import family_of, kind_of

KeyT = TypeVar("KeyT", bound=Hashable)


@dataclass(frozen=True)
class Tally:
    """Counts of one group's outcomes; every variant is in exactly one of the four counts."""

    same: int = 0
    different: int = 0  # decided different, both IRs present
    undecided: int = 0
    failed: int = 0  # the variant's generation failed, the original's did not: a flip without an IR

    @property
    def decided(self) -> int:
        return self.same + self.different + self.failed

    @property
    def flips(self) -> int:
        return self.different + self.failed

    @property
    def compared(self) -> int:
        """Variants with both IRs: the undecided share's n."""
        return self.same + self.different + self.undecided

    @property
    def unmeasurable(self) -> bool:
        """Something was compared, but nothing decided: robustness cannot be measured."""
        return self.decided == 0 and self.undecided > 0

    def add(self, outcome: Outcome, *, failed: bool = False) -> Tally:
        """This tally with one more comparison; ``failed`` marks a flip that has no IR (outcome different)."""
        if failed:
            return Tally(self.same, self.different, self.undecided, self.failed + 1)
        if outcome is Outcome.SAME:
            return Tally(self.same + 1, self.different, self.undecided, self.failed)
        if outcome is Outcome.DIFFERENT:
            return Tally(self.same, self.different + 1, self.undecided, self.failed)
        return Tally(self.same, self.different, self.undecided + 1, self.failed)

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.same + other.same,
            self.different + other.different,
            self.undecided + other.undecided,
            self.failed + other.failed,
        )

    def robustness(self, confidence: float = DEFAULT_CONFIDENCE) -> RateEstimate:
        """same / decided, with a Wilson interval."""
        return wilson(self.same, self.decided, confidence)

    def flip_rate(self, confidence: float = DEFAULT_CONFIDENCE) -> RateEstimate:
        """flips / decided (the complement of robustness), with a Wilson interval."""
        return wilson(self.flips, self.decided, confidence)

    def undecided_share(self, confidence: float = DEFAULT_CONFIDENCE) -> RateEstimate:
        """undecided / compared, with a Wilson interval."""
        return wilson(self.undecided, self.compared, confidence)


def tally(outcomes: Iterable[tuple[Outcome, bool]]) -> Tally:
    """Tally (outcome, failed) pairs; see :meth:`Tally.add`."""
    total = Tally()
    for outcome, failed in outcomes:
        total = total.add(outcome, failed=failed)
    return total


def tally_by(outcomes: Iterable[tuple[KeyT, Outcome, bool]]) -> dict[KeyT, Tally]:
    """Tally (key, outcome, failed) triples per key."""
    tallies: dict[KeyT, Tally] = defaultdict(Tally)
    for key, outcome, failed in outcomes:
        tallies[key] = tallies[key].add(outcome, failed=failed)
    return dict(tallies)


# --- groupings of a variant by the rules that made it ----------------------------------------------


def rule_keys(rule_ids: Sequence[str]) -> list[str]:
    """Every rule of a composed variant is charged with its outcome."""
    return list(rule_ids)


def family_keys(rule_ids: Sequence[str]) -> list[str]:
    """Each family once, however many of its rules made the variant."""
    return sorted({family_of(rule) for rule in rule_ids})


def group_keys(rule_ids: Sequence[str]) -> list[str]:
    """The group (token / natural) of the variant's first rule."""
    return [kind_of(rule_ids[0]).group] if rule_ids else []
