"""The augment stage: verified, meaning-preserving training lines for each suite case.

For every case the original line is kept, and candidate rewrites of its prompt
are tried one at a time until the case has ``factor`` lines (1 original +
``factor - 1`` verified variants):

* rule variants (``generate_variants``; single rules first, two-rule
  compositions only when the rules run out);
* the case's hand-written ``paraphrases``;
* with a paraphrase model, its paraphrases (a DSPy ``Paraphrase`` program),
  which must first pass a meaning check: the same numbers, quoted strings,
  code literals, negations, comparatives and order words as the prompt
  (the variant rules' own check), the function, parameter and code names
  the suite line fixes, and no contradiction the equivalence checker's text
  tier finds (a contrast word swapped); a paraphrase that fails is rejected
  unseen by the generator.

Candidates come in a round-robin over these sources, so a case's first kept
lines differ in kind. Each candidate is run through the IR generator and kept
only when verified:

* ``verify="gold"``: its IR matches the case's gold IR on the signature
  (parameter count, order and types, return type, and the names the suite
  line fixes: :mod:`tokdrift_cli.core.gold`), the accuracy criterion;
* ``verify="original"``: its IR is equivalent to the generator's IR for the
  original prompt on the robustness fields (name, parameters, return type,
  effects, assertions).

Every rejected candidate is logged with its reason: that is a fragile case of
the generator (or a paraphrase that changed the request). A candidate whose
comparison the checker leaves undecided (free text it cannot judge) is not
verified, so it is not kept; nor is it a fragile case: it is counted apart
(the summary's undecided share) and logged with its undecided fields.

IR naming variants: when the suite line leaves the function name open (its
``names`` policy), the gold's name is one of several equally right answers, so
a line pairing the same prompt with the gold renamed in another casing style
(``ir.naming.camel``) is added. When the line fixes the name (every shipped
core case names its function) the name is part of the request and no such
line is added; the summary counts both.

Work is split into checkpointed units (one generation, or one paraphrase-model
call); a resumed or repeated run reuses them and redoes no LM call.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Final

from tokdrift_cli.artifacts.augment import (
    Attempt,
    AugmentConfig,
    AugmentSummaryArtifact,
    AugmentUnit,
    CaseAugmentation,
    ParaphraseCall,
    ParaphraseOutcome,
)
from tokdrift_cli.artifacts.checkpoint import Checkpoint
from tokdrift_cli.artifacts.header import InputFile, Provenance
from tokdrift_cli.core.equivalence import IRComparison, Outcome, compare_irs
from tokdrift_cli.core.gold import match_gold
from tokdrift_cli.core.records import Generation
from tokdrift_cli.core.suite import Suite, SuiteCase
from tokdrift_cli.core.variants import MODEL_PARAPHRASE_ID
from tokdrift_cli.programs.paraphrase import Paraphraser
from tokdrift_cli.programs.runner import GeneratesIR
from tokdrift_cli.stages.augment_candidates import (
    MEANING_CHECK_FAILED,
    UNDECIDED_REASON,
    Candidate,
    ModelSlot,
    Slot,
    meaning_check,
    naming_variant,
    paraphrase_demos,
    paraphrase_key,
    plan_slots,
    selected_cases,
)
from tokdrift_cli.stages.augment_output import case_lines, summarize_augmentation
from tokdrift_cli.stages.baseline import unit_key
from tokdrift_cli.stages.failure_policy import FailureBreaker, check_finished, worth_keeping
from tokdrift_cli.stages.progress import AugmentProgress

_END: Final = object()


# --------------------------------------------------------------------------- progress


class _Stopped(Exception):
    """Raised in a worker when the run is being stopped; never seen outside the stage."""


# --------------------------------------------------------------------------- the orchestrator


@dataclass
class AugmentInputs:
    suite: Suite
    config: AugmentConfig
    fingerprint: str
    provenance: Provenance
    inputs: list[InputFile] = field(default_factory=list)
    paraphrase_model_id: str | None = None
    # The suite's JSON lines by case id, so an original line is written back exactly as it was.
    original_lines: Mapping[str, bytes] | None = None


@dataclass(frozen=True)
class AugmentResult:
    artifact: AugmentSummaryArtifact
    lines: list[bytes]

    def jsonl(self) -> bytes:
        return b"".join(line + b"\n" for line in self.lines)


class RobustTrainingDataGenerator:
    """Augments cases one at a time: plan candidates, verify them, stop at the factor."""

    def __init__(
        self,
        config: AugmentConfig,
        runner: GeneratesIR,
        *,
        paraphraser: Paraphraser | None = None,
        demo_cases: Sequence[SuiteCase] = (),
        checkpoint: Checkpoint[AugmentUnit] | None = None,
        reusable: Mapping[str, AugmentUnit] | None = None,
        progress: AugmentProgress | None = None,
    ):
        if config.factor < 1:
            raise ValueError(f"factor must be >= 1, got {config.factor}")
        self.config = config
        self.runner = runner
        self.paraphraser = paraphraser if config.paraphrase_model is not None else None
        self.demo_cases = demo_cases
        self.checkpoint = checkpoint
        self.progress: AugmentProgress = progress or AugmentProgress()
        self.done: dict[str, AugmentUnit] = dict(reusable or {})
        if checkpoint is not None:
            self.done.update(checkpoint.units)
        self.generation_calls = 0
        self.paraphrase_calls = 0
        self._lock = threading.Lock()
        self._plans: dict[str, list[Slot]] = {}
        self._generator_watch = FailureBreaker("model", program=f"--program {config.program}")
        self._paraphrase_watch = FailureBreaker("paraphrase model", program="the paraphrase program")
        self._stop = threading.Event()

    def _check_not_stopped(self) -> None:
        if self._stop.is_set():
            raise _Stopped()

    # ---- planning and progress

    def plan(self, case: SuiteCase) -> list[Slot]:
        if case.id not in self._plans:
            self._plans[case.id] = plan_slots(case, self.config)
        return self._plans[case.id]

    @property
    def needs_original(self) -> bool:
        """Whether each case's original prompt is generated too (to verify against its IR)."""
        return self.config.verify == "original" and self.config.factor > 1

    def upper_bound(self, case: SuiteCase) -> int:
        """Generations this case needs at most."""
        return len(self.plan(case)) + (1 if self.needs_original else 0)

    def reusable_count(self, case: SuiteCase) -> int:
        """Generations of this case already done (replaying a run consumes every one of them)."""
        keys = [unit_key(case.id, case.prompt)] if self.needs_original else []
        for slot in self.plan(case):
            if isinstance(slot, Candidate):
                keys.append(unit_key(case.id, slot.text))
                continue
            unit = self.done.get(paraphrase_key(case.id, slot.index))
            text = unit.paraphrase.text if unit is not None and unit.paraphrase is not None else None
            if text is not None and text.strip():
                keys.append(unit_key(case.id, text.strip()))
        return sum(1 for key in dict.fromkeys(keys) if self._done_generation(key) is not None)

    def _done_generation(self, key: str) -> Generation | None:
        unit = self.done.get(key)
        return unit.generation if unit is not None else None

    # ---- units

    def _record(self, key: str, unit: AugmentUnit) -> None:
        self.done[key] = unit
        if self.checkpoint is not None and worth_keeping(_outcome_of(unit).error_kind):
            self.checkpoint.record(key, unit)

    def _generate(self, case_id: str, text: str) -> Generation:
        key = unit_key(case_id, text)
        found = self._done_generation(key)
        if found is not None:
            return found
        self._check_not_stopped()
        generation = self.runner.generate(text)
        with self._lock:
            self.generation_calls += generation.lm_calls
        self._record(key, AugmentUnit(generation=generation))
        self.progress.advance(generation)
        self._generator_watch.see(generation.ok, generation.error_kind, generation.error)
        return generation

    def _paraphrase(self, case: SuiteCase, index: int) -> ParaphraseOutcome:
        key = paraphrase_key(case.id, index)
        unit = self.done.get(key)
        if unit is not None and unit.paraphrase is not None:
            return unit.paraphrase
        assert self.paraphraser is not None
        self._check_not_stopped()
        outcome = self.paraphraser.paraphrase(
            case.prompt, index=index, demos=paraphrase_demos(self.demo_cases, exclude=case.id)
        )
        with self._lock:
            self.paraphrase_calls += outcome.lm_calls
        self._record(key, AugmentUnit(paraphrase=outcome))
        self._paraphrase_watch.see(outcome.text is not None, outcome.error_kind, outcome.error)
        return outcome

    # ---- verification

    def _verify(
        self, case: SuiteCase, original: Generation | None, generation: Generation
    ) -> tuple[IRComparison | None, str | None]:
        """(comparison, rejection reason); the reason is None when the candidate is kept."""
        if generation.ir is None:
            return None, f"generation failed ({generation.error_kind or 'error'}): {generation.error}"
        if self.config.verify == "gold":
            comparison, against = match_gold(generation.ir, case.gold, case.names), "the gold IR"
        else:
            assert original is not None and original.ir is not None
            comparison, against = compare_irs(generation.ir, original.ir), "the original prompt's IR"
        if comparison.equivalent:
            return comparison, None
        undecided = comparison.outcome is Outcome.UNDECIDED
        named = comparison.undecided_fields if undecided else comparison.differing_fields
        fields = ", ".join(str(f) for f in named)
        reasons = "; ".join(comparison.verdict(f).reason for f in named)
        if undecided:  # not verified, so not kept; nor is it a flip: counted apart
            return comparison, f"{UNDECIDED_REASON} against {against} on {fields}: {reasons}"
        return comparison, f"differs from {against} on {fields}: {reasons}"

    # ---- one case

    def _candidates(self, case: SuiteCase, seen: set[str], attempts: list[Attempt],
                    calls: list[ParaphraseCall]) -> Iterator[Candidate | None]:
        """Yield each slot's candidate, or None for a slot that yields nothing to generate."""
        for slot in self.plan(case):
            if isinstance(slot, Candidate):
                if slot.text in seen:
                    yield None
                    continue
                seen.add(slot.text)
                yield slot
                continue
            outcome = self._paraphrase(case, slot.index)
            calls.append(ParaphraseCall(index=slot.index, outcome=outcome))
            text = (outcome.text or "").strip()
            if outcome.text is None or text in seen:
                yield None  # the call failed, or gave nothing new
                continue
            seen.add(text)
            problem = meaning_check(case, text)
            if problem is not None:
                attempts.append(Attempt(text=text, rule_ids=[MODEL_PARAPHRASE_ID], source="model_paraphrase",
                                        kept=False, reason=MEANING_CHECK_FAILED, detail=problem))
                yield None
                continue
            yield Candidate(text=text, rule_ids=(MODEL_PARAPHRASE_ID,), source="model_paraphrase")

    def augment_case(self, case: SuiteCase) -> CaseAugmentation:
        target = self.config.factor - 1
        slots = self.plan(case)
        attempts: list[Attempt] = []
        calls: list[ParaphraseCall] = []
        original: Generation | None = None
        note: str | None = None
        kept = 0
        untried = len(slots)
        if self.needs_original:
            original = self._generate(case.id, case.prompt)
            if original.ir is None:
                note = "the original prompt's generation failed, so no variant could be verified against it"
        if note is None:
            candidates = self._candidates(case, {case.prompt}, attempts, calls)
            consumed = 0
            # Check the factor before pulling the next slot: a model slot costs a paraphrase call.
            while kept < target:
                candidate = next(candidates, _END)
                if candidate is _END:
                    break
                consumed += 1
                if candidate is None:
                    self.progress.shrink(1)
                    continue
                assert isinstance(candidate, Candidate)
                generation = self._generate(case.id, candidate.text)
                comparison, reason = self._verify(case, original, generation)
                kept += reason is None
                attempts.append(
                    Attempt(text=candidate.text, rule_ids=list(candidate.rule_ids), source=candidate.source,
                            generation=generation, comparison=comparison, kept=reason is None, reason=reason)
                )
            untried = len(slots) - consumed
        self.progress.shrink(untried)
        naming = naming_variant(case)
        naming_rule_ids = [naming[1]] if naming is not None else []
        lines = 1 + kept + len(naming_rule_ids)
        return CaseAugmentation(
            case_id=case.id, category=case.category, prompt=case.prompt, original=original, paraphrase_calls=calls,
            attempts=attempts, kept=kept, naming_rule_ids=naming_rule_ids, lines=lines, reached_factor=float(lines),
            target_reached=1 + kept >= self.config.factor, untried=untried, note=note,
        )

    def run(self, cases: Sequence[SuiteCase], workers: int = 1) -> list[CaseAugmentation]:
        self.progress.start(
            total=sum(self.upper_bound(case) for case in cases),
            reused=sum(self.reusable_count(case) for case in cases),
            cases=len(cases),
        )
        if workers <= 1 or len(cases) <= 1:
            return [self._augment_and_report(case) for case in cases]
        # A case is sequential (it stops at the factor); cases run side by side.
        executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tokdrift-augment")
        try:
            return list(executor.map(self._augment_and_report, cases))
        except BaseException:
            # Ctrl-C or a fatal error: running cases stop before their next LM call
            # (finished units are in the checkpoint) instead of running to their end.
            self._stop.set()
            raise
        finally:
            executor.shutdown(wait=True, cancel_futures=True)

    def _augment_and_report(self, case: SuiteCase) -> CaseAugmentation:
        result = self.augment_case(case)
        self.progress.finish_case()
        return result


