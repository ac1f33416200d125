"""Score the IR equivalence checker on the labelled pairs, tuning and held-out parts apart.

Writes docs/results/equivalence.md (and prints it):

    python benchmarks/equivalence_pairs.py [PAIRS.jsonl] [--output PATH]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tokdrift_cli.core.equivalence import evaluate_pairs, load_labeled_pairs
from tokdrift_cli.core.equivalence.report import render_markdown

REPO = Path(__file__).resolve().parent.parent
COMMAND = "python benchmarks/equivalence_pairs.py"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pairs", nargs="?", type=Path, default=REPO / "tests" / "data" / "ir_pairs.jsonl")
    parser.add_argument("--output", type=Path, default=REPO / "docs" / "results" / "equivalence.md")
    args = parser.parse_args(argv)
    pairs = load_labeled_pairs(args.pairs)
    evaluations = [evaluate_pairs(pairs, split=split) for split in ("tune", "heldout")]
    page = render_markdown(pairs, evaluations, command=COMMAND)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(page, encoding="utf-8")
    sys.stdout.write(page)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
