"""The trend page in a real headless Chromium: lines, interval bands and break rules are painted.

Skipped when /usr/bin/chromium is missing. The screenshot's pixels are counted per colour with the
pure-Python PNG reader of the report tests; the DOM is checked for the break note.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.history_factory import make_run
from tests.reports.cdp import CHROMIUM, render_page
from tests.reports.png import hex_to_rgb, read_png
from tokdrift_cli.artifacts.history import HistoryRun
from tokdrift_cli.reports.history_html import render_history_html
from tokdrift_cli.reports.trend_chart import BREAK_COLOUR, PALETTE

SCREENSHOT_COPY = Path("/tmp/tokdrift-trends.png")  # kept for a person to look at


def synthetic_history() -> list[HistoryRun]:
    """Two models interleaved; the first upgrades tokdrift after six runs, the second changes its suite."""
    runs = []
    for index in range(12):
        first_version = "0.1.0" if index < 6 else "0.2.0"
        runs.append(make_run(2 * index, 150 + 4 * index - (20 if index >= 6 else 0), 250, tool_version=first_version))
        suite = "a" * 64 if index < 8 else "b" * 64
        runs.append(make_run(2 * index + 1, 120 - 2 * index, 250, model_id="openai/gpt-4o-mini", suite_sha=suite))
    return runs


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    if not CHROMIUM.exists():
        pytest.skip("chromium is not installed at /usr/bin/chromium")
    screenshot, dom = render_page(render_history_html(synthetic_history()), tmp_path_factory.mktemp("trends"), "trends")
    SCREENSHOT_COPY.write_bytes(screenshot.read_bytes())
    return screenshot, dom


def test_screenshot_shows_both_lines_and_the_break_rules(rendered: tuple[Path, str]) -> None:
    image = read_png(rendered[0])
    assert image.count(hex_to_rgb(PALETTE[0])) > 1500
    assert image.count(hex_to_rgb(PALETTE[1])) > 1500
    assert image.count(hex_to_rgb(BREAK_COLOUR)) > 800  # dashed rules, labels and the note's border


def test_dom_says_values_across_a_break_do_not_compare(rendered: tuple[Path, str]) -> None:
    dom = rendered[1]
    assert "Values across a break are not comparable." in dom
    assert "tokdrift 0.1.0 \u2192 0.2.0" in dom and "suite changed" in dom
    assert dom.count('class="break"') == 2 * 4  # two breaks in each of the four charts
    assert 'id="trend-sensitivity"' in dom and "<script" not in dom
