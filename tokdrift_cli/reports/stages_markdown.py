"""STAGES.md: robustness at each stage of the chain, side by side.

A prompt becomes an IR spec, and the IR becomes code; drift can enter at
either step. Setting an IR-stage baseline beside ir-to-code and end-to-end
baselines shows where it enters and how much of it survives to the code.

A pure function of the artifacts and the names they are shown under (no
clock: ``created_at`` is left out), so the same artifacts always give the
same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tokdrift_cli.artifacts.baseline import BaselineArtifact, BaselineSummary, GroupSensitivity
from tokdrift_cli.artifacts.code_baseline import CodeBaselineArtifact, CodeCaseResult, CodeStage
from tokdrift_cli.core.stats import RateEstimate
from tokdrift_cli.reports import markdown as md
from tokdrift_cli.reports.text import by_robustness, percent, rate, share

Lines = list[str]
StageArtifact = BaselineArtifact | CodeBaselineArtifact

TITLE = "Robustness by stage"
IR_STAGE = "ir"
MAX_FRAGILE_SHOWN = 15
MISSING = "\u2013"  # –


@dataclass(frozen=True)
class StageRow:
    """One artifact's headline figures, spelled the same way whatever its stage."""

    name: str
    stage: str
    generator: str
    model_id: str | None
    cases: int
    variants: int
    robustness: RateEstimate
    # Undecided / variants with both outputs: the IR stage's free-text verdicts; None for the code stages.
    undecided_share: RateEstimate | None
    correctness: RateEstimate
    robust_correctness: RateEstimate
    fragile: int
    measured: int
    fragile_threshold: float
    lm_calls: int
    wall_time_s: float
    per_family: Sequence[GroupSensitivity]


def render_stage_report(artifacts: Sequence[tuple[str, StageArtifact]]) -> str:
    """The whole STAGES.md for ``artifacts`` (display name, artifact), rows in the given order."""
    rows = [stage_row(name, artifact) for name, artifact in artifacts]
    blocks = [
        _introduction(),
        _figures(rows, artifacts),
        _families(rows),
        *(_fragile_cases(name, artifact) for name, artifact in artifacts if isinstance(artifact, CodeBaselineArtifact)),
        _how_to_read(),
    ]
    return join_blocks(blocks)


def join_blocks(blocks: Sequence[Lines]) -> str:
    """Blocks separated by one blank line; no trailing blanks anywhere; exactly one final newline."""
    text = "\n\n".join("\n".join(block) for block in blocks if block)
    return "\n".join(line.rstrip(" \t") for line in text.split("\n")).rstrip("\n") + "\n"


def stage_row(name: str, artifact: StageArtifact) -> StageRow:
    """The comparable figures of one artifact: accuracy vs gold for the IR stage, tests passed for code."""
    if isinstance(artifact, BaselineArtifact):
        ir_summary = artifact.summary
        return _row(
            name, IR_STAGE, f"IR program {md.code(artifact.config.program, in_table=True)}", artifact,
            correctness=ir_summary.accuracy, robust_correctness=ir_summary.robust_accuracy,
        )
    summary, config = artifact.summary, artifact.config
    generator = f"{config.code_generator} code generator"
    if summary.stage is CodeStage.END_TO_END:
        generator += f", IR program {md.code(config.program, in_table=True)}"
    return _row(
        name, summary.stage.value, generator, artifact,
        correctness=summary.pass_rate, robust_correctness=summary.robust_pass_rate,
    )


def _row(
    name: str, stage: str, generator: str, artifact: StageArtifact, *,
    correctness: RateEstimate, robust_correctness: RateEstimate,
) -> StageRow:
    """The figures both stages' summaries spell the same way, plus the stage's own notion of correct."""
    summary = artifact.summary
    return StageRow(
        name=name,
        stage=stage,
        generator=generator,
        model_id=artifact.provenance.model_id,
        cases=summary.cases,
        variants=summary.variants,
        robustness=summary.robustness,
        undecided_share=summary.undecided_share if isinstance(summary, BaselineSummary) else None,
        correctness=correctness,
        robust_correctness=robust_correctness,
        fragile=len(summary.fragile_cases),
        measured=summary.cases - len(summary.unmeasured_cases),
        fragile_threshold=summary.fragile_threshold,
        lm_calls=summary.lm_calls,
        wall_time_s=summary.wall_time_s,
        per_family=summary.per_family,
    )


# --- sections --------------------------------------------------------------------------------------


def _introduction() -> Lines:
    return [
        f"# {TITLE}",
        "",
        (
            "The chain has three stages: `ir` turns a prompt into an IR spec, `ir-to-code` turns an IR spec into "
            "code, and `end-to-end` runs both; each measures how often a meaning-preserving change of its input "
            "leaves its output equivalent."
        ),
    ]


