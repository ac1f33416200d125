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
HIGHLIGHT = "#fbe9eb"
FONT = "ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', monospace"


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
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _attrs(**values: str | float) -> str:
    parts = []
    for key, value in values.items():
        text = _num(value) if isinstance(value, float) else str(value)
        parts.append(f'{key.rstrip("_").replace("_", "-")}="{escape(text, quote=True)}"')
    return " ".join(parts)


def _row_pad(row: Row) -> float:
    """Grouped rows get more air, so the eye reads each group as one thing."""
    return ROW_PAD if len(row.bars) == 1 else 2.5 * ROW_PAD


def _row_height(row: Row) -> float:
    return len(row.bars) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP + 2 * _row_pad(row)


def _layout(rows: Sequence[Row]) -> _Layout:
    longest = max((len(row.label) for row in rows), default=8)
    label_width = min(max(longest * CHAR_WIDTH + 16, 90.0), 330.0)
    plot_x = label_width
    return _Layout(label_width, plot_x, WIDTH - plot_x - VALUE_WIDTH - RIGHT_PAD)


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
    parts = [
        f'<svg {_attrs(id=chart_id, class_="chart", width=str(WIDTH), height=_num(height))} '
        f'viewBox="0 0 {WIDTH} {_num(height)}" role="img" aria-labelledby="{escape(chart_id)}-title" '
        f'font-family="{escape(FONT, quote=True)}" font-size="12">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
    ]
    parts += _legend(legend, layout)
    y = float(TOP)
    bands = []
    for row in rows:
        if row.highlight:
            bands.append(f'<rect {_attrs(class_="band", x=0.0, y=y, width=float(WIDTH), height=_row_height(row), fill=HIGHLIGHT)}/>')
        y += _row_height(row)
    parts += bands
    parts += _grid(layout, height)
    y = float(TOP)
    for row in rows:
        parts += _row(row, layout, y)
        y += _row_height(row)
    if reference is not None:
        parts += _reference(reference, layout, height)
    parts.append("</svg>")
    return "\n".join(parts)


def _legend(items: Sequence[LegendItem], layout: _Layout) -> list[str]:
    parts = ['<g class="legend">']
    x = layout.plot_x
    for item in items:
        if item.dashed:
            parts.append(
                f'<line {_attrs(x1=x, y1=12.0, x2=x + 12, y2=12.0, stroke=item.colour, stroke_width="2", stroke_dasharray="4 3")}/>'
            )
        else:
            parts.append(f'<rect {_attrs(x=x, y=6.0, width=12.0, height=12.0, fill=item.colour)}/>')
        parts.append(f'<text {_attrs(x=x + 17, y=16.0)}>{escape(item.label)}</text>')
        x += 17 + len(item.label) * CHAR_WIDTH + 18
    parts.append("</g>")
    return parts


def _grid(layout: _Layout, height: float) -> list[str]:
    parts = ['<g class="grid">']
    for tick in TICKS:
        x = layout.x(tick)
        parts.append(f'<line {_attrs(x1=x, y1=float(TOP - 6), x2=x, y2=height - BOTTOM, stroke=GRID, stroke_width="1")}/>')
        parts.append(f'<text {_attrs(x=x, y=float(TOP - 10), text_anchor="middle", fill="#666666")}>{int(tick * 100)}%</text>')
    parts.append("</g>")
    return parts


def _reference(reference: Reference, layout: _Layout, height: float) -> list[str]:
    x = layout.x(reference.value)
    line = _attrs(
        x1=x, y1=float(TOP - 4), x2=x, y2=height - BOTTOM, stroke=INK, stroke_width="1.5", stroke_dasharray="5 4"
    )
    return [
        '<g class="reference">',
        f"<title>{escape(reference.label)}</title>",
        f"<line {line}/>",
        "</g>",
    ]


def _row(row: Row, layout: _Layout, top: float) -> list[str]:
    label_y = top + _row_height(row) / 2 + 4
    max_chars = int((layout.label_width - 16) / CHAR_WIDTH)
    parts = [
        f'<g {_attrs(class_=" ".join(filter(None, ("mark", row.css_class))), data_key=row.label)}>',
        f"<title>{escape(row.title)}</title>",
        f'<text {_attrs(x=layout.label_width - 10, y=label_y, text_anchor="end", fill=INK)}>'
        f"{escape(shorten(row.label, max_chars))}</text>",
    ]
    for index, bar in enumerate(row.bars):
        y = top + _row_pad(row) + index * (BAR_HEIGHT + BAR_GAP)
        parts += _bar(bar, layout, y, titled=len(row.bars) > 1)
    parts.append("</g>")
    return parts


def _bar(bar: Bar, layout: _Layout, y: float, *, titled: bool) -> list[str]:
    estimate = bar.estimate
    parts = [f'<g {_attrs(class_=bar.css_class)}>']
    if titled:
        parts.append(f"<title>{escape(bar.title)}</title>")
    middle = y + BAR_HEIGHT / 2
    if estimate.rate is not None and estimate.low is not None and estimate.high is not None:
        width = layout.x(estimate.rate) - layout.plot_x
        parts.append(
            f'<rect {_attrs(x=layout.plot_x, y=y, width=width, height=float(BAR_HEIGHT), fill=bar.colour, shape_rendering="crispEdges")}/>'
        )
        low, high = layout.x(estimate.low), layout.x(estimate.high)
        whisker = _attrs(stroke=INK, stroke_width="1.5")
        parts.append(f'<line {_attrs(x1=low, y1=middle, x2=high, y2=middle)} {whisker}/>')
        for x in (low, high):
            parts.append(f'<line {_attrs(x1=x, y1=middle - 4, x2=x, y2=middle + 4)} {whisker}/>')
        # The point estimate, visible even when the bar has zero width.
        parts.append(f'<circle {_attrs(cx=layout.x(estimate.rate), cy=middle, r=3.0, fill=INK)}/>')
    value_x = WIDTH - VALUE_WIDTH - RIGHT_PAD + 12
    parts.append(f'<text {_attrs(x=value_x, y=middle + 4, fill=INK, font_size="11")}>{escape(compact_rate(estimate))}</text>')
    parts.append("</g>")
    return parts
