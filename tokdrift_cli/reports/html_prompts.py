"""The HTML report's prompt details: one folded section per fragile prompt, with word-level diffs.

Each broken variant shows its text with what the rewrite added and dropped
marked against the prompt, and each IR field that changed shows the words
that differ between the original's IR and the variant's; whitespace changes
are drawn with visible markers. The reproduce commands and the mitigation
close each section.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from tokdrift_cli.artifacts.analysis import AnalysisArtifact, BrokenVariant, FragilePrompt
from tokdrift_cli.reports import sensitivity
from tokdrift_cli.reports.figures import priority_note, robustness_fact
from tokdrift_cli.reports.html_parts import data_attributes, pre, priority_badge, prose, table
from tokdrift_cli.reports.reproduce import reproduce_lines
from tokdrift_cli.reports.text import WHITESPACE_LEGEND, one_line, shorten, yes_no
from tokdrift_cli.reports.word_diff import inline_html, side_html

SUMMARY_PREVIEW = 110  # characters of the prompt in a folded section's one-line summary


def prompt_families(item: FragilePrompt) -> list[str]:
    return sorted({family for variant in item.broken_variants for family in variant.families})


def details(analysis: AnalysisArtifact, prompts: Sequence[FragilePrompt], anchors: dict[str, str]) -> str:
    if not prompts:
        return "<p>Nothing to show: no prompt is fragile.</p>"
    legend = (
        f'<p class="muted">{escape(WHITESPACE_LEGEND)} In a variant, <ins>added</ins> words are what the rewrite '
        "put in and <del>struck</del> ones what it took out of the prompt; in a changed IR field they mark the words "
        "that differ between the original's IR and the variant's.</p>"
    )
    return "\n".join([legend, *(_prompt_section(analysis, item, anchors[item.case_id]) for item in prompts)])


def _summary_line(item: FragilePrompt) -> str:
    preview = escape(shorten(one_line(item.prompt), SUMMARY_PREVIEW))
    return (
        f"<summary>{priority_badge(item.priority)} <code>{escape(item.case_id)}</code> "
        f'<span class="muted">robustness {escape(robustness_fact(item).split(";")[0])}</span> '
        f'<span class="ptext">{preview}</span></summary>'
    )


def _prompt_section(analysis: AnalysisArtifact, item: FragilePrompt, anchor: str) -> str:
    note = priority_note(item)
    facts = [
        ("Category", escape(item.category)),
        ("Robustness", escape(robustness_fact(item))),
        ("Sensitivity", escape(sensitivity.cell(item.sensitivity))),
        ("Priority", f"{priority_badge(item.priority)} {prose(item.priority_reason)}" + (f"; {escape(note)}" if note else "")),
        ("Original matches gold", escape(yes_no(item.original_correct))),
        ("A variant loses gold accuracy", escape(yes_no(item.accuracy_breaks))),
        ("Dominant family", escape(item.dominant_family)),
    ]
    fact_rows = "".join(f"<tr><th>{escape(key)}</th><td>{value}</td></tr>" for key, value in facts)
    variants = [_variant(item.prompt, number, variant) for number, variant in enumerate(item.broken_variants, start=1)]
    return "\n".join(
        [
            f'<details class="prompt" id="{anchor}" {data_attributes(item.priority, prompt_families(item))}>',
            _summary_line(item),
            f"<table>{fact_rows}</table>",
            "<p>Prompt:</p>",
            pre(item.prompt),
            f"<p><strong>Broken variants: {len(item.broken_variants)} of {item.robustness.n}</strong></p>",
            *variants,
            f"<p><strong>Suggested mitigation:</strong> {prose(item.mitigation)}</p>",
            "<p>Reproduce:</p>",
            f'<pre class="commands">{escape(chr(10).join(reproduce_lines(analysis, item)))}</pre>',
            "</details>",
        ]
    )


def _variant(prompt: str, number: int, variant: BrokenVariant) -> str:
    rules = ", ".join(f"<code>{escape(rule)}</code>" for rule in variant.rule_ids) or "(no rule)"
    families = escape(", ".join(variant.families))
    outcome = "generation failed" if variant.failed else "output changed"
    gold = escape(yes_no(variant.still_correct, unknown="unknown (no IR)"))
    parts = [
        '<div class="variant">',
        f"<p><strong>Variant {number}</strong>: {rules} ({families}); {outcome}; still matches gold: {gold}</p>",
        f'<pre class="diff">{inline_html(prompt, variant.text)}</pre>',
    ]
    if variant.failed:
        parts += ["<p>Error:</p>", pre(variant.error or "(no error recorded)")]
    elif variant.changes:
        rows = []
        for change in variant.changes:
            original, changed = side_html(change.original, change.variant)
            rows.append(
                [
                    f"<code>{escape(change.field.value)}</code>",
                    f'<span class="field">{original}</span>',
                    f'<span class="field">{changed}</span>',
                    escape(change.reason),
                ]
            )
        parts.append(table(["Field", "Original's IR", "Variant's IR", "Checker (a = variant, b = original)"], rows))
    else:
        parts.append("<p>No counted IR field differs (the verdict came from the comparison as a whole).</p>")
    parts.append("</div>")
    return "\n".join(parts)
