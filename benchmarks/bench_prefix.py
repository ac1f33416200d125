"""Benchmark 2: shared-prefix reuse. Time per call with 3 demos against 0 demos (target: at most 1.2x).

Few-shot demos make every prompt start with the same long prefix. The engine
keeps llama.cpp's evaluated tokens between calls, so only the new request is
read. Three arms on the same prompts, run as blocks (a block must not be
interleaved with another arm, or it would evict the shared prefix), twice:

- 0 demos;
- 3 demos (the shipped program), prefix kept between calls;
- 3 demos with the cache reset before every call: what the lever saves.

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
    texts = [case.prompt for case in load_suite(default_suite_path()).cases][: args.prompts]
    model = resolve_model("local", ModelSettings(max_tokens=512))
    llama = model.engine._model()
    zero_shot = build_default_program()
    zero_shot.generate.demos = []
    arms = {
        "0 demos": (DspyIRRunner(zero_shot, model.lm), False),
        "3 demos, prefix kept": (DspyIRRunner(build_default_program(), model.lm), False),
        "3 demos, no reuse": (DspyIRRunner(build_default_program(), model.lm), True),
    }
    latencies: dict[str, list[float]] = defaultdict(list)
    tokens: dict[str, list[int]] = defaultdict(list)
    inputs: dict[str, list[int]] = defaultdict(list)
    try:
        for _ in range(args.rounds):
            for name, (runner, reset) in arms.items():
                runner.generate(texts[-1])  # put this arm's prefix in the cache, as in a long run
                for text in texts:
                    if reset:
                        llama.reset()
                    generation = runner.generate(text)
                    latencies[name].append(generation.latency_s)
                    tokens[name].append(generation.output_tokens)
                    inputs[name].append(generation.input_tokens)
    finally:
        model.close()
    figures = {
        name: {
            "median_call_s": statistics.median(latencies[name]),
            "mean_output_tokens": statistics.fmean(tokens[name]),
            "mean_input_tokens": statistics.fmean(inputs[name]),
            "calls": len(latencies[name]),
        }
        for name in arms
    }
    base = figures["0 demos"]["median_call_s"]
    for name, row in figures.items():
        row["ratio_to_zero_demos"] = row["median_call_s"] / base
        print(f"{name:22s} median {row['median_call_s']:.3f} s/call ({row['ratio_to_zero_demos']:.2f}x), "
              f"input {row['mean_input_tokens']:.0f} tok, output {row['mean_output_tokens']:.1f} tok")  # fmt: skip
    met = figures["3 demos, prefix kept"]["ratio_to_zero_demos"] <= TARGET_RATIO
    print(check(met, f"3 demos at most {TARGET_RATIO}x the 0-demo time per call"))
    write_result("prefix_reuse", {"target_ratio": TARGET_RATIO, "met": met, "prompts": len(texts), "figures": figures})
    return 0


if __name__ == "__main__":
    sys.exit(main())
