"""A figure over time as inline SVG: one line per suite and model, intervals as bands and whiskers, breaks marked.

The x axis is the run's place in the history (runs are recorded in order), labelled with its date;
the y axis is 0-100%. Each line is drawn only between runs that compare: at a break (the suite's
content, the prompts run or tokdrift's version changed) the line stops, a dashed vertical rule is
drawn with what changed, and the line starts again after it. Same runs, same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from tokdrift_cli.artifacts.history import Headline, HistoryRun
from tokdrift_cli.core.stats import RateEstimate
from tokdrift_cli.reports.svg import FONT, GRID, INK, MUTED, element
from tokdrift_cli.reports.text import compact_rate

WIDTH = 960
PLOT_HEIGHT = 240.0
LEFT, RIGHT, BOTTOM = 56.0, 24.0, 44.0
LEGEND_ROW = 17.0
TICKS = (0.0, 0.25, 0.5, 0.75, 1.0)
PALETTE = ("#3a7ca5", "#d1495b", "#66a182", "#edae49", "#8d6a9f", "#30638e", "#b5651d", "#4d4d4d")
BREAK_COLOUR = "#b3261e"
MAX_X_LABELS = 16

Reader = Callable[[Headline], RateEstimate | None]


@dataclass(frozen=True)
class Line:
    """The runs of one suite and model, with the colour they are drawn in."""

    title: str
    colour: str
    runs: list[tuple[int, HistoryRun]]  # (place in the history, run)


def _series_lines(runs: Sequence[HistoryRun], title: Callable[[HistoryRun], str]) -> list[Line]:
    keys: list[tuple[object, ...]] = []
    members: dict[tuple[object, ...], list[tuple[int, HistoryRun]]] = {}
    for index, run in enumerate(runs):
        if run.series not in members:
            keys.append(run.series)
            members[run.series] = []
        members[run.series].append((index, run))
    return [
        Line(title(members[key][0][1]), PALETTE[number % len(PALETTE)], members[key])
        for number, key in enumerate(keys)
    ]


def break_reason(before: HistoryRun, after: HistoryRun) -> str | None:
    """What changed between two runs of one line that makes their figures incomparable (None: nothing)."""
    reasons = []
    if before.source.tool_version != after.source.tool_version:
        reasons.append(f"tokdrift {before.source.tool_version} \u2192 {after.source.tool_version}")
    if before.suite.sha256 != after.suite.sha256:
        reasons.append("suite changed")
    elif before.suite.case_set != after.suite.case_set:
        reasons.append("prompts changed")
    return ", ".join(reasons) or None


def breaks_of(runs: Sequence[HistoryRun]) -> list[tuple[int, str]]:
    """(place of the first run after the break, what changed) for every break of every line."""
    found: dict[int, list[str]] = {}
    last: dict[object, HistoryRun] = {}
    for index, run in enumerate(runs):
        previous = last.get(run.series)
        reason = None if previous is None else break_reason(previous, run)
        if reason is not None:
            found.setdefault(index, []).append(f"{run.provenance.model_id or run.model}: {reason}")
        last[run.series] = run
    return [(index, "; ".join(dict.fromkeys(reasons))) for index, reasons in sorted(found.items())]


@dataclass(frozen=True)
class _Frame:
    count: int
    top: float

    @property
    def height(self) -> float:
        return self.top + PLOT_HEIGHT + BOTTOM

    @property
    def step(self) -> float:
        return (WIDTH - LEFT - RIGHT) / max(self.count, 1)

    def x(self, index: float) -> float:
        return LEFT + (index + 0.5) * self.step

    def y(self, value: float) -> float:
        return self.top + (1.0 - max(0.0, min(1.0, value))) * PLOT_HEIGHT


def _axes(frame: _Frame, runs: Sequence[HistoryRun]) -> list[str]:
    parts = ['<g class="axes">']
    for tick in TICKS:
        y = frame.y(tick)
        parts.append(element("line", x1=LEFT, y1=y, x2=WIDTH - RIGHT, y2=y, stroke=GRID, stroke_width=1))
        parts.append(element("text", f"{int(tick * 100)}%", x=LEFT - 8, y=y + 4, text_anchor="end", fill=MUTED))
    every = max(1, -(-len(runs) // MAX_X_LABELS))
    for index, run in enumerate(runs):
        if index % every == 0:
            x, y = frame.x(index), frame.top + PLOT_HEIGHT + 16
            parts.append(element("text", f"#{index + 1}", x=x, y=y, text_anchor="middle", fill=INK))
            parts.append(
                element("text", run.run_time.strftime("%m-%d"), x=x, y=y + 14, text_anchor="middle", fill=MUTED)
            )
    parts.append("</g>")
    return parts


def _segments(line: Line, read: Reader) -> list[list[tuple[int, HistoryRun, RateEstimate]]]:
    """The line's measured points, cut at every break (a line is never drawn across one)."""
    segments: list[list[tuple[int, HistoryRun, RateEstimate]]] = []
    previous: HistoryRun | None = None
    for index, run in line.runs:
        figure = read(run.headline)
        if previous is None or break_reason(previous, run) is not None:
            segments.append([])
        previous = run
        if figure is not None and figure.rate is not None and figure.low is not None and figure.high is not None:
            segments[-1].append((index, run, figure))
    return [segment for segment in segments if segment]


