"""The run history as text: trend tables with spark lines, and `history check` for CI (markdown, GitHub, JUnit).

A spark line draws one figure over the last runs with the eight block characters; it is scaled to the
lowest and highest value shown, and the range is printed beside it, so a slide of a few points is
visible without pretending to more precision than the table holds. All are pure functions of the
runs: same history, same bytes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from itertools import groupby

from tokdrift_cli.artifacts.history import METRICS, HistoryCheck, HistoryRun
from tokdrift_cli.core.gates import gates_exit_code
from tokdrift_cli.core.stats import RateEstimate
from tokdrift_cli.core.trend import TrendCheck
from tokdrift_cli.reports.ci_formats import annotation
from tokdrift_cli.reports.improvement_markdown import join_blocks
from tokdrift_cli.reports.markdown import code, escape_text, prose, table
from tokdrift_cli.reports.text import compact_rate

SPARKS = "\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588"
VERDICTS = {0: "passed", 1: "failed", 3: "inconclusive"}
JUNIT_SUITE = "tokdrift history check"


def spark(values: Sequence[float | None]) -> str:
    """One block character per value, scaled to the values' range; a space where a value is missing."""
    known = [value for value in values if value is not None]
    if not known:
        return " " * len(values)
    low, high = min(known), max(known)
    span = high - low
    blocks = []
    for value in values:
        if value is None:
            blocks.append(" ")
        else:
            blocks.append(SPARKS[round((value - low) / span * (len(SPARKS) - 1)) if span else len(SPARKS) // 2])
    return "".join(blocks)


def series_title(run: HistoryRun) -> str:
    return f"{run.suite.label} on {run.provenance.model_id or run.model}"


def by_series(runs: Sequence[HistoryRun]) -> list[tuple[str, list[HistoryRun]]]:
    """The runs grouped into lines, each line in recorded order, lines in order of their first run."""
    order = {run.series: index for index, run in reversed(list(enumerate(runs)))}
    ordered = sorted(runs, key=lambda run: order[run.series])
    return [(series_title(group[0]), group) for _, items in groupby(ordered, key=lambda run: run.series)
            for group in [list(items)]]


def _cell(estimate: RateEstimate | None) -> str:
    return "not measured" if estimate is None else compact_rate(estimate)


def run_cells(run: HistoryRun) -> list[str]:
    commit = run.git.commit[:8] if run.git is not None else ""
    return [
        run.run_id,
        run.run_time.strftime("%Y-%m-%d %H:%M"),
        code(commit, in_table=True) if commit else "",
        code(run.program, in_table=True),
        *(_cell(read(run.headline)) for read in METRICS.values()),
        escape_text(run.source.tool_version),
    ]


RUN_HEADERS = ["run", "time (UTC)", "commit", "program", *METRICS, "tokdrift"]


def spark_lines(runs: Sequence[HistoryRun]) -> list[str]:
    lines = []
    for metric, read in METRICS.items():
        values = [None if (figure := read(run.headline)) is None else figure.rate for run in runs]
        known = [value for value in values if value is not None]
        if len(known) < 2:
            continue
        lines.append(
            f"- {metric} `{spark(values)}` {min(known) * 100:.1f}% to {max(known) * 100:.1f}% "
            f"(newest {known[-1] * 100:.1f}%)"
        )
    return lines


def trend_markdown(runs: Sequence[HistoryRun], *, heading: str = "##") -> str:
    """One table per line (suite and model), oldest run first, with a spark line per figure below it."""
    blocks = []
    for title, members in by_series(runs):
        rows = [run_cells(run) for run in members]
        blocks.append([f"{heading} {escape_text(title)}", "", *table(RUN_HEADERS, rows), "", *spark_lines(members)])
    return join_blocks(blocks)


# --- `history check` -----------------------------------------------------------------------------------


def _p(value: float | None) -> str:
    return "" if value is None else f"{value:.3g}"


def _drop(value: float | None) -> str:
    return "" if value is None else f"{value * 100:+.1f} pp".replace("+", "\u2212", 1).replace("-", "+", 1)


def checks_table(checks: Sequence[TrendCheck]) -> list[str]:
    rows = [
        [
            escape_text(check.name),
            check.status,
            _cell(check.newest) if check.newest else "",
            _cell(check.reference) if check.reference else "",
            _drop(check.drop),
            _p(check.p_value),
            check.method or "",
        ]
        for check in checks
    ]
    return table(["check", "status", "newest", "reference", "drop", "p", "test"], rows)


def verdict_line(result: HistoryCheck) -> str:
    code_ = gates_exit_code(result.checks)
    run = result.newest
    against = f"previous run {result.previous.run_id}" if result.previous else "no earlier comparable run"
    window = f", window of {len(result.window)} runs" if len(result.window) >= 2 else ""
    return (
        f"**{VERDICTS[int(code_)]}** (exit {int(code_)}): run {run.run_id} of {escape_text(series_title(run))} "
        f"against {against}{window}."
    )


def check_markdown(result: HistoryCheck, trend: Sequence[HistoryRun]) -> str:
    blocks = [
        ["## tokdrift history check", "", verdict_line(result)],
        ["### Checks", "", *checks_table(result.checks), "", *(f"- {prose(c.explanation)}" for c in result.checks)],
    ]
    if trend:
        blocks.append(["### Trend", "", trend_markdown(trend, heading="####").rstrip("\n")])
    return join_blocks(blocks)


def check_github(result: HistoryCheck, trend: Sequence[HistoryRun]) -> tuple[str, str]:
    """(annotation lines for stdout, markdown for ``$GITHUB_STEP_SUMMARY``)."""
    lines = []
    for check in result.checks:
        level = {"failed": "error", "inconclusive": "warning", "passed": "notice"}.get(check.status)
        if level is not None:
            lines.append(annotation(level, f"tokdrift history {check.status}: {check.name}", check.explanation))
    return "\n".join(lines) + "\n", check_markdown(result, trend)


def check_junit(result: HistoryCheck) -> str:
    checks = result.checks
    failures = sum(1 for check in checks if check.status == "failed")
    skipped = sum(1 for check in checks if check.status in ("skipped", "inconclusive"))
    counts = {"tests": str(len(checks)), "failures": str(failures), "errors": "0", "skipped": str(skipped), "time": "0"}
    root = ET.Element("testsuites", {"name": JUNIT_SUITE, **counts})
    suite = ET.SubElement(root, "testsuite", {"name": JUNIT_SUITE, **counts})
    properties = ET.SubElement(suite, "properties")
    code_ = int(gates_exit_code(checks))
    for name, value in (("verdict", VERDICTS[code_]), ("exit_code", str(code_)), ("run", result.newest.run_id)):
        ET.SubElement(properties, "property", {"name": name, "value": value})
    for check in checks:
        case = ET.SubElement(suite, "testcase", {"classname": "tokdrift.history", "name": check.name, "time": "0"})
        if check.status == "failed":
            ET.SubElement(case, "failure", {"message": check.explanation, "type": "Regression"}).text = check.explanation
        elif check.status in ("inconclusive", "skipped"):
            ET.SubElement(case, "skipped", {"message": f"{check.status}: {check.explanation}"})
        ET.SubElement(case, "system-out").text = check.explanation
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
