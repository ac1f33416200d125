"""Benchmark 5: remote concurrency. `--workers 8` against `--workers 1` on a server with 200 ms latency.

A local OpenAI-compatible server (fake_openai_server.py) answers every request
after a fixed delay, like a remote provider; the same baseline runs with 1 and
with 8 workers. Target: at least 6x faster, with identical results case by case.

    python benchmarks/bench_remote.py [--limit 45] [--delay 0.2]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from _common import check, run_timed, tokdrift_argv, write_result
from fake_openai_server import serving

from tokdrift_cli.artifacts.baseline import BaselineArtifact
from tokdrift_cli.artifacts.io import read_artifact

TARGET_SPEEDUP = 6.0


def _outputs(artifact: BaselineArtifact) -> list[object]:
    return [
        (case.case_id, case.original.ir, [(v.text, v.generation.ir, v.robust) for v in case.variants])
        for case in artifact.cases
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=45, help="cases of the core suite (default: all 45)")
    parser.add_argument("--delay", type=float, default=0.2)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()
    env = {**os.environ, "OPENAI_API_KEY": "sk-local-benchmark", "NO_COLOR": "1"}
    runs = {}
    with tempfile.TemporaryDirectory() as work, serving(args.delay) as (url, handler):
        for workers in (1, args.workers):
            output = Path(work) / f"workers{workers}.json"
            argv = tokdrift_argv(
                "baseline", "--model", "openai/fake-remote", "--api-base", url, "--limit", str(args.limit),
                "--workers", str(workers), "--output", str(output),
            )  # fmt: skip
            timed = run_timed(argv, env=env)
            if timed.returncode != 0:
                print(timed.stderr, file=sys.stderr)
                return 1
            artifact = read_artifact(output, BaselineArtifact)
            runs[workers] = (timed, artifact, handler.max_in_flight)
            handler.max_in_flight = 0
    (serial, serial_artifact, _), (parallel, parallel_artifact, in_flight) = runs[1], runs[args.workers]
    identical = _outputs(serial_artifact) == _outputs(parallel_artifact)
    speedup = serial.wall_s / parallel.wall_s
    # The stage's own wall time (recorded in the artifact) leaves out process start-up and imports.
    stage_speedup = serial_artifact.summary.wall_time_s / parallel_artifact.summary.wall_time_s
    calls = serial_artifact.summary.lm_calls
    print(
        f"{calls} calls at {args.delay * 1000:.0f} ms: workers 1 {serial.wall_s:.1f} s, "
        f"workers {args.workers} {parallel.wall_s:.1f} s -> {speedup:.1f}x (max {in_flight} requests in flight)"
    )
    print(
        f"stage wall time without start-up: {serial_artifact.summary.wall_time_s:.1f} s vs "
        f"{parallel_artifact.summary.wall_time_s:.1f} s -> {stage_speedup:.1f}x"
    )
    print(f"identical results case by case: {identical}")
    met = speedup >= TARGET_SPEEDUP and identical
    print(check(met, f"target >= {TARGET_SPEEDUP:.0f}x with identical results"))
    write_result(
        "remote_concurrency",
        {
            "target_speedup": TARGET_SPEEDUP,
            "met": met,
            "figures": {
                "calls": calls,
                "delay_s": args.delay,
                "workers": args.workers,
                "serial_wall_s": serial.wall_s,
                "parallel_wall_s": parallel.wall_s,
                "speedup": speedup,
                "serial_stage_s": serial_artifact.summary.wall_time_s,
                "parallel_stage_s": parallel_artifact.summary.wall_time_s,
                "stage_speedup": stage_speedup,
                "max_in_flight": in_flight,
                "identical": identical,
            },
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
