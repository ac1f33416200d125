"""The labelled-pair evaluation as a markdown page (``docs/results/equivalence.md``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from tokdrift_cli.core.equivalence.labeled import SPLITS, ClassScores, LabeledEvaluation, LabeledPair, Scores, Split

_SPLIT_HEADINGS: Final[Mapping[Split | None, str]] = {
    "tune": "Tuning part",
    "retired": "Retired held-out parts (rounds 1 to 5)",
    "heldout": "Held-out part (round 6)",
    None: "All pairs",
}


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _class_cells(scores: ClassScores) -> list[str]:
    return [
        f"{_rate(scores.precision)} ({scores.correct}/{scores.predicted})",
        f"{_rate(scores.recall)} ({scores.correct}/{scores.decided})",
        f"{_rate(scores.coverage)} ({scores.decided}/{scores.support})",
    ]


def _row(label: str, scores: Scores) -> str:
    share = scores.undecided / scores.pairs if scores.pairs else 0.0
    cells = [label, str(scores.pairs), *_class_cells(scores.same), *_class_cells(scores.different)]
    cells.append(f"{share:.3f} ({scores.undecided})")
    return "| " + " | ".join(cells) + " |"


_HEADER = (
    "| scope | pairs | same: precision | same: recall (decided) | same: coverage "
    "| different: precision | different: recall (decided) | different: coverage | undecided share |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def _table(evaluation: LabeledEvaluation) -> str:
    rows = [_row("overall (counted fields)", evaluation.overall)]
    rows += [_row(f"field: {field.value}", scores) for field, scores in evaluation.fields.items()]
    return "\n".join([_HEADER, *rows])


def _counts(pairs: Sequence[LabeledPair]) -> str:
    lines = ["| part | kind | same | different |", "|---|---|---:|---:|"]
    for split in SPLITS:
        for kind in ("structural", "free_text"):
            chosen = [p for p in pairs if p.split == split and p.kind == kind]
            same = sum(p.equivalent for p in chosen)
            lines.append(f"| {split} | {kind} | {same} | {len(chosen) - same} |")
    return "\n".join(lines)


def _mistakes(evaluation: LabeledEvaluation) -> str:
    wrong = evaluation.overall.wrong
    return ", ".join(f"`{pair_id}`" for pair_id in wrong) if wrong else "none"


def _section(evaluation: LabeledEvaluation, note: str) -> list[str]:
    lines = ["", f"## {_SPLIT_HEADINGS[evaluation.split]}", ""]
    if note:
        lines += [note, ""]
    if not evaluation.overall.pairs:
        return [*lines, "No pairs."]
    return [*lines, _table(evaluation), "", f"Decided wrongly: {_mistakes(evaluation)}."]


def render_markdown(
    pairs: Sequence[LabeledPair],
    evaluations: Sequence[LabeledEvaluation],
    *,
    command: str,
    checker: str = "",
    notes: Mapping[Split | None, str] | None = None,
) -> str:
    """A page with the pair counts and, per split, precision, recall and coverage of each class.

    ``checker`` says what judged the pairs; by default the deterministic tier alone. ``notes`` says,
    per split, what a reader must know before trusting its figures (e.g. that a part was tuned on).
    """
    counted_fields = next((e.counted_fields for e in evaluations if e.counted_fields), [])
    counted = ", ".join(field.value for field in counted_fields)
    parts = [
        "# Equivalence checker against labelled IR pairs",
        "",
        f"Regenerate with `{command}`. {checker or 'The checker is the deterministic tier alone (no judge model).'}",
        "",
        "Each class is scored on what the checker decided: precision = right answers / answers given in",
        "that class; recall = right answers / labelled pairs of that class that the checker decided;",
        "coverage = decided / labelled. An undecided pair counts for neither class; the undecided share",
        "is shown beside. Field rows score each labelled free-text field on its own verdict.",
        (
            f"The overall row counts the fields the robustness figure counts: {counted}; a free-text field "
            "the deterministic tier calls different counts as undecided there (it withholds same, it is no flip)."
        ),
        "",
        "## Labelled pairs",
        "",
        _counts(pairs),
    ]
    for evaluation in evaluations:
        parts += _section(evaluation, (notes or {}).get(evaluation.split, ""))
    return "\n".join(parts) + "\n"
