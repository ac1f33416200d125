"""Which rewrite rules (and families) break prompts more often than the other rewrites, corrected for testing many.

For a rule r and each prompt with decided variants both made by r and not made by r, the
difference d = flip rate of r's variants - flip rate of the prompt's other variants. Comparing
within a prompt takes the prompt's own difficulty out (a hard prompt flips under every rule).
A two-sided Wilcoxon signed-rank test on the d's asks whether r stands out; with fewer than 6
prompts that differ it is not run. Holm's correction over the rules tested in one table (and
apart over the families) keeps the chance of any false flag at alpha: the tests share prompts and
variants, so they are dependent, and Holm holds under any dependence (Benjamini-Hochberg's false
discovery rate needs independence or positive dependence, which is not given here).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from tokdrift_cli.artifacts.analysis import PatternTest
from tokdrift_cli.artifacts.baseline import CaseResult
from tokdrift_cli.core.stats import holm, wilcoxon_two_sided


def _flip_rate(flags: Sequence[bool]) -> float:
    return sum(1 for robust in flags if not robust) / len(flags)


def within_prompt_differences(
    cases: Sequence[CaseResult], key: str, keys_of: Callable[[list[str]], Iterable[str]]
) -> list[float]:
    """Per prompt with both: flip rate of the variants made by ``key`` - flip rate of its other decided variants."""
    differences = []
    for case in cases:
        decided = [
            (set(keys_of(variant.rule_ids)), variant.robust) for variant in case.variants if variant.robust is not None
        ]
        with_key = [bool(robust) for keys, robust in decided if key in keys]
        without = [bool(robust) for keys, robust in decided if key not in keys]
        if with_key and without:
            differences.append(_flip_rate(with_key) - _flip_rate(without))
    return differences


def pattern_tests(
    cases: Sequence[CaseResult], keys_of: Callable[[list[str]], Iterable[str]], alpha: float
) -> list[PatternTest]:
    """One test per key, Holm-adjusted over the keys that could be tested; by key."""
    keys = sorted({key for case in cases for variant in case.variants for key in keys_of(variant.rule_ids)})
    raw = []
    for key in keys:
        differences = within_prompt_differences(cases, key, keys_of)
        p_value, nonzero, note = wilcoxon_two_sided(differences)
        mean = sum(differences) / len(differences) if differences else None
        raw.append((key, differences, p_value, nonzero, note, mean))
    tested = [p_value for _, _, p_value, _, _, _ in raw if p_value is not None]
    adjusted = iter(holm(tested))
    found = []
    for key, differences, p_value, nonzero, note, mean in raw:
        corrected = next(adjusted) if p_value is not None else None
        significant = corrected is not None and corrected < alpha
        direction = None if not significant or mean is None else "more" if mean > 0 else "fewer"
        found.append(
            PatternTest(
                key=key, n_prompts=len(differences), n_nonzero=nonzero, mean_difference=mean, p_value=p_value,
                p_adjusted=corrected, significant=significant, direction=direction, note=note,
            )
        )
    return found
