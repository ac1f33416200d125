"""Shards: split a suite's cases into N stable, balanced parts for a CI matrix or a cluster.

A case's shard depends only on its id and on the set of selected ids: ids are
ranked by their sha256 and dealt round-robin, so shards differ in size by at
most one case, mix categories, and come out the same on every machine.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from tokdrift_cli.errors import InputError

_SHARD_PATTERN = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")

T = TypeVar("T")


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (1-based) of ``count``."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def select(self, items: Sequence[T], key: Callable[[T], str]) -> list[T]:
        """The items of this shard, in their original order."""
        ranked = sorted(items, key=lambda item: (_digest(key(item)), key(item)))
        mine = {id(item) for position, item in enumerate(ranked) if position % self.count == self.index - 1}
        return [item for item in items if id(item) in mine]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def parse_shard(text: str) -> Shard:
    """``"K/N"`` with 1 <= K <= N, or a one-line error saying what is expected."""
    match = _SHARD_PATTERN.match(text)
    if match is None:
        raise InputError(f"--shard {text!r}: expected K/N, e.g. 1/4 for the first of four shards")
    index, count = int(match.group(1)), int(match.group(2))
    if count < 1 or not 1 <= index <= count:
        raise InputError(f"--shard {text!r}: K must be between 1 and N (got K={index}, N={count})")
    return Shard(index, count)
