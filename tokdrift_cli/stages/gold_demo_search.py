"""Random search over sets of gold demos (``--optimizer gold-demos``).

Why: on the embedded model, the best candidate DSPy's random search found
was its "labels only" one: gold demos from the train split, not the model's
own bootstrapped answers (which carry its habits into the prompt). DSPy
tries a single gold set; this search tries ``candidates`` of them, each the
first ``k`` train examples of a seeded shuffle (DSPy's ``LabeledFewShot``),
ranked on dev by the same metric. It needs no proposer model, and its
candidates go through the same choice on train and dev prompts as the
other optimizers' (:mod:`tokdrift_cli.stages.candidate_selection`).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

import dspy


class GoldDemoSearch:
    """Compiles like a DSPy optimizer; leaves every candidate on the result, as random search does."""

    def __init__(self, *, k: int, candidates: int, seed: int) -> None:
        self.k = k
        self.candidates = candidates
        self.seed = seed

    def compile(self, student: Any, *, trainset: Sequence[dspy.Example], dev_score: Callable[[Any], float]) -> Any:
        """The best candidate on ``dev_score`` (0-1), carrying all of them in ``candidate_programs``."""
        from dspy.teleprompt import LabeledFewShot

        entries: list[dict[str, Any]] = []
        seen: set[tuple[str, ...]] = set()
        for index in range(self.candidates):
            shuffled = list(trainset)
            random.Random(self.seed + index).shuffle(shuffled)
            program = LabeledFewShot(k=self.k).compile(student, trainset=shuffled, sample=False)
            demo_set = tuple(sorted(demo.request for demo in _demos(program)))
            if demo_set in seen:  # the same gold set again: nothing new to score
                continue
            seen.add(demo_set)
            entries.append({"score": 100.0 * dev_score(program), "seed": self.seed + index,
                            "label": f"gold demos, shuffle {self.seed + index}", "program": program})
        entries.sort(key=lambda entry: -entry["score"])
        best = entries[0]["program"]
        best.candidate_programs = entries
        return best


def _demos(program: Any) -> list[Any]:
    return [demo for predictor in program.predictors() for demo in predictor.demos]
