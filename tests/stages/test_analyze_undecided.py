"""analyze with undecided comparisons: never listed as a differing field, never fragile on their own.

The fake generators answer through the real DSPy stack; their effects are worded per prompt text
with a made-up word, which the deterministic text tier can only leave undecided.
"""

from __future__ import annotations

from pathlib import Path

from tests.fakes import WordingEngine
from tests.stages.test_baseline import make_inputs, runner_for
from tokdrift_cli.artifacts.baseline import BaselineArtifact
from tokdrift_cli.core.equivalence import IRField, Outcome
from tokdrift_cli.stages.analyze import analyze_baseline
from tokdrift_cli.stages.baseline import run_baseline


def baseline(suite: Path, engine: WordingEngine, **overrides: object) -> BaselineArtifact:
    return run_baseline(make_inputs(suite, **overrides), runner_for(engine))


def test_a_generator_whose_outputs_are_all_undecided_is_not_measured(mini_suite_path: Path) -> None:
    artifact = baseline(mini_suite_path, WordingEngine(), repeats=2)
    variants = [variant for case in artifact.cases for variant in case.variants]
    assert variants and all(variant.outcome is Outcome.UNDECIDED and variant.robust is None for variant in variants)
    summary = artifact.summary
    assert summary.robustness.n == 0 and summary.robustness.rate is None  # not 0%, not 100%
    assert (summary.undecided_share.successes, summary.undecided_share.n) == (len(variants), len(variants))
    assert summary.fragile_cases == [] and summary.mean_prompt_robustness is None
    assert summary.unmeasurable_cases == [case.case_id for case in artifact.cases] == summary.unmeasured_cases
    assert all(row.n == 0 and row.flip_rate.rate is None for row in summary.per_rule)

    analysis = analyze_baseline(artifact)
    assert analysis.summary.robustness.rate is None and analysis.summary.fragile_count == 0
    assert analysis.summary.unmeasurable_cases == summary.unmeasurable_cases
    assert analysis.prompt_robustness == [] and analysis.fragile_prompts == []
    assert analysis.noise_floor.variant_flip_rate.n == 0
    assert analysis.noise_floor.disagreement is not None and analysis.noise_floor.disagreement.successes == 0
    assert analysis.noise_floor.note == "no decided variant to set beside it"


def test_undecided_fields_are_not_listed_as_differing(mini_suite_path: Path) -> None:
    # "please" adds an assertion (a decided difference); the effect is always worded apart (undecided).
    artifact = baseline(mini_suite_path, WordingEngine(keep_please=True))
    analysis = analyze_baseline(artifact)
    assert analysis.fragile_prompts, "the plan should hold a polite variant that flips"
    for prompt in analysis.fragile_prompts:
        case = next(case for case in artifact.cases if case.case_id == prompt.case_id)
        counts = case.variant_tally()
        assert prompt.undecided_share == counts.undecided_share()
        assert prompt.robustness == counts.robustness() and prompt.robustness.n == counts.different
        assert len(prompt.broken_variants) == counts.different  # only decided flips are broken variants
        flips = [variant for variant in case.variants if variant.outcome is Outcome.DIFFERENT]
        # Each flip's effect is undecided, and only its assertions differ:
        assert all(v.versus_original and v.versus_original.undecided_fields == [IRField.EFFECTS] for v in flips)
        for broken in prompt.broken_variants:
            assert [change.field for change in broken.changes] == [IRField.ASSERTIONS]
    effects = next(row for row in analysis.field_flips if row.field is IRField.EFFECTS)
    assert effects.flips == 0  # undecided everywhere, yet never counted as a differing field
    flipped = next(row for row in analysis.field_flips if row.field is IRField.ASSERTIONS)
    assert flipped.flips == analysis.noise_floor.variant_flip_rate.successes > 0


def test_undecided_repeats_are_counted_apart_in_the_noise_floor(mini_suite_path: Path) -> None:
    artifact = baseline(mini_suite_path, WordingEngine(), repeats=2)
    undecided_again = [
        case.model_copy(update={"repeat_agreements": [None]}) for case in artifact.cases
    ]
    analysis = analyze_baseline(artifact.model_copy(update={"cases": undecided_again}))
    noise = analysis.noise_floor
    assert noise.disagreement is None and noise.note == "not measured: every repeat was undecided"
    assert noise.undecided_share is not None and noise.undecided_share.successes == len(artifact.cases)
