"""Where `baseline --until-decided` would have stopped on a finished baseline, replayed without a model.

The baseline's recorded per-prompt outcomes are fed, in the seeded visiting order a run with that
seed uses, to the same stop rule `baseline --until-decided` runs (tokdrift_cli.stages.stopping),
until it decides. A run with the baseline's own seed gives one stopping point; other seeds show
how much the stopping point depends on the order (the decision's error rate does not: it is at
most alpha for every order). No LM call is made.

    python benchmarks/sequential_replay.py baselines/baseline_core_local.json --fail-under 0.5 0.6 0.7
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

from tokdrift_cli.artifacts.baseline import BaselineArtifact, SequentialSettings
from tokdrift_cli.artifacts.io import read_artifact
from tokdrift_cli.stages.stopping import StopRule

RESULTS = Path(__file__).resolve().parent / "results"


def replay(artifact: BaselineArtifact, fail_under: float, alpha: float, seed: int) -> dict[str, Any]:
    """Feed the recorded prompts in the visiting order of ``seed`` until the rule decides."""
    config = artifact.config.model_copy(
        update={"seed": seed, "until_decided": SequentialSettings(fail_under=fail_under, alpha=alpha)}
    )
    cases = {case.case_id: case for case in artifact.cases}
    rule = StopRule.for_run(config, list(cases), max(len(case.variants) for case in artifact.cases))
    assert rule is not None
    for case_id in rule.order:
        rule.finish_case(cases[case_id])
        if rule.should_stop():
            break
    state = rule.state()
    assert state is not None
    return {
        "seed": seed,
        "decision": state.decision,
        "prompts": state.seen,
        "of": state.population,
        "certain": state.certain,
        "low": round(state.low, 4),
        "high": round(state.high, 4),
    }


def summarise(artifact: BaselineArtifact, fail_under: float, alpha: float, seeds: int) -> dict[str, Any]:
    own = replay(artifact, fail_under, alpha, artifact.config.seed)
    others = [replay(artifact, fail_under, alpha, seed) for seed in range(seeds)]
    stops = [item["prompts"] for item in others]
    pooled = artifact.summary.robustness
    return {
        "fail_under": fail_under,
        "alpha": alpha,
        "full_run_robustness": pooled.rate,
        "full_run_decision": "passed" if (pooled.rate or 0.0) >= fail_under else "failed",
        "own_seed": own,
        "seeds": seeds,
        "median_prompts": statistics.median(stops),
        "max_prompts": max(stops),
        "decisions": {name: sum(item["decision"] == name for item in others) for name in ("passed", "failed")},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("baseline", type=Path)
    parser.add_argument("--fail-under", type=float, nargs="+", default=[0.5])
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--seeds", type=int, default=200, help="other visiting orders to replay")
    parser.add_argument("--output", type=Path, default=RESULTS / "sequential_replay.json")
    args = parser.parse_args(argv)
    artifact = read_artifact(args.baseline, BaselineArtifact)
    rows = [summarise(artifact, threshold, args.alpha, args.seeds) for threshold in args.fail_under]
    for row in rows:
        own = row["own_seed"]
        print(
            f"fail-under {row['fail_under']}: full run {row['full_run_robustness']:.3f} ({row['full_run_decision']}); "
            f"seed {own['seed']}: {own['decision']} after {own['prompts']} of {own['of']} prompts "
            f"[{own['low']}, {own['high']}]; {row['seeds']} orders: median {row['median_prompts']} prompts, "
            f"at most {row['max_prompts']}, decisions {row['decisions']}"
        )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps({"baseline": str(args.baseline), "rows": rows}, indent=2) + "\n", encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
