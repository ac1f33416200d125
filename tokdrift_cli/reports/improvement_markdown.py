"""IMPROVEMENT_REPORT.md: did the change make the generator more robust, and is that proven?

A pure function of the validation artifact (no clock: ``created_at`` is left
out), so the same artifact always gives the same bytes. Rates are shown as
percentages with their interval and n; each gate shows the exact, unrounded
figure it was decided on, so a reader can check the verdict to the last digit.
"""

from __future__ import annotations

from collections.abc import Sequence

from tokdrift_cli.artifacts.validation import ValidationArtifact
from tokdrift_cli.core.comparison import PairedCase, PairedStatistics, SideSummary
from tokdrift_cli.core.gates import GateResult, summarise_gates
from tokdrift_cli.core.stats import BootstrapInterval, RateEstimate
from tokdrift_cli.reports import markdown as md
from tokdrift_cli.reports.power import detectable_rows
from tokdrift_cli.reports.text import percent, round_figures, share, undecided_note

Lines = list[str]

TITLE = "Improvement report"
CHANGE_ORDER = ("newly_broken", "regressed", "fixed", "improved", "unmeasured", "unchanged", "single")
CHANGE_LABEL = {
    "fixed": "fixed (fragile -> robust)",
    "newly_broken": "newly broken (robust -> fragile)",
    "improved": "improved",
    "regressed": "regressed",
    "unchanged": "unchanged",
    "unmeasured": "unmeasured (an original failed)",
    "single": "-",
}


def render_improvement_report(validation: ValidationArtifact) -> str:
    """The whole IMPROVEMENT_REPORT.md for ``validation``; identical input gives identical bytes."""
    blocks = [
        [f"# {TITLE}", "", verdict_line(validation)],
        _what_changed(validation),
        ["## Before and after", "", *before_after_table(validation)],
        _statistics(validation),
        ["## Gates", "", *gates_table(validation)],
        _per_prompt(validation),
        _method(validation),
    ]
    return join_blocks(blocks)


def join_blocks(blocks: Sequence[Lines]) -> str:
    text = "\n\n".join("\n".join(block) for block in blocks if block)
    return "\n".join(line.rstrip(" \t") for line in text.split("\n")).rstrip("\n") + "\n"


def verdict_line(validation: ValidationArtifact) -> str:
    summary = summarise_gates(validation.gates)
    counts = {
        status: sum(1 for gate in validation.gates if gate.status == status)
        for status in ("passed", "failed", "inconclusive", "skipped")
    }
    tally = ", ".join(f"{count} {status}" for status, count in counts.items())
    return f"**Verdict: {summary.verdict.upper()}** (exit {summary.exit_code}) - gates: {tally}."


# --- figures ---------------------------------------------------------------------------------------


def exact(value: float | None, gate: str | None = None) -> str:
    """A figure as Python spells it in full (repr): never rounded."""
    if value is None:
        return "n/a"
    if gate == "fragile_fixed" and float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def _rate(estimate: RateEstimate | None) -> str:
    return "n/a" if estimate is None else estimate.format()


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def _points(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:+.1f} pp"


def _rate_change(before: RateEstimate | None, after: RateEstimate | None) -> str:
    if before is None or after is None or before.rate is None or after.rate is None:
        return "n/a"
    return _points(after.rate - before.rate)


def _latency(side: SideSummary | None) -> str:
    if side is None:
        return "n/a"
    if side.median_latency_s is None:
        return f"n/a (n={side.latency_n})"
    return f"{side.median_latency_s:.3f} s (n={side.latency_n})"


def _fragile(side: SideSummary | None) -> str:
    return "n/a" if side is None else f"{len(side.fragile_cases)} of {side.measured_cases} measured"


