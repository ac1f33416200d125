"""FRAGILE_PROMPTS.md: the reviewable, committable list of fragile prompts.

The file is meant to live in git next to the generator, so it is a pure
function of the analysis artifact: no clock (the artifact's ``created_at`` is
left out on purpose, so re-analysing the same baseline gives the same bytes),
every list in a total order, no trailing whitespace and one final newline.
"""

from __future__ import annotations

from collections.abc import Sequence

from tokdrift_cli.artifacts.analysis import AnalysisArtifact, BrokenVariant, FragilePrompt
from tokdrift_cli.artifacts.baseline import GroupSensitivity
from tokdrift_cli.core.stats import DEFAULT_CONFIDENCE
from tokdrift_cli.reports import markdown as md
from tokdrift_cli.reports import pattern_flags, sensitivity, word_diff
from tokdrift_cli.reports.figures import (
    PRIORITY_SURPRISE,
    UNDECIDED_RULE,
    priority_note,
    robustness_fact,
    summary_rows,
    unmeasurable_sentence,
)
from tokdrift_cli.reports.text import (
    WHITESPACE_LEGEND,
    by_flip_rate,
    drop,
    one_line,
    ordered_fragile,
    percent,
    rate,
    share,
    shorten,
    undecided_note,
    yes_no,
)

DEFAULT_THRESHOLD = 0.9
DEFAULT_SENSITIVITY_THRESHOLD = 0.5

TITLE = "Prompt fragility report"
SUMMARY = "Summary"
FRAGILE = "Fragile prompts"
INSENSITIVE = "Prompts that ignore meaning changes"
PATTERNS = "Fragile patterns"
FAMILIES = "Sensitivity per rule family"
RULES = "Sensitivity per rule"
FIELDS = "IR fields that differ when outputs flip"
STANDING_OUT = pattern_flags.HEADING
CONTROL_RULES = "Sensitivity per control rule"
SIDE_BY_SIDE = "Robustness and sensitivity per prompt"
CATEGORIES = "Accuracy per category"
DETAILS = "Prompt details"
# Every fixed heading, in document order: prompt anchors are numbered after them.
FIXED_HEADINGS = (
    TITLE, SUMMARY, FRAGILE, INSENSITIVE, PATTERNS, FAMILIES, RULES, STANDING_OUT, FIELDS, CONTROL_RULES, SIDE_BY_SIDE,
    CATEGORIES, DETAILS,
)

Lines = list[str]


def render_fragile_prompts(analysis: AnalysisArtifact) -> str:
    """The whole FRAGILE_PROMPTS.md for ``analysis``; identical input gives identical bytes."""
    prompts = ordered_fragile(analysis.fragile_prompts)
    anchors = prompt_anchors(prompts)
    blocks = [
        _introduction(analysis),
        _summary(analysis),
        _fragile_table(analysis, prompts, anchors),
        _insensitive(analysis),
        _patterns(analysis),
        _controls(analysis),
        _categories(analysis),
        _details(analysis, prompts),
    ]
    return join_blocks(blocks)


def join_blocks(blocks: Sequence[Lines]) -> str:
    """Blocks separated by one blank line; no trailing blanks anywhere; exactly one final newline."""
    text = "\n\n".join("\n".join(block) for block in blocks if block)
    return "\n".join(line.rstrip(" \t") for line in text.split("\n")).rstrip("\n") + "\n"


def prompt_anchors(prompts: Sequence[FragilePrompt]) -> dict[str, str]:
    """The GitHub anchor of each prompt's heading, numbered as GitHub numbers repeated headings."""
    anchors = md.Anchors()
    for heading in FIXED_HEADINGS:
        anchors.add(heading)
    return {prompt.case_id: anchors.add(prompt.case_id) for prompt in prompts}


def regenerate_commands(analysis: AnalysisArtifact, output: str = "FRAGILE_PROMPTS.md") -> Lines:
    """The commands that rebuild this report, with the options that differ from the defaults."""
    options = ""
    if analysis.config.fragile_threshold != DEFAULT_THRESHOLD:
        options += f" --fragile-threshold {analysis.config.fragile_threshold:g}"
    if analysis.config.confidence != DEFAULT_CONFIDENCE:
        options += f" --confidence {analysis.config.confidence:g}"
    if analysis.config.sensitivity_threshold != DEFAULT_SENSITIVITY_THRESHOLD:
        options += f" --sensitivity-threshold {analysis.config.sensitivity_threshold:g}"
    return [
        f"tokdrift analyze BASELINE --output analysis.json{options}",
        f"tokdrift report analysis.json --output {output}",
    ]


