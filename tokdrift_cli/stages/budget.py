"""What a run's calls cost, and the budget that stops it (``--max-cost``).

Dollars are tokens times the model's list price (:func:`tokdrift_cli.programs.cost.price_of`),
counted for the calls a run makes (reused generations cost nothing again). A run with a budget
stops before a call that could take its spend past the budget, judged by the costliest call so
far: finished generations are kept in the checkpoint, and the same command with a larger budget
resumes where it stopped. Until a call has finished there is no price to judge by, so the first
call (with ``--workers W``, the first ``2 W``) is made unjudged: a budget smaller than one call
can be passed by that much.
"""

from __future__ import annotations

import threading

from tokdrift_cli.core.records import CallCost, CallRecord
from tokdrift_cli.errors import ModelError
from tokdrift_cli.programs.cost import Price


class BudgetExceededError(ModelError):
    """The next call could take the run's spend past --max-cost; finished work is kept."""


class SpendMeter:
    """Adds up the calls of a run as they finish; thread-safe."""

    def __init__(self, price: Price | None, max_cost: float | None = None) -> None:
        if max_cost is not None and price is None:
            raise ValueError("a budget needs a price")
        self.price = price
        self.max_cost = max_cost
        self._lock = threading.Lock()
        self._calls = self._input = self._output = 0
        self._usd = 0.0
        self._costliest = 0.0

    def add(self, record: CallRecord) -> None:
        """A call finished (its tokens as the provider reported them)."""
        if record.lm_calls == 0 and not (record.input_tokens or record.output_tokens):
            return
        usd = self.price.usd(record.input_tokens, record.output_tokens) if self.price is not None else 0.0
        with self._lock:
            self._calls += record.lm_calls
            self._input += record.input_tokens
            self._output += record.output_tokens
            self._usd += usd
            self._costliest = max(self._costliest, usd)

    def allows(self, in_flight: int = 0) -> bool:
        """Whether one more call (beside ``in_flight`` unfinished ones) stays within the budget."""
        if self.max_cost is None:
            return True
        with self._lock:
            return self._usd + (in_flight + 1) * self._costliest <= self.max_cost

    def check(self, left: int) -> None:
        """Raise :class:`BudgetExceededError` unless one more call fits; ``left``: generations not yet made."""
        if not self.allows():
            raise self.exceeded(left)

    def exceeded(self, left: int) -> BudgetExceededError:
        cost = self.cost()
        assert self.max_cost is not None and cost.usd is not None
        return BudgetExceededError(
            f"--max-cost ${self.max_cost:.4f} reached: spent ${cost.usd:.4f} on {cost.lm_calls} calls, "
            f"${max(self.max_cost - cost.usd, 0.0):.4f} left, {left} generations not made; finished generations "
            "are kept: re-run the same command with a larger --max-cost to go on"
        )

    def cost(self) -> CallCost:
        with self._lock:
            return CallCost(
                lm_calls=self._calls, input_tokens=self._input, output_tokens=self._output,
                usd=self._usd if self.price is not None else None,
            )
