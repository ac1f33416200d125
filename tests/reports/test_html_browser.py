"""The HTML report in a real headless Chromium: it renders, the charts are drawn, and the page works.

Skipped when /usr/bin/chromium is missing. The screenshot is decoded with the
pure-Python reader in ``png.py`` and the chart colours are counted, which
proves the inline SVG was laid out and painted, not just parsed. The filter,
folding and links are driven through the DevTools protocol (``cdp.py``): real
mouse clicks on summaries and links, a selection in the filter, and the
query-string presets; the highlight colours are counted in screenshots.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reports.cdp import CHROMIUM, FLAGS, Browser, render_page
from tests.reports.factories import make_analysis
from tests.reports.png import hex_to_rgb, read_png
from tokdrift_cli.reports.charts import (
    CATEGORY_CHART_ID,
    FAMILY_CHART_ID,
    FLIP_COLOUR,
    FRAGILE_COLOUR,
    PROMPT_CHART_ID,
    ROBUST_COLOUR,
    ROBUSTNESS_COLOUR,
    RULE_CHART_ID,
)
from tokdrift_cli.reports.html_report import render_html_report


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    if not CHROMIUM.exists():
        pytest.skip("chromium is not installed at /usr/bin/chromium")
    return render_page(render_html_report(make_analysis()), tmp_path_factory.mktemp("browser"), "report")


def test_screenshot_shows_the_chart_bars(rendered: tuple[Path, str]) -> None:
    screenshot, _ = rendered
    image = read_png(screenshot)
    assert (image.width, image.height) == (1200, 2400)
    for colour in (FRAGILE_COLOUR, ROBUST_COLOUR, FLIP_COLOUR, ROBUSTNESS_COLOUR):
        assert image.count(hex_to_rgb(colour)) > 500, colour


def test_dom_has_the_charts_and_no_injected_script(rendered: tuple[Path, str]) -> None:
    _, dom = rendered
    for chart_id in (PROMPT_CHART_ID, RULE_CHART_ID, FAMILY_CHART_ID, CATEGORY_CHART_ID):
        assert f'id="{chart_id}"' in dom
    assert dom.count("<script") == 1  # the report's own; the prompt's <script> stayed text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom


INSERTED = "#9ff0b4"  # the background of <ins> in the report's style
DELETED = "#ffc1bd"  # the background of <del>


@pytest.fixture
def browser(tmp_path: Path) -> Browser:
    if not CHROMIUM.exists():
        pytest.skip("chromium is not installed at /usr/bin/chromium")
    page = tmp_path / "report.html"
    page.write_text(render_html_report(make_analysis()), encoding="utf-8")
    flags = [flag for flag in FLAGS if not flag.startswith("--window-size")]
    session = Browser(CHROMIUM, tmp_path / "cdp-profile", flags)
    session.page = page.as_uri()  # type: ignore[attr-defined]
    yield session  # type: ignore[misc]
    session.close()


def _hidden(browser: Browser) -> dict[str, bool]:
    return browser.evaluate(
        "Object.fromEntries([...document.querySelectorAll('details.prompt')].map(e => [e.id, e.hidden]))"
    )


def test_filter_by_family_and_priority(browser: Browser) -> None:
    browser.open(browser.page, 1200, 1400)  # type: ignore[attr-defined]
    assert browser.evaluate("document.getElementById('filters').hidden") is False
    assert browser.evaluate("document.getElementById('filter-count').textContent") == "3 of 3 fragile prompts shown"
    browser.evaluate(
        "(() => { const s = document.getElementById('filter-family'); s.value = 'casing';"
        " s.dispatchEvent(new Event('change')); })()"
    )
    assert _hidden(browser) == {"prompt-pipe-001": False, "prompt-mid_002": False, "prompt-low-003": True}
    rows = browser.evaluate("[...document.querySelectorAll('tr[data-filter-priority]')].map(r => r.hidden)")
    assert rows == [False, False, True]
    browser.evaluate(
        "(() => { const s = document.getElementById('filter-priority'); s.value = 'P1';"
        " s.dispatchEvent(new Event('change')); })()"
    )
    assert _hidden(browser) == {"prompt-pipe-001": True, "prompt-mid_002": False, "prompt-low-003": True}
    assert browser.evaluate("document.getElementById('filter-count').textContent") == "1 of 3 fragile prompts shown"
    assert browser.evaluate("location.search") == "?family=casing&priority=P1"  # a link to this view


def test_query_string_presets_the_filter(browser: Browser) -> None:
    browser.open(browser.page + "?family=synonym", 1200, 1400)  # type: ignore[attr-defined]
    assert _hidden(browser) == {"prompt-pipe-001": True, "prompt-mid_002": True, "prompt-low-003": False}
    assert browser.evaluate("document.getElementById('filter-family').value") == "synonym"


def test_clicks_fold_and_unfold_and_a_link_opens_its_prompt(browser: Browser, tmp_path: Path) -> None:
    browser.open(browser.page, 1200, 1400)  # type: ignore[attr-defined]
    is_open = "document.getElementById('prompt-mid_002').open"
    assert browser.evaluate(is_open) is False  # prompt sections start folded
    browser.click("#prompt-mid_002 > summary")
    assert browser.evaluate(is_open) is True
    browser.click("#prompt-mid_002 > summary")
    assert browser.evaluate(is_open) is False
    browser.click('a[href="#prompt-mid_002"]')  # the table's link unfolds the section it points at
    assert browser.evaluate(is_open) is True
    browser.click("#collapse-all")
    assert browser.evaluate("[...document.querySelectorAll('details')].some(e => e.open)") is False
    browser.click("#details > details > summary")
    browser.click("#expand-all")
    assert browser.evaluate("[...document.querySelectorAll('details')].every(e => e.open)") is True


def test_highlights_are_painted(browser: Browser, tmp_path: Path) -> None:
    browser.open(browser.page + "?open=all", 1200, 1400)  # type: ignore[attr-defined]
    shot = tmp_path / "prompt.png"
    browser.screenshot(shot, "#prompt-mid_002")
    image = read_png(shot)
    assert image.count(hex_to_rgb(INSERTED)) > 200
    assert image.count(hex_to_rgb(DELETED)) > 200
    folded = tmp_path / "folded.png"
    browser.open(browser.page + "?open=none", 1200, 1400)  # type: ignore[attr-defined]
    browser.screenshot(folded, "#details")
    assert read_png(folded).count(hex_to_rgb(INSERTED)) == 0  # folded: nothing of the diffs shows
