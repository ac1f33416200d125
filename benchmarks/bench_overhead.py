"""Benchmarks 1, 3 and 7: harness overhead, re-run cost and peak memory of `tokdrift baseline`.

1. The same prompts and variants through `tokdrift baseline` (embedded model) and
   through plain_llama.py, a script that calls llama-cpp-python directly with the
   very prompts, grammar and settings tokdrift sends (captured beforehand, untimed).
   Both are timed as whole processes: start-up, imports, model load, every call.
   Target: tokdrift at most 1.10x the plain script. The answers are compared too.
   The two alternate (plain first in odd rounds, tokdrift first in even ones) and
   the medians are compared, so neither side always gets the warm cache.
3. The finished run again: zero LM calls, at most 3% of the cold run's wall time.
7. Peak RSS of the cold `tokdrift baseline` process: at most 1 GiB.

    python benchmarks/bench_overhead.py [--limit 20] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from _common import Timed, check, median, run_timed, tokdrift_argv, write_result
from _recording import record_calls

from tokdrift_cli.artifacts.baseline import BaselineArtifact, BaselineConfig
from tokdrift_cli.artifacts.io import read_artifact
from tokdrift_cli.core.suite import default_suite_path, load_suite
from tokdrift_cli.engines.llama_engine import DEFAULT_CONTEXT
from tokdrift_cli.engines.resolve import embedded_weights_path
from tokdrift_cli.programs.ir_generator import SpecDraft, build_default_program, to_ir
from tokdrift_cli.stages.baseline import plan_cases

TARGET_OVERHEAD = 1.10
TARGET_RERUN_SHARE = 0.03
TARGET_RSS_BYTES = 1 << 30
MAX_TOKENS = 512  # the baseline default


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=20, help="cases of the core suite (default: 20 of 45)")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    suite_path = default_suite_path()
    config = BaselineConfig(
        suite=str(suite_path), model="local", program="default", variants_per_prompt=5, seed=0,
        temperature=0.0, max_tokens=MAX_TOKENS, limit=args.limit,
    )  # fmt: skip
    units = [unit for planned in plan_cases(load_suite(suite_path), config) for unit in planned.units()]
    weights = embedded_weights_path()
    recorded = record_calls(
        build_default_program(), [text for _, text in units], model_path=weights, max_tokens=MAX_TOKENS
    )
    env = {**os.environ, "NO_COLOR": "1"}

    with tempfile.TemporaryDirectory() as work:
        job = Path(work) / "job.json"
        job.write_text(json.dumps({"model_path": str(weights), "n_ctx": DEFAULT_CONTEXT, "seed": 0,
                                   "calls": [asdict(call) for call in recorded]}))  # fmt: skip
        answers_path = Path(work) / "answers.json"
        output = Path(work) / "baseline.json"
        argv = tokdrift_argv("baseline", "--limit", str(args.limit), "--output", str(output))
        plain_argv = [sys.executable, str(Path(__file__).with_name("plain_llama.py")), str(job), str(answers_path)]
        plains: list[Timed] = []
        colds: list[Timed] = []
        for round_number in range(args.rounds):
            order = ("plain", "tokdrift") if round_number % 2 == 0 else ("tokdrift", "plain")
            for side in order:
                timed = run_timed(plain_argv) if side == "plain" else run_timed([*argv, "--restart"], env=env)
                if timed.returncode != 0:
                    print(timed.stderr, file=sys.stderr)
                    return 1
                (plains if side == "plain" else colds).append(timed)
        written = output.read_bytes()
        rerun = run_timed(argv, env=env)
        untouched = output.read_bytes() == written and "up to date" in rerun.stderr
        artifact = read_artifact(output, BaselineArtifact)
        answers = json.loads(answers_path.read_text())

    by_text = {(case.case_id, case.prompt): case.original.ir for case in artifact.cases}
    by_text.update({(case.case_id, v.text): v.generation.ir for case in artifact.cases for v in case.variants})
    same = sum(
        1
        for (key, text), answer in zip(units, answers, strict=True)
        if _ir_of(answer) == by_text[(key.split("\x1f")[0], text)]
    )
    plain_s = median([t.wall_s for t in plains])
    cold_s = median([t.wall_s for t in colds])
    overhead = cold_s / plain_s
    rerun_share = rerun.wall_s / cold_s
    peak = max(t.peak_rss_bytes for t in colds)
    plain_peak = max(t.peak_rss_bytes for t in plains)
    figures = {
        "calls": len(recorded),
        "plain_wall_s": [t.wall_s for t in plains],
        "tokdrift_wall_s": [t.wall_s for t in colds],
        "plain_median_s": plain_s,
        "tokdrift_median_s": cold_s,
        "overhead_ratio": overhead,
        "same_answers": same,
        "rerun_wall_s": rerun.wall_s,
        "rerun_share": rerun_share,
        "rerun_lm_calls": 0 if untouched else None,
        "tokdrift_peak_rss_bytes": peak,
        "plain_peak_rss_bytes": plain_peak,
        "rerun_peak_rss_bytes": rerun.peak_rss_bytes,
    }
    mib = 1 << 20
    print(
        f"{len(recorded)} calls, {args.rounds} rounds: plain llama.cpp median {plain_s:.1f} s, "
        f"tokdrift baseline median {cold_s:.1f} s -> {overhead:.3f}x; identical IRs {same}/{len(recorded)}"
    )
    print(
        f"re-run: {rerun.wall_s:.2f} s = {rerun_share:.2%} of the cold run; output untouched, no LM call: {untouched}"
    )
    print(f"peak RSS: tokdrift {peak / mib:.0f} MiB, plain script {plain_peak / mib:.0f} MiB")
    met = {
        "overhead": overhead <= TARGET_OVERHEAD,
        "rerun": rerun_share <= TARGET_RERUN_SHARE and untouched,
        "memory": peak <= TARGET_RSS_BYTES,
    }
    print(check(met["overhead"], f"overhead <= {TARGET_OVERHEAD}x"))
    print(check(met["rerun"], f"re-run <= {TARGET_RERUN_SHARE:.0%} with zero LM calls"))
    print(check(met["memory"], "peak RSS <= 1 GiB"))
    write_result("overhead_rerun_memory", {"limit": args.limit, "rounds": args.rounds, "met": met, "figures": figures})
    return 0


def _ir_of(answer: str) -> object:
    try:
        return to_ir(SpecDraft.model_validate_json(answer))
    except ValueError:
        return None


if __name__ == "__main__":
    sys.exit(main())
