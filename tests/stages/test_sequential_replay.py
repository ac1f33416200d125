"""The replay script: where `baseline --until-decided` would have stopped on the committed core baseline."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_baseline_decides_a_clear_threshold_early_and_agrees_with_the_full_run(tmp_path: Path) -> None:
    module = runpy.run_path(str(ROOT / "benchmarks" / "sequential_replay.py"))
    output = tmp_path / "replay.json"
    baseline = ROOT / "baselines" / "baseline_core_local.json"
    assert module["main"]([str(baseline), "--fail-under", "0.6", "--seeds", "5", "--output", str(output)]) == 0
    (row,) = json.loads(output.read_text(encoding="utf-8"))["rows"]
    own = row["own_seed"]
    # Pooled robustness 0.286 against 0.6: decided "failed", as the full run, with a fraction of its 45 prompts.
    assert row["full_run_decision"] == own["decision"] == "failed"
    assert own["prompts"] < own["of"] // 2 and not own["certain"]
    assert row["decisions"] == {"passed": 0, "failed": 5} and row["max_prompts"] < 45
    assert own["high"] < 0.6
