"""Issue drafts: one markdown file per fragile area, ready to paste into a tracker.

A draft names one thing to fix (a rewrite family the generator cannot take),
shows the evidence a reviewer needs to believe it, and says when it is done.
File names start with the priority (``P0-casing.md``) so a directory listing
is already the triage order.
"""

from __future__ import annotations

import re

from tokdrift_cli.artifacts.analysis import AnalysisArtifact
from tokdrift_cli.core.mitigations import mitigation_for
from tokdrift_cli.core.variants import family_of
from tokdrift_cli.reports import markdown as md
from tokdrift_cli.reports.areas import AreaEvidence, FragileArea, fragile_areas
from tokdrift_cli.reports.fragile_markdown import PRIORITY_RULE, join_blocks, model_name, sensitivity_table
from tokdrift_cli.reports.text import percent, rate

Lines = list[str]


def render_issue_drafts(analysis: AnalysisArtifact) -> dict[str, str]:
    """File name -> markdown, one per fragile area; names sort in priority order."""
    drafts: dict[str, str] = {}
    for area in fragile_areas(analysis):
        drafts[_unique_name(area, drafts)] = render_issue(analysis, area)
    return dict(sorted(drafts.items()))


def _unique_name(area: FragileArea, taken: dict[str, str]) -> str:
    """``P1-framing.md``; a numbered suffix only if two family names slug the same."""
    slug = re.sub(r"[^a-z0-9_]+", "-", area.family.lower()).strip("-") or "family"
    name, number = f"{area.priority}-{slug}.md", 2
    while name in taken:
        name, number = f"{area.priority}-{slug}-{number}.md", number + 1
    return name


def _title_line(area: FragileArea) -> str:
    """The title as markdown: only the parts that come from data are escaped, so ``[P1]`` stays readable."""
    count = len(area.evidence)
    noun = "prompt" if count == 1 else "prompts"
    family = md.escape_text(area.family)
    return f"# [{md.escape_text(area.priority)}] Generator output drifts under {family} rewrites ({count} {noun})"


def render_issue(analysis: AnalysisArtifact, area: FragileArea) -> str:
    blocks = [
        [_title_line(area)],
        _why(analysis, area),
        _evidence(area),
        _family_rate(analysis, area),
        ["## Suggested mitigation", "", md.prose(mitigation_for(area.family, only_failures=area.all_failed))],
        _acceptance(analysis, area),
    ]
    return join_blocks(blocks)


def _why(analysis: AnalysisArtifact, area: FragileArea) -> Lines:
    worst = area.evidence[0].prompt  # evidence is in urgency order
    threshold = percent(analysis.config.fragile_threshold)
    return [
        (
            f"**Priority: {md.escape_text(area.priority)}.** An area takes the highest priority of its prompts; "
            f"here {md.code(worst.case_id)} is {md.escape_text(worst.priority)} ({md.prose(worst.priority_reason)}). "
            f"Priority rule: {PRIORITY_RULE}"
        ),
        "",
        (
            f"Rewrites of the {md.escape_text(area.family)} family keep the meaning of a prompt, yet they change the "
            f"IR that the generator ({model_name(analysis)}) produces for {len(area.evidence)} prompt(s) whose "
            f"robustness is below {threshold}. Intervals are {percent(analysis.config.confidence)} Wilson score "
            "intervals; the full texts and field diffs are in the prompts' sections of FRAGILE_PROMPTS.md."
        ),
    ]


def _evidence(area: FragileArea) -> Lines:
    headers = ["Prompt", "Robustness [CI] (n)", "Priority", "Example variant", "Rule", "Fields that changed"]
    rows = [_evidence_row(item) for item in area.evidence]
    return ["## Evidence", "", *md.table(headers, rows)]


def _evidence_row(item: AreaEvidence) -> list[str]:
    example = item.example
    rules = ", ".join(md.code(rule, in_table=True) for rule in example.rule_ids) or "(no rule)"
    return [
        md.code(item.prompt.case_id, in_table=True),
        rate(item.prompt.robustness),
        md.escape_text(item.prompt.priority),
        md.code(example.text, in_table=True),
        rules,
        _changed(item),
    ]


def _changed(item: AreaEvidence) -> str:
    """Which fields moved across this family's broken variants, and how many failed outright."""
    parts = [", ".join(field.value for field in item.changed_fields)] if item.changed_fields else []
    if item.failures:
        parts.append(f"{item.failures} of {len(item.variants)} variants failed to generate")
    return "; ".join(parts) or "none counted"


def _family_rate(analysis: AnalysisArtifact, area: FragileArea) -> Lines:
    heading = [f"## How often {md.escape_text(area.family)} rewrites flip the output", ""]
    row = area.sensitivity
    if row is None:
        return [*heading, "This family has no sensitivity figure in the analysis."]
    rules = {rule for item in area.evidence for variant in item.variants for rule in variant.rule_ids}
    family_rules = [sens for sens in analysis.per_rule if sens.key in rules and family_of(sens.key) == area.family]
    return [
        *heading,
        (
            f"Across all measured prompts, {md.escape_text(area.family)} rewrites flip the output in {row.flips} of "
            f"{row.n} variants: flip rate {rate(row.flip_rate)}."
        ),
        "",
        "Rules of this family that broke the prompts above:",
        "",
        *sensitivity_table(family_rules, "Rule"),
    ]


def _acceptance(analysis: AnalysisArtifact, area: FragileArea) -> Lines:
    threshold = percent(analysis.config.fragile_threshold)
    ids = ", ".join(md.code(item.prompt.case_id) for item in area.evidence)
    return [
        "## Acceptance criteria",
        "",
        f"- [ ] The robustness of these prompts is >= {threshold} on `tokdrift validate`: {ids}.",
        f"- [ ] No prompt that is robust today falls below {threshold} on `tokdrift validate`.",
        "- [ ] Accuracy against gold does not drop for these prompts.",
    ]