def _figures(rows: Sequence[StageRow], artifacts: Sequence[tuple[str, StageArtifact]]) -> Lines:
    headers = [
        "Artifact",
        "Stage",
        "Generator",
        "Model",
        "Cases",
        "Variants",
        "Robustness [95% CI] (n)",
        "Undecided (n)",
        "Correctness",
        "Robust correctness",
        "Fragile cases",
        "LM calls",
        "Wall time",
    ]
    cells = [
        [
            md.code(row.name, in_table=True),
            row.stage,
            row.generator,
            md.code(row.model_id, in_table=True) if row.model_id else "none",
            str(row.cases),
            str(row.variants),
            rate(row.robustness),
            MISSING if row.undecided_share is None else share(row.undecided_share),
            rate(row.correctness),
            rate(row.robust_correctness),
            f"{row.fragile} of {row.measured} (< {percent(row.fragile_threshold)})",
            str(row.lm_calls),
            f"{row.wall_time_s:.1f} s",
        ]
        for row in rows
    ]
    lines = ["## Figures", "", *md.table(headers, cells, ["l", "l", "l", "l", *["r"] * 9])]
    lines += [
        "",
        (
            "- Robustness: variants whose output is equivalent to the original's output / variants whose "
            "verdict could be decided, pooled over all cases."
        ),
        (
            "- Undecided: at the `ir` stage, variants whose IR the checker could not compare with the original's "
            "(free text no rule can judge) / variants with both IRs; they are in no robustness figure."
        ),
        (
            "- Correctness: for `ir`, the original prompt's IR matches the gold IR's signature (accuracy); for "
            "`ir-to-code` and `end-to-end`, the original's code passes every test of the case (over cases with tests)."
        ),
        "- Robust correctness: the same, for the original and every one of its variants.",
    ]
    covered = [frozenset(case.case_id for case in artifact.cases) for _, artifact in artifacts]
    if len(set(covered)) > 1:
        counts = ", ".join(str(len(ids)) for ids in covered)
        lines.append(
            f"- These runs do not cover the same cases ({counts} cases): their figures are over different prompts."
        )
    return lines


def _flip_cell(group: GroupSensitivity | None) -> str:
    if group is None:
        return MISSING
    share = MISSING if group.flip_rate.rate is None else percent(group.flip_rate.rate)
    return f"{group.flips}/{group.n} ({share})"


def _families(rows: Sequence[StageRow]) -> Lines:
    lookups = [{group.key: group for group in row.per_family} for row in rows]
    families = sorted({key for lookup in lookups for key in lookup})
    lines = ["## Flip rate per rule family", ""]
    if not families:
        return [*lines, "No variant was measured in any of these runs."]
    headers = ["Family", *(f"{md.code(row.name, in_table=True)} ({row.stage})" for row in rows)]
    cells = [[md.escape_text(family), *(_flip_cell(lookup.get(family)) for lookup in lookups)] for family in families]
    lines.extend(md.table(headers, cells, ["l", *["r"] * len(rows)]))
    lines += [
        "",
        (
            f"Cells are flips / variants (flip rate); {MISSING} means the run has no variant of that family. "
            "IR-stage and end-to-end runs rewrite prompts; ir-to-code runs rewrite IR specs, so their families differ."
        ),
    ]
    return lines


def _first_difference(case: CodeCaseResult) -> tuple[str, str]:
    """The rule ids and reason of the case's first variant judged not equivalent."""
    for variant in case.variants:
        if variant.verdict.equivalent is False:
            rules = ", ".join(md.code(rule, in_table=True) for rule in variant.rule_ids) or "(paraphrase)"
            return rules, md.escape_text(variant.verdict.reason)
    return MISSING, MISSING


def _robustness_cell(estimate: RateEstimate) -> str:
    share = "n/a" if estimate.rate is None else percent(estimate.rate)  # fragile cases are measured: never n/a
    return f"{share} ({estimate.successes}/{estimate.n})"


def _fragile_cases(name: str, artifact: CodeBaselineArtifact) -> Lines:
    summary = artifact.summary
    lines = [f"## Fragile cases: {md.code(name)} ({summary.stage.value})", ""]
    threshold = percent(summary.fragile_threshold)
    by_id = {case.case_id: case for case in artifact.cases}
    fragile = [by_id[case_id] for case_id in summary.fragile_cases if case_id in by_id]
    if not fragile:
        return [*lines, f"No case below {threshold} robustness."]
    ordered = [by_id[case_id] for case_id, _ in by_robustness((case.case_id, case.robustness) for case in fragile)]
    shown = ordered[:MAX_FRAGILE_SHOWN]
    lines.append(
        f"Cases below {threshold} robustness, least robust first; for each, the first variant whose code "
        "was judged different:"
    )
    lines.append("")
    cells = []
    for case in shown:
        rules, reason = _first_difference(case)
        cells.append([md.code(case.case_id, in_table=True), _robustness_cell(case.robustness), rules, reason])
    lines.extend(md.table(["Case", "Robustness", "Rules", "Why the code differs"], cells, ["l", "r", "l", "l"]))
    if len(ordered) > len(shown):
        lines += ["", f"... and {len(ordered) - len(shown)} more."]
    return lines


def _how_to_read() -> Lines:
    return [
        "## How to read this",
        "",
        (
            "- At the `ir` stage, two IR specs are equivalent when their name, parameters, return type, effects and "
            "assertions match after normalisation (casing styles, type spellings, order-free sets); the intent "
            "summary is not counted."
        ),
        (
            "- At the code stages, two pieces of code are equivalent when their syntax trees are the same after "
            "consistent renaming; otherwise both functions run in the sandbox on the same inputs (the case's tests, "
            "or inputs generated from the signature) and any differing result makes them different. An execution "
            "that times out or is refused on either side leaves the verdict open: that variant is not counted."
        ),
        (
            "- Robustness at a later stage compounds the earlier stage's drift: an end-to-end variant's code is "
            "written from the IR its own prompt produced, so whatever drift the `ir` stage lets through reaches "
            "the code generator, which can then add its own (what `ir-to-code` measures on gold IRs). An IR "
            "difference that does not change the code's behaviour does not count against end-to-end robustness."
        ),
        (
            "- The templated code generator is robust to IR variants by construction: with it, `ir-to-code` checks "
            "the measurement itself, and `end-to-end` shows the part of the IR drift that reaches the code."
        ),
    ]