def before_after_table(validation: ValidationArtifact) -> Lines:
    before, after, stats = validation.before, validation.after, validation.statistics
    threshold = percent(validation.config.gates.fragile_threshold)
    mean_change = None
    if before is not None and before.mean_prompt_robustness is not None and after.mean_prompt_robustness is not None:
        mean_change = after.mean_prompt_robustness - before.mean_prompt_robustness
    fragile_change = "n/a"
    if stats is not None:
        fragile_change = f"fixed {len(stats.fixed_cases)}, newly broken {len(stats.newly_broken_cases)}"
    latency_change = "n/a" if stats is None or stats.latency_change is None else f"{stats.latency_change * 100:+.1f}%"
    rows = [
        ("Prompts compared", str(before.cases) if before else "n/a", str(after.cases), ""),
        (
            "Robustness, pooled over decided variants",
            _rate(before.robustness if before else None),
            _rate(after.robustness),
            _rate_change(before.robustness if before else None, after.robustness),
        ),
        (
            "Undecided share (undecided / variants with both IRs; in no robustness figure)",
            share(before.undecided_share) if before else "n/a",
            share(after.undecided_share),
            "",
        ),
        (
            "Mean per-prompt robustness",
            _share(before.mean_prompt_robustness if before else None),
            _share(after.mean_prompt_robustness),
            _points(mean_change),
        ),
        (
            "Accuracy (original matches gold)",
            _rate(before.accuracy if before else None),
            _rate(after.accuracy),
            _rate_change(before.accuracy if before else None, after.accuracy),
        ),
        (
            "Accuracy over every input (original and variants each against gold)",
            _rate(before.input_accuracy if before else None),
            _rate(after.input_accuracy),
            _rate_change(before.input_accuracy if before else None, after.input_accuracy),
        ),
        (
            "Robust accuracy (original and every variant match gold)",
            _rate(before.robust_accuracy if before else None),
            _rate(after.robust_accuracy),
            _rate_change(before.robust_accuracy if before else None, after.robust_accuracy),
        ),
        (f"Fragile prompts (robustness < {threshold})", _fragile(before), _fragile(after), fragile_change),
        ("Median latency per generation", _latency(before), _latency(after), latency_change),
    ]
    return md.table(
        ["Figure", "Before", "After", "Change"],
        [[md.prose(cell) for cell in row] for row in rows],
        ["l", "r", "r", "r"],
    )


def gates_table(validation: ValidationArtifact, *, rounded: bool = False) -> Lines:
    """One row per gate with its figure exact (the report) or ``rounded`` for a glance (the CI step summary)."""

    def figure(value: float | None, gate: str) -> str:
        text = exact(value, gate)
        return round_figures(text) if rounded else text

    rows = [
        [
            md.prose(gate.name),
            _status(gate),
            md.code(figure(gate.value, gate.name), in_table=True) if gate.value is not None else "n/a",
            md.code(figure(gate.threshold, gate.name), in_table=True) if gate.threshold is not None else "n/a",
            "n/a" if gate.n is None else str(gate.n),
            md.prose(round_figures(gate.explanation) if rounded else gate.explanation),
        ]
        for gate in validation.gates
    ]
    return md.table(["Gate", "Status", "Figure", "Threshold", "n", "Detail"], rows, ["l", "l", "r", "r", "r", "l"])


def _status(gate: GateResult) -> str:
    return {"passed": "passed", "failed": "**FAILED**", "inconclusive": "*inconclusive*", "skipped": "skipped"}[
        gate.status
    ]


# --- sections --------------------------------------------------------------------------------------


def _side_text(side: SideSummary) -> str:
    program = md.code(side.program) if side.program else "n/a"
    digest = f" (program hash {md.code(side.program_hash[:12])})" if side.program_hash else ""
    model = md.code(side.model_id) if side.model_id else "n/a"
    return f"model {model}, program {program}{digest}"


def _what_changed(validation: ValidationArtifact) -> Lines:
    lines = ["## What changed", ""]
    if validation.before is not None:
        lines.append(f"- Before: {_side_text(validation.before)}")
    lines.append(f"- After: {_side_text(validation.after)}")
    if validation.program is not None:
        digest = f" (hash {md.code(validation.program.program_hash[:12])})" if validation.program.program_hash else ""
        lines.append(
            f"- Optimization: the after baseline ran the optimized program file {md.code(validation.program.path)}"
            f"{digest}, as written by `tokdrift optimize`."
        )
    elif validation.before is not None and validation.before.program == validation.after.program:
        lines.append("- The program is the same on both sides; what changed is the model or its settings.")
    for item in validation.inputs:
        lines.append(f"- Input {md.escape_text(item.role)}: {md.code(item.path)} (sha256 {md.code(item.sha256[:12])})")
    pairing = validation.pairing
    if pairing.mode == "single":
        lines.append(f"- A single baseline was gated ({pairing.paired_cases} prompts); no before to compare with.")
    elif pairing.mode == "strict":
        lines.append(
            f"- Pairing: {pairing.paired_cases} prompts paired; the same suite, variants and seed on both sides."
        )
    else:
        lines.append(
            f"- Pairing (`--allow-mismatch`): {pairing.paired_cases} prompts paired, {pairing.dropped_cases} dropped; "
            "every figure is over the paired prompts only."
        )
        if pairing.config_differences:
            lines.append(f"  - Settings that differ: {md.prose('; '.join(pairing.config_differences))}")
        for label, ids in (
            ("Only in before", pairing.before_only),
            ("Only in after", pairing.after_only),
            ("Different prompt or variant texts", pairing.changed_variants),
        ):
            if ids:
                lines.append(f"  - {label}: {', '.join(md.code(case_id) for case_id in sorted(ids))}")
    return lines


