"""A validation as CI systems read it: JUnit XML, GitHub annotations and step summary, markdown.

* JUnit: one ``testcase`` per gate; a failed gate is a ``failure``, an
  inconclusive or skipped gate is ``skipped`` (JUnit has no "inconclusive";
  its message says which, and the process exit code, 3, tells them apart).
* GitHub: workflow-command annotation lines (``::error``, ``::warning``,
  ``::notice``) for stdout, and a markdown summary for ``$GITHUB_STEP_SUMMARY``.
* Markdown: the improvement report.

All are pure functions of the artifact: same artifact, same bytes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from tokdrift_cli.artifacts.validation import ValidationArtifact
from tokdrift_cli.core.gates import summarise_gates
from tokdrift_cli.reports.improvement_markdown import (
    before_after_table,
    exact,
    gates_table,
    join_blocks,
    render_improvement_report,
    verdict_line,
)

SUITE_NAME = "tokdrift validate"
CLASS_NAME = "tokdrift.validate"


def render_markdown(validation: ValidationArtifact) -> str:
    return render_improvement_report(validation)


def render_junit(validation: ValidationArtifact) -> str:
    gates = validation.gates
    failures = sum(1 for gate in gates if gate.status == "failed")
    skipped = sum(1 for gate in gates if gate.status in ("skipped", "inconclusive"))
    counts = {"tests": str(len(gates)), "failures": str(failures), "errors": "0", "skipped": str(skipped), "time": "0"}
    root = ET.Element("testsuites", {"name": SUITE_NAME, **counts})
    suite = ET.SubElement(root, "testsuite", {"name": SUITE_NAME, **counts})
    properties = ET.SubElement(suite, "properties")
    summary = summarise_gates(gates)
    for name, value in (
        ("verdict", summary.verdict),
        ("exit_code", str(summary.exit_code)),
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
    for gate in validation.gates:
        if gate.status == "failed":
            lines.append(annotation("error", f"tokdrift gate failed: {gate.name}", gate.explanation))
        elif gate.status == "inconclusive":
            lines.append(annotation("warning", f"tokdrift gate inconclusive: {gate.name}", gate.explanation))
        elif gate.status == "passed":
            lines.append(annotation("notice", f"tokdrift gate passed: {gate.name}", gate.explanation))
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
            ["### Gates", "", *gates_table(validation)],
            ["### Before and after", "", *before_after_table(validation)],
        ]
    )
    return "\n".join(lines) + "\n", step_summary