def provenance_sentence(analysis: AnalysisArtifact) -> str:
    """Where the numbers come from, in one sentence (hashes only, no paths or times)."""
    inputs = sorted(analysis.inputs, key=lambda item: (item.role, item.sha256))
    parts = [f"{md.escape_text(item.role)} sha256 {md.code(item.sha256)}" for item in inputs]
    provenance = analysis.provenance
    if provenance.suite_hash:
        parts.append(f"suite {md.code(provenance.suite_hash)}")
    if provenance.program_hash:
        parts.append(f"program {md.code(provenance.program_hash)}")
    if provenance.seed is not None:
        parts.append(f"seed {provenance.seed}")
    parts.append(f"tokdrift {md.escape_text(analysis.tool_version)}")
    return "It was computed by `tokdrift analyze` (" + ", ".join(parts) + ")."


def model_name(analysis: AnalysisArtifact) -> str:
    model_id = analysis.provenance.model_id
    return md.code(model_id) if model_id else "an unnamed model"


def _introduction(analysis: AnalysisArtifact) -> Lines:
    config, summary = analysis.config, analysis.summary
    paragraph = (
        f"This file lists the prompts on which the natural-language-to-IR generator ({model_name(analysis)}) "
        "is *fragile*: a meaning-preserving rewrite of the prompt (identifier casing, spacing, synonyms, "
        "framing, clause order, noise, paraphrases) makes it produce an IR that specifies a different function. "
        "A prompt's robustness is the share of its variants whose IR is the same as the original prompt's IR; "
        f"a prompt is fragile when its robustness is below {percent(config.fragile_threshold)}. {UNDECIDED_RULE} "
        "Every rate "
        f"carries its n and a {percent(config.confidence)} Wilson score interval. Of {summary.cases} prompts, "
        f"{summary.measured_cases} could be measured and {summary.fragile_count} are fragile. "
        f"{sensitivity.DEFINITION} {provenance_sentence(analysis)} The file is generated: to regenerate it, run"
    )
    return [
        f"# {TITLE}",
        "",
        paragraph,
        "",
        *md.fenced(regenerate_commands(analysis), "sh"),
        "",
        WHITESPACE_LEGEND,
    ]


def _summary(analysis: AnalysisArtifact) -> Lines:
    rows = [[md.prose(label), md.prose(value)] for label, value in summary_rows(analysis)]
    return [f"## {SUMMARY}", "", *md.table(["Metric", "Value"], rows)]


def _fragile_table(analysis: AnalysisArtifact, prompts: Sequence[FragilePrompt], anchors: dict[str, str]) -> Lines:
    unmeasurable = unmeasurable_sentence(analysis)
    heading = [f"## {FRAGILE}", "", *([md.prose(unmeasurable), ""] if unmeasurable else [])]
    if not prompts:
        return [*heading, f"No prompt is below the {percent(analysis.config.fragile_threshold)} threshold."]
    rows = [
        [
            f"[{md.escape_text(item.case_id)}](#{anchors[item.case_id]})",
            preview(item.prompt),
            md.escape_text(item.category),
            rate(item.robustness),
            share(item.undecided_share),
            sensitivity.cell(item.sensitivity),
            md.escape_text(item.priority) + (f" ({md.escape_text(note)})" if (note := priority_note(item)) else ""),
            md.escape_text(item.dominant_family),
        ]
        for item in prompts
    ]
    headers = [
        "Prompt", "Text", "Category", "Robustness [CI] (n)", "Undecided (n)", "Sensitivity [CI] (n)", "Priority",
        "Dominant family",
    ]
    intro = f"Most urgent first: by priority, then by robustness. Priority rule: {PRIORITY_RULE} {PRIORITY_SURPRISE}"
    return [*heading, intro, "", *md.table(headers, rows)]


PREVIEW = 100  # characters of a prompt's text in a table cell


def preview(text: str | None) -> str:
    """The start of a prompt's text for a table cell, or a dash when the analysis did not record it."""
    return "-" if text is None else md.escape_text(shorten(one_line(text), PREVIEW))


PRIORITY_RULE = (
    "a fragile prompt earns one point each for robustness below 50%, for its whole interval lying below "
    "the threshold (even with every undecided variant counted as robust), and for a variant losing gold accuracy; "
    "3 points is P0, 2 is P1, 0-1 is P2."
)


