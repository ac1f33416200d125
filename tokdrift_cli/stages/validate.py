"""The validate stage: pair a before and an after baseline, test the difference, apply the gates.

The stage orchestrates; the domain lives in core. Pairing (which prompts are
the same on both sides, and refusing runs that are not paired) is in
:mod:`tokdrift_cli.stages.pairing`; the paired statistics are in
:mod:`tokdrift_cli.core.comparison` and :mod:`tokdrift_cli.core.stats`; the
gates and the verdict in :mod:`tokdrift_cli.core.gates`. Here each paired
prompt and each side are summarised from the baselines' cases.

Per prompt: the robustness difference d = after - before, computed exactly
(fractions), over prompts measured on both sides. Each side's per-prompt
robustness is taken over its decided variants (same / (same + different)):
an undecided variant counts on neither side of it, and its share is reported
beside it; a prompt with no decided variant on a side is unmeasured there
and enters no paired test. A prompt is fragile below
the fragile threshold (compared exactly), and its change says whether it was
fixed, newly broken, improved, regressed or unchanged.

Per side: pooled robustness over decided variants with the undecided share, accuracy, robust accuracy and accuracy over
every input (the request and its variants against gold) with Wilson
intervals at the validation's confidence; median latency per generation
over generations that made an LM call (lm_calls > 0). Every figure, both
sides included, is computed over the paired cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from tokdrift_cli.artifacts.baseline import BaselineArtifact, CaseResult
from tokdrift_cli.artifacts.header import InputFile
from tokdrift_cli.artifacts.validation import ProgramInfo, ValidationArtifact, ValidationConfig
from tokdrift_cli.core.comparison import CaseChange, PairedCase, SideSummary, paired_statistics
from tokdrift_cli.core.gates import GateSettings, evaluate_gates
from tokdrift_cli.core.robustness import Tally
from tokdrift_cli.core.stats import RateEstimate, exact_decimal, median, wilson
from tokdrift_cli.errors import InputError
from tokdrift_cli.stages.pairing import pair_baselines

__all__ = ["validate_baselines"]


def validate_baselines(
    before: BaselineArtifact | None,
    after: BaselineArtifact,
    settings: GateSettings,
    *,
    allow_mismatch: bool,
    seed: int,
    inputs: Sequence[InputFile] = (),
) -> ValidationArtifact:
    """Pair, test and gate; raises InputError on a refused pairing or when nothing is to be checked."""
    if not settings.checks_anything(paired=before is not None):
        if before is None:
            raise InputError(
                "nothing to check: give --fail-under to gate a single baseline, or --before to compare two"
            )
        raise InputError("nothing to check: every gate is switched off; enable --fail-under, --alpha or another gate")
    pairing, pairs = pair_baselines(before, after, allow_mismatch)
    confidence = settings.confidence
    threshold = settings.fragile_threshold
    cases = [_paired_case(old, new, threshold) for old, new in pairs]
    after_side = _side([new for _, new in pairs], after, confidence, threshold)
    before_side = None
    statistics = None
    if before is not None:
        before_side = _side([old for old, _ in pairs if old is not None], before, confidence, threshold)
        statistics = paired_statistics(cases, before_side, after_side, confidence, seed)
    program = None
    if after.config.program.endswith(".json"):
        program = ProgramInfo(path=after.config.program, program_hash=after.provenance.program_hash)
    return ValidationArtifact(
        inputs=list(inputs),
        provenance=after.provenance.model_copy(update={"seed": seed}),
        config=ValidationConfig(gates=settings, allow_mismatch=allow_mismatch, seed=seed, confidence=confidence),
        pairing=pairing,
        cases=cases,
        before=before_side,
        after=after_side,
        statistics=statistics,
        gates=evaluate_gates(cases, before_side, after_side, statistics, settings),
        program=program,
    )


# --- per case and per side -------------------------------------------------------------------------


def _exact_rate(case: CaseResult) -> Fraction | None:
    robustness = case.robustness
    return Fraction(robustness.successes, robustness.n) if robustness.n > 0 else None


def _fragile(case: CaseResult, threshold: float) -> bool | None:
    rate = _exact_rate(case)
    return None if rate is None else rate < exact_decimal(threshold)


def _paired_case(old: CaseResult | None, new: CaseResult, threshold: float) -> PairedCase:
    fragile_after = _fragile(new, threshold)
    if old is None:
        return PairedCase(
            case_id=new.case_id,
            category=new.category,
            after_robustness=new.robustness,
            after_undecided_share=new.undecided_share,
            after_correct=new.correct,
            fragile_after=fragile_after,
            change="single",
        )
    fragile_before = _fragile(old, threshold)
    old_rate, new_rate = _exact_rate(old), _exact_rate(new)
    difference = None if old_rate is None or new_rate is None else new_rate - old_rate
    old_inputs, new_inputs = _inputs_right(old), _inputs_right(new)
    inputs = before_right = after_right = None
    if old_inputs and new_inputs and old_inputs[1] == new_inputs[1]:  # the same inputs on both sides
        (before_right, inputs), (after_right, _) = old_inputs, new_inputs
    return PairedCase(
        case_id=new.case_id,
        category=new.category,
        before_robustness=old.robustness,
        after_robustness=new.robustness,
        before_undecided_share=old.undecided_share,
        after_undecided_share=new.undecided_share,
        difference=None if difference is None else float(difference),
        before_correct=old.correct,
        after_correct=new.correct,
        inputs=inputs,
        before_inputs_correct=before_right,
        after_inputs_correct=after_right,
        fragile_before=fragile_before,
        fragile_after=fragile_after,
        change=_change(difference, fragile_before, fragile_after),
    )


def _change(difference: Fraction | None, fragile_before: bool | None, fragile_after: bool | None) -> CaseChange:
    """Crossing the fragile threshold names the change first; otherwise the sign of the difference does."""
    if difference is None:
        return "unmeasured"
    if fragile_before and not fragile_after:
        return "fixed"
    if not fragile_before and fragile_after:
        return "newly_broken"
    if difference > 0:
        return "improved"
    if difference < 0:
        return "regressed"
    return "unchanged"


def _side(cases: Sequence[CaseResult], artifact: BaselineArtifact, confidence: float, threshold: float) -> SideSummary:
    measured = [case for case in cases if case.robustness.n > 0]
    generations = [
        generation
        for case in cases
        for generation in [case.original, *(variant.generation for variant in case.variants), *case.repeats]
    ]
    timed = [generation.latency_s for generation in generations if generation.lm_calls > 0]
    rates = [Fraction(case.robustness.successes, case.robustness.n) for case in measured]
    pooled = sum((case.variant_tally() for case in cases), Tally())
    return SideSummary(
        cases=len(cases),
        measured_cases=len(measured),
        robustness=pooled.robustness(confidence),
        undecided_share=pooled.undecided_share(confidence),
        mean_prompt_robustness=float(sum(rates, Fraction(0)) / len(rates)) if rates else None,
        accuracy=wilson(sum(1 for case in cases if case.correct), len(cases), confidence),
        robust_accuracy=wilson(sum(1 for case in cases if case.robust_correct), len(cases), confidence),
        input_accuracy=_input_accuracy(cases, confidence),
        median_latency_s=median(timed),
        latency_n=len(timed),
        fragile_cases=[case.case_id for case in measured if _fragile(case, threshold)],
        model_id=artifact.provenance.model_id,
        program=artifact.config.program,
        program_hash=artifact.provenance.program_hash,
    )


def _inputs_right(case: CaseResult) -> tuple[int, int] | None:
    """(inputs matching gold, inputs): the request and its variants; None when the prompt has no gold."""
    if case.correct is None:
        return None
    right = int(case.correct) + sum(
        1 for variant in case.variants if variant.versus_gold is not None and variant.versus_gold.equivalent
    )
    return right, 1 + len(case.variants)


def _input_accuracy(cases: Sequence[CaseResult], confidence: float) -> RateEstimate:
    """Requests and variants matching gold, over every input of the prompts that have a gold IR."""
    counts = [count for count in map(_inputs_right, cases) if count is not None]
    return wilson(sum(right for right, _ in counts), sum(total for _, total in counts), confidence)
