"""When a baseline run stops before its last prompt: its decision is made, or its budget is spent.

``--until-decided`` runs prompts in a seeded random order and, after each finished prompt, updates
the sequential decision of :mod:`tokdrift_cli.core.sequential` over the prompts finished in that
order (a prompt finished out of order, with ``--workers`` > 1, waits for those before it). Once
the decision is made no new generation starts. ``--max-calls N`` starts no generation once the
generator has spent N LM calls (generations already running finish). Either way the run keeps its
checkpoint, so a later run with another setting goes on from where this one stopped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from tokdrift_cli.artifacts.baseline import BaselineConfig, CaseResult, RunStop
from tokdrift_cli.core.sequential import SequentialState, decide_runs, observation, sequential_state, visiting_order


@dataclass
class StopRule:
    """Watches a run's finished prompts and spent calls, and says when to start no more generations."""

    config: BaselineConfig
    order: list[str]
    max_variants: int
    spent: int = 0
    _observations: dict[str, float] = field(default_factory=dict)
    _state: SequentialState | None = None
    reason: str | None = None

    @classmethod
    def for_run(cls, config: BaselineConfig, case_ids: Sequence[str], max_variants: int) -> StopRule | None:
        """The rule a config asks for, or None when the run simply runs every prompt."""
        if config.until_decided is None and config.max_calls is None:
            return None
        return cls(config=config, order=visiting_order(case_ids, config.seed), max_variants=max(1, max_variants))

    def finish_case(self, case: CaseResult) -> None:
        settings = self.config.until_decided
        if settings is None:
            return
        counts = case.variant_tally()
        self._observations[case.case_id] = observation(
            counts.same, counts.decided, settings.fail_under, self.max_variants
        )
        self._state = None
        values = self._prefix()
        decision, _, _ = decide_runs([values] if values else [[]], settings.fail_under, settings.alpha, len(self.order))
        if values and decision[0] != 0 and len(values) < len(self.order):
            self.reason = self.reason or "decided"

    def spend(self, calls: int) -> None:
        self.spent += calls
        if self.config.max_calls is not None and self.spent >= self.config.max_calls:
            self.reason = self.reason or "max_calls"

    def should_stop(self) -> bool:
        return self.reason is not None

    def _prefix(self) -> list[float]:
        """The observations of the prompts finished in visiting order, up to the first unfinished one."""
        values = []
        for case_id in self.order:
            if case_id not in self._observations:
                break
            values.append(self._observations[case_id])
        return values

    def state(self) -> SequentialState | None:
        settings = self.config.until_decided
        if settings is None:
            return None
        if self._state is None:
            self._state = sequential_state(
                self._prefix(), settings.fail_under, settings.alpha, len(self.order), self.max_variants
            )
        return self._state

    def stop_record(self, finished: Sequence[str]) -> RunStop | None:
        """What the artifact records when prompts were left out (None when every prompt finished)."""
        done = set(finished)
        not_run = [case_id for case_id in self.order if case_id not in done]
        if not not_run or self.reason is None:
            return None
        reason = "decided" if self.reason == "decided" else "max_calls"
        return RunStop(
            reason=reason, message=self.message(len(done), not_run), visiting_order=self.order, prompts_not_run=not_run
        )

    def message(self, finished: int, not_run: Sequence[str]) -> str:
        """One line: why the run stopped, and what it leaves undecided."""
        state = self.state()
        where = f"{finished} of {len(self.order)} prompts run, {len(not_run)} not run"
        decision = ""
        if state is not None:
            bounds = f"[{state.low:.3f}, {state.high:.3f}] after {state.seen} prompts in order"
            if state.decision == "undecided":
                decision = f"; robustness >= {state.fail_under} still undecided at alpha {state.alpha} ({bounds})"
            else:
                decision = f"; robustness >= {state.fail_under} {state.decision} at alpha {state.alpha} ({bounds})"
        if self.reason == "decided":
            return f"stopped early: the decision is made{decision}; {where}"
        cap = self.config.max_calls
        return (
            f"stopped at --max-calls {cap} ({self.spent} LM calls spent){decision}; {where}; re-run with a higher "
            "--max-calls (or without it) to go on"
        )