def _statistics(validation: ValidationArtifact) -> Lines:
    stats = validation.statistics
    lines = ["## Statistics", ""]
    if stats is None:
        lines.append("No before baseline: no paired statistics.")
        return lines
    test, boot, flips, effect = stats.wilcoxon, stats.bootstrap, stats.accuracy_flips, stats.effect
    level = percent(boot.confidence)
    wilcoxon_result = (
        test.note or "n/a" if test.p_value is None else f"W = {exact(test.statistic)}, p = {exact(test.p_value)}"
    )
    boot_result = _interval(boot)
    flips_result = f"wrong -> right {flips.wrong_to_right}, right -> wrong {flips.right_to_wrong}; " + (
        f"p = {exact(flips.p_value)}" if flips.p_value is not None else (flips.note or "p n/a")
    )
    rows = [
        (
            "Wilcoxon signed-rank, one-sided (after > before), per-prompt robustness",
            wilcoxon_result,
            f"{test.n_nonzero} changed of {test.n_pairs} pairs",
        ),
        (
            (
                f"Mean difference, paired bootstrap {level} percentile interval "
                f"({boot.n_resamples} resamples, seed {boot.seed})"
            ),
            boot_result,
            str(boot.n),
        ),
        ("Median difference", _signed(effect.median_difference), str(effect.n)),
        (
            "Effect size: matched-pairs rank-biserial correlation",
            exact(effect.rank_biserial),
            f"{effect.n_nonzero} non-zero",
        ),
        (
            "Prompts improved / regressed / unchanged",
            f"{stats.improved} / {stats.regressed} / {stats.unchanged}",
            str(stats.n_pairs),
        ),
        (
            "Exact McNemar test on accuracy flips (binomial, two-sided)",
            flips_result,
            f"{flips.n_discordant} of {flips.n_pairs} flipped",
        ),
    ]
    inputs = stats.input_accuracy_change
    if inputs is not None:
        rows.append(
            (
                (
                    f"Accuracy change over every input, paired bootstrap {percent(inputs.confidence)} percentile "
                    f"interval resampling prompts ({inputs.n_resamples} resamples, seed {inputs.seed})"
                ),
                _interval(inputs),
                f"{inputs.n} prompts",
            )
        )
    requests = stats.request_accuracy_change
    if requests is not None:
        label = f"Accuracy change on the requests, paired bootstrap {percent(requests.confidence)} percentile interval"
        rows.append(
            (
                label,
                _interval(requests),
                f"{requests.n} prompts",
            )
        )
    lines.extend(md.table(["Test", "Result", "n"], [[md.prose(cell) for cell in row] for row in rows], ["l", "l", "r"]))
    return lines + _detectable(stats)


def _detectable(stats: PairedStatistics) -> Lines:
    """The minimum detectable changes at this n, so "no effect" can be told from "too few prompts"."""
    if stats.detectable is None:
        return []
    alpha = stats.detectable.robustness.alpha
    intro = (
        f"Minimum detectable change at alpha {alpha:g} and {stats.detectable.robustness.power:.0%} power for "
        "these prompts (normal approximation with the observed variance of the per-prompt differences): a true "
        "change smaller than this would mostly go unseen, so a gate that finds none may mean too few prompts."
    )
    rows = [[md.prose(cell) for cell in row] for row in detectable_rows(stats.detectable)]
    return ["", intro, "", *md.table(["Figure", "Minimum detectable change", "n"], rows, ["l", "l", "r"])]


def _interval(interval: BootstrapInterval) -> str:
    if interval.note:
        return f"{_signed(interval.estimate)} ({interval.note})"
    return f"{_signed(interval.estimate)} [{_signed(interval.low)}, {_signed(interval.high)}]"


def _signed(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.4f}"


def _robustness_cell(estimate: RateEstimate | None) -> str:
    if estimate is None or estimate.rate is None:
        return "n/a" if estimate is None else f"n/a (n={estimate.n})"
    return f"{estimate.rate * 100:.1f}% ({estimate.successes}/{estimate.n})"


def _correct(value: bool | None) -> str:
    return "?" if value is None else "yes" if value else "no"


