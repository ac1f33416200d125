"""The regression check on synthetic histories: a slow slide alerts through the window, noise does not."""

from __future__ import annotations

import pytest

from tests.history_factory import make_history, make_run
from tokdrift_cli.core.gates import gates_exit_code
from tokdrift_cli.core.stats import wilson
from tokdrift_cli.core.trend import TrendSettings, compare, downward_trend_p
from tokdrift_cli.errors import ExitCode
from tokdrift_cli.stages.history import check_history, comparable_before

N = 250  # about the decided variants of the 45-prompt core suite
SETTINGS = TrendSettings()
# Deterministic jitter of at most 1.2 points (3 of 250), well inside one run's interval (about +-5 points).
JITTER = [0, 2, -3, 1, -1, 3, -2, 0, 2, -3, 1, -1, 3, -2, 0, 2, -3, 1, -1, 3]


def _robustness_checks(runs: list) -> dict[str, str]:
    result = check_history(runs, SETTINGS)
    return {check.against: check.status for check in result.checks if check.metric == "robustness"}


def test_a_slide_of_one_point_per_run_fails_the_window_and_never_the_previous_run() -> None:
    counts = [round(N * (0.80 - 0.01 * step)) + JITTER[step] // 2 for step in range(16)]
    history = make_history(counts, N)
    first_alert = None
    for step in range(1, len(history)):
        statuses = _robustness_checks(history[: step + 1])
        assert statuses["previous"] == "passed", step  # one point at a time is never significant
        if statuses.get("window") == "failed" and first_alert is None:
            first_alert = step
    assert first_alert is not None and first_alert <= 8
    final = check_history(history, SETTINGS)
    assert gates_exit_code(final.checks) is ExitCode.GATE_FAILED
    window = next(c for c in final.checks if c.metric == "robustness" and c.against == "window")
    assert window.method == "kendall trend" and window.p_value is not None and window.p_value < 0.01
    assert window.drop is not None and window.drop > 0.04


def test_noise_within_the_intervals_never_alerts() -> None:
    history = make_history([200 + jitter for jitter in JITTER], N)
    for step in range(1, len(history)):
        result = check_history(history[: step + 1], SETTINGS)
        assert [c.name for c in result.checks if c.status == "failed"] == [], step
        assert gates_exit_code(result.checks) is ExitCode.OK


def test_a_sudden_drop_fails_against_the_previous_run() -> None:
    history = make_history([200, 201, 199, 200, 160], N)
    statuses = _robustness_checks(history)
    assert statuses["previous"] == "failed"


def test_max_drop_fails_a_drop_that_is_not_significant() -> None:
    history = make_history([15, 13], 18)
    assert _robustness_checks(history)["previous"] == "passed"
    strict = check_history(history, TrendSettings(max_drop=0.05))
    failed = [c for c in strict.checks if c.status == "failed"]
    assert [c.name for c in failed] == ["robustness vs previous"]
    assert "--max-drop" in failed[0].explanation


def test_no_earlier_comparable_run_is_inconclusive() -> None:
    result = check_history(make_history([200], N), SETTINGS)
    assert gates_exit_code(result.checks) is ExitCode.INCONCLUSIVE
    assert result.previous is None


def test_a_tokdrift_upgrade_is_a_break_nothing_before_it_compares() -> None:
    runs = [*make_history([200, 200, 200], N), make_run(3, 150, N, tool_version="0.2.0")]
    assert comparable_before(runs, 3) == []
    assert gates_exit_code(check_history(runs, SETTINGS).checks) is ExitCode.INCONCLUSIVE


def test_another_model_is_another_line() -> None:
    runs = [make_run(0, 200, N), make_run(1, 100, N, model_id="other"), make_run(2, 199, N)]
    result = check_history(runs, SETTINGS)
    assert result.previous is runs[0]
    assert gates_exit_code(result.checks) is ExitCode.OK


def test_a_figure_not_measured_is_skipped_and_n_zero_is_inconclusive() -> None:
    runs = [make_run(0, 200, N, sensitivity=None), make_run(1, 0, 0)]
    statuses = {c.name: c.status for c in check_history(runs, SETTINGS).checks}
    assert statuses["sensitivity vs previous"] == "skipped"
    assert statuses["robustness vs previous"] == "inconclusive"


@pytest.mark.parametrize(
    ("rates", "expected_none"), [([0.5, 0.4], True), ([0.5, 0.5, 0.5], True), ([0.9, 0.8, 0.7, 0.6, 0.5], False)]
)
def test_trend_p_needs_three_varied_runs(rates: list[float], expected_none: bool) -> None:
    assert (downward_trend_p(rates) is None) is expected_none


def test_a_rise_passes_even_with_a_tiny_p() -> None:
    check = compare("robustness", "previous", wilson(90, 100), wilson(50, 100), SETTINGS, given_p=("paired wilcoxon", 0.001))
    assert check.status == "passed" and check.drop is not None and check.drop < 0
