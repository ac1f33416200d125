"""The report's charts: which prompts are fragile, which rules break them, where accuracy suffers.

Each function maps part of the analysis onto :func:`svg.interval_chart` rows;
colours are module constants so tests (and a screenshot check) can look for
them.
"""

from __future__ import annotations

from collections.abc import Sequence

from tokdrift_cli.artifacts.analysis import AnalysisArtifact
from tokdrift_cli.artifacts.baseline import GroupSensitivity
from tokdrift_cli.reports.svg import INK, Bar, LegendItem, Reference, Row, interval_chart
from tokdrift_cli.reports.text import by_flip_rate, by_robustness, percent, rate

FRAGILE_COLOUR = "#d1495b"
ROBUST_COLOUR = "#3a7ca5"
FLIP_COLOUR = "#edae49"
ACCURACY_COLOUR = "#30638e"
ROBUST_ACCURACY_COLOUR = "#66a182"
ROBUSTNESS_COLOUR = "#8d6a9f"

PROMPT_CHART_ID = "chart-prompt-robustness"
RULE_CHART_ID = "chart-rule-sensitivity"
FAMILY_CHART_ID = "chart-family-sensitivity"
CATEGORY_CHART_ID = "chart-category-accuracy"


def prompt_robustness_chart(analysis: AnalysisArtifact) -> str:
    """Robustness per measured prompt, least robust first; fragile rows are red on a tinted band."""
    threshold = analysis.config.fragile_threshold
    fragile_ids = {item.case_id for item in analysis.fragile_prompts}
    rows = []
    for case_id, estimate in by_robustness(analysis.prompt_robustness):
        fragile = case_id in fragile_ids
        state = "fragile" if fragile else "robust"
        title = f"{case_id}: robustness {rate(estimate)}, {state}"
        bar = Bar(estimate, FRAGILE_COLOUR if fragile else ROBUST_COLOUR, title)
        rows.append(Row(case_id, title, (bar,), css_class=f"prompt {state}", highlight=fragile))
    legend = (
        LegendItem(FRAGILE_COLOUR, f"fragile (< {percent(threshold)})"),
        LegendItem(ROBUST_COLOUR, "robust"),
        LegendItem(INK, f"threshold {percent(threshold)}", dashed=True),
    )
    reference = Reference(threshold, f"fragile threshold: {percent(threshold)}")
    return interval_chart(
        PROMPT_CHART_ID, "Robustness per prompt with Wilson intervals", rows, legend=legend, reference=reference
    )


def _sensitivity_chart(
    chart_id: str, title: str, kind: str, rows: Sequence[GroupSensitivity], analysis: AnalysisArtifact
) -> str:
    marks = []
    for row in by_flip_rate(rows):
        label = f"{row.key}: {row.flips} of {row.n} variants flip, flip rate {rate(row.flip_rate)}"
        marks.append(Row(row.key, label, (Bar(row.flip_rate, FLIP_COLOUR, label),), css_class=kind))
    pooled = analysis.noise_floor.variant_flip_rate
    legend: list[LegendItem] = [LegendItem(FLIP_COLOUR, "flip rate")]
    reference = None
    if pooled.rate is not None:
        legend.append(LegendItem(INK, f"all variants {percent(pooled.rate)}", dashed=True))
        reference = Reference(pooled.rate, f"pooled flip rate over all variants: {rate(pooled)}")
    return interval_chart(chart_id, title, marks, legend=legend, reference=reference)


def rule_sensitivity_chart(analysis: AnalysisArtifact) -> str:
    """Flip rate per rule, most sensitive first, against the pooled flip rate."""
    return _sensitivity_chart(
        RULE_CHART_ID, "Flip rate per rule with Wilson intervals", "rule", analysis.per_rule, analysis
    )


def family_sensitivity_chart(analysis: AnalysisArtifact) -> str:
    """Flip rate per rule family, most sensitive first."""
    return _sensitivity_chart(
        FAMILY_CHART_ID, "Flip rate per rule family with Wilson intervals", "family", analysis.per_family, analysis
    )


def category_chart(analysis: AnalysisArtifact) -> str:
    """Per category: accuracy, robust accuracy and robustness side by side, so a drop is visible."""
    rows = []
    for row in sorted(analysis.per_category, key=lambda item: item.category):
        bars = (
            Bar(row.accuracy, ACCURACY_COLOUR, f"{row.category}: accuracy {rate(row.accuracy)}", "bar accuracy"),
            Bar(
                row.robust_accuracy,
                ROBUST_ACCURACY_COLOUR,
                f"{row.category}: robust accuracy {rate(row.robust_accuracy)}",
                "bar robust-accuracy",
            ),
            Bar(
                row.robustness,
                ROBUSTNESS_COLOUR,
                f"{row.category}: robustness {rate(row.robustness)}",
                "bar robustness",
            ),
        )
        title = f"{row.category} ({row.cases} prompts)"
        rows.append(Row(row.category, title, bars, css_class="category"))
    legend = (
        LegendItem(ACCURACY_COLOUR, "accuracy"),
        LegendItem(ROBUST_ACCURACY_COLOUR, "robust accuracy"),
        LegendItem(ROBUSTNESS_COLOUR, "robustness"),
    )
    return interval_chart(
        CATEGORY_CHART_ID, "Accuracy, robust accuracy and robustness per category", rows, legend=legend
    )
