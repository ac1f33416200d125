"""The run history as a self-contained HTML page: each figure over time, one line per suite and model.

Like the fragility report it opens offline: inline styles and SVG, no script, a Content-Security-Policy
that forbids every fetch, and every recorded text escaped. Where a line has a break (the suite, the
prompts run or tokdrift's version changed) the page says, above the charts, that values across it are
not comparable.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from tokdrift_cli.artifacts.history import METRICS, HistoryRun
from tokdrift_cli.reports.history_text import by_series, series_title
from tokdrift_cli.reports.html_report import STYLE
from tokdrift_cli.reports.html_script import STATIC_CSP
from tokdrift_cli.reports.text import compact_rate
from tokdrift_cli.reports.trend_chart import breaks_of, trend_chart

CHART_IDS = {metric: f"trend-{metric.replace(' ', '-')}" for metric in METRICS}
EXTRA_STYLE = """
.break-note { border: 2px solid #b3261e; background: #fbe9eb; padding: 8px 12px; margin: 1em 0; }
.break-note strong { color: #b3261e; }
""".strip()
CAPTIONS = {
    "robustness": "Robustness (variants whose spec matches the original's, over decided variants)",
    "accuracy": "Accuracy on the requests (one per prompt) against gold",
    "input accuracy": "Accuracy on every input (each request and its variants) against gold",
    "sensitivity": "Sensitivity (meaning-changing controls whose spec changed)",
}


def _break_note(runs: Sequence[HistoryRun]) -> str:
    breaks = breaks_of(runs)
    if not breaks:
        return ""
    items = "".join(f"<li>before run #{index + 1} ({escape(runs[index].run_id)}): {escape(why)}</li>" for index, why in breaks)
    return (
        '<div class="break-note" id="break-note"><strong>Values across a break are not comparable.</strong> '
        "A dashed red rule marks each run where the suite, the prompts run or tokdrift's version changed; "
        f"the lines are not drawn across it, and <code>history check</code> compares no run with one before it.<ul>{items}</ul></div>"
    )


def _charts(runs: Sequence[HistoryRun]) -> list[str]:
    figures = []
    for metric, read in METRICS.items():
        if all(read(run.headline) is None for run in runs):
            continue
        chart = trend_chart(CHART_IDS[metric], metric, runs, read, series_title)
        caption = f"{CAPTIONS[metric]}: each point with its 95% Wilson interval (whisker and band)."
        figures.append(f"<figure><figcaption>{escape(caption)}</figcaption>\n{chart}\n</figure>")
    return figures


def _runs_tables(runs: Sequence[HistoryRun]) -> list[str]:
    place = {id(run): index for index, run in enumerate(runs)}
    headers = ["#", "run", "time (UTC)", "commit", "program", *METRICS, "tokdrift"]
    tables = []
    for title, members in by_series(runs):
        rows = []
        for run in members:
            figures = [read(run.headline) for read in METRICS.values()]
            cells = [
                str(place[id(run)] + 1),
                run.run_id,
                f"{run.run_time:%Y-%m-%d %H:%M}",
                run.git.commit[:8] if run.git else "",
                run.program,
                *("not measured" if figure is None else compact_rate(figure) for figure in figures),
                run.source.tool_version,
            ]
            rows.append("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in cells) + "</tr>")
        head = "<tr>" + "".join(f"<th>{escape(header)}</th>" for header in headers) + "</tr>"
        tables.append(f"<h3>{escape(title)}</h3>\n<table>\n{head}\n" + "\n".join(rows) + "\n</table>")
    return tables


def render_history_html(runs: Sequence[HistoryRun]) -> str:
    """The whole page for the runs, oldest first; identical runs give identical bytes."""
    lines = len(by_series(runs))
    first, last = runs[0].run_time, runs[-1].run_time
    summary = (
        f"{len(runs)} runs on {lines} line{'s' if lines != 1 else ''} (suite and model), "
        f"from {first:%Y-%m-%d} to {last:%Y-%m-%d}. The x axis is the order runs were recorded in; "
        "the time of a run is the time its artifact was made."
    )
    body = [
        "<h1>tokdrift: robustness over time</h1>",
        f"<p>{escape(summary)}</p>",
        _break_note(runs),
        '<section id="charts">\n<h2>Trends</h2>',
        *_charts(runs),
        "</section>",
        '<section id="runs">\n<h2>Runs</h2>',
        *_runs_tables(runs),
        "</section>",
    ]
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{STATIC_CSP}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            "<title>tokdrift: robustness over time</title>",
            f"<style>\n{STYLE}\n{EXTRA_STYLE}\n</style>",
            "</head>",
            "<body>",
            "<main>",
            *[part for part in body if part],
            "</main>",
            "</body>",
            "</html>",
            "",
        ]
    )
