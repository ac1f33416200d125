"""Benchmark 4: start-up time of `tokdrift --help` and `tokdrift suite validate` (target: at most 0.5 s).

Each command runs as a fresh process, as a user types it; the median of several
runs is reported beside a bare `python -c pass`, the floor no CLI can beat.

    python benchmarks/bench_startup.py [--runs 9]
"""

from __future__ import annotations

import argparse
import sys

from _common import check, median, run_timed, tokdrift_argv, write_result

from tokdrift_cli.core.suite import default_suite_path

TARGET_S = 0.5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "tokdrift --help": tokdrift_argv("--help"),
        "tokdrift suite validate core.jsonl": tokdrift_argv("suite", "validate", str(default_suite_path())),
    }
    figures = {}
    for label, argv in commands.items():
        run_timed(argv)  # warm the file cache once
        runs = [run_timed(argv) for _ in range(args.runs)]
        if any(run.returncode != 0 for run in runs):
            print(f"{label} failed: {runs[0].stderr}", file=sys.stderr)
            return 1
        figures[label] = {"median_s": median([r.wall_s for r in runs]), "runs_s": [r.wall_s for r in runs]}
        print(f"{label:40s} median {figures[label]['median_s']:.3f} s over {args.runs} runs")
    met = all(figures[k]["median_s"] <= TARGET_S for k in commands if k.startswith("tokdrift"))
    print(check(met, f"target <= {TARGET_S} s"))
    write_result("startup", {"target_s": TARGET_S, "met": met, "figures": figures})
    return 0


if __name__ == "__main__":
    sys.exit(main())