def _insensitive(analysis: AnalysisArtifact) -> Lines:
    """The prompts whose generator ignores meaning changes, with the controls it ignored."""
    heading = [f"## {INSENSITIVE}", ""]
    if not sensitivity.measured(analysis):
        return [*heading, sensitivity.not_measured_sentence()]
    threshold = percent(analysis.config.sensitivity_threshold)
    prompts = sensitivity.ordered_insensitive(analysis.insensitive_prompts)
    if not prompts:
        return [*heading, f"No prompt is below the {threshold} sensitivity threshold."]
    rows = [
        [
            md.code(item.case_id, in_table=True),
            preview(item.prompt),
            md.escape_text(item.category),
            rate(item.sensitivity) + undecided_note(item.sensitivity_undecided_share),
            rate(item.robustness),
            md.escape_text(item.priority),
            md.prose(item.priority_reason),
        ]
        for item in prompts
    ]
    headers = ["Prompt", "Text", "Category", "Sensitivity [CI] (n)", "Robustness [CI] (n)", "Priority", "Why"]
    lines = [*heading, f"Sensitivity below {threshold}, most urgent first. Priority rule: {sensitivity.PRIORITY_RULE}"]
    lines += ["", *md.table(headers, rows), "", "Controls whose IR the checker found equivalent to the original's:"]
    for item in prompts:
        lines += ["", f"**{md.escape_text(item.case_id)}**"]
        for control in item.ignored_controls:
            lines += ["", f"- {md.code(control.rule_id)}:", "", *md.quoted_text(control.text)]
    return lines


def _controls(analysis: AnalysisArtifact) -> Lines:
    """Sensitivity per control rule and per prompt beside robustness; nothing when no control ran."""
    if not sensitivity.measured(analysis):
        return []
    body = [
        [md.code(row.key, in_table=True), str(row.flips), str(row.n), rate(row.flip_rate), share(row.undecided_share)]
        for row in by_flip_rate(analysis.per_control_rule)
    ]
    texts = analysis.prompt_texts()
    side = [
        [md.code(case_id, in_table=True), preview(texts.get(case_id)), robustness, sensitivity_cell]
        for case_id, robustness, sensitivity_cell in sensitivity.side_by_side(analysis)
    ]
    headers = ["Control rule", "Changed", "Decided controls", "Sensitivity [CI] (n)", "Undecided (n)"]
    return [
        f"## {CONTROL_RULES}",
        "",
        (
            "Sensitivity = controls whose IR differs from the original prompt's IR / decided controls (undecided "
            "ones are counted apart). Highest first."
        ),
        "",
        *md.table(headers, body, ["l", "r", "r", "l", "r"]),
        "",
        f"## {SIDE_BY_SIDE}",
        "",
        *md.table(["Prompt", "Text", "Robustness [CI] (n)", "Sensitivity [CI] (n)"], side),
    ]


def sensitivity_table(rows: Sequence[GroupSensitivity], key_header: str) -> Lines:
    """Flips, n and flip rate per key, most sensitive first; the undecided share where it was recorded."""
    if not rows:
        return ["No variants were measured."]
    undecided = any(row.undecided_share is not None for row in rows)
    body = [
        [md.code(row.key, in_table=True), str(row.flips), str(row.n), rate(row.flip_rate)]
        + ([share(row.undecided_share)] if undecided else [])
        for row in by_flip_rate(rows)
    ]
    if not undecided:
        return md.table([key_header, "Flips", "Variants", "Flip rate [CI] (n)"], body, ["l", "r", "r", "l"])
    headers = [key_header, "Flips", "Decided variants", "Flip rate [CI] (n)", "Undecided (n)"]
    return md.table(headers, body, ["l", "r", "r", "l", "r"])


def _patterns(analysis: AnalysisArtifact) -> Lines:
    flipped = analysis.noise_floor.variant_flip_rate.successes
    explain = (
        "Flip rate = variants whose IR differs from the original prompt's IR (a failed generation counts as a "
        "flip) / decided variants made by that family or rule (undecided ones are counted apart). Highest first."
    )
    fields = sorted(analysis.field_flips, key=lambda row: (-row.flips, row.field.value))
    field_rows = [[md.code(row.field.value, in_table=True), str(row.flips), rate(row.share)] for row in fields]
    return [
        f"## {PATTERNS}",
        "",
        explain,
        "",
        f"### {FAMILIES}",
        "",
        *sensitivity_table(analysis.per_family, "Family"),
        "",
        f"### {RULES}",
        "",
        *sensitivity_table(analysis.per_rule, "Rule"),
        "",
        *_standing_out(analysis),
        f"### {FIELDS}",
        "",
        (
            f"Of the {flipped} variants whose output flipped, how many differ in each IR field (one flip can change "
            "several fields; a failed generation changes none)."
        ),
        "",
        *md.table(["Field", "Flips", "Share of flipped variants [CI] (n)"], field_rows, ["l", "r", "l"]),
    ]


def _standing_out(analysis: AnalysisArtifact) -> Lines:
    rows = [[md.code(key, in_table=True), *rest] for key, *rest in pattern_flags.rows(analysis)]
    table = [*md.table(list(pattern_flags.HEADERS), rows, ["l", "l", "r", "r", "r"]), ""] if rows else []
    return [f"### {STANDING_OUT}", "", md.prose(pattern_flags.explanation(analysis)), "", *table]


