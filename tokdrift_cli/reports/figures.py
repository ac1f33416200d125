"""The headline figures of an analysis as plain (label, value) text pairs.

Markdown and HTML show the same summary; building the rows once keeps the
two reports from drifting apart. Values may contain `code` in backticks
(tokdrift's own notes do); each renderer decides how to show it.
"""

from __future__ import annotations

from tokdrift_cli.artifacts.analysis import AnalysisArtifact
from tokdrift_cli.reports import sensitivity
from tokdrift_cli.reports.text import drop, ordered_priorities, percent, rate


def noise_floor_text(analysis: AnalysisArtifact) -> str:
    """The noise floor, or 'not measured' - never a 0 that was not measured."""
    noise = analysis.noise_floor
    if noise.disagreement is None:
        if noise.note.lower().startswith("not measured"):
            return noise.note
        return f"not measured ({noise.note})" if noise.note else "not measured"
    note = f" ({noise.note})" if noise.note else ""
    return f"{rate(noise.disagreement)} over {noise.repeats} repeats{note}"


def priority_counts(analysis: AnalysisArtifact) -> str:
    return ", ".join(f"{level}: {count}" for level, count in ordered_priorities(analysis.summary.priorities))


def summary_rows(analysis: AnalysisArtifact) -> list[tuple[str, str]]:
    summary = analysis.summary
    threshold = percent(analysis.config.fragile_threshold)
    return [
        ("Prompts", str(summary.cases)),
        ("Measured (the original prompt produced an IR)", str(summary.measured_cases)),
        (f"Fragile (robustness below {threshold})", f"{summary.fragile_count} ({priority_counts(analysis)})"),
        ("Robustness, pooled over all variants", rate(summary.robustness)),
        *sensitivity.summary_rows(analysis),
        ("Accuracy (original prompt matches gold)", rate(summary.accuracy)),
        ("Robust accuracy (original and every variant match gold)", rate(summary.robust_accuracy)),
        ("Accuracy drop under variants", drop(summary.accuracy_drop)),
        ("Noise floor (original disagrees with itself on repeats)", noise_floor_text(analysis)),
        ("Variant flip rate", rate(analysis.noise_floor.variant_flip_rate)),
    ]
