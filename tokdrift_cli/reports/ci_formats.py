"""A validation as CI systems read it: JUnit XML, GitHub annotations and step summary, markdown.

* JUnit: one ``testcase`` per gate; a failed gate is a ``failure``, a skipped
  gate ``skipped``. JUnit has no "inconclusive": an inconclusive gate is a
  ``failure`` of type ``Inconclusive`` by default, since a dashboard shows
  skipped tests as fine while the job exits 3; ``inconclusive_as="skip"``
  makes it ``skipped`` for a team that accepts undecided results. Figures stay
  exact (a machine reads them).
* GitHub: workflow-command annotation lines (``::error``, ``::warning``,
  ``::notice``) for stdout, and a markdown summary for ``$GITHUB_STEP_SUMMARY``
  that names the prompts whose verdict changed. Both are read by people, so
  long figures are rounded there; the JSON artifact keeps every digit.
* Markdown: the improvement report.

All are pure functions of the artifact: same artifact, same bytes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Literal

from tokdrift_cli.artifacts.validation import ValidationArtifact
from tokdrift_cli.core.comparison import PairedCase
from tokdrift_cli.core.gates import summarise_gates
from tokdrift_cli.reports import markdown as md
from tokdrift_cli.reports.improvement_markdown import (
    before_after_table,
    exact,
    gates_table,
    join_blocks,
    render_improvement_report,
    verdict_line,
)
from tokdrift_cli.reports.text import round_figures

SUITE_NAME = "tokdrift validate"
CLASS_NAME = "tokdrift.validate"
InconclusiveAs = Literal["failure", "skip"]


def render_markdown(validation: ValidationArtifact) -> str:
    return render_improvement_report(validation)


def render_junit(validation: ValidationArtifact, inconclusive_as: InconclusiveAs = "failure") -> str:
    gates = validation.gates
    failing = ("failed", "inconclusive") if inconclusive_as == "failure" else ("failed",)
    failures = sum(1 for gate in gates if gate.status in failing)
    skipped = sum(1 for gate in gates if gate.status not in failing and gate.status in ("skipped", "inconclusive"))
    counts = {"tests": str(len(gates)), "failures": str(failures), "errors": "0", "skipped": str(skipped), "time": "0"}
    root = ET.Element("testsuites", {"name": SUITE_NAME, **counts})
    suite = ET.SubElement(root, "testsuite", {"name": SUITE_NAME, **counts})
    properties = ET.SubElement(suite, "properties")
    summary = summarise_gates(gates)
    for name, value in (
        ("verdict", summary.verdict),
        ("exit_code", str(summary.exit_code)),
        ("inconclusive_as", inconclusive_as),
        ("paired_cases", str(validation.pairing.paired_cases)),
        ("model_id", validation.after.model_id or ""),
        ("program", validation.after.program or ""),
    ):
        ET.SubElement(properties, "property", {"name": name, "value": value})
    for gate in gates:
        case = ET.SubElement(suite, "testcase", {"classname": CLASS_NAME, "name": gate.name, "time": "0"})
        detail = (
            f"status: {gate.status}\nfigure: {exact(gate.value, gate.name)}\n"
            f"threshold: {exact(gate.threshold, gate.name)}\nn: {gate.n if gate.n is not None else 'n/a'}\n"
            f"{gate.explanation}"
        )
        if gate.status == "failed":
            failure = ET.SubElement(case, "failure", {"message": gate.explanation, "type": "GateFailed"})
            failure.text = detail
        elif gate.status == "inconclusive" and inconclusive_as == "failure":
            failure = ET.SubElement(case, "failure", {"message": f"inconclusive: {gate.explanation}", "type": "Inconclusive"})
            failure.text = detail
        elif gate.status == "inconclusive":
            ET.SubElement(case, "skipped", {"message": f"inconclusive: {gate.explanation}"})
        elif gate.status == "skipped":
            ET.SubElement(case, "skipped", {"message": f"skipped: {gate.explanation}"})
        ET.SubElement(case, "system-out").text = detail
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(level: str, title: str, message: str) -> str:
    """One GitHub workflow command, escaped so no text can end it early or forge another."""
    return f"::{level} title={_escape_property(title)}::{_escape_data(message)}"


def render_github(validation: ValidationArtifact) -> tuple[str, str]:
    """(annotation lines for stdout, markdown for ``$GITHUB_STEP_SUMMARY``)."""
    lines = []
    levels = {"failed": ("error", "failed"), "inconclusive": ("warning", "inconclusive"), "passed": ("notice", "passed")}
    for gate in validation.gates:
        if gate.status in levels:
            level, word = levels[gate.status]
            lines.append(annotation(level, f"tokdrift gate {word}: {gate.name}", round_figures(gate.explanation)))
    summary = summarise_gates(validation.gates)
    level = {"passed": "notice", "failed": "error", "inconclusive": "warning"}[summary.verdict]
    lines.append(
        annotation(
            level,
            "tokdrift validate",
            f"verdict {summary.verdict} (exit {summary.exit_code}) over {validation.pairing.paired_cases} prompts",
        )
    )
    step_summary = join_blocks(
        [
            ["## tokdrift validate", "", verdict_line(validation)],
            ["### Gates", "", *gates_table(validation, rounded=True)],
            verdict_changes(validation),
            ["### Before and after", "", *before_after_table(validation)],
        ]
    )
    return "\n".join(lines) + "\n", step_summary


# (heading, does this prompt belong under it): accuracy against gold, then robustness across the threshold.
_CHANGES = (
    ("Lost accuracy (matched gold before, not after)", lambda c: c.before_correct is True and c.after_correct is False),
    ("Gained accuracy (matched gold after, not before)", lambda c: c.before_correct is False and c.after_correct is True),
    ("Newly fragile (robust before, fragile after)", lambda c: c.change == "newly_broken"),
    ("Fixed (fragile before, robust after)", lambda c: c.change == "fixed"),
)


def _robustness_move(case: PairedCase) -> str:
    def cell(estimate: object) -> str:
        rate = getattr(estimate, "rate", None)
        return "n/a" if rate is None else f"{rate * 100:.1f}%"

    return f"robustness {cell(case.before_robustness)} -> {cell(case.after_robustness)}"


def verdict_changes(validation: ValidationArtifact) -> list[str]:
    """The prompts whose verdict changed between before and after, by kind of change; nothing without a before."""
    if validation.before is None:
        return []
    lines = ["### Prompts that changed verdict", ""]
    cases = sorted(validation.cases, key=lambda case: case.case_id)
    for heading, belongs in _CHANGES:
        members = [case for case in cases if belongs(case)]
        if members:
            lines.append(f"- {heading}: " + ", ".join(f"{md.code(c.case_id)} ({_robustness_move(c)})" for c in members))
    if len(lines) == 2:
        lines.append("None: no prompt changed accuracy against gold or crossed the fragile threshold.")
    return lines
