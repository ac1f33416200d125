"""Benchmark 2: shared-prefix reuse. Time per call with 3 demos against 0 demos (target: at most 1.2x).

Few-shot demos make every prompt start with the same long prefix. The engine
keeps llama.cpp's evaluated tokens between calls, so only the new request is
read. Three arms on the same prompts, run as blocks (a block must not be
interleaved with another arm, or it would evict the shared prefix), twice:

- 0 demos;
- 3 demos (the shipped program), prefix kept between calls;
- 3 demos with the cache reset before every call: what the lever saves.

The arms' answers differ in length (without demos the model writes other
specs), so each arm is also timed reading the prompt alone (answers capped
at one token): that isolates what the shared prefix costs.

    python benchmarks/bench_prefix.py [--prompts 12] [--rounds 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections import defaultdict

from _common import check, write_result

from tokdrift_cli.core.suite import default_suite_path, load_suite
from tokdrift_cli.engines.resolve import ModelSettings, resolve_model
from tokdrift_cli.programs.ir_generator import build_default_program
from tokdrift_cli.programs.runner import DspyIRRunner

TARGET_RATIO = 1.2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    cases = load_suite(default_suite_path()).cases
    texts = [case.prompt for case in cases][: args.prompts]
    warm_up = cases[args.prompts % len(cases)].prompt  # not one of the measured prompts
    model = resolve_model("local", ModelSettings(max_tokens=512))
    llama = model.engine._model()
    reading = model.with_max_tokens(1)
    zero_shot = build_default_program()
    zero_shot.generate.demos = []
    arms = {
        "0 demos": (zero_shot, False),
        "3 demos, prefix kept": (build_default_program(), False),
        "3 demos, no reuse": (build_default_program(), True),
    }
    latencies: dict[str, list[float]] = defaultdict(list)
    reading_s: dict[str, list[float]] = defaultdict(list)
    tokens: dict[str, list[int]] = defaultdict(list)
    try:
        for _ in range(args.rounds):
            for name, (program, reset) in arms.items():
                for lm, sink in ((model.lm, latencies), (reading, reading_s)):
                    runner = DspyIRRunner(program, lm)
                    runner.generate(warm_up)  # put this arm's prefix in the cache, as in a long run
                    for text in texts:
                        if reset:
                            llama.reset()
                        generation = runner.generate(text)
                        sink[name].append(generation.latency_s)
                        if lm is model.lm:
                            tokens[name].append(generation.output_tokens)
    finally:
        model.close()
    figures = {
        name: {
            "median_call_s": statistics.median(latencies[name]),
            "median_reading_s": statistics.median(reading_s[name]),
            "mean_output_tokens": statistics.fmean(tokens[name]),
            "calls": len(latencies[name]) + len(reading_s[name]),
        }
        for name in arms
    }
    base = figures["0 demos"]
    for name, row in figures.items():
        row["ratio_to_zero_demos"] = row["median_call_s"] / base["median_call_s"]
        row["reading_ratio_to_zero_demos"] = row["median_reading_s"] / base["median_reading_s"]
        print(f"{name:22s} call {row['median_call_s']:.3f} s ({row['ratio_to_zero_demos']:.2f}x, "
              f"{row['mean_output_tokens']:.1f} output tok); reading the prompt {row['median_reading_s']:.3f} s "
              f"({row['reading_ratio_to_zero_demos']:.2f}x)")  # fmt: skip
    met = figures["3 demos, prefix kept"]["ratio_to_zero_demos"] <= TARGET_RATIO
    print(check(met, f"3 demos at most {TARGET_RATIO}x the 0-demo time per call"))
    write_result("prefix_reuse", {"target_ratio": TARGET_RATIO, "met": met, "prompts": len(texts), "figures": figures})
    return 0


if __name__ == "__main__":
    sys.exit(main())
