"""The history stages: a run's headline from its artifact, and the regression check over the history.

Recording reads nothing and writes nothing: the caller hands in the artifact, where it came from
(path and hash) and the git identity it found, and gets the line back. The check takes the recorded
runs, the settings, and optionally a function that runs `validate`'s paired test on two recorded runs
when their baselines are at hand; everything else it decides from the recorded counts
(:mod:`tokdrift_cli.core.trend`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

from tokdrift_cli.artifacts.baseline import BaselineArtifact
from tokdrift_cli.artifacts.history import (
    METRICS,
    FamilyFlipRate,
    GitIdentity,
    Headline,
    HistoryCheck,
    HistoryRun,
    SourceArtifact,
    SuiteIdentity,
)
from tokdrift_cli.artifacts.validation import ValidationArtifact
from tokdrift_cli.core.comparison import SideSummary
from tokdrift_cli.core.gates import GateSettings
from tokdrift_cli.core.stats import RateEstimate
from tokdrift_cli.core.trend import (
    TestMethod,
    TrendCheck,
    TrendSettings,
    compare,
    downward_trend_p,
    no_reference,
    pooled,
)
from tokdrift_cli.errors import ArtifactError
from tokdrift_cli.stages.validate import validate_baselines

# p of a drop in robustness from the paired test on two runs' baselines; None when they are not at hand.
PairedTest = Callable[[HistoryRun, HistoryRun], float | None]


def _case_set(case_ids: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(sorted(case_ids)).encode()).hexdigest()[:16]


def suite_of(baseline: BaselineArtifact) -> SuiteIdentity:
    config = baseline.config
    chosen = [
        f"split {config.split}" if config.split else "",
        f"first {config.limit}" if config.limit else "",
        f"shard {config.shard}" if config.shard else "",
    ]
    return SuiteIdentity(
        name=Path(config.suite).name,
        sha256=baseline.provenance.suite_hash,
        cases=len(baseline.cases),
        case_set=_case_set([case.case_id for case in baseline.cases]),
        selection=", ".join(filter(None, chosen)) or None,
    )


def baseline_side(baseline: BaselineArtifact) -> SideSummary:
    """The baseline's figures as `validate` computes them for one side (input accuracy included)."""
    settings = GateSettings(fail_under=0.0, alpha=None, max_accuracy_drop=None, max_latency_increase=None)
    return validate_baselines(None, baseline, settings, allow_mismatch=False, seed=0).after


def _side_headline(side: SideSummary, **extra: object) -> Headline:
    return Headline.model_validate(
        {
            "robustness": side.robustness,
            "undecided_share": side.undecided_share,
            "accuracy": side.accuracy,
            "input_accuracy": side.input_accuracy,
            "fragile_prompts": len(side.fragile_cases),
            "median_latency_s": side.median_latency_s,
            "latency_n": side.latency_n,
            **extra,
        }
    )


def _baseline_extras(baseline: BaselineArtifact) -> dict[str, object]:
    """What only a baseline records: sensitivity, flip rates per family, calls, tokens and time."""
    summary = baseline.summary
    calls = [*baseline.generations(), *(control.generation for case in baseline.cases for control in case.controls)]
    judge = summary.judge
    return {
        "sensitivity": summary.sensitivity,
        "per_family": [
            FamilyFlipRate(key=row.key, flips=row.flips, n=row.n, flip_rate=row.flip_rate) for row in summary.per_family
        ],
        "lm_calls": summary.lm_calls + (judge.lm_calls if judge else 0),
        "input_tokens": sum(call.input_tokens for call in calls) + (judge.input_tokens if judge else 0),
        "output_tokens": sum(call.output_tokens for call in calls) + (judge.output_tokens if judge else 0),
        "wall_time_s": summary.wall_time_s,
    }


def record_baseline(baseline: BaselineArtifact, source: SourceArtifact, git: GitIdentity | None) -> HistoryRun:
    return HistoryRun(
        inputs=[],
        provenance=baseline.provenance,
        source=source,
        run_path=source.path,
        run_sha256=source.sha256,
        suite=suite_of(baseline),
        model=baseline.config.model,
        program=baseline.config.program,
        git=git,
        headline=_side_headline(baseline_side(baseline), **_baseline_extras(baseline)),
    )