def _draw_segment(frame: _Frame, line: Line, metric: str, segment: list[tuple[int, HistoryRun, RateEstimate]]) -> list[str]:
    highs = [f"{frame.x(i):.1f},{frame.y(f.high or 0):.1f}" for i, _, f in segment]
    lows = [f"{frame.x(i):.1f},{frame.y(f.low or 0):.1f}" for i, _, f in reversed(segment)]
    parts = [element("polygon", class_="band", points=" ".join(highs + lows), fill=line.colour, fill_opacity="0.14")]
    if len(segment) > 1:
        centre = " ".join(f"{frame.x(i):.1f},{frame.y(f.rate or 0):.1f}" for i, _, f in segment)
        parts.append(element("polyline", class_="trend", points=centre, fill="none", stroke=line.colour, stroke_width=2.5))
    for index, run, figure in segment:
        x = frame.x(index)
        title = f"run {run.run_id} ({run.program}, {run.run_time:%Y-%m-%d %H:%M}): {metric} {compact_rate(figure)}"
        ink: dict[str, str | float] = {"stroke": line.colour, "stroke_width": 1.5}
        whisker = [element("line", x1=x, y1=frame.y(figure.low or 0), x2=x, y2=frame.y(figure.high or 0), **ink)]
        for value in (figure.low or 0, figure.high or 0):
            whisker.append(element("line", x1=x - 4, y1=frame.y(value), x2=x + 4, y2=frame.y(value), **ink))
        dot = element("circle", cx=x, cy=frame.y(figure.rate or 0), r=4.0, fill=line.colour, stroke="#ffffff")
        parts.append(element("g", "\n".join([element("title", escape(title)), *whisker, dot]), class_="point"))
    return parts


def _breaks(frame: _Frame, breaks: Sequence[tuple[int, str]]) -> list[str]:
    parts = []
    for number, (index, reason) in enumerate(breaks):
        x = frame.x(index - 0.5)
        bottom = frame.top + PLOT_HEIGHT
        dashes: dict[str, str | float] = {"stroke": BREAK_COLOUR, "stroke_width": 2, "stroke_dasharray": "6 4"}
        rule = element("line", x1=x, y1=frame.top - 6, x2=x, y2=bottom, **dashes)
        label = element(
            "text", escape(f"break: {reason}"), x=x + 5, y=frame.top + 12 + 14 * (number % 3), fill=BREAK_COLOUR, font_size=11,
            font_weight="bold",
        )
        note = element("title", escape(f"{reason}: values before and after this line are not comparable"))
        parts.append(element("g", f"{note}\n{rule}\n{label}", class_="break"))
    return parts


def _legend(lines: Sequence[Line]) -> list[str]:
    """One row per line: a swatch and the line's suite and model."""
    parts = ['<g class="legend">']
    for row, line in enumerate(lines):
        y = 8.0 + row * LEGEND_ROW
        parts.append(element("rect", x=LEFT, y=y + 2, width=18.0, height=5.0, fill=line.colour))
        parts.append(element("text", escape(line.title), x=LEFT + 26, y=y + 9, fill=INK, font_size=11))
    parts.append("</g>")
    return parts


def trend_chart(
    chart_id: str, metric: str, runs: Sequence[HistoryRun], read: Reader, title: Callable[[HistoryRun], str]
) -> str:
    """An ``<svg id=chart_id>`` of ``metric`` over the runs: lines, interval bands and whiskers, break rules."""
    lines = _series_lines(runs, title)
    frame = _Frame(len(runs), top=24.0 + LEGEND_ROW * len(lines) + 10)
    body = [element("title", escape(f"{metric} over time, with intervals"), id=f"{chart_id}-title")]
    body += _legend(lines) + _axes(frame, runs)
    for line in lines:
        group = [part for segment in _segments(line, read) for part in _draw_segment(frame, line, metric, segment)]
        body.append(element("g", "\n".join(group), class_="line", data_series=line.title))
    body += _breaks(frame, breaks_of(runs))
    return element(
        "svg",
        "\n" + "\n".join(body) + "\n",
        id=chart_id,
        class_="chart trend",
        width=WIDTH,
        height=frame.height,
        viewBox=f"0 0 {WIDTH} {frame.height:.1f}",
        role="img",
        aria_labelledby=f"{chart_id}-title",
        font_family=FONT,
        font_size=12,
    )
