"""A small inline-SVG chart kit: horizontal bars with interval whiskers.

Every chart in the HTML report is "a rate per row, with its Wilson interval",
so one layout serves them all: a label column, a 0-100% plot with grid lines
and an optional reference line, and a value column that spells the number out.
Output is plain SVG markup (no scripts, no external fonts) with fixed
coordinate formatting, so the same rows always give the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from tokdrift_cli.core.stats import RateEstimate
from tokdrift_cli.reports.text import compact_rate, shorten

WIDTH = 960
CHAR_WIDTH = 7.3  # 12px monospace labels
VALUE_WIDTH = 190
RIGHT_PAD = 10
TOP = 46
BOTTOM = 10
BAR_HEIGHT = 12
BAR_GAP = 3
ROW_PAD = 4
TICKS = (0.0, 0.25, 0.5, 0.75, 1.0)
INK = "#333333"
GRID = "#d0d0d0"
MUTED = "#666666"
HIGHLIGHT = "#fbe9eb"
FONT = "ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', monospace"

Attribute = str | float | int


@dataclass(frozen=True)
class Bar:
    """One rate drawn as a bar from 0 with a whisker over its interval."""

    estimate: RateEstimate
    colour: str
    title: str
    css_class: str = "bar"


@dataclass(frozen=True)
class Row:
    """One mark of the chart (a prompt, a rule, a category): a label and one or more bars."""

    label: str
    title: str
    bars: tuple[Bar, ...]
    css_class: str = ""
    highlight: bool = False


@dataclass(frozen=True)
class Reference:
    """A dashed vertical line at ``value`` (a threshold, a pooled rate)."""

    value: float
    label: str


@dataclass(frozen=True)
class LegendItem:
    colour: str
    label: str
    dashed: bool = False


@dataclass(frozen=True)
class _Layout:
    label_width: float
    plot_x: float
    plot_width: float

    def x(self, value: float) -> float:
        return self.plot_x + max(0.0, min(1.0, value)) * self.plot_width


def _num(value: float) -> str:
    """Fixed one-decimal coordinates: deterministic and compact."""
    return f"{value:.1f}".removesuffix(".0")


def element(name: str, text: str | None = None, /, **attributes: Attribute) -> str:
    """``<name a="..."/>`` or ``<name a="...">text</name>``; attribute ``class_`` -> ``class``, ``_`` -> ``-``.

    ``text`` must already be escaped (it may hold child elements).
    """
    parts = [name]
    for key, value in attributes.items():
        shown = _num(value) if isinstance(value, float) else str(value)
        parts.append(f'{key.rstrip("_").replace("_", "-")}="{escape(shown, quote=True)}"')
    opening = " ".join(parts)
    return f"<{opening}/>" if text is None else f"<{opening}>{text}</{name}>"


def _row_pad(row: Row) -> float:
    """Grouped rows get more air, so the eye reads each group as one thing."""
    return ROW_PAD if len(row.bars) == 1 else 2.5 * ROW_PAD


def _row_height(row: Row) -> float:
    return len(row.bars) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP + 2 * _row_pad(row)


def _layout(rows: Sequence[Row]) -> _Layout:
    longest = max((len(row.label) for row in rows), default=8)
    label_width = min(max(longest * CHAR_WIDTH + 16, 90.0), 330.0)
    return _Layout(label_width, label_width, WIDTH - label_width - VALUE_WIDTH - RIGHT_PAD)


def interval_chart(
    chart_id: str,
    title: str,
    rows: Sequence[Row],
    *,
    legend: Sequence[LegendItem] = (),
    reference: Reference | None = None,
) -> str:
    """An ``<svg id=chart_id>`` with one ``<g class="mark ...">`` per row, each carrying a ``<title>``."""
    layout = _layout(rows)
    height = TOP + sum(_row_height(row) for row in rows) + BOTTOM
    opening = element(
        "svg",
        "",
        id=chart_id,
        class_="chart",
        width=WIDTH,
        height=height,
        viewBox=f"0 0 {WIDTH} {_num(height)}",
        role="img",
        aria_labelledby=f"{chart_id}-title",
        font_family=FONT,
        font_size=12,
    ).removesuffix("</svg>")
    parts = [opening, element("title", escape(title), id=f"{chart_id}-title")]
    parts += _legend(legend, layout)
    parts += _bands(rows)
    parts += _grid(layout, height)
    y = float(TOP)
    for row in rows:
        parts += _row(row, layout, y)
        y += _row_height(row)
    if reference is not None:
        parts += _reference(reference, layout, height)
    parts.append("</svg>")
    return "\n".join(parts)


def _bands(rows: Sequence[Row]) -> list[str]:
    """Tinted full-width bands behind highlighted rows, drawn first so everything sits on top."""
    bands, y = [], float(TOP)
    for row in rows:
        if row.highlight:
            bands.append(element("rect", class_="band", x=0, y=y, width=WIDTH, height=_row_height(row), fill=HIGHLIGHT))
        y += _row_height(row)
    return bands


def _legend(items: Sequence[LegendItem], layout: _Layout) -> list[str]:
    parts = ['<g class="legend">']
    x = layout.plot_x
    for item in items:
        if item.dashed:
            dash: dict[str, Attribute] = {"stroke": item.colour, "stroke_width": 2, "stroke_dasharray": "4 3"}
            parts.append(element("line", x1=x, y1=12.0, x2=x + 12, y2=12.0, **dash))
        else:
            parts.append(element("rect", x=x, y=6.0, width=12.0, height=12.0, fill=item.colour))
        parts.append(element("text", escape(item.label), x=x + 17, y=16.0))
        x += 17 + len(item.label) * CHAR_WIDTH + 18
    parts.append("</g>")
    return parts


def _grid(layout: _Layout, height: float) -> list[str]:
    parts = ['<g class="grid">']
    for tick in TICKS:
        x = layout.x(tick)
        parts.append(element("line", x1=x, y1=float(TOP - 6), x2=x, y2=height - BOTTOM, stroke=GRID, stroke_width=1))
        label = f"{int(tick * 100)}%"
        parts.append(element("text", label, x=x, y=float(TOP - 10), text_anchor="middle", fill=MUTED))
    parts.append("</g>")
    return parts


def _reference(reference: Reference, layout: _Layout, height: float) -> list[str]:
    x = layout.x(reference.value)
    dash: dict[str, Attribute] = {"stroke": INK, "stroke_width": 1.5, "stroke_dasharray": "5 4"}
    line = element("line", x1=x, y1=float(TOP - 4), x2=x, y2=height - BOTTOM, **dash)
    return ['<g class="reference">', element("title", escape(reference.label)), line, "</g>"]


def _row(row: Row, layout: _Layout, top: float) -> list[str]:
    label_y = top + _row_height(row) / 2 + 4
    max_chars = int((layout.label_width - 16) / CHAR_WIDTH)
    label = escape(shorten(row.label, max_chars))
    css = " ".join(filter(None, ("mark", row.css_class)))
    parts = [
        element("g", "", class_=css, data_key=row.label).removesuffix("</g>"),
        element("title", escape(row.title)),
        element("text", label, x=layout.label_width - 10, y=label_y, text_anchor="end", fill=INK),
    ]
    for index, bar in enumerate(row.bars):
        y = top + _row_pad(row) + index * (BAR_HEIGHT + BAR_GAP)
        parts += _bar(bar, layout, y, titled=len(row.bars) > 1)
    parts.append("</g>")
    return parts


def _bar(bar: Bar, layout: _Layout, y: float, *, titled: bool) -> list[str]:
    """Bar, whisker with caps, and a dot at the estimate (visible even at 0%); then the number."""
    estimate = bar.estimate
    parts = [f'<g class="{escape(bar.css_class)}">']
    if titled:
        parts.append(element("title", escape(bar.title)))
    middle = y + BAR_HEIGHT / 2
    if estimate.rate is not None and estimate.low is not None and estimate.high is not None:
        width = layout.x(estimate.rate) - layout.plot_x
        box: dict[str, Attribute] = {"x": layout.plot_x, "y": y, "width": width, "height": float(BAR_HEIGHT)}
        parts.append(element("rect", **box, fill=bar.colour, shape_rendering="crispEdges"))
        low, high = layout.x(estimate.low), layout.x(estimate.high)
        ink: dict[str, Attribute] = {"stroke": INK, "stroke_width": 1.5}
        parts.append(element("line", x1=low, y1=middle, x2=high, y2=middle, **ink))
        for x in (low, high):
            parts.append(element("line", x1=x, y1=middle - 4, x2=x, y2=middle + 4, **ink))
        parts.append(element("circle", cx=layout.x(estimate.rate), cy=middle, r=3.0, fill=INK))
    value_x = WIDTH - VALUE_WIDTH - RIGHT_PAD + 12
    parts.append(element("text", escape(compact_rate(estimate)), x=value_x, y=middle + 4, fill=INK, font_size=11))
    parts.append("</g>")
    return parts