def _per_prompt(validation: ValidationArtifact) -> Lines:
    lines = ["## Per-prompt changes", ""]
    cases = sorted(
        validation.cases, key=lambda case: (CHANGE_ORDER.index(case.change), case.difference or 0.0, case.case_id)
    )
    if validation.before is None:
        threshold = validation.config.gates.fragile_threshold
        shown = [case for case in cases if case.fragile_after is not False]
        lines.append(f"Prompts below {percent(threshold)} robustness (or unmeasured) in the gated baseline:")
        lines.append("")
        if not shown:
            lines.append("None.")
            return lines
        rows = [
            [
                md.code(case.case_id, in_table=True),
                md.escape_text(case.category),
                _robustness_cell(case.after_robustness) + undecided_note(case.after_undecided_share),
                _correct(case.after_correct),
            ]
            for case in sorted(
                shown,
                key=lambda case: (
                    case.after_robustness.rate if case.after_robustness.rate is not None else -1.0,
                    case.case_id,
                ),
            )
        ]
        lines.extend(md.table(["Prompt", "Category", "Robustness", "Correct"], rows, ["l", "l", "r", "l"]))
        return lines
    changed = [case for case in cases if case.change != "unchanged"]
    unchanged = [case for case in cases if case.change == "unchanged"]
    if changed:
        lines.extend(
            md.table(
                ["Prompt", "Category", "Before", "After", "Difference", "Correct before -> after", "Change"],
                [_case_row(case) for case in changed],
                ["l", "l", "r", "r", "r", "l", "l"],
            )
        )
    else:
        lines.append("No prompt changed robustness.")
    if unchanged:
        lines.append("")
        lines.append(
            f"{len(unchanged)} prompt(s) unchanged: "
            + ", ".join(md.code(case.case_id) for case in sorted(unchanged, key=lambda c: c.case_id))
        )
    return lines


def _case_row(case: PairedCase) -> list[str]:
    return [
        md.code(case.case_id, in_table=True),
        md.escape_text(case.category),
        _robustness_cell(case.before_robustness) + undecided_note(case.before_undecided_share),
        _robustness_cell(case.after_robustness) + undecided_note(case.after_undecided_share),
        _signed(case.difference),
        f"{_correct(case.before_correct)} -> {_correct(case.after_correct)}",
        md.prose(CHANGE_LABEL[case.change]),
    ]


def _method(validation: ValidationArtifact) -> Lines:
    gates = validation.config.gates
    alpha = "off" if gates.alpha is None else repr(gates.alpha)
    min_fixed = "off" if gates.min_fixed is None else gates.min_fixed
    return [
        "## Method",
        "",
        (
            "- Robustness of a prompt = variants whose IR is the same as the original's IR / decided variants "
            "(same or different). A comparison the checker leaves undecided counts on neither side; its share "
            "(undecided / variants with both IRs) is shown beside robustness. Pooled robustness counts every decided "
            "variant of every measured prompt, and the paired tests use the per-prompt robustness over decided "
            f"variants; intervals are Wilson score intervals at {percent(validation.config.confidence)}."
        ),
        (
            "- The Wilcoxon signed-rank test is one-sided (after more robust than before) on the per-prompt "
            'differences, `zero_method="wilcox"`: prompts whose robustness did not change are left out of the '
            f"ranking. With fewer than {validation.config.min_pairs} pairs or changed prompts it is not run and the "
            "significance gate is inconclusive."
        ),
        (
            "- The bootstrap resamples prompts (pairs) with replacement and reports the percentile interval of the "
            "mean difference; the accuracy test is an exact binomial test on the prompts whose correctness flipped."
        ),
        (
            "- Accuracy over every input counts each request and each variant against the prompt's gold. A prompt's "
            "inputs are not independent: the Wilson interval of that rate treats them as if they were (too narrow), "
            "while the interval of its change resamples prompts with all their inputs."
        ),
        (
            f"- Gates: fail-under {exact(gates.fail_under)} on the {gates.gate_on.replace('-', ' ')}, alpha {alpha}, "
            f"min robustness gain {exact(gates.min_robustness_gain)} (on the {gates.robustness_gate.replace('-', ' ')}), "
            f"max accuracy drop {exact(gates.max_accuracy_drop)}"
            f"{' (over every input)' if gates.accuracy_on == 'inputs' else ' (on the requests)'}"
            f" (on the {gates.accuracy_gate.replace('-', ' ')}), max latency increase "
            f"{exact(gates.max_latency_increase)}, min fixed {min_fixed} "
            "(only when a before is given and the mean difference is positive; capped at the number of prompts fragile "
            "before). The robustness gate is decided with the undecided variants counted as same and as different; "
            "when the two disagree it is inconclusive. Any failed gate exits 1, else any inconclusive gate exits 3, "
            "else 0."
        ),
    ]
