"""A self-contained HTML report: summary, charts, fragile prompts, patterns.

One file that opens anywhere, offline: styles inline, charts as inline SVG
built in Python, one small inline script (filters and folding, allowed by its
hash), and a Content-Security-Policy that forbids any network fetch and any
other script, so the page cannot leak or depend on anything. Every piece of
text from the artifact goes through :func:`html.escape`. Sections fold; the
fragile prompts can be filtered by rule family and priority.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from tokdrift_cli.artifacts.analysis import AnalysisArtifact, FragilePrompt
from tokdrift_cli.artifacts.baseline import GroupSensitivity
from tokdrift_cli.reports import charts, pattern_flags, sensitivity
from tokdrift_cli.reports.figures import (
    PRIORITY_SURPRISE,
    UNDECIDED_RULE,
    priority_note,
    summary_rows,
    unmeasurable_sentence,
)
from tokdrift_cli.reports.fragile_markdown import PRIORITY_RULE, regenerate_commands
from tokdrift_cli.reports.html_parts import data_attributes, pre, priority_badge, prompt_cell, prose, section, table
from tokdrift_cli.reports.html_prompts import details, prompt_families
from tokdrift_cli.reports.html_script import CSP, filter_form, script_tag
from tokdrift_cli.reports.markdown import Anchors
from tokdrift_cli.reports.text import (
    PRIORITIES,
    by_flip_rate,
    drop,
    ordered_fragile,
    percent,
    rate,
    share,
    undecided_note,
)

STYLE = """
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #222; margin: 0; }
main { max-width: 1000px; margin: 0 auto; padding: 16px 20px 48px; }
h1 { font-size: 1.6em; margin: 0.4em 0; }
h2 { font-size: 1.25em; margin-top: 1.8em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
h3 { font-size: 1.05em; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code, pre { font-family: ui-monospace, Menlo, Consolas, 'DejaVu Sans Mono', monospace; font-size: 0.9em; }
pre { background: #f6f8fa; padding: 6px 10px; white-space: pre-wrap; overflow-wrap: anywhere; margin: 0.4em 0; }
figure { margin: 1em 0; }
figcaption { color: #555; font-size: 0.9em; margin-bottom: 0.3em; }
svg.chart { max-width: 100%; height: auto; display: block; }
.P0 { color: #fff; background: #b3261e; padding: 0 4px; border-radius: 3px; }
.P1 { color: #fff; background: #d1495b; padding: 0 4px; border-radius: 3px; }
.P2 { color: #222; background: #f3c6cc; padding: 0 4px; border-radius: 3px; }
details.prompt { border-left: 3px solid #d1495b; padding-left: 12px; margin: 0.6em 0; }
details.prompt[open] { margin: 1.2em 0; }
details.prompt > summary { cursor: pointer; padding: 3px 0; }
details.section > summary { cursor: pointer; }
details.section > summary h2 { display: inline-block; border: none; margin: 1.2em 0 0.3em; }
.variant { margin: 0.8em 0; }
del { background: #ffc1bd; color: #82071e; text-decoration: line-through; }
ins { background: #9ff0b4; color: #0a3622; text-decoration: none; font-weight: 600; }
.ptext { color: #555; font-size: 0.85em; max-width: 46em; }
summary .ptext { display: inline; }
.field { font-family: ui-monospace, Menlo, Consolas, 'DejaVu Sans Mono', monospace; font-size: 0.9em; white-space: pre-wrap; }
.filters { position: sticky; top: 0; z-index: 1; background: #fff; border-bottom: 1px solid #ddd; padding: 6px 0; }
.filters label { margin-right: 10px; }
.note { color: #7a4b00; font-size: 0.85em; }
[hidden] { display: none !important; }
.muted { color: #666; }
.ws { color: #999; }
""".strip()

def render_html_report(analysis: AnalysisArtifact) -> str:
    """The whole HTML page for ``analysis``; identical input gives identical bytes."""
    prompts = ordered_fragile(analysis.fragile_prompts)
    anchors = _prompt_ids(prompts)
    texts = analysis.prompt_texts()
    families = sorted({family for item in prompts for family in prompt_families(item)})
    priorities = [level for level in PRIORITIES if any(item.priority == level for item in prompts)]
    body = [
        _header(analysis),
        filter_form(families, priorities) if prompts else "",
        section("summary", "Summary", _summary_table(analysis)),
        section("charts", "Charts", _charts(analysis)),
        section("fragile-prompts", "Fragile prompts", _fragile_table(analysis, prompts, anchors)),
        section("insensitive-prompts", "Prompts that ignore meaning changes", _insensitive(analysis, texts)),
        section("patterns", "Fragile patterns", _patterns(analysis)),
        *_controls(analysis, texts),
        section("categories", "Accuracy per category", _categories(analysis)),
        section("details", "Prompt details", details(analysis, prompts, anchors)),
        _footer(analysis),
    ]
    title = escape(f"tokdrift: fragile prompts of {analysis.provenance.model_id or 'an unnamed model'}")
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{title}</title>",
            f"<style>\n{STYLE}\n</style>",
            "</head>",
            "<body>",
            "<main>",
            *(part for part in body if part),
            "</main>",
            script_tag(),
            "</body>",
            "</html>",
            "",
        ]
    )


def _prompt_ids(prompts: Sequence[FragilePrompt]) -> dict[str, str]:
    """Unique, URL-safe element ids for the prompt sections (``prompt-mini-004``)."""
    anchors = Anchors()
    return {item.case_id: anchors.add(f"prompt {item.case_id}") for item in prompts}


def _header(analysis: AnalysisArtifact) -> str:
    config, summary, provenance = analysis.config, analysis.summary, analysis.provenance
    facts = [
        ("Model", provenance.model_id or "unnamed"),
        ("Suite hash", provenance.suite_hash or "unknown"),
        ("Program hash", provenance.program_hash or "unknown"),
        ("Seed", "unknown" if provenance.seed is None else str(provenance.seed)),
        *((f"{item.role} sha256", item.sha256) for item in sorted(analysis.inputs, key=lambda i: (i.role, i.sha256))),
        ("tokdrift", analysis.tool_version),
    ]
    rows = "".join(f"<tr><th>{escape(key)}</th><td><code>{escape(value)}</code></td></tr>" for key, value in facts)
    intro = (
        "A prompt is <em>fragile</em> when meaning-preserving rewrites of it (casing, spacing, synonyms, framing, "
        "clause order, noise, paraphrases) make the generator produce an IR that specifies a different function. "
        "Robustness is the share of a prompt's variants whose IR is the same as the original prompt's IR; "
        f"fragile means below {escape(percent(config.fragile_threshold))}. {escape(UNDECIDED_RULE)} "
        "Every rate carries its n and a "
        f"{escape(percent(config.confidence))} Wilson score interval. Of {summary.cases} prompts, "
        f"{summary.measured_cases} could be measured and {summary.fragile_count} are fragile. "
        f"{prose(sensitivity.DEFINITION)}"
    )
    return "\n".join(
        [
            "<header>",
            "<h1>Prompt fragility report</h1>",
            f"<p>{intro}</p>",
            f"<table>{rows}</table>",
            "</header>",
        ]
    )


def _summary_table(analysis: AnalysisArtifact) -> str:
    rows = [[escape(label), prose(value)] for label, value in summary_rows(analysis)]
    return table(["Metric", "Value"], rows)


def _charts(analysis: AnalysisArtifact) -> str:
    figures = [
        (
            charts.prompt_robustness_chart(analysis),
            (
                "Robustness per prompt, least robust first. Bars show the rate, whiskers the Wilson interval; "
                "fragile prompts are red on a tinted band, the dashed line is the threshold."
            ),
        ),
        (
            charts.rule_sensitivity_chart(analysis),
            (
                "Flip rate per rule (share of its variants whose output changed), most sensitive first; "
                "the dashed line is the flip rate over all variants."
            ),
        ),
        (charts.family_sensitivity_chart(analysis), "Flip rate per rule family, most sensitive first."),
        (
            charts.category_chart(analysis),
            (
                "Per category: accuracy against gold, robust accuracy (original and every variant correct) and "
                "robustness. A gap between the first two bars is accuracy lost to rewrites."
            ),
        ),
    ]
    return "\n".join(
        f"<figure>\n<figcaption>{escape(caption)}</figcaption>\n{svg}\n</figure>" for svg, caption in figures
    )


def _fragile_table(analysis: AnalysisArtifact, prompts: Sequence[FragilePrompt], anchors: dict[str, str]) -> str:
    unmeasurable = unmeasurable_sentence(analysis)
    note = f"<p>{prose(unmeasurable)}</p>\n" if unmeasurable else ""
    if not prompts:
        return note + f"<p>No prompt is below the {escape(percent(analysis.config.fragile_threshold))} threshold.</p>"
    rows = [
        [
            prompt_cell(item.case_id, item.prompt, anchors[item.case_id]),
            escape(item.category),
            escape(rate(item.robustness)),
            escape(share(item.undecided_share)),
            escape(sensitivity.cell(item.sensitivity)),
            priority_badge(item.priority) + _why_priority(item),
            escape(item.dominant_family),
        ]
        for item in prompts
    ]
    headers = [
        "Prompt", "Category", "Robustness [CI] (n)", "Undecided (n)", "Sensitivity [CI] (n)", "Priority",
        "Dominant family",
    ]
    attributes = [data_attributes(item.priority, prompt_families(item)) for item in prompts]
    rule = f"<p>Most urgent first. Priority rule: {escape(PRIORITY_RULE)} {escape(PRIORITY_SURPRISE)}</p>\n"
    return note + rule + table(headers, rows, row_attributes=attributes)


def _why_priority(item: FragilePrompt) -> str:
    note = priority_note(item)
    return f'<div class="note">{escape(note)}</div>' if note else ""


def _insensitive(analysis: AnalysisArtifact, texts: dict[str, str]) -> str:
    """The prompts whose generator ignores meaning changes, with the controls it ignored."""
    if not sensitivity.measured(analysis):
        return f"<p>{prose(sensitivity.not_measured_sentence())}</p>"
    threshold = escape(percent(analysis.config.sensitivity_threshold))
    prompts = sensitivity.ordered_insensitive(analysis.insensitive_prompts)
    if not prompts:
        return f"<p>No prompt is below the {threshold} sensitivity threshold.</p>"
    rows = [
        [
            prompt_cell(item.case_id, texts.get(item.case_id)),
            escape(item.category),
            escape(rate(item.sensitivity) + undecided_note(item.sensitivity_undecided_share)),
            escape(rate(item.robustness)),
            priority_badge(item.priority),
            escape(item.priority_reason),
        ]
        for item in prompts
    ]
    headers = ["Prompt", "Category", "Sensitivity [CI] (n)", "Robustness [CI] (n)", "Priority", "Why"]
    ignored = [
        f"<p><code>{escape(item.case_id)}</code>: <code>{escape(control.rule_id)}</code></p>\n{pre(control.text)}"
        for item in prompts
        for control in item.ignored_controls
    ]
    return "\n".join(
        [
            f"<p>Sensitivity below {threshold}, most urgent first. Priority rule: {escape(sensitivity.PRIORITY_RULE)}</p>",
            table(headers, rows),
            "<p>Controls whose IR the checker found equivalent to the original's:</p>",
            *ignored,
        ]
    )


def _controls(analysis: AnalysisArtifact, texts: dict[str, str]) -> list[str]:
    """Sensitivity per control rule, and per prompt beside robustness; no section when no control ran."""
    if not sensitivity.measured(analysis):
        return []
    side = [
        [prompt_cell(case_id, texts.get(case_id)), escape(robustness), escape(sensitivity_cell)]
        for case_id, robustness, sensitivity_cell in sensitivity.side_by_side(analysis)
    ]
    per_rule = [
        [f"<code>{escape(row.key)}</code>", str(row.flips), str(row.n), escape(rate(row.flip_rate)),
         escape(share(row.undecided_share))]
        for row in by_flip_rate(analysis.per_control_rule)
    ]
    headers = ["Control rule", "Changed", "Decided controls", "Sensitivity [CI] (n)", "Undecided (n)"]
    return [
        section(
            "control-rules",
            "Sensitivity per control rule",
            "<p>Sensitivity = controls whose IR differs from the original prompt's IR / decided controls (undecided "
            "ones are counted apart).</p>\n"
            + table(headers, per_rule, numeric=(1, 2, 4)),
        ),
        section(
            "side-by-side",
            "Robustness and sensitivity per prompt",
            table(["Prompt", "Robustness [CI] (n)", "Sensitivity [CI] (n)"], side),
        ),
    ]


def _sensitivity_table(rows: Sequence[GroupSensitivity], key_header: str) -> str:
    undecided = any(row.undecided_share is not None for row in rows)
    body = [
        [f"<code>{escape(row.key)}</code>", str(row.flips), str(row.n), escape(rate(row.flip_rate))]
        + ([escape(share(row.undecided_share))] if undecided else [])
        for row in by_flip_rate(rows)
    ]
    if not undecided:
        return table([key_header, "Flips", "Variants", "Flip rate [CI] (n)"], body, numeric=(1, 2))
    headers = [key_header, "Flips", "Decided variants", "Flip rate [CI] (n)", "Undecided (n)"]
    return table(headers, body, numeric=(1, 2, 4))


def _patterns(analysis: AnalysisArtifact) -> str:
    fields = sorted(analysis.field_flips, key=lambda row: (-row.flips, row.field.value))
    field_rows = [
        [f"<code>{escape(row.field.value)}</code>", str(row.flips), escape(rate(row.share))] for row in fields
    ]
    flipped = analysis.noise_floor.variant_flip_rate.successes
    return "\n".join(
        [
            "<h3>Sensitivity per rule family</h3>",
            _sensitivity_table(analysis.per_family, "Family"),
            "<h3>Sensitivity per rule</h3>",
            _sensitivity_table(analysis.per_rule, "Rule"),
            f"<h3>{escape(pattern_flags.HEADING)}</h3>",
            f"<p>{escape(pattern_flags.explanation(analysis))}</p>",
            *_standing_out_table(analysis),
            "<h3>IR fields that differ when outputs flip</h3>",
            f"<p>Of the {flipped} variants whose output flipped, how many differ in each IR field.</p>",
            table(["Field", "Flips", "Share of flipped variants [CI] (n)"], field_rows, numeric=(1,)),
        ]
    )


def _standing_out_table(analysis: AnalysisArtifact) -> list[str]:
    rows = [
        [f"<code>{escape(key)}</code>", *(escape(cell) for cell in rest)]
        for key, *rest in pattern_flags.rows(analysis)
    ]
    return [table(list(pattern_flags.HEADERS), rows, numeric=(2, 3, 4))] if rows else []


def _categories(analysis: AnalysisArtifact) -> str:
    rows = [
        [
            escape(row.category),
            str(row.cases),
            escape(rate(row.accuracy)),
            escape(rate(row.robust_accuracy)),
            escape(drop(row.accuracy_drop)),
            escape(rate(row.robustness)),
            escape(share(row.undecided_share)),
        ]
        for row in sorted(analysis.per_category, key=lambda item: item.category)
    ]
    headers = [
        "Category", "Prompts", "Accuracy [CI] (n)", "Robust accuracy [CI] (n)", "Drop", "Robustness [CI] (n)",
        "Undecided (n)",
    ]
    return table(headers, rows, numeric=(1, 4, 6))


def _footer(analysis: AnalysisArtifact) -> str:
    commands = escape("\n".join(regenerate_commands(analysis, output="FRAGILE_PROMPTS.md")))
    return f"<footer>\n<h2>Regenerate</h2>\n<pre>{commands} --html report.html</pre>\n</footer>"
