"""The minimum detectable change in words: what a run of this size could have seen.

Printed by `validate` and written into the improvement report, so that a gate
that finds no effect can be read as "no effect" or as "too few prompts".
"""

from __future__ import annotations

from tokdrift_cli.core.comparison import DetectableChanges
from tokdrift_cli.core.stats import DetectableChange


def detectable_points(change: DetectableChange) -> str:
    """The change in percentage points with its n, or why there is none."""
    if change.change is None:
        return f"n/a ({change.note}; n={change.n} prompts)"
    return f"{change.change * 100:.1f} points ({change.sided}, n={change.n} prompts)"


def detectable_sentence(detectable: DetectableChanges) -> str:
    """One line: the smallest change each paired figure would detect, at the run's alpha and power."""
    robustness = detectable.robustness
    return (
        f"minimum detectable change at alpha {robustness.alpha:g} and {robustness.power:.0%} power: "
        f"robustness gain {detectable_points(robustness)}; accuracy over every input "
        f"{detectable_points(detectable.accuracy_inputs)}; accuracy on the requests "
        f"{detectable_points(detectable.accuracy_requests)}"
    )


def detectable_rows(detectable: DetectableChanges) -> list[tuple[str, str, str]]:
    """(figure, minimum detectable change, n) rows for a report table."""
    rows = [
        ("Robustness gain (mean per-prompt difference)", detectable.robustness),
        ("Accuracy change over every input", detectable.accuracy_inputs),
        ("Accuracy change on the requests", detectable.accuracy_requests),
    ]
    return [(name, detectable_points(change), str(change.n)) for name, change in rows]
