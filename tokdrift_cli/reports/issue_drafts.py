"""Issue drafts: one per fragile area, ready for ``gh issue create --title ... --body-file ...``.

A draft names one thing to fix (a rewrite family the generator cannot take),
shows the evidence a reviewer needs to believe it, the commands that
reproduce it, a mitigation aimed at the IR fields that drifted, and says
when it is done. Each area gives a body (``P0-casing.md``, with no title
heading: the tracker shows the title) and its title (``P0-casing.title``);
``create-issues.sh`` files them all, most urgent first. File names start with
the priority so a directory listing is already the triage order.
"""

from __future__ import annotations

import re
import shlex

from tokdrift_cli.artifacts.analysis import AnalysisArtifact
from tokdrift_cli.core.mitigations import field_advice, mitigation_for
from tokdrift_cli.core.variants import family_of
from tokdrift_cli.reports import markdown as md
from tokdrift_cli.reports.areas import AreaEvidence, FragileArea, fragile_areas
from tokdrift_cli.reports.fragile_markdown import PRIORITY_RULE, join_blocks, model_name, sensitivity_table
from tokdrift_cli.reports.reproduce import baseline_command, reproduce_lines
from tokdrift_cli.reports.text import percent, rate

CREATE_SCRIPT = "create-issues.sh"

Lines = list[str]


def render_issue_drafts(analysis: AnalysisArtifact) -> dict[str, str]:
    """File name -> text: a body and a title per fragile area, and the script that files them; sorted names."""
    drafts: dict[str, str] = {}
    bodies: list[str] = []
    for area in fragile_areas(analysis):
        name = _unique_name(area, drafts)
        drafts[name] = render_issue(analysis, area)
        drafts[title_name(name)] = issue_title(area) + "\n"
        bodies.append(name)
    if bodies:
        drafts[CREATE_SCRIPT] = _create_script(bodies)
    return dict(sorted(drafts.items()))


def title_name(body_name: str) -> str:
    return body_name.removesuffix(".md") + ".title"


def _unique_name(area: FragileArea, taken: dict[str, str]) -> str:
    """``P1-framing.md``; a numbered suffix only if two family names slug the same."""
    slug = re.sub(r"[^a-z0-9_]+", "-", area.family.lower()).strip("-") or "family"
    name, number = f"{area.priority}-{slug}.md", 2
    while name in taken:
        name, number = f"{area.priority}-{slug}-{number}.md", number + 1
    return name


def issue_title(area: FragileArea) -> str:
    """The issue's title, plain text (a tracker does not render markdown in titles)."""
    count = len(area.evidence)
    noun = "prompt" if count == 1 else "prompts"
    return f"[{area.priority}] Generator output drifts under {area.family} rewrites ({count} {noun})"


def _create_script(bodies: list[str]) -> str:
    """A POSIX shell script that files every draft with the GitHub CLI, most urgent first."""
    lines = [
        "#!/bin/sh",
        "# File these drafts as GitHub issues, most urgent first (needs the gh CLI, logged in to the repository).",
        "set -e",
        'cd "$(dirname "$0")"',
    ]
    for body in bodies:
        title = shlex.quote(title_name(body))
        lines.append(f'gh issue create --title "$(cat {title})" --body-file {shlex.quote(body)}')
    return "\n".join(lines) + "\n"


def render_issue(analysis: AnalysisArtifact, area: FragileArea) -> str:
    """The issue's body: no title heading (``gh issue create --title`` gives the title)."""
    blocks = [
        _why(analysis, area),
        _evidence(area),
        _reproduce(analysis, area),
        _family_rate(analysis, area),
        _mitigation(area),
        _acceptance(analysis, area),
    ]
    return join_blocks(blocks)


def _reproduce(analysis: AnalysisArtifact, area: FragileArea) -> Lines:
    """The most urgent prompt's rewrite and run, then one run for every prompt of the area."""
    first = area.evidence[0]
    lines = ["## Reproduce", "", f"The most urgent prompt, {md.code(first.prompt.case_id)}:", ""]
    lines += md.fenced(reproduce_lines(analysis, first.prompt, first.example), "sh")
    if len(area.evidence) > 1:
        every = baseline_command(analysis, [item.prompt.case_id for item in area.evidence])
        lines += ["", "Every prompt of this issue at once:", "", *md.fenced([every], "sh")]
    return lines


def _mitigation(area: FragileArea) -> Lines:
    """The family's advice, aimed at the rules that fired and the IR fields that drifted."""
    general = mitigation_for(area.family, only_failures=area.all_failed)
    lines = ["## Suggested mitigation", ""]
    if area.all_failed:
        return [*lines, md.prose(general)]
    rules = sorted({rule for item in area.evidence for variant in item.variants for rule in variant.rule_ids})
    counts: dict[str, int] = {}
    for item in area.evidence:
        for field in item.changed_fields:
            counts[field.value] = counts.get(field.value, 0) + 1
    fields = sorted(counts, key=lambda field: (-counts[field], field))
    drifted = ", ".join(f"{md.code(field)} ({counts[field]} of {len(area.evidence)} prompts)" for field in fields)
    lines.append(
        f"What broke: {', '.join(md.code(rule) for rule in rules)} ({md.escape_text(area.family)} rewrites) changed "
        + (f"the IR's {drifted}." if fields else "the IR as a whole (no counted field differs).")
    )
    lines += ["", md.prose(general)]
    advice = field_advice(fields)
    if advice:
        lines += ["", "For the fields that drifted:", "", *(f"- {md.prose(item)}" for item in advice)]
    failures = sum(item.failures for item in area.evidence)
    if failures:
        lines += ["", f"{failures} variant(s) failed to generate outright: {md.prose(mitigation_for('', only_failures=True))}"]
    return lines


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
