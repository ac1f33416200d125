"""The validate stage: pair a before and an after baseline, test the difference, apply the gates.

Pairing. Paired statistics need the same prompts and the same variants on
both sides. The before and after baselines must agree on the suite hash,
variants per prompt, seed, rules, paraphrases, the set of cases and each
case's prompt and variant texts (compared as multisets: order is not
meaning). Anything else differs on purpose (model, program, temperature).
A mismatch is refused; with ``allow_mismatch`` only the cases present in
both with identical texts are paired, and the dropped ones are recorded.
Every figure below, both sides included, is computed over the paired cases.

Statistics (scipy.stats, nothing hand-rolled):

* Per-prompt robustness difference d = after - before, computed exactly
  (fractions), over prompts measured on both sides.
* One-sided paired Wilcoxon signed-rank test, H1: after > before, with
  ``zero_method="wilcox"``: prompts whose robustness did not change carry no
  evidence about the direction, so they are dropped and the test ranks the
  changed ones (n_nonzero is reported beside n_pairs). ``method="auto"``:
  scipy uses the exact null distribution for up to 50 distinct non-zero
  differences, exhaustive permutations up to 13 differences with ties, and
  the tie-corrected normal approximation otherwise. With fewer than
  ``MIN_PAIRS`` pairs or non-zero differences the test is not run and the
  significance gate is inconclusive.
* Paired bootstrap percentile interval for the mean difference: resampling
  the per-prompt differences is resampling the pairs (``scipy.stats.bootstrap``,
  10000 resamples, seeded, two-sided at confidence 1 - alpha).
* Exact McNemar test on accuracy flips: ``binomtest`` on the discordant
  pairs (wrong -> right among all flips, p = 0.5, two-sided).
* Effect size: mean and median difference, and the matched-pairs
  rank-biserial correlation (R+ - R-) / (R+ + R-) over the non-zero
  differences ranked by ``scipy.stats.rankdata`` (Kerby 2014), which is
  consistent with the Wilcoxon statistic.
* Pooled robustness, accuracy and robust accuracy with Wilson intervals at
  the same confidence; median latency per generation over generations that
  made an LM call (lm_calls > 0).

Gates (each can be switched off; see ``GateSettings``): robustness,
significance, accuracy drop, latency increase, fragile prompts fixed. The
fragile-fixed gate applies only to an improvement claim: a before is given
and the mean difference is > 0. It then requires min(min_fixed, prompts
fragile before) fragile prompts fixed, so a run that fixes every fragile
prompt there was is never failed for there being too few. Thresholds are
compared exactly (as fractions of their decimal spelling), so an accuracy
drop of exactly 0.02 passes ``max_accuracy_drop = 0.02``.

Verdict: any failed gate -> exit 1; else any inconclusive -> exit 3; else 0.
"""

from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

from tokdrift_cli.artifacts.baseline import BaselineArtifact, CaseResult
from tokdrift_cli.artifacts.header import InputFile
from tokdrift_cli.artifacts.validation import (
    BOOTSTRAP_RESAMPLES,
    MIN_PAIRS,
    BootstrapInterval,
    CaseChange,
    EffectSize,
    GateResult,
    GateSettings,
    McNemarResult,
    PairedCase,
    PairedStatistics,
    Pairing,
    ProgramInfo,
    SideSummary,
    ValidationArtifact,
    ValidationConfig,
    ValidationSummary,
    WilcoxonResult,
)
from tokdrift_cli.core.stats import RateEstimate, median, wilson
from tokdrift_cli.errors import ExitCode, InputError

