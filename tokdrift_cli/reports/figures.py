"""The headline figures of an analysis as plain (label, value) text pairs.

Markdown and HTML show the same summary; building the rows once keeps the
two reports from drifting apart. Values may contain `code` in backticks
(tokdrift's own notes do); each renderer decides how to show it.
"""

from __future__ import annotations

from tokdrift_cli.artifacts.analysis import AnalysisArtifact, FragilePrompt
from tokdrift_cli.reports import sensitivity
from tokdrift_cli.reports.text import drop, ordered_priorities, percent, rate, share

# How robustness treats a comparison the checker cannot decide, in the words every report uses.
UNDECIDED_RULE = (
    "A variant whose comparison the checker leaves undecided (free text no rule can judge) is neither robust nor "
    "a flip: robustness counts decided variants only, and the undecided share (undecided / variants with both IRs) "
    "is shown beside it."
)


def unmeasurable_sentence(analysis: AnalysisArtifact) -> str | None:
    """The prompts whose robustness could not be measured because every variant was undecided, or None."""
    found = analysis.summary.unmeasurable_cases
    if not found:
        return None
    return (
        f"{len(found)} prompt(s) could not be measured: the checker left every variant undecided, so their "
        "robustness is unknown (not fragile, not robust): " + ", ".join(f"`{case_id}`" for case_id in found) + "."
    )


def robustness_fact(item: FragilePrompt) -> str:
    """A fragile prompt's robustness with its counts, and its undecided variants when there are any."""
    robustness = item.robustness
    text = f"{rate(robustness)}; {robustness.successes} of {robustness.n} decided variants keep the original's IR"
    undecided = item.undecided_share
    if undecided is not None and undecided.successes:
        text += f"; {undecided.successes} of {undecided.n} compared variants undecided"
    return text


def noise_floor_text(analysis: AnalysisArtifact) -> str:
    """The noise floor, or 'not measured' - never a 0 that was not measured."""
    noise = analysis.noise_floor
    if noise.disagreement is None:
        if noise.note.lower().startswith("not measured"):
            return noise.note
        return f"not measured ({noise.note})" if noise.note else "not measured"
    note = f" ({noise.note})" if noise.note else ""
    undecided = noise.undecided_share
    apart = f"; {undecided.successes} of {undecided.n} repeats undecided" if undecided and undecided.successes else ""
    return f"{rate(noise.disagreement)} over {noise.repeats} repeats{apart}{note}"


def priority_counts(analysis: AnalysisArtifact) -> str:
    return ", ".join(f"{level}: {count}" for level, count in ordered_priorities(analysis.summary.priorities))


def summary_rows(analysis: AnalysisArtifact) -> list[tuple[str, str]]:
    summary = analysis.summary
    threshold = percent(analysis.config.fragile_threshold)
    undecided = [] if summary.undecided_share is None else [
        ("Undecided share (undecided / variants with both IRs; in no robustness figure)", share(summary.undecided_share)),
        ("Unmeasurable (every variant undecided)", str(len(summary.unmeasurable_cases))),
    ]
    return [
        ("Prompts", str(summary.cases)),
        ("Measured (at least one variant decided against the original's IR)", str(summary.measured_cases)),
        (f"Fragile (robustness below {threshold})", f"{summary.fragile_count} ({priority_counts(analysis)})"),
        ("Robustness, pooled over decided variants", rate(summary.robustness)),
        *undecided,
        *sensitivity.summary_rows(analysis),
        ("Accuracy (original prompt matches gold)", rate(summary.accuracy)),
        ("Robust accuracy (original and every variant match gold)", rate(summary.robust_accuracy)),
        ("Accuracy drop under variants", drop(summary.accuracy_drop)),
        ("Noise floor (original disagrees with itself on repeats)", noise_floor_text(analysis)),
        ("Variant flip rate", rate(analysis.noise_floor.variant_flip_rate)),
    ]


# The three points of the priority rule, as the analysis words them, and what a prompt without one lacks.
_PRIORITY_POINTS = (
    ("robustness below 50%", "robustness is 50% or more"),
    ("whole interval below", "too few decided variants for its interval to lie below the threshold"),
    ("a variant loses gold accuracy", "every variant still matches gold as well as the original"),
)
PRIORITY_SURPRISE = (
    "Priority is not the robustness order: a prompt at 0% whose variants all still match gold (or with few "
    "variants) can rank below a more robust prompt whose variants lose gold accuracy; each row says what kept it "
    "from a higher priority."
)


def priority_note(item: FragilePrompt) -> str:
    """Why a fragile prompt is not P0 ('' when it is): the points of the rule it did not earn."""
    if item.priority == "P0":
        return ""
    missing = [lacks for earned, lacks in _PRIORITY_POINTS if earned not in item.priority_reason]
    return "not P0: " + "; ".join(missing) if missing else ""
