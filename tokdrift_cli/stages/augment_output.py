"""Augment's outputs: the suite lines a case writes, and the summary of a run."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from tokdrift_cli.artifacts.augment import (
    Attempt,
    AugmentConfig,
    AugmentSummary,
    CaseAugmentation,
    RejectedCandidate,
)
from tokdrift_cli.core.diversity import diversity_report
from tokdrift_cli.core.equivalence import Outcome
from tokdrift_cli.core.stats import RateEstimate, wilson
from tokdrift_cli.core.suite import SuiteCase
from tokdrift_cli.stages.augment_candidates import MEANING_CHECK_FAILED, naming_variant

# --------------------------------------------------------------------------- output lines


def _fresh_id(base: str, number: int, taken: set[str]) -> tuple[str, int]:
    while f"{base}~v{number}" in taken:
        number += 1
    new = f"{base}~v{number}"
    taken.add(new)
    return new, number + 1


def case_lines(case: SuiteCase, result: CaseAugmentation, original_line: bytes | None,
               taken: set[str]) -> list[bytes]:
    """The case's original line, then one line per kept variant and per IR naming variant."""
    if original_line is None:
        original_line = orjson.dumps(case.model_dump(mode="json", exclude_defaults=True))
    base: dict[str, Any] = orjson.loads(original_line)
    lines = [original_line]
    number = 1

    def added(prompt: str, rule_ids: list[str], gold: Any) -> bytes:
        nonlocal number
        new_id, number = _fresh_id(case.id, number, taken)
        line = {"id": new_id, "prompt": prompt, "category": case.category, "gold": gold,
                "tests": base.get("tests", []), "base_id": case.id, "rule_ids": rule_ids}
        if "names" in base:  # a rewrite of the request leaves open what the request left open
            line["names"] = base["names"]
        return orjson.dumps(line)

    for attempt in result.attempts:
        if attempt.kept:
            lines.append(added(attempt.text, attempt.rule_ids, base["gold"]))
    naming = naming_variant(case)
    if naming is not None:
        renamed, rule_id = naming
        gold = orjson.loads(orjson.dumps(base["gold"]))
        gold["signature"]["name"] = renamed
        lines.append(added(case.prompt, [rule_id], gold))
    return lines


# --------------------------------------------------------------------------- summary


def undecided_share(tried: Sequence[Attempt]) -> RateEstimate:
    """Candidates whose comparison the checker left undecided / candidates with an IR to compare."""
    outcomes = [attempt.comparison.outcome for attempt in tried if attempt.comparison is not None]
    return wilson(sum(1 for outcome in outcomes if outcome is Outcome.UNDECIDED), len(outcomes))


def summarize_augmentation(
    config: AugmentConfig,
    results: Sequence[CaseAugmentation],
    *,
    naming_named_in_prompt: int,
    naming_single_word: int,
    generation_lm_calls: int,
    paraphrase_lm_calls: int,
    reused_units: int,
    wall_time_s: float,
) -> AugmentSummary:
    attempts = [(result, attempt) for result in results for attempt in result.attempts]
    tried = [attempt for _, attempt in attempts if attempt.generation is not None]
    kept = [attempt for attempt in tried if attempt.kept]
    variant_lines = sum(result.kept for result in results)
    naming_lines = sum(len(result.naming_rule_ids) for result in results)
    lines = len(results) + variant_lines + naming_lines
    # Every prompt of the output, in output order (a naming line repeats its case's prompt).
    texts: list[str] = []
    rule_lists: list[list[str]] = []
    for result in results:
        texts.append(result.prompt)
        for attempt in result.attempts:
            if attempt.kept:
                texts.append(attempt.text)
                rule_lists.append(attempt.rule_ids)
        for rule_id in result.naming_rule_ids:
            texts.append(result.prompt)
            rule_lists.append([rule_id])
    # Edit distance describes rewrites of the prompt; naming lines do not rewrite it.
    pairs = [(result.prompt, attempt.text) for result, attempt in attempts if attempt.kept]
    rejected = [
        RejectedCandidate(
            case_id=result.case_id, text=attempt.text, rule_ids=attempt.rule_ids, source=attempt.source,
            reason=attempt.reason or "rejected",
            differing_fields=[str(f) for f in attempt.comparison.differing_fields] if attempt.comparison else [],
            undecided_fields=[str(f) for f in attempt.comparison.undecided_fields] if attempt.comparison else [],
            detail=attempt.detail,
        )
        for result, attempt in attempts
        if not attempt.kept
    ]
    return AugmentSummary(
        originals=len(results),
        lines=lines,
        variant_lines=variant_lines,
        naming_lines=naming_lines,
        factor_target=config.factor,
        overall_factor=lines / len(results) if results else 0.0,
        cases_reaching_target=sum(result.target_reached for result in results),
        validation=wilson(len(kept), len(tried)),
        undecided_share=undecided_share(tried),
        tried=len(tried),
        kept=len(kept),
        meaning_rejected=sum(1 for _, attempt in attempts if attempt.reason == MEANING_CHECK_FAILED),
        paraphrase_failures=sum(1 for r in results for call in r.paraphrase_calls if call.outcome.text is None),
        unverifiable_cases=[result.case_id for result in results if result.note is not None],
        naming_named_in_prompt=naming_named_in_prompt,
        naming_single_word=naming_single_word,
        diversity=diversity_report(texts, pairs, rule_lists),
        rejected=rejected,
        lm_calls=generation_lm_calls + paraphrase_lm_calls,
        generation_lm_calls=generation_lm_calls,
        paraphrase_lm_calls=paraphrase_lm_calls,
        reused_units=reused_units,
        wall_time_s=wall_time_s,
    )