__all__ = ["GateSettings", "validate_baselines"]


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
    _require_something_to_check(before, settings)
    pairing, pairs = _pair(before, after, allow_mismatch)
    confidence = settings.confidence
    threshold = settings.fragile_threshold
    cases = [_paired_case(old, new, threshold) for old, new in pairs]
    after_side = _side([new for _, new in pairs], after, confidence, threshold)
    before_side = None
    statistics = None
    if before is not None:
        before_side = _side([old for old, _ in pairs if old is not None], before, confidence, threshold)
        statistics = _statistics(cases, before_side, after_side, settings, seed)
    gates = [
        _robustness_gate(after_side, settings),
        _significance_gate(statistics, settings),
        _accuracy_gate(before_side, after_side, settings),
        _latency_gate(before_side, after_side, settings),
        _fixed_gate(cases, statistics, settings),
    ]
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
        gates=gates,
        program=program,
        summary=_verdict(gates),
    )


def _require_something_to_check(before: BaselineArtifact | None, settings: GateSettings) -> None:
    enabled = settings.fail_under is not None
    if before is not None:
        enabled = enabled or any(
            value is not None
            for value in (settings.alpha, settings.max_accuracy_drop, settings.max_latency_increase, settings.min_fixed)
        )
    if not enabled:
        if before is None:
            raise InputError(
                "nothing to check: give --fail-under to gate a single baseline, or --before to compare two"
            )
        raise InputError("nothing to check: every gate is switched off; enable --fail-under, --alpha or another gate")


# --- pairing -------------------------------------------------------------------------------------


def _texts(case: CaseResult) -> tuple[str, tuple[str, ...]]:
    return case.prompt, tuple(sorted(variant.text for variant in case.variants))


def _short(items: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f", ... ({len(items) - limit} more)" if len(items) > limit else "")


def _config_differences(before: BaselineArtifact, after: BaselineArtifact) -> list[str]:
    found = []
    old, new = before.config, after.config
    if before.provenance.suite_hash != after.provenance.suite_hash:
        found.append(f"suite hash ({before.provenance.suite_hash} vs {after.provenance.suite_hash})")
    if old.variants_per_prompt != new.variants_per_prompt:
        found.append(f"variants per prompt ({old.variants_per_prompt} vs {new.variants_per_prompt})")
    if old.seed != new.seed:
        found.append(f"seed ({old.seed} vs {new.seed})")
    if (sorted(old.rules) if old.rules is not None else None) != (sorted(new.rules) if new.rules is not None else None):
        found.append(f"rules ({old.rules or 'all'} vs {new.rules or 'all'})")
    if old.include_paraphrases != new.include_paraphrases:
        found.append(f"paraphrases ({old.include_paraphrases} vs {new.include_paraphrases})")
    return found


def _pair(
    before: BaselineArtifact | None, after: BaselineArtifact, allow_mismatch: bool
) -> tuple[Pairing, list[tuple[CaseResult | None, CaseResult]]]:
    if before is None:
        return Pairing(mode="single", paired_cases=len(after.cases)), [(None, case) for case in after.cases]
    old_cases = {case.case_id: case for case in before.cases}
    new_cases = {case.case_id: case for case in after.cases}
    before_only = [case_id for case_id in old_cases if case_id not in new_cases]
    after_only = [case_id for case_id in new_cases if case_id not in old_cases]
    changed = [
        case_id
        for case_id, case in new_cases.items()
        if case_id in old_cases and _texts(old_cases[case_id]) != _texts(case)
    ]
    config_differences = _config_differences(before, after)
    differences = list(config_differences)
    if before_only or after_only:
        differences.append(
            f"case sets ({len(before_only)} only in before: {_short(before_only) or '-'}; "
            f"{len(after_only)} only in after: {_short(after_only) or '-'})"
        )
    if changed:
        differences.append(f"prompt or variant texts of {len(changed)} case(s) ({_short(changed)})")
    if differences and not allow_mismatch:
        raise InputError(
            "the before and after baselines are not paired runs; they differ in "
            + "; ".join(differences)
            + ". Re-run both with the same suite and variant settings, or pass --allow-mismatch "
            "to pair only the cases present in both with identical variant texts"
        )
    pairs = [
        (old_cases[case.case_id], case)
        for case in after.cases
        if case.case_id in old_cases and case.case_id not in changed
    ]
    if not pairs:
        raise InputError(
            "no case is present in both baselines with identical prompt and variant texts; nothing to pair"
        )
    dropped = len(before_only) + len(after_only) + len(changed)
    pairing = Pairing(
        mode="matched" if differences else "strict",
        paired_cases=len(pairs),
        dropped_cases=dropped,
        before_only=before_only,
        after_only=after_only,
        changed_variants=changed,
        config_differences=config_differences,
    )
    return pairing, pairs


