"""Judge a finished baseline's answers again with this version's checker, without a model call.

A better checker changes verdicts, not generations. Rescoring takes every
generation exactly as the baseline recorded it (originals, variants, repeats,
controls) and scores it with the code a baseline run scores with, so the
figures are those this version would give on the same answers. What the run
spent (wall time, LM calls, cost) and when it ran (``created_at``) are the
original run's: rescoring spends nothing a reader should count, and a run
history keeps the run in its place.
"""

from __future__ import annotations

from tokdrift_cli.artifacts.baseline import BaselineArtifact, CaseResult
from tokdrift_cli.artifacts.header import InputFile
from tokdrift_cli.core.suite import Suite, SuiteCase
from tokdrift_cli.core.variants import ControlVariant
from tokdrift_cli.errors import InputError
from tokdrift_cli.stages.scoring import PlannedVariant, score_case, summarize

RESCORED_ROLE = "rescored baseline"


def rescore_baseline(artifact: BaselineArtifact, suite: Suite, source: InputFile) -> BaselineArtifact:
    """``artifact`` with every comparison made again; ``source`` names the file it was read from."""
    _check_rescorable(artifact, suite)
    by_id = {case.id: case for case in suite.cases}
    missing = [case.case_id for case in artifact.cases if case.case_id not in by_id]
    if missing:
        raise InputError(f"the suite {suite.path} has no case {missing[0]!r} of this baseline; pass --suite")
    results = [_rescored(by_id[case.case_id], case) for case in artifact.cases]
    spent = artifact.summary
    summary = summarize(
        results,
        fragile_threshold=artifact.config.fragile_threshold,
        max_failure_share=artifact.config.max_failure_share,
        wall_time_s=spent.wall_time_s,
        resumed_generations=spent.resumed_generations,
        lm_calls=spent.lm_calls,
    ).model_copy(update={"decoding": spent.decoding, "cost": spent.cost, "stop": spent.stop})
    return BaselineArtifact(
        created_at=artifact.created_at,  # when the answers were made: the run's time in a history
        inputs=[*artifact.inputs, source],
        provenance=artifact.provenance,
        config=artifact.config,
        cases=results,
        summary=summary,
    )


def _check_rescorable(artifact: BaselineArtifact, suite: Suite) -> None:
    if artifact.config.judge_model is not None:
        raise InputError(
            f"this baseline was judged by {artifact.config.judge_model}; rescoring uses no judge: "
            "re-run it with `tokdrift baseline` on the same --output to judge again"
        )
    if artifact.config.until_decided is not None:
        raise InputError(
            "this baseline stopped by a sequential decision (--until-decided) that new verdicts could change; "
            "re-run it with `tokdrift baseline` on the same --output"
        )
    if artifact.provenance.suite_hash not in (None, suite.sha256):
        raise InputError(f"the baseline was made on another version of the suite {suite.path}; pass --suite")


def _rescored(case: SuiteCase, recorded: CaseResult) -> CaseResult:
    variants = [
        (PlannedVariant(variant.text, tuple(variant.rule_ids), variant.source), variant.generation)
        for variant in recorded.variants
    ]
    controls = None
    if recorded.sensitivity is not None or recorded.controls:
        controls = [
            (ControlVariant(text=control.text, rule_id=control.rule_id), control.generation)
            for control in recorded.controls
        ]
    return score_case(case, recorded.original, variants, recorded.repeats, controls)
