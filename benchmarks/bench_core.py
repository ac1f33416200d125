"""Benchmark 6: core throughput of variant generation and IR equivalence.

Rates on 10,000 prompts / 10,000 IR pairs, then the share of a baseline's wall
time that this work takes (target: at most 1% each). The baseline figure is the
committed core-suite run (baselines/baseline_core_local.json), whose own
prompts and IR pairs are timed too.

    python benchmarks/bench_core.py [--n 10000]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

from _common import REPO, check, write_result

from tokdrift_cli.artifacts.baseline import BaselineArtifact
from tokdrift_cli.artifacts.io import read_artifact
from tokdrift_cli.core.equivalence import compare_irs
from tokdrift_cli.core.gold import match_gold
from tokdrift_cli.core.ir import IR
from tokdrift_cli.core.suite import default_suite_path, load_suite
from tokdrift_cli.core.variants import generate_variants

TARGET_SHARE = 0.01
VARIANTS_PER_PROMPT = 5
BASELINE = REPO / "baselines" / "baseline_core_local.json"


def _prompts(n: int, seed: int) -> list[str]:
    """n distinct prompts: the suite's prompts and paraphrases, each with a distinct identifier appended."""
    suite = load_suite(default_suite_path())
    texts = [case.prompt for case in suite.cases] + [p for case in suite.cases for p in case.paraphrases]
    rng = random.Random(seed)
    return [f"{rng.choice(texts)} Name the helper variable item_{i}." for i in range(n)]


def _ir_pairs(artifact: BaselineArtifact, n: int, seed: int) -> list[tuple[IR, IR]]:
    """n pairs drawn from the real model's IRs (variant vs original), equivalent and not."""
    pairs = [
        (v.generation.ir, case.original.ir)
        for case in artifact.cases
        for v in case.variants
        if v.generation.ir is not None and case.original.ir is not None
    ]
    rng = random.Random(seed)
    return [rng.choice(pairs) for _ in range(n)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args()
    artifact = read_artifact(Path(BASELINE), BaselineArtifact)

    prompts = _prompts(args.n, seed=0)
    started = time.perf_counter()
    made = sum(len(generate_variants(p, count=VARIANTS_PER_PROMPT, seed=0)) for p in prompts)
    variant_s = time.perf_counter() - started

    pairs = _ir_pairs(artifact, args.n, seed=0)
    started = time.perf_counter()
    equivalent = sum(compare_irs(a, b).equivalent for a, b in pairs)
    compare_s = time.perf_counter() - started

    # What one baseline run of the core suite needs: its prompts' variants, and every
    # comparison scoring makes (variant vs original, and each generation vs gold).
    suite = load_suite(default_suite_path())
    started = time.perf_counter()
    for case in suite.cases:
        generate_variants(case.prompt, count=VARIANTS_PER_PROMPT, seed=0)
    suite_variant_s = time.perf_counter() - started
    gold = {case.id: case.gold for case in suite.cases}
    started = time.perf_counter()
    comparisons = 0
    for case in artifact.cases:
        generations = [case.original.ir] + [v.generation.ir for v in case.variants]
        for ir in generations:
            if ir is not None:
                match_gold(ir, gold[case.case_id])
                comparisons += 1
                if case.original.ir is not None:
                    compare_irs(ir, case.original.ir)
                    comparisons += 1
    suite_compare_s = time.perf_counter() - started
    wall = artifact.summary.wall_time_s

    figures = {
        "variant_prompts_per_s": args.n / variant_s,
        "variants_made": made,
        "ir_pairs_per_s": args.n / compare_s,
        "equivalent_share": equivalent / args.n,
        "baseline_wall_s": wall,
        "baseline_variant_s": suite_variant_s,
        "baseline_variant_share": suite_variant_s / wall,
        "baseline_comparisons": comparisons,
        "baseline_compare_s": suite_compare_s,
        "baseline_compare_share": suite_compare_s / wall,
    }
    print(
        f"variant generation: {figures['variant_prompts_per_s']:,.0f} prompts/s ({made} variants from {args.n} prompts)"
    )
    print(f"IR equivalence:     {figures['ir_pairs_per_s']:,.0f} pairs/s ({equivalent} of {args.n} equivalent)")
    print(
        f"share of the core baseline's {wall:.0f} s: variants {figures['baseline_variant_share']:.4%}, "
        f"{comparisons} comparisons {figures['baseline_compare_share']:.4%}"
    )
    met = figures["baseline_variant_share"] <= TARGET_SHARE and figures["baseline_compare_share"] <= TARGET_SHARE
    print(check(met, f"target <= {TARGET_SHARE:.0%} of a baseline's wall time"))
    write_result("core_throughput", {"n": args.n, "target_share": TARGET_SHARE, "met": met, "figures": figures})
    return 0


if __name__ == "__main__":
    sys.exit(main())
