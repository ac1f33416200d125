"""Families and rules that stand out: the rows `analyze` and both reports share.

A rule's flip rate alone mixes the rule with the prompts it happened to touch. The
analysis compares, prompt by prompt, a rule's flip rate with that of the prompt's
other rewrites (two-sided Wilcoxon signed-rank over the prompts), Holm-corrected
over the keys of one table; only what survives the correction is flagged.
"""

from __future__ import annotations

from collections.abc import Sequence

from tokdrift_cli.artifacts.analysis import AnalysisArtifact, PatternTest

HEADING = "Families and rules that stand out"
HEADERS = ("Family or rule", "Flips prompts", "Mean difference", "Holm p", "Prompts")


def flagged(tests: Sequence[PatternTest] | None) -> list[PatternTest]:
    """The keys whose Holm-corrected test found them flipping prompts more or fewer than the other rewrites."""
    return [
        test
        for test in tests or ()
        if test.significant and test.mean_difference is not None and test.p_adjusted is not None
    ]


def tested(tests: Sequence[PatternTest] | None) -> int:
    return sum(1 for test in tests or () if test.p_value is not None)


def explanation(analysis: AnalysisArtifact) -> str:
    """How the flags were made, or why there are none (an analysis older than the tests)."""
    if analysis.family_tests is None and analysis.rule_tests is None:
        return "Not tested: this analysis was made before tokdrift tested patterns; run `tokdrift analyze` again."
    alpha = 1.0 - analysis.config.confidence
    families, rules = tested(analysis.family_tests), tested(analysis.rule_tests)
    found = len(flagged(analysis.family_tests)) + len(flagged(analysis.rule_tests))
    verdict = f"{found} stand out." if found else "None stands out."
    return (
        "Per prompt, the flip rate of a family's (or rule's) decided variants minus that of the prompt's other "
        "decided variants, tested over the prompts (two-sided Wilcoxon signed-rank) and Holm-corrected within "
        f"{families} families and within {rules} rules tested, at alpha {alpha:.2g}. {verdict}"
    )


def rows(analysis: AnalysisArtifact) -> list[tuple[str, str, str, str, str]]:
    """Families first, then rules, each as (key, more or fewer, mean difference, Holm p, prompts)."""
    return [
        (test.key, test.direction or "", f"{test.mean_difference:+.2f}", f"{test.p_adjusted:.3g}", str(test.n_prompts))
        for tests in (analysis.family_tests, analysis.rule_tests)
        for test in flagged(tests)
    ]