def _categories(analysis: AnalysisArtifact) -> Lines:
    rows = [
        [
            md.escape_text(row.category),
            str(row.cases),
            rate(row.accuracy),
            rate(row.robust_accuracy),
            drop(row.accuracy_drop),
            rate(row.robustness),
            share(row.undecided_share),
        ]
        for row in sorted(analysis.per_category, key=lambda row: row.category)
    ]
    headers = [
        "Category", "Prompts", "Accuracy [CI] (n)", "Robust accuracy [CI] (n)", "Drop", "Robustness [CI] (n)",
        "Undecided (n)",
    ]
    return [f"## {CATEGORIES}", "", *md.table(headers, rows, ["l", "r", "l", "l", "r", "l", "r"])]


def _details(analysis: AnalysisArtifact, prompts: Sequence[FragilePrompt]) -> Lines:
    lines = [f"## {DETAILS}"]
    if not prompts:
        return [*lines, "", "Nothing to show: no prompt is fragile."]
    for item in prompts:
        lines += ["", *prompt_section(item)]
    return lines


def prompt_section(item: FragilePrompt) -> Lines:
    """Everything needed to act on one fragile prompt, under a heading named by its case id."""
    robustness = item.robustness
    lines = [
        f"### {md.escape_text(item.case_id)}",
        "",
        f"- Category: {md.escape_text(item.category)}",
        f"- Robustness: {robustness_fact(item)}",
        f"- Sensitivity: {sensitivity.cell(item.sensitivity)}",
        f"- Priority: **{md.escape_text(item.priority)}** ({md.prose(item.priority_reason)}"
        + (f"; {md.escape_text(note)})" if (note := priority_note(item)) else ")"),
        (
            f"- Original prompt matches gold: {yes_no(item.original_correct)}; "
            f"a variant loses gold accuracy: {yes_no(item.accuracy_breaks)}"
        ),
        f"- Dominant family: {md.escape_text(item.dominant_family)}",
        "",
        "Prompt:",
        "",
        *md.quoted_text(item.prompt),
        "",
        f"**Broken variants: {len(item.broken_variants)} of {robustness.n}**",
    ]
    for number, variant in enumerate(item.broken_variants, start=1):
        lines += ["", *variant_block(number, variant, item.prompt)]
    lines += ["", f"**Suggested mitigation:** {md.prose(item.mitigation)}"]
    return lines


def _words(part: str) -> str:
    """A changed stretch as code; whitespace-only stretches drawn with markers, or they would be invisible."""
    if not part:
        return "(nothing)"
    return md.code(word_diff.visible(part) if not part.strip() else part.strip())


def rewrite_line(prompt: str, text: str) -> str:
    """What the rewrite changed in the prompt, word by word: `old` -> `new`."""
    pairs = word_diff.changes(prompt, text)
    if not pairs:
        return "The rewrite changed nothing visible."
    return "Rewrite: " + "; ".join(f"{_words(old)} -> {_words(new)}" for old, new in pairs)


def variant_block(number: int, variant: BrokenVariant, prompt: str | None = None) -> Lines:
    """One broken variant: its rules, its text and what the rewrite changed, and what changed in the IR (or the
    error if it failed)."""
    rules = ", ".join(md.code(rule) for rule in variant.rule_ids) or "(no rule)"
    families = ", ".join(md.escape_text(family) for family in variant.families)
    outcome = "generation failed" if variant.failed else "output changed"
    gold = yes_no(variant.still_correct, unknown="unknown (no IR)")
    lines = [
        f"**Variant {number}**: {rules} ({families}); {outcome}; still matches gold: {gold}",
        "",
        *md.quoted_text(variant.text),
        *(["", rewrite_line(prompt, variant.text)] if prompt is not None else []),
    ]
    if variant.failed:
        return [*lines, "", "Error:", "", *md.quoted_text(variant.error or "(no error recorded)")]
    if not variant.changes:
        return [*lines, "", "No counted IR field differs (the verdict came from the comparison as a whole)."]
    lines += ["", *md.diff_block((change.field.value, change.original, change.variant) for change in variant.changes)]
    lines += ["", "Words that differ in the IR:", ""]
    lines += [f"- {md.code(change.field.value)}: {_field_words(change.original, change.variant)}" for change in variant.changes]
    lines += [""]
    lines += ["Checker's reasons (a = the variant's IR, b = the original's):", ""]
    lines += [f"- {md.code(change.field.value)}: {md.escape_text(change.reason)}" for change in variant.changes]
    return lines


def _field_words(original: str, variant: str) -> str:
    pairs = word_diff.changes(original, variant)
    shown = "; ".join(f"{_words(old)} -> {_words(new)}" for old, new in pairs[:6])
    return shown + (f"; and {len(pairs) - 6} more" if len(pairs) > 6 else "") if shown else "(same words)"
