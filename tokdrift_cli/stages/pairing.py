"""Pairing a before and an after baseline: the same prompts and the same variants on both sides.

The two baselines must agree on the suite hash, variants per prompt, seed,
rules, paraphrases, the set of cases and each case's prompt and variant texts
(compared as multisets: order is not meaning). Anything else differs on
purpose (model, program, temperature). A mismatch is refused; with
``allow_mismatch`` only the cases present in both with identical texts are
paired, and the dropped ones are recorded.
"""

from __future__ import annotations

from collections.abc import Sequence

from tokdrift_cli.artifacts.baseline import BaselineArtifact, CaseResult
from tokdrift_cli.artifacts.validation import Pairing
from tokdrift_cli.errors import InputError

__all__ = ["pair_baselines"]


def _texts(case: CaseResult) -> tuple[str, tuple[str, ...]]:
    return case.prompt, tuple(sorted(variant.text for variant in case.variants))


def _short(items: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f", ... ({len(items) - limit} more)" if len(items) > limit else "")


def _config_differences(before: BaselineArtifact, after: BaselineArtifact) -> list[str]:
    found = []
    old, new = before.config, after.config
    if before.provenance.suite_hash != after.provenance.suite_hash:
        found.append(f"suite hash ({before.provenance.suite_hash} vs {after.provenance.suite_hash})")
    if old.variants_per_prompt != new.variants_per_prompt:
        found.append(f"variants per prompt ({old.variants_per_prompt} vs {new.variants_per_prompt})")
    if old.seed != new.seed:
        found.append(f"seed ({old.seed} vs {new.seed})")
    if (sorted(old.rules) if old.rules is not None else None) != (sorted(new.rules) if new.rules is not None else None):
        found.append(f"rules ({old.rules or 'all'} vs {new.rules or 'all'})")
    if old.include_paraphrases != new.include_paraphrases:
        found.append(f"paraphrases ({old.include_paraphrases} vs {new.include_paraphrases})")
    return found


def pair_baselines(
    before: BaselineArtifact | None, after: BaselineArtifact, allow_mismatch: bool
) -> tuple[Pairing, list[tuple[CaseResult | None, CaseResult]]]:
    """(how the cases were matched, (before case, after case) pairs); raises InputError on a refused pairing.

    Without a before every after case stands alone (its before is None).
    """
    if before is None:
        return Pairing(mode="single", paired_cases=len(after.cases)), [(None, case) for case in after.cases]
    old_cases = {case.case_id: case for case in before.cases}
    new_cases = {case.case_id: case for case in after.cases}
    before_only = [case_id for case_id in old_cases if case_id not in new_cases]
    after_only = [case_id for case_id in new_cases if case_id not in old_cases]
    changed = [
        case_id
        for case_id, case in new_cases.items()
        if case_id in old_cases and _texts(old_cases[case_id]) != _texts(case)
    ]
    config_differences = _config_differences(before, after)
    differences = list(config_differences)
    if before_only or after_only:
        differences.append(
            f"case sets ({len(before_only)} only in before: {_short(before_only) or '-'}; "
            f"{len(after_only)} only in after: {_short(after_only) or '-'})"
        )
    if changed:
        differences.append(f"prompt or variant texts of {len(changed)} case(s) ({_short(changed)})")
    if differences and not allow_mismatch:
        raise InputError(
            "the before and after baselines are not paired runs; they differ in "
            + "; ".join(differences)
            + ". Re-run both with the same suite and variant settings, or pass --allow-mismatch "
            "to pair only the cases present in both with identical variant texts"
        )
    pairs = [
        (old_cases[case.case_id], case)
        for case in after.cases
        if case.case_id in old_cases and case.case_id not in changed
    ]
    if not pairs:
        raise InputError(
            "no case is present in both baselines with identical prompt and variant texts; nothing to pair"
        )
    dropped = len(before_only) + len(after_only) + len(changed)
    pairing = Pairing(
        mode="matched" if differences else "strict",
        paired_cases=len(pairs),
        dropped_cases=dropped,
        before_only=before_only,
        after_only=after_only,
        changed_variants=changed,
        config_differences=config_differences,
    )
    return pairing, pairs