def record_validation(
    validation: ValidationArtifact,
    source: SourceArtifact,
    git: GitIdentity | None,
    after: BaselineArtifact | None,
) -> HistoryRun:
    """The validation's after side, with its verdict; what only a baseline records comes from the after
    baseline when it is at hand (else it is not recorded)."""
    side = validation.after
    after_input = next((item for item in validation.inputs if item.role == "after"), None)
    if after_input is None:
        raise ArtifactError(f"{source.path} names no after baseline among its inputs; it cannot be recorded")
    extras: dict[str, object] = {"verdict": validation.summary.verdict}
    if validation.statistics is not None:
        extras["improvement_p_value"] = validation.statistics.wilcoxon.p_value
    if after is not None:
        extras.update(_baseline_extras(after))
        suite = suite_of(after)
    else:
        suite = SuiteIdentity(
            name=f"suite {(validation.provenance.suite_hash or 'unknown')[:12]}",
            sha256=validation.provenance.suite_hash,
            cases=len(validation.cases),
            case_set=_case_set([case.case_id for case in validation.cases]),
        )
    return HistoryRun(
        provenance=validation.provenance,
        source=source,
        run_path=after_input.path,
        run_sha256=after_input.sha256,
        suite=suite,
        model=after.config.model if after is not None else (side.model_id or "unknown"),
        program=side.program or "unknown",
        git=git,
        headline=_side_headline(side, **extras),
    )


# --- the check ---------------------------------------------------------------------------------------


def comparable_before(runs: Sequence[HistoryRun], newest_index: int) -> list[HistoryRun]:
    """The earlier runs of the newest run's line, newest first, back to the last break (a change of the
    suite's content, of the prompts run or of tokdrift's version): values across a break do not compare."""
    newest = runs[newest_index]
    found = []
    for run in reversed(runs[:newest_index]):
        if run.series != newest.series:
            continue
        if run.segment != newest.segment:
            break
        found.append(run)
    return found


def check_history(
    runs: Sequence[HistoryRun], settings: TrendSettings, paired_test: PairedTest | None = None
) -> HistoryCheck:
    """The newest run against the previous comparable run and against the pooled window of the last N."""
    newest = runs[-1]
    earlier = comparable_before(runs, len(runs) - 1)
    if not earlier:
        reason = (
            f"no earlier comparable run of {newest.suite.label} on {newest.provenance.model_id or newest.model} "
            "(same suite content, prompts and tokdrift version): nothing to compare the newest run with"
        )
        return HistoryCheck(newest, None, [], [no_reference(reason)])
    previous, window = earlier[0], earlier[: settings.window]
    paired_p = paired_test(newest, previous) if paired_test is not None else None
    checks = []
    for metric, read in METRICS.items():
        newest_figure = read(newest.headline)
        paired = ("paired wilcoxon", paired_p) if metric == "robustness" and paired_p is not None else None
        checks.append(compare(metric, "previous", newest_figure, read(previous.headline), settings, given_p=paired))
        if len(window) >= 2:
            checks.append(_window_check(metric, newest_figure, [read(run.headline) for run in window], settings))
    return HistoryCheck(newest, previous, window, checks)


def _window_check(
    metric: str, newest: RateEstimate | None, window: list[RateEstimate | None], settings: TrendSettings
) -> TrendCheck:
    """The newest figure against the window's pooled counts; its significance is that of a downward trend
    over the window and the newest run (oldest first)."""
    known = [figure for figure in window if figure is not None]
    reference = pooled(known) if len(known) == len(window) else None
    rates = [figure.rate for figure in [*reversed(known), newest] if figure is not None and figure.rate is not None]
    trend_p = downward_trend_p(rates) if len(rates) == len(window) + 1 else None
    given: tuple[TestMethod, float] | None = ("kendall trend", trend_p) if trend_p is not None else None
    return compare(metric, "window", newest, reference, settings, reference_runs=len(window), given_p=given)
