"""The HTML report in a real headless Chromium: it renders, and the charts are really drawn.

Skipped when /usr/bin/chromium is missing. The screenshot is decoded with the
pure-Python reader in ``png.py`` and the chart colours are counted, which
proves the inline SVG was laid out and painted, not just parsed.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

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

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--force-color-profile=srgb",  # screenshot pixels keep the exact CSS colours
    "--window-size=1200,2400",
]


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"
    command = [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    if not CHROMIUM.exists():
        pytest.skip("chromium is not installed at /usr/bin/chromium")
    tmp_path = tmp_path_factory.mktemp("browser")
    page = tmp_path / "report.html"
    page.write_text(render_html_report(make_analysis()), encoding="utf-8")
    screenshot = tmp_path / "report.png"
    shot = _chromium(tmp_path, f"--screenshot={screenshot}", page.as_uri())
    assert screenshot.exists(), shot.stderr[-2000:]
    dump = _chromium(tmp_path, "--dump-dom", page.as_uri())
    assert dump.returncode == 0, dump.stderr[-2000:]
    return screenshot, dump.stdout


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
    assert "<script" not in dom  # the prompt's <script> stayed text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
