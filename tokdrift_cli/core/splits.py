"""Train / dev / test splits by base prompt.

A split assigns whole base prompts, so no paraphrase or variant of a test
prompt is ever seen in training. It is stratified by category (each
category contributes in proportion) and deterministic for a seed: the order
within a category comes from sha256(seed, id), not from Python's salted hash.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator


class SplitName(StrEnum):
    TRAIN = "train"
    DEV = "dev"
    TEST = "test"


class Split(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int
    fractions: tuple[float, float, float]
    train: list[str]
    dev: list[str]
    test: list[str]

    @model_validator(mode="after")
    def _disjoint(self) -> Split:
        seen = set(self.train)
        for part in (self.dev, self.test):
            if seen & set(part):
                raise ValueError(f"split parts overlap: {sorted(seen & set(part))}")
            seen |= set(part)
        return self

    def ids(self, name: SplitName) -> list[str]:
        return {SplitName.TRAIN: self.train, SplitName.DEV: self.dev, SplitName.TEST: self.test}[name]


def _order_key(seed: int, case_id: str) -> str:
    return hashlib.sha256(f"{seed}\x1f{case_id}".encode()).hexdigest()


def split_by_base_prompt(
    cases: Iterable[tuple[str, str]], *, seed: int, fractions: tuple[float, float, float] = (0.4, 0.2, 0.4)
) -> Split:
    """Split ``(base id, category)`` pairs; each category is divided train/dev/test by ``fractions``."""
    if any(f < 0 for f in fractions) or abs(sum(fractions) - 1.0) > 1e-9:
        raise ValueError(f"split fractions must be >= 0 and sum to 1, got {fractions}")
    by_category: dict[str, list[str]] = defaultdict(list)
    for base_id, category in cases:
        if base_id not in by_category[category]:
            by_category[category].append(base_id)
    train: list[str] = []
    dev: list[str] = []
    test: list[str] = []
    for category in sorted(by_category):
        ordered = sorted(by_category[category], key=lambda case_id: _order_key(seed, case_id))
        n_test = round(len(ordered) * fractions[2])
        n_dev = round(len(ordered) * fractions[1])
        test += ordered[:n_test]
        dev += ordered[n_test : n_test + n_dev]
        train += ordered[n_test + n_dev :]
    return Split(seed=seed, fractions=fractions, train=sorted(train), dev=sorted(dev), test=sorted(test))


DEFAULT_DEV_SHARE = 0.2


def split_fractions(dev_share: float = DEFAULT_DEV_SHARE) -> tuple[float, float, float]:
    """40% test always; the rest is train and dev, dev taking ``dev_share`` of the suite."""
    return (round(0.6 - dev_share, 6), dev_share, 0.4)


def suite_split(cases: Iterable[Any], seed: int, dev_share: float = DEFAULT_DEV_SHARE) -> Split:
    """The seeded split ``optimize --seed SEED --dev-share DEV_SHARE`` makes of a suite's cases."""
    return split_by_base_prompt(
        [(case.base_case_id, case.category) for case in cases], seed=seed, fractions=split_fractions(dev_share)
    )
