"""The analyze stage: which prompts are fragile, which rewrites break them, how sure we are.

Everything is recomputed from the baseline's per-variant verdicts (never from
its summary), so a different threshold or confidence level gives consistent
numbers.

Robustness is over decided variants (same / (same + different)); a variant
whose comparison the checker leaves undecided is neither robust nor a flip,
is never listed as changing a field, and is counted in the undecided share
shown beside every robustness figure (core/robustness.py). A prompt whose
compared variants are all undecided is *unmeasurable*: listed as such, never
fragile.

Priority rule (documented in docs/commands/analyze.md). A fragile prompt earns one point for
each of:

* severity - robustness below 50%;
* certainty - the whole Wilson interval lies below the threshold even with
  every undecided variant counted as robust (the fragility is not an
  artefact of few variants, nor of undecided ones);
* harm - accuracy breaks: the original's IR matched gold and at least one
  variant's IR does not.

3 points is P0, 2 is P1, 0-1 is P2.

Controls (rewrites that change the meaning on purpose, ``baseline --controls``)
give each prompt a sensitivity: controls whose IR changed / decided controls,
with the undecided share beside it (the same rule as robustness). A prompt
with at least one decided control and a sensitivity below the sensitivity
threshold *ignores meaning changes* and is listed apart from the fragile
prompts, one point each for:

* blindness - no decided control changed the IR;
* certainty - the whole Wilson interval lies below the threshold, even with
  every undecided control counted as changed.

2 points is P0, 1 is P1, 0 is P2. Controls enter no other figure here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from tokdrift_cli.artifacts.analysis import (
    AnalysisArtifact,
    AnalysisConfig,
    AnalysisSummary,
    BrokenVariant,
    CategoryAccuracy,
    FieldChange,
    FieldFlips,
    FragilePrompt,
    IgnoredControl,
    InsensitivePrompt,
    NoiseFloor,
    Priority,
)
from tokdrift_cli.artifacts.baseline import BaselineArtifact, CaseResult, VariantResult
from tokdrift_cli.artifacts.header import InputFile
from tokdrift_cli.core.equivalence import ROBUSTNESS_FIELDS, IRField, Outcome
from tokdrift_cli.core.ir import IR
from tokdrift_cli.core.mitigations import mitigation_for
from tokdrift_cli.core.robustness import Tally, family_keys, group_keys, rule_keys, tally
from tokdrift_cli.core.stats import DEFAULT_CONFIDENCE, RateEstimate, wilson
from tokdrift_cli.core.variants import family_of
from tokdrift_cli.stages.pattern_tests import pattern_tests
from tokdrift_cli.stages.scoring import (
    category_tallies,
    control_sensitivities,
    control_tally,
    group_sensitivities,
    pooled_tally,
)


def _field_value(ir: IR, field: IRField) -> str:
    signature = ir.signature
    if field is IRField.NAME:
        return signature.name
    if field is IRField.PARAMETERS:
        return ", ".join(f"{p.name}: {p.type_hint}" for p in signature.parameters) or "(none)"
    if field is IRField.RETURNS:
        return signature.returns or "None"
    if field is IRField.EFFECTS:
        return "; ".join(e.description for e in ir.effects) or "(none)"
    if field is IRField.ASSERTIONS:
        return "; ".join(a.predicate for a in ir.assertions) or "(none)"
    return ir.intent.summary


def _broken_variant(case: CaseResult, variant: VariantResult) -> BrokenVariant:
    families = sorted({family_of(rule) for rule in variant.rule_ids})
    still_correct = variant.versus_gold.equivalent if variant.versus_gold is not None else None
    if variant.generation.ir is None or case.original.ir is None or variant.versus_original is None:
        return BrokenVariant(
            text=variant.text, rule_ids=variant.rule_ids, families=families, failed=True,
            error=variant.generation.error, still_correct=still_correct,
        )
    changes = [
        FieldChange(
            field=verdict.field,
            original=_field_value(case.original.ir, verdict.field),
            variant=_field_value(variant.generation.ir, verdict.field),
            reason=verdict.reason,
        )
        for verdict in variant.versus_original.verdicts
        if verdict.outcome is Outcome.DIFFERENT and verdict.field in variant.versus_original.counted_fields
    ]
    return BrokenVariant(
        text=variant.text, rule_ids=variant.rule_ids, families=families, changes=changes, still_correct=still_correct
    )


def priority_of(
    counts: Tally, threshold: float, accuracy_breaks: bool, confidence: float = DEFAULT_CONFIDENCE
) -> tuple[Priority, str]:
    robustness = counts.robustness(confidence)
    # The most robust the prompt could be, were every undecided variant the same as the original.
    at_best = wilson(counts.same + counts.undecided, counts.decided + counts.undecided, confidence)
    reasons = []
    if robustness.rate is not None and robustness.rate < 0.5:
        reasons.append("robustness below 50%")
    if at_best.high is not None and at_best.high < threshold:
        reasons.append(f"whole interval below {threshold:.0%}")
    if accuracy_breaks:
        reasons.append("a variant loses gold accuracy")
    priority: Priority = "P0" if len(reasons) == 3 else "P1" if len(reasons) == 2 else "P2"
    return priority, "; ".join(reasons) or "just below the threshold, few variants"


def insensitivity_priority(counts: Tally, threshold: float, confidence: float = DEFAULT_CONFIDENCE) -> tuple[Priority, str]:
    """Blindness (no decided control changed the IR) and certainty (the whole interval below the
    threshold even with every undecided control counted as changed)."""
    at_best = wilson(counts.flips + counts.undecided, counts.decided + counts.undecided, confidence)
    reasons = []
    if counts.flips == 0:
        reasons.append("no control changed the IR")
    if at_best.high is not None and at_best.high < threshold:
        reasons.append(f"whole interval below {threshold:.0%}")
    priority: Priority = "P0" if len(reasons) == 2 else "P1" if reasons else "P2"
    return priority, "; ".join(reasons) or "just below the threshold, few controls"


def _insensitive_prompts(cases: Sequence[CaseResult], threshold: float, confidence: float) -> list[InsensitivePrompt]:
    """Prompts with at least one decided control and a sensitivity below ``threshold``, most urgent first."""
    found = []
    for case in cases:
        counts = control_tally(case.controls)
        sensitivity = counts.flip_rate(confidence)
        if case.sensitivity is None or sensitivity.rate is None or sensitivity.rate >= threshold:
            continue
        priority, reason = insensitivity_priority(counts, threshold, confidence)
        ignored = [IgnoredControl(text=c.text, rule_id=c.rule_id) for c in case.controls if c.changed is False]
        found.append(
            InsensitivePrompt(
                case_id=case.case_id,
                category=case.category,
                prompt=case.prompt,
                sensitivity=sensitivity,
                sensitivity_undecided_share=counts.undecided_share(confidence),
                robustness=case.variant_tally().robustness(confidence),
                priority=priority,
                priority_reason=reason,
                ignored_controls=ignored,
            )
        )
    return sorted(found, key=lambda item: (item.priority, item.sensitivity.rate or 0.0, item.case_id))


def _fragile_prompt(case: CaseResult, threshold: float, confidence: float) -> FragilePrompt:
    broken = [_broken_variant(case, v) for v in case.variants if v.outcome is Outcome.DIFFERENT]
    counts = case.variant_tally()
    accuracy_breaks = bool(case.correct) and any(
        v.versus_gold is None or not v.versus_gold.equivalent for v in case.variants
    )
    priority, reason = priority_of(counts, threshold, accuracy_breaks, confidence)
    family_counts = Counter(family for variant in broken for family in variant.families)
    dominant = min(family_counts, key=lambda family: (-family_counts[family], family)) if family_counts else "none"
    mitigation = mitigation_for(dominant, only_failures=bool(broken) and all(variant.failed for variant in broken))
    return FragilePrompt(
        case_id=case.case_id,
        category=case.category,
        prompt=case.prompt,
        robustness=counts.robustness(confidence),
        undecided_share=counts.undecided_share(confidence),
        priority=priority,
        priority_reason=reason,
        original_correct=bool(case.correct),
        accuracy_breaks=accuracy_breaks,
        broken_variants=broken,
        dominant_family=dominant,
        mitigation=mitigation,
        sensitivity=None if case.sensitivity is None else control_tally(case.controls).flip_rate(confidence),
    )


def _noise_floor(cases: Sequence[CaseResult], repeats: int, flip_rate: RateEstimate, confidence: float) -> NoiseFloor:
    """Disagreement of repeats with the first run over decided repeats, the undecided ones counted apart."""
    agreements = [agree for case in cases for agree in case.repeat_agreements]
    if repeats <= 1 or not agreements:
        return NoiseFloor(
            repeats=repeats, disagreement=None, variant_flip_rate=flip_rate,
            note="not measured: run `tokdrift baseline --repeats R` (R >= 2) to measure it",
        )
    counts = tally((Outcome.UNDECIDED if agree is None else Outcome.SAME if agree else Outcome.DIFFERENT, False)
                   for agree in agreements)
    disagreement = counts.flip_rate(confidence)
    undecided = counts.undecided_share(confidence)
    if disagreement.n == 0:
        return NoiseFloor(
            repeats=repeats, disagreement=None, undecided_share=undecided, variant_flip_rate=flip_rate,
            note="not measured: every repeat was undecided",
        )
    if flip_rate.n == 0:
        note = "no decided variant to set beside it"
    elif disagreement.high is not None and flip_rate.low is not None and flip_rate.low > disagreement.high:
        note = "variant flips exceed the noise floor: the drift is real"
    else:
        note = "variant flips are within the noise floor: part of the drift may be sampling noise"
    return NoiseFloor(
        repeats=repeats, disagreement=disagreement, undecided_share=undecided, variant_flip_rate=flip_rate, note=note
    )


def _per_category(cases: Sequence[CaseResult], confidence: float) -> list[CategoryAccuracy]:
    per_category = []
    for category, counts in sorted(category_tallies(cases).items()):
        members = [case for case in cases if case.category == category]
        accuracy = wilson(sum(1 for c in members if c.correct), len(members), confidence)
        robust_accuracy = wilson(sum(1 for c in members if c.robust_correct), len(members), confidence)
        per_category.append(
            CategoryAccuracy(
                category=category,
                cases=len(members),
                accuracy=accuracy,
                robust_accuracy=robust_accuracy,
                accuracy_drop=_drop(accuracy, robust_accuracy),
                robustness=counts.robustness(confidence),
                undecided_share=counts.undecided_share(confidence),
            )
        )
    return per_category


def _field_flips(variants: Sequence[VariantResult], confidence: float) -> list[FieldFlips]:
    """How often each counted field differs among the decided flips (a failed variant changes none)."""
    flipped = [v for v in variants if v.outcome is Outcome.DIFFERENT]
    field_counts: Counter[IRField] = Counter(
        verdict.field
        for v in flipped
        if v.versus_original is not None
        for verdict in v.versus_original.verdicts
        if verdict.outcome is Outcome.DIFFERENT and verdict.field in ROBUSTNESS_FIELDS
    )
    return [
        FieldFlips(field=field, flips=field_counts[field], share=wilson(field_counts[field], len(flipped), confidence))
        for field in sorted(ROBUSTNESS_FIELDS, key=lambda f: (-field_counts[f], f.value))
    ]


def analyze_baseline(
    baseline: BaselineArtifact,
    *,
    fragile_threshold: float = 0.9,
    confidence: float = DEFAULT_CONFIDENCE,
    sensitivity_threshold: float = 0.5,
    inputs: list[InputFile] | None = None,
) -> AnalysisArtifact:
    cases = baseline.cases
    tallies = {case.case_id: case.variant_tally() for case in cases}
    measured = [case for case in cases if tallies[case.case_id].decided > 0]
    fragile = [
        _fragile_prompt(case, fragile_threshold, confidence)
        for case in measured
        if (tallies[case.case_id].robustness().rate or 0.0) < fragile_threshold
    ]
    fragile.sort(key=lambda item: (item.priority, item.robustness.rate or 0.0, item.case_id))
    variants = [v for case in cases for v in case.variants]
    pooled = pooled_tally(cases)
    flip_rate = pooled.flip_rate(confidence)
    accuracy = wilson(sum(1 for c in cases if c.correct), len(cases), confidence)
    robust_accuracy = wilson(sum(1 for c in cases if c.robust_correct), len(cases), confidence)
    priorities = Counter(item.priority for item in fragile)
    insensitive = _insensitive_prompts(cases, sensitivity_threshold, confidence)
    controlled = [case for case in cases if case.sensitivity is not None]
    controls = [control for case in controlled for control in case.controls]
    return AnalysisArtifact(
        inputs=inputs or [],
        provenance=baseline.provenance,
        config=AnalysisConfig(
            fragile_threshold=fragile_threshold, confidence=confidence, sensitivity_threshold=sensitivity_threshold
        ),
        summary=AnalysisSummary(
            cases=len(cases),
            measured_cases=len(measured),
            unmeasured_cases=[case.case_id for case in cases if tallies[case.case_id].decided == 0],
            unmeasurable_cases=[case.case_id for case in cases if tallies[case.case_id].unmeasurable],
            fragile_count=len(fragile),
            priorities={level: priorities.get(level, 0) for level in ("P0", "P1", "P2")},
            robustness=pooled.robustness(confidence),
            undecided_share=pooled.undecided_share(confidence),
            accuracy=accuracy,
            robust_accuracy=robust_accuracy,
            accuracy_drop=_drop(accuracy, robust_accuracy),
            sensitivity=control_tally(controls).flip_rate(confidence) if controlled else None,
            sensitivity_undecided_share=control_tally(controls).undecided_share(confidence) if controlled else None,
            insensitive_count=len(insensitive),
            failed_controls=sum(1 for c in controls if not c.generation.ok),
            undecided_controls=sum(1 for c in controls if c.outcome is Outcome.UNDECIDED),
        ),
        fragile_prompts=fragile,
        insensitive_prompts=insensitive,
        per_control_rule=control_sensitivities(controls, confidence),
        prompt_sensitivity=[(case.case_id, control_tally(case.controls).flip_rate(confidence)) for case in controlled],
        prompt_sensitivity_undecided_share=[
            (case.case_id, control_tally(case.controls).undecided_share(confidence)) for case in controlled
        ],
        rule_tests=pattern_tests(cases, rule_keys, 1.0 - confidence),
        family_tests=pattern_tests(cases, family_keys, 1.0 - confidence),
        per_rule=group_sensitivities(variants, rule_keys, confidence),
        per_family=group_sensitivities(variants, family_keys, confidence),
        per_group=group_sensitivities(variants, group_keys, confidence),
        field_flips=_field_flips(variants, confidence),
        per_category=_per_category(cases, confidence),
        noise_floor=_noise_floor(cases, baseline.config.repeats, flip_rate, confidence),
        prompt_robustness=[(case.case_id, tallies[case.case_id].robustness(confidence)) for case in measured],
        prompt_undecided_share=[
            (case.case_id, counts.undecided_share(confidence)) for case in cases if (counts := tallies[case.case_id]).compared
        ],
        prompts=[(case.case_id, case.prompt) for case in cases],
        baseline_config=baseline.config,
    )


def _drop(accuracy: RateEstimate, robust_accuracy: RateEstimate) -> float | None:
    if accuracy.rate is None or robust_accuracy.rate is None:
        return None
    return accuracy.rate - robust_accuracy.rate