def reusable_units(artifact: AugmentSummaryArtifact) -> dict[str, AugmentUnit]:
    """Every unit a finished run recorded that a checkpoint would keep, by checkpoint key."""
    units = _recorded_units(artifact)
    return {key: unit for key, unit in units.items() if worth_keeping(_outcome_of(unit).error_kind)}


def _recorded_units(artifact: AugmentSummaryArtifact) -> dict[str, AugmentUnit]:
    units: dict[str, AugmentUnit] = {}
    for case in artifact.cases:
        if case.original is not None:
            units[unit_key(case.case_id, case.prompt)] = AugmentUnit(generation=case.original)
        for call in case.paraphrase_calls:
            units[paraphrase_key(case.case_id, call.index)] = AugmentUnit(paraphrase=call.outcome)
        for attempt in case.attempts:
            if attempt.generation is not None:
                units[unit_key(case.case_id, attempt.text)] = AugmentUnit(generation=attempt.generation)
    return units


def _outcome_of(unit: AugmentUnit) -> Generation | ParaphraseOutcome:
    outcome = unit.generation or unit.paraphrase
    return outcome if outcome is not None else Generation()


def augment_suite(
    inputs: AugmentInputs,
    runner: GeneratesIR,
    *,
    paraphraser: Paraphraser | None = None,
    checkpoint: Checkpoint[AugmentUnit] | None = None,
    reusable: Mapping[str, AugmentUnit] | None = None,
    workers: int = 1,
    progress: AugmentProgress | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> AugmentResult:
    """Augment the suite's (selected) cases; returns the output lines and the summary artifact."""
    started = clock()
    config = inputs.config
    if config.paraphrase_model is not None and paraphraser is None:
        raise ValueError("a paraphrase model is configured but no paraphraser was given")
    cases = selected_cases(inputs.suite, config)
    generator = RobustTrainingDataGenerator(
        config, runner, paraphraser=paraphraser, demo_cases=inputs.suite.cases, checkpoint=checkpoint,
        reusable=reusable, progress=progress,
    )
    reused = sum(generator.reusable_count(case) for case in cases)
    reused += sum(
        1 for case in cases for slot in generator.plan(case)
        if isinstance(slot, ModelSlot) and paraphrase_key(case.id, slot.index) in generator.done
    )
    results = generator.run(cases, workers)
    check_finished((_outcome_of(unit) for unit in generator.done.values()), "generations or paraphrases")
    taken = {case.id for case in inputs.suite.cases}
    original_lines = inputs.original_lines or {}
    lines = [line for case, result in zip(cases, results, strict=True)
             for line in case_lines(case, result, original_lines.get(case.id), taken)]
    fixed = sum(1 for case in cases if case.names.fixes_function)
    summary = summarize_augmentation(
        config, results,
        naming_named_in_prompt=fixed,
        naming_single_word=sum(1 for case in cases if not case.names.fixes_function and naming_variant(case) is None),
        generation_lm_calls=generator.generation_calls,
        paraphrase_lm_calls=generator.paraphrase_calls,
        reused_units=reused,
        wall_time_s=clock() - started,
    )
    artifact = AugmentSummaryArtifact(
        inputs=inputs.inputs, provenance=inputs.provenance, config=config, fingerprint=inputs.fingerprint,
        paraphrase_model_id=inputs.paraphrase_model_id, cases=results, summary=summary,
    )
    return AugmentResult(artifact=artifact, lines=lines)