# --- per case and per side -------------------------------------------------------------------------


def _exact_rate(case: CaseResult) -> Fraction | None:
    robustness = case.robustness
    return Fraction(robustness.successes, robustness.n) if robustness.n > 0 else None


def _fragile(case: CaseResult, threshold: float) -> bool | None:
    rate = _exact_rate(case)
    return None if rate is None else rate < _exact(threshold)


def _exact(value: float) -> Fraction:
    """A threshold as the decimal the user wrote: 0.9 is 9/10, not the nearest binary float."""
    return Fraction(repr(value))


def _paired_case(old: CaseResult | None, new: CaseResult, threshold: float) -> PairedCase:
    fragile_after = _fragile(new, threshold)
    if old is None:
        return PairedCase(
            case_id=new.case_id,
            category=new.category,
            after_robustness=new.robustness,
            after_correct=new.correct,
            fragile_after=fragile_after,
            change="single",
        )
    fragile_before = _fragile(old, threshold)
    old_rate, new_rate = _exact_rate(old), _exact_rate(new)
    difference = None if old_rate is None or new_rate is None else new_rate - old_rate
    change: CaseChange
    if difference is None:
        change = "unmeasured"
    elif fragile_before and not fragile_after:
        change = "fixed"
    elif not fragile_before and fragile_after:
        change = "newly_broken"
    elif difference > 0:
        change = "improved"
    elif difference < 0:
        change = "regressed"
    else:
        change = "unchanged"
    old_inputs, new_inputs = _inputs_right(old), _inputs_right(new)
    inputs = before_right = after_right = None
    if old_inputs and new_inputs and old_inputs[1] == new_inputs[1]:  # the same inputs on both sides
        (before_right, inputs), (after_right, _) = old_inputs, new_inputs
    return PairedCase(
        case_id=new.case_id,
        category=new.category,
        before_robustness=old.robustness,
        after_robustness=new.robustness,
        difference=None if difference is None else float(difference),
        before_correct=old.correct,
        after_correct=new.correct,
        inputs=inputs,
        before_inputs_correct=before_right,
        after_inputs_correct=after_right,
        fragile_before=fragile_before,
        fragile_after=fragile_after,
        change=change,
    )


