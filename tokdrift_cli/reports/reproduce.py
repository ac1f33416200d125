"""The exact commands that reproduce one fragile prompt: the rewrite alone, then the prompt through the model.

``tokdrift variants PROMPT --rule RULE`` shows the rewrite without a model;
``tokdrift baseline --case ID`` with the settings the analysed baseline ran
with measures that one prompt again, and ``analyze``/``report`` show it.
Arguments are shell-quoted, so a prompt with quotes or ``$`` pastes safely.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from tokdrift_cli.artifacts.analysis import AnalysisArtifact, BrokenVariant, FragilePrompt

SHIPPED_CORE_SUITE = "tokdrift_cli/data/suites/core.jsonl"  # what `--suite` defaults to
# The command line's defaults, left out of the command so it stays short.
DEFAULTS = {"model": "local", "program": "default", "temperature": 0.0, "max_tokens": 512, "controls": 0}
PARAPHRASE_FAMILY = "paraphrase"  # hand-written in the suite: no rule makes it


def _slug(case_id: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in case_id) or "prompt"


def _comment(text: str) -> str:
    """``text`` safe inside a shell comment: a suite's case id may hold a newline, which would end the comment."""
    return " ".join(text.split())


def repro_output(case_ids: Sequence[str]) -> str:
    """The file the reproduce command writes (a plain name: slugged, never quoted)."""
    return f"repro-{_slug(case_ids[0])}.json" if len(case_ids) == 1 else "repro.json"


def baseline_command(analysis: AnalysisArtifact, case_ids: Sequence[str]) -> str:
    """``tokdrift baseline --case ...`` with every setting of the analysed run that is not the default."""
    output = repro_output(case_ids)
    words = ["tokdrift", "baseline", *(part for case_id in case_ids for part in ("--case", case_id))]
    config = analysis.baseline_config
    if config is None:
        return shlex.join([*words, "--suite", "SUITE.jsonl", "--output", output]) + "  # the suite the baseline ran"
    if not config.suite.replace("\\", "/").endswith(SHIPPED_CORE_SUITE):
        words += ["--suite", config.suite]
    settings = {
        "--model": config.model,
        "--api-base": config.api_base,
        "--program": config.program,
        "--temperature": config.temperature,
        "--max-tokens": config.max_tokens,
        "--controls": config.controls,
        "--judge-model": config.judge_model,
    }
    for option, value in settings.items():
        if value is not None and value != DEFAULTS.get(option.removeprefix("--").replace("-", "_")):
            words += [option, str(value)]
    words += ["--variants", str(config.variants_per_prompt), "--seed", str(config.seed)]
    if not config.include_paraphrases:
        words.append("--no-paraphrases")
    return shlex.join([*words, "--output", output])


def variant_command(prompt: str, variant: BrokenVariant) -> str | None:
    """``tokdrift variants`` limited to the rules that made ``variant``; None for a hand-written paraphrase."""
    if not variant.rule_ids or PARAPHRASE_FAMILY in variant.families:
        return None
    rules = [part for rule in variant.rule_ids for part in ("--rule", rule)]
    return shlex.join(["tokdrift", "variants", prompt, *rules])


def reproduce_lines(analysis: AnalysisArtifact, item: FragilePrompt, variant: BrokenVariant | None = None) -> list[str]:
    """Shell lines, commented, that show the rewrite and measure the prompt again."""
    example = variant or next((v for v in item.broken_variants if variant_command(item.prompt, v)), None)
    lines = []
    rewrite = variant_command(item.prompt, example) if example is not None else None
    if rewrite is not None:
        rules = _comment(", ".join(example.rule_ids))  # type: ignore[union-attr]
        lines += [f"# the rewrite ({rules}), no model needed", rewrite]
    output = repro_output([item.case_id])
    lines += [
        f"# {_comment(item.case_id)} and its variants through the generator, with the settings of the analysed run",
        baseline_command(analysis, [item.case_id]),
        f"tokdrift analyze {output} --output repro-analysis.json",
        "tokdrift report repro-analysis.json --output REPRO.md --html repro.html",
    ]
    return lines
