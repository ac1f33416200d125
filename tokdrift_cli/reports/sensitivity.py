"""Sensitivity in the reports: the sentences and rows the markdown and HTML reports share.

Robustness alone rewards a generator that ignores its input, so every report
that shows robustness shows sensitivity beside it, and says "not measured"
(never 0) when the baseline ran no controls.
"""

from __future__ import annotations

from collections.abc import Iterable

from tokdrift_cli.artifacts.analysis import AnalysisArtifact, InsensitivePrompt
from tokdrift_cli.core.stats import RateEstimate
from tokdrift_cli.reports.text import percent, priority_rank, rate, share, undecided_note

NOT_MEASURED = "not measured"
HOW_TO_MEASURE = "`tokdrift baseline --controls N` runs N rewrites per prompt that change its meaning on purpose"
DEFINITION = (
    "A prompt's sensitivity is the share of its controls (rewrites that change its meaning on purpose: a contrast "
    "word, a number, a negation, a comparison, an operation) whose IR the checker finds different from the original "
    "prompt's IR, over the controls the checker decided; one it leaves undecided is counted apart (the undecided "
    "share beside it), one whose generation failed is not counted. A generator that ignores its input is perfectly "
    "robust and has sensitivity 0, so the two are read side by side."
)
PRIORITY_RULE = (
    "a prompt ignores meaning changes when at least one of its controls was judged and its sensitivity is below the "
    "threshold; it earns one point for no control changing its IR and one for its whole interval lying below the "
    "threshold; 2 points is P0, 1 is P1, 0 is P2."
)


def measured(analysis: AnalysisArtifact) -> bool:
    return analysis.summary.sensitivity is not None


def not_measured_sentence() -> str:
    return f"Sensitivity not measured: the baseline ran no controls ({HOW_TO_MEASURE})."


def cell(estimate: RateEstimate | None) -> str:
    """A rate, or "not measured" where nothing was measured (never 0)."""
    return NOT_MEASURED if estimate is None else rate(estimate)


def summary_value(analysis: AnalysisArtifact) -> str:
    sensitivity = analysis.summary.sensitivity
    if sensitivity is None:
        return f"{NOT_MEASURED} (the baseline ran no controls; {HOW_TO_MEASURE})"
    summary = analysis.summary
    apart = summary.sensitivity_undecided_share
    undecided = "" if apart is None else f"; undecided share {share(apart)}"
    failed = f"; not counted: {summary.failed_controls} failed" if summary.failed_controls else ""
    return rate(sensitivity) + undecided + failed


def summary_rows(analysis: AnalysisArtifact) -> list[tuple[str, str]]:
    rows = [("Sensitivity, pooled over decided controls", summary_value(analysis))]
    if measured(analysis):
        threshold = percent(analysis.config.sensitivity_threshold)
        rows.append((f"Ignore meaning changes (sensitivity below {threshold})", str(analysis.summary.insensitive_count)))
    return rows


def ordered_insensitive(prompts: Iterable[InsensitivePrompt]) -> list[InsensitivePrompt]:
    """Most urgent first: priority, then lowest sensitivity, then id (a total order)."""
    return sorted(
        prompts,
        key=lambda item: (priority_rank(item.priority), item.sensitivity.rate or 0.0, item.case_id),
    )


def cell_apart(estimate: RateEstimate | None, undecided: RateEstimate | None) -> str:
    """A rate (or "not measured"), followed by its undecided count when there is one."""
    return cell(estimate) + undecided_note(undecided)


def side_by_side(analysis: AnalysisArtifact) -> list[tuple[str, str, str]]:
    """(case id, robustness, sensitivity) cells, each with its undecided count, of every prompt either
    was measured or compared on, by case id."""
    robustness, sensitivity = dict(analysis.prompt_robustness), dict(analysis.prompt_sensitivity)
    undecided = dict(analysis.prompt_undecided_share)
    control_undecided = dict(analysis.prompt_sensitivity_undecided_share)
    return [
        (
            case_id,
            cell_apart(robustness.get(case_id), undecided.get(case_id)),
            cell_apart(sensitivity.get(case_id), control_undecided.get(case_id)),
        )
        for case_id in sorted({*robustness, *sensitivity, *undecided})
    ]