def _side(cases: Sequence[CaseResult], artifact: BaselineArtifact, confidence: float, threshold: float) -> SideSummary:
    measured = [case for case in cases if case.robustness.n > 0]
    generations = [
        generation
        for case in cases
        for generation in [case.original, *(variant.generation for variant in case.variants), *case.repeats]
    ]
    timed = [generation.latency_s for generation in generations if generation.lm_calls > 0]
    rates = [Fraction(case.robustness.successes, case.robustness.n) for case in measured]
    return SideSummary(
        cases=len(cases),
        measured_cases=len(measured),
        robustness=wilson(
            sum(case.robustness.successes for case in measured), sum(case.robustness.n for case in measured), confidence
        ),
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


# --- statistics ------------------------------------------------------------------------------------


def _finite(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else None


def _differences(cases: Sequence[PairedCase]) -> list[Fraction]:
    found = []
    for case in cases:
        if case.before_robustness is None or case.before_robustness.n == 0 or case.after_robustness.n == 0:
            continue
        found.append(
            Fraction(case.after_robustness.successes, case.after_robustness.n)
            - Fraction(case.before_robustness.successes, case.before_robustness.n)
        )
    return found


def _wilcoxon(differences: Sequence[Fraction], min_pairs: int) -> WilcoxonResult:
    nonzero = [d for d in differences if d != 0]
    if len(differences) < min_pairs or len(nonzero) < min_pairs:
        return WilcoxonResult(
            n_pairs=len(differences),
            n_nonzero=len(nonzero),
            note=f"not run: {len(nonzero)} of {len(differences)} paired prompts changed robustness; "
            f"the test needs at least {min_pairs} pairs and {min_pairs} changed",
        )
    from scipy.stats import wilcoxon

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy warns about ties and zeros; the method note says how they are handled
        result = wilcoxon([float(d) for d in differences], alternative="greater", zero_method="wilcox", method="auto")
    return WilcoxonResult(
        n_pairs=len(differences),
        n_nonzero=len(nonzero),
        statistic=_finite(result.statistic),
        p_value=_finite(result.pvalue),
    )


def _percentile_interval(
    columns: Sequence[Sequence[float]], statistic: Callable[..., Any], confidence: float, seed: int
) -> tuple[float | None, float | None]:
    """scipy's seeded percentile bootstrap over prompts; several columns are resampled together (paired)."""
    import numpy as np
    from scipy.stats import bootstrap

    generator = np.random.default_rng(seed)
    # scipy >= 1.15 takes `rng`; older versions `random_state`.
    seeding = {"rng": generator} if "rng" in inspect.signature(bootstrap).parameters else {"random_state": generator}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # identical differences give a degenerate (but correct) interval
        result = bootstrap(
            tuple(np.asarray(column, dtype=float) for column in columns),
            statistic,
            paired=len(columns) > 1,
            n_resamples=BOOTSTRAP_RESAMPLES,
            confidence_level=confidence,
            method="percentile",
            vectorized=True,
            **seeding,
        )
    return _finite(result.confidence_interval.low), _finite(result.confidence_interval.high)


def _bootstrap(differences: Sequence[Fraction], confidence: float, seed: int) -> BootstrapInterval:
    estimate = float(sum(differences, Fraction(0)) / len(differences)) if differences else None
    common = {
        "n": len(differences),
        "estimate": estimate,
        "confidence": confidence,
        "n_resamples": BOOTSTRAP_RESAMPLES,
        "seed": seed,
    }
    if len(differences) < 2:
        return BootstrapInterval(low=None, high=None, note="not run: needs at least 2 paired prompts", **common)
    import numpy as np

    low, high = _percentile_interval([[float(d) for d in differences]], np.mean, confidence, seed)
    return BootstrapInterval(low=low, high=high, **common)


def _input_accuracy_change(cases: Sequence[PairedCase], confidence: float, seed: int) -> BootstrapInterval:
    """(after - before inputs right) / inputs, with a percentile interval from resampling prompts.

    Why prompts and not inputs: a prompt's request and variants tend to be
    right or wrong together, so resampling inputs would overstate the evidence.
    """
    pairs = [
        (case.after_inputs_correct - case.before_inputs_correct, case.inputs)
        for case in cases
        if case.inputs and case.before_inputs_correct is not None and case.after_inputs_correct is not None
    ]
    common = {"n": len(pairs), "confidence": confidence, "n_resamples": BOOTSTRAP_RESAMPLES, "seed": seed}
    if not pairs:
        return BootstrapInterval(estimate=None, low=None, high=None, note="not run: no prompt with gold", **common)
    estimate = float(Fraction(sum(d for d, _ in pairs), sum(n for _, n in pairs)))
    if len(pairs) < 2:
        return BootstrapInterval(estimate=estimate, low=None, high=None, note="not run: needs at least 2 prompts",
                                 **common)
    def pooled(differences: Any, inputs: Any, axis: int = -1) -> Any:
        return differences.sum(axis=axis) / inputs.sum(axis=axis)

    columns = [[float(d) for d, _ in pairs], [float(n) for _, n in pairs]]
    low, high = _percentile_interval(columns, pooled, confidence, seed)
    return BootstrapInterval(estimate=estimate, low=low, high=high, **common)


def _mcnemar(cases: Sequence[PairedCase]) -> McNemarResult:
    pairs = [(case.before_correct, case.after_correct) for case in cases]
    pairs = [(bool(old), bool(new)) for old, new in pairs if old is not None and new is not None]
    wrong_to_right = sum(1 for old, new in pairs if not old and new)
    right_to_wrong = sum(1 for old, new in pairs if old and not new)
    discordant = wrong_to_right + right_to_wrong
    if discordant == 0:
        return McNemarResult(
            n_pairs=len(pairs),
            wrong_to_right=0,
            right_to_wrong=0,
            n_discordant=0,
            p_value=None,
            note="no accuracy flips: nothing to test",
        )
    from scipy.stats import binomtest

    p_value = binomtest(wrong_to_right, discordant, 0.5, alternative="two-sided").pvalue
    return McNemarResult(
        n_pairs=len(pairs),
        wrong_to_right=wrong_to_right,
        right_to_wrong=right_to_wrong,
        n_discordant=discordant,
        p_value=_finite(p_value),
    )


def _effect(differences: Sequence[Fraction]) -> EffectSize:
    nonzero = [d for d in differences if d != 0]
    rank_biserial = None
    if nonzero:
        from scipy.stats import rankdata

        ranks = rankdata([abs(float(d)) for d in nonzero])
        positive = sum(float(rank) for rank, d in zip(ranks, nonzero, strict=True) if d > 0)
        negative = sum(float(rank) for rank, d in zip(ranks, nonzero, strict=True) if d < 0)
        rank_biserial = (positive - negative) / (positive + negative)
    ordered = sorted(differences)
    middle = len(ordered) // 2
    if not ordered:
        median_difference = None
    elif len(ordered) % 2:
        median_difference = float(ordered[middle])
    else:
        median_difference = float((ordered[middle - 1] + ordered[middle]) / 2)
    return EffectSize(
        n=len(differences),
        mean_difference=float(sum(differences, Fraction(0)) / len(differences)) if differences else None,
        median_difference=median_difference,
        rank_biserial=rank_biserial,
        n_nonzero=len(nonzero),
    )


def _statistics(
    cases: Sequence[PairedCase], before: SideSummary, after: SideSummary, settings: GateSettings, seed: int
) -> PairedStatistics:
    differences = _differences(cases)
    accuracy_change = None
    if before.accuracy.n and after.accuracy.n:
        accuracy_change = float(
            Fraction(after.accuracy.successes, after.accuracy.n)
            - Fraction(before.accuracy.successes, before.accuracy.n)
        )
    latency_change = None
    if before.median_latency_s and after.median_latency_s is not None:
        latency_change = after.median_latency_s / before.median_latency_s - 1.0
    return PairedStatistics(
        n_pairs=len(differences),
        wilcoxon=_wilcoxon(differences, MIN_PAIRS),
        bootstrap=_bootstrap(differences, settings.confidence, seed),
        accuracy_flips=_mcnemar(cases),
        effect=_effect(differences),
        improved=sum(1 for d in differences if d > 0),
        regressed=sum(1 for d in differences if d < 0),
        unchanged=sum(1 for d in differences if d == 0),
        fixed_cases=[case.case_id for case in cases if case.change == "fixed"],
        newly_broken_cases=[case.case_id for case in cases if case.change == "newly_broken"],
        accuracy_change=accuracy_change,
        input_accuracy_change=_input_accuracy_change(cases, settings.confidence, seed),
        latency_change=latency_change,
    )


# --- gates -----------------------------------------------------------------------------------------


def _robustness_gate(after: SideSummary, settings: GateSettings) -> GateResult:
    fail_under = settings.fail_under
    if fail_under is None:
        return GateResult(name="robustness", status="skipped", explanation="not requested (no --fail-under)")
    estimate = after.robustness
    if estimate.n == 0 or estimate.rate is None or estimate.low is None or estimate.high is None:
        return GateResult(
            name="robustness",
            status="inconclusive",
            threshold=fail_under,
            n=0,
            explanation="no measured variant in the after baseline: robustness unknown",
        )
    rate = Fraction(estimate.successes, estimate.n)
    where = f"n={estimate.n} variants over {after.measured_cases} prompts"
    if settings.gate_on == "mean":
        passed = rate >= _exact(fail_under)
        return GateResult(
            name="robustness",
            status="passed" if passed else "failed",
            value=estimate.rate,
            threshold=fail_under,
            n=estimate.n,
            explanation=f"robustness {estimate.rate} {'>=' if passed else '<'} fail-under {fail_under} ({where})",
        )
    level = f"{estimate.confidence:.0%}"
    if estimate.low >= fail_under:
        return GateResult(
            name="robustness",
            status="passed",
            value=estimate.low,
            threshold=fail_under,
            n=estimate.n,
            explanation=f"robustness lower bound {estimate.low} >= fail-under {fail_under} "
            f"(rate {estimate.rate}, {level} Wilson interval, {where})",
        )
    if estimate.high < fail_under:
        return GateResult(
            name="robustness",
            status="failed",
            value=estimate.high,
            threshold=fail_under,
            n=estimate.n,
            explanation=f"robustness upper bound {estimate.high} < fail-under {fail_under} "
            f"(rate {estimate.rate}, {level} Wilson interval, {where})",
        )
    return GateResult(
        name="robustness",
        status="inconclusive",
        value=estimate.low,
        threshold=fail_under,
        n=estimate.n,
        explanation=f"robustness {level} Wilson interval [{estimate.low}, {estimate.high}] straddles fail-under "
        f"{fail_under} (rate {estimate.rate}, {where}); more prompts or variants are needed to decide",
    )


def _significance_gate(statistics: PairedStatistics | None, settings: GateSettings) -> GateResult:
    alpha = settings.alpha
    if alpha is None:
        return GateResult(name="significance", status="skipped", explanation="switched off (alpha off)")
    if statistics is None:
        return GateResult(name="significance", status="skipped", threshold=alpha, explanation="needs --before")
    test = statistics.wilcoxon
    if test.p_value is None:
        return GateResult(
            name="significance",
            status="inconclusive",
            threshold=alpha,
            n=test.n_nonzero,
            explanation=f"too few pairs for the Wilcoxon test: {test.note}",
        )
    passed = test.p_value < alpha
    return GateResult(
        name="significance",
        status="passed" if passed else "failed",
        value=test.p_value,
        threshold=alpha,
        n=test.n_nonzero,
        explanation=f"one-sided Wilcoxon p {test.p_value} {'<' if passed else '>='} alpha {alpha} "
        f"({test.n_nonzero} changed of n={test.n_pairs} paired prompts)"
        + ("" if passed else ": no significant robustness improvement"),
    )


def _accuracy_gate(before: SideSummary | None, after: SideSummary, settings: GateSettings) -> GateResult:
    limit = settings.max_accuracy_drop
    if limit is None:
        return GateResult(name="accuracy", status="skipped", explanation="switched off (max-accuracy-drop off)")
    if before is None:
        return GateResult(name="accuracy", status="skipped", threshold=limit, explanation="needs --before")
    on_inputs = settings.accuracy_on == "inputs"
    old, new = (before.input_accuracy, after.input_accuracy) if on_inputs else (before.accuracy, after.accuracy)
    if old is None or new is None or old.n == 0 or new.n == 0:
        return GateResult(
            name="accuracy", status="inconclusive", threshold=limit, n=0, explanation="no cases to measure accuracy on"
        )
    drop = Fraction(old.successes, old.n) - Fraction(new.successes, new.n)
    passed = drop <= _exact(limit)
    counted = f"{new.n} inputs (requests and variants)" if on_inputs else f"{new.n} prompts"
    return GateResult(
        name="accuracy",
        status="passed" if passed else "failed",
        value=float(drop),
        threshold=limit,
        n=new.n,
        explanation=f"accuracy drop {float(drop)} {'<=' if passed else '>'} max-accuracy-drop {limit} "
        f"(accuracy {old.rate} -> {new.rate}, n={counted})",
    )


def _latency_gate(before: SideSummary | None, after: SideSummary, settings: GateSettings) -> GateResult:
    limit = settings.max_latency_increase
    if limit is None:
        return GateResult(name="latency", status="skipped", explanation="switched off (max-latency-increase off)")
    if before is None:
        return GateResult(name="latency", status="skipped", threshold=limit, explanation="needs --before")
    if not before.median_latency_s or after.median_latency_s is None:
        return GateResult(
            name="latency",
            status="inconclusive",
            threshold=limit,
            explanation=f"no timed generations to compare (generations with an LM call: "
            f"before {before.latency_n}, after {after.latency_n})",
        )
    increase = after.median_latency_s / before.median_latency_s - 1.0
    passed = increase <= limit
    return GateResult(
        name="latency",
        status="passed" if passed else "failed",
        value=increase,
        threshold=limit,
        n=after.latency_n,
        explanation=f"median latency increase {increase} {'<=' if passed else '>'} max-latency-increase {limit} "
        f"(median {before.median_latency_s} s over n={before.latency_n} -> {after.median_latency_s} s over "
        f"n={after.latency_n} generations)",
    )


def _fixed_gate(cases: Sequence[PairedCase], statistics: PairedStatistics | None, settings: GateSettings) -> GateResult:
    minimum = settings.min_fixed
    if minimum is None:
        return GateResult(name="fragile_fixed", status="skipped", explanation="switched off (min-fixed off)")
    if statistics is None:
        return GateResult(name="fragile_fixed", status="skipped", threshold=minimum, explanation="needs --before")
    mean = statistics.effect.mean_difference
    if mean is None:
        return GateResult(
            name="fragile_fixed",
            status="skipped",
            threshold=minimum,
            explanation="no prompt is measured on both sides: no improvement to check",
        )
    if mean <= 0:
        return GateResult(
            name="fragile_fixed",
            status="skipped",
            threshold=minimum,
            explanation=f"not an improvement claim (mean robustness difference {mean} <= 0)",
        )
    fragile_before = sum(1 for case in cases if case.fragile_before and case.fragile_after is not None)
    required = min(minimum, fragile_before)
    fixed = len(statistics.fixed_cases)
    passed = fixed >= required
    return GateResult(
        name="fragile_fixed",
        status="passed" if passed else "failed",
        value=float(fixed),
        threshold=float(required),
        n=fragile_before,
        explanation=f"fixed {fixed} of {fragile_before} fragile prompts {'>=' if passed else '<'} required {required} "
        f"(min-fixed {minimum}, fragile below {settings.fragile_threshold}; "
        f"newly broken {len(statistics.newly_broken_cases)})",
    )


def _verdict(gates: Sequence[GateResult]) -> ValidationSummary:
    failed = [gate.name for gate in gates if gate.status == "failed"]
    inconclusive = [gate.name for gate in gates if gate.status == "inconclusive"]
    if failed:
        verdict, code = "failed", ExitCode.GATE_FAILED
    elif inconclusive:
        verdict, code = "inconclusive", ExitCode.INCONCLUSIVE
    else:
        verdict, code = "passed", ExitCode.OK
    return ValidationSummary(
        verdict=verdict,  # type: ignore[arg-type]
        exit_code=int(code),
        failed_gates=failed,
        inconclusive_gates=inconclusive,
    )
