"""The analyze stage: which prompts are fragile, which rewrites break them, how sure we are.

Everything is recomputed from the baseline's per-variant verdicts (never from
its summary), so a different threshold or confidence level gives consistent
numbers.

Priority rule (documented in docs/commands/analyze.md). A fragile prompt earns one point for
each of:

* severity - robustness below 50%;
* certainty - the whole Wilson interval lies below the threshold (the
  fragility is not an artefact of few variants);
* harm - accuracy breaks: the original's IR matched gold and at least one
  variant's IR does not.

3 points is P0, 2 is P1, 0-1 is P2.

Controls (rewrites that change the meaning on purpose, ``baseline --controls``)
give each prompt a sensitivity: controls whose IR changed / controls judged. A
prompt with at least one judged control and a sensitivity below the
sensitivity threshold *ignores meaning changes* and is listed apart from the
fragile prompts, one point each for:

* blindness - no judged control changed the IR;
* certainty - the whole Wilson interval lies below the threshold.

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
from tokdrift_cli.core.equivalence import ROBUSTNESS_FIELDS, IRField
from tokdrift_cli.core.ir import IR
from tokdrift_cli.core.mitigations import mitigation_for
from tokdrift_cli.core.stats import DEFAULT_CONFIDENCE, RateEstimate, wilson
from tokdrift_cli.core.variants import family_of, kind_of
from tokdrift_cli.stages.scoring import sensitivities, sensitivity_of


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
        if not verdict.equivalent and verdict.field in variant.versus_original.counted_fields
    ]
    return BrokenVariant(
        text=variant.text, rule_ids=variant.rule_ids, families=families, changes=changes, still_correct=still_correct
    )


def priority_of(robustness: RateEstimate, threshold: float, accuracy_breaks: bool) -> tuple[Priority, str]:
    reasons = []
    if robustness.rate is not None and robustness.rate < 0.5:
        reasons.append("robustness below 50%")
    if robustness.high is not None and robustness.high < threshold:
        reasons.append(f"whole interval below {threshold:.0%}")
    if accuracy_breaks:
        reasons.append("a variant loses gold accuracy")
    priority: Priority = "P0" if len(reasons) == 3 else "P1" if len(reasons) == 2 else "P2"
    return priority, "; ".join(reasons) or "just below the threshold, few variants"


def _robustness(case: CaseResult, confidence: float) -> RateEstimate:
    """The case's robustness recomputed at this analysis's confidence level."""
    verdicts = [v.robust for v in case.variants if v.robust is not None]
    return wilson(sum(1 for robust in verdicts if robust), len(verdicts), confidence)


def _sensitivity(case: CaseResult, confidence: float) -> RateEstimate | None:
    """The case's sensitivity at this analysis's confidence level; None when its baseline ran no controls."""
    return None if case.sensitivity is None else sensitivity_of(case.controls, confidence)


def insensitivity_priority(sensitivity: RateEstimate, threshold: float) -> tuple[Priority, str]:
    reasons = []
    if sensitivity.successes == 0:
        reasons.append("no control changed the IR")
    if sensitivity.high is not None and sensitivity.high < threshold:
        reasons.append(f"whole interval below {threshold:.0%}")
    priority: Priority = "P0" if len(reasons) == 2 else "P1" if reasons else "P2"
    return priority, "; ".join(reasons) or "just below the threshold, few controls"


def _insensitive_prompts(cases: Sequence[CaseResult], threshold: float, confidence: float) -> list[InsensitivePrompt]:
    """Prompts with at least one judged control and a sensitivity below ``threshold``, most urgent first."""
    found = []
    for case in cases:
        sensitivity = _sensitivity(case, confidence)
        if sensitivity is None or sensitivity.rate is None or sensitivity.rate >= threshold:
            continue
        priority, reason = insensitivity_priority(sensitivity, threshold)
        ignored = [IgnoredControl(text=c.text, rule_id=c.rule_id) for c in case.controls if c.changed is False]
        found.append(
            InsensitivePrompt(
                case_id=case.case_id,
                category=case.category,
                prompt=case.prompt,
                sensitivity=sensitivity,
                robustness=_robustness(case, confidence),
                priority=priority,
                priority_reason=reason,
                ignored_controls=ignored,
            )
        )
    return sorted(found, key=lambda item: (item.priority, item.sensitivity.rate or 0.0, item.case_id))


def _fragile_prompt(case: CaseResult, threshold: float, confidence: float) -> FragilePrompt:
    broken = [_broken_variant(case, v) for v in case.variants if v.robust is False]
    robustness = _robustness(case, confidence)
    accuracy_breaks = bool(case.correct) and any(
        v.versus_gold is None or not v.versus_gold.equivalent for v in case.variants
    )
    priority, reason = priority_of(robustness, threshold, accuracy_breaks)
    family_counts = Counter(family for variant in broken for family in variant.families)
    dominant = min(family_counts, key=lambda family: (-family_counts[family], family)) if family_counts else "none"
    mitigation = mitigation_for(dominant, only_failures=bool(broken) and all(variant.failed for variant in broken))
    return FragilePrompt(
        case_id=case.case_id,
        category=case.category,
        prompt=case.prompt,
        robustness=robustness,
        priority=priority,
        priority_reason=reason,
        original_correct=bool(case.correct),
        accuracy_breaks=accuracy_breaks,
        broken_variants=broken,
        dominant_family=dominant,
        mitigation=mitigation,
        sensitivity=_sensitivity(case, confidence),
    )


def _noise_floor(cases: Sequence[CaseResult], repeats: int, flip_rate: RateEstimate, confidence: float) -> NoiseFloor:
    agreements = [agree for case in cases for agree in case.repeat_agreements]
    if repeats <= 1 or not agreements:
        return NoiseFloor(
            repeats=repeats, disagreement=None, variant_flip_rate=flip_rate,
            note="not measured: run `tokdrift baseline --repeats R` (R >= 2) to measure it",
        )
    disagreement = wilson(sum(1 for agree in agreements if not agree), len(agreements), confidence)
    if disagreement.high is not None and flip_rate.low is not None and flip_rate.low > disagreement.high:
        note = "variant flips exceed the noise floor: the drift is real"
    else:
        note = "variant flips are within the noise floor: part of the drift may be sampling noise"
    return NoiseFloor(repeats=repeats, disagreement=disagreement, variant_flip_rate=flip_rate, note=note)


def _per_category(cases: Sequence[CaseResult], confidence: float) -> list[CategoryAccuracy]:
    per_category = []
    for category in sorted({case.category for case in cases}):
        members = [case for case in cases if case.category == category]
        accuracy = wilson(sum(1 for c in members if c.correct), len(members), confidence)
        robust_accuracy = wilson(sum(1 for c in members if c.robust_correct), len(members), confidence)
        member_outcomes = [v for c in members for v in c.variants if v.robust is not None]
        per_category.append(
            CategoryAccuracy(
                category=category,
                cases=len(members),
                accuracy=accuracy,
                robust_accuracy=robust_accuracy,
                accuracy_drop=_drop(accuracy, robust_accuracy),
                robustness=wilson(sum(1 for v in member_outcomes if v.robust), len(member_outcomes), confidence),
            )
        )
    return per_category


def analyze_baseline(
    baseline: BaselineArtifact,
    *,
    fragile_threshold: float = 0.9,
    confidence: float = DEFAULT_CONFIDENCE,
    sensitivity_threshold: float = 0.5,
    inputs: list[InputFile] | None = None,
) -> AnalysisArtifact:
    cases = baseline.cases
    measured = [case for case in cases if case.robustness.n > 0]
    fragile = [
        _fragile_prompt(case, fragile_threshold, confidence)
        for case in measured
        if case.robustness.rate is not None and case.robustness.rate < fragile_threshold
    ]
    fragile.sort(key=lambda item: (item.priority, item.robustness.rate or 0.0, item.case_id))
    outcomes = [(case, v) for case in cases for v in case.variants if v.robust is not None]
    flip_rate = wilson(sum(1 for _, v in outcomes if not v.robust), len(outcomes), confidence)
    flipped = [v for _, v in outcomes if not v.robust]
    field_counts: Counter[IRField] = Counter(
        verdict.field
        for v in flipped
        if v.versus_original is not None
        for verdict in v.versus_original.verdicts
        if not verdict.equivalent and verdict.field in ROBUSTNESS_FIELDS
    )
    field_flips = [
        FieldFlips(field=field, flips=field_counts[field], share=wilson(field_counts[field], len(flipped), confidence))
        for field in sorted(ROBUSTNESS_FIELDS, key=lambda f: (-field_counts[f], f.value))
    ]
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
            unmeasured_cases=[case.case_id for case in cases if case.robustness.n == 0],
            fragile_count=len(fragile),
            priorities={level: priorities.get(level, 0) for level in ("P0", "P1", "P2")},
            robustness=wilson(len(outcomes) - len(flipped), len(outcomes), confidence),
            accuracy=accuracy,
            robust_accuracy=robust_accuracy,
            accuracy_drop=_drop(accuracy, robust_accuracy),
            sensitivity=sensitivity_of(controls, confidence) if controlled else None,
            insensitive_count=len(insensitive),
            failed_controls=sum(1 for c in controls if not c.generation.ok),
            undecided_controls=sum(1 for c in controls if c.versus_original is not None and c.changed is None),
        ),
        fragile_prompts=fragile,
        insensitive_prompts=insensitive,
        per_control_rule=sensitivities(
            [(c.rule_id, not c.changed) for c in controls if c.changed is not None], confidence
        ),
        prompt_sensitivity=[(case.case_id, sensitivity_of(case.controls, confidence)) for case in controlled],
        per_rule=sensitivities([(rule, bool(v.robust)) for _, v in outcomes for rule in v.rule_ids], confidence),
        per_family=sensitivities(
            [(family, bool(v.robust)) for _, v in outcomes for family in sorted({family_of(r) for r in v.rule_ids})],
            confidence,
        ),
        per_group=sensitivities(
            [(kind_of(v.rule_ids[0]).group, bool(v.robust)) for _, v in outcomes if v.rule_ids], confidence
        ),
        field_flips=field_flips,
        per_category=_per_category(cases, confidence),
        noise_floor=_noise_floor(cases, baseline.config.repeats, flip_rate, confidence),
        prompt_robustness=[(case.case_id, _robustness(case, confidence)) for case in measured],
    )


def _drop(accuracy: RateEstimate, robust_accuracy: RateEstimate) -> float | None:
    if accuracy.rate is None or robust_accuracy.rate is None:
        return None
    return accuracy.rate - robust_accuracy.rate
