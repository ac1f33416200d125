"""The validate stage on real baselines made by the baseline stage with fake engines.

The suite is eight one-argument integer functions the fake answers correctly;
each prompt gets three rule variants, one of them polite ("Please ..."). The
stock fake adds an assertion whenever it sees "please", so it is fragile on
every prompt (robustness 2/3); the engines below are robust on some or all
prompts, or wrong on some, so every paired figure is known in advance.
Latencies are set to fixed values after the run: measured ones are noise.
"""

from __future__ import annotations

import atexit
import json
import re
import shutil
import tempfile
from fractions import Fraction
from functools import cache, lru_cache
from pathlib import Path

import pytest

from tests.fakes import FakeEngine, fake_lm
from tokdrift_cli.artifacts.baseline import BaselineArtifact, BaselineConfig, CaseResult
from tokdrift_cli.artifacts.header import Provenance
from tokdrift_cli.artifacts.validation import GateResult, GateSettings, ValidationArtifact
from tokdrift_cli.core.records import Generation
from tokdrift_cli.core.suite import load_suite
from tokdrift_cli.errors import ExitCode, InputError
from tokdrift_cli.programs.ir_generator import build_default_program
from tokdrift_cli.programs.runner import DspyIRRunner
from tokdrift_cli.stages.baseline import BaselineInputs, run_baseline
from tokdrift_cli.stages.validate import validate_baselines

NAMES = ("add_one", "double_it", "square_it", "negate_it", "halve_it", "triple_it", "abs_value", "clamp_zero")
RULES = ["natural.framing.polite", "natural.noise.trailing_whitespace", "natural.noise.drop_final_period"]
PLEASE = re.compile("please", re.IGNORECASE)


def _case(name: str) -> dict[str, object]:
    return {
        "id": f"case-{name}",
        "prompt": f"Write a function named {name} that takes an integer x and returns an integer computed from x.",
        "category": "arithmetic",
        "gold": {
            "intent": {"summary": f"Compute {name}."},
            "signature": {"name": name, "parameters": [{"name": "x", "type_hint": "int"}], "returns": "int"},
            "effects": [],
            "assertions": [],
        },
    }


@lru_cache(maxsize=1)
def suite_path() -> Path:
    directory = Path(tempfile.mkdtemp(prefix="tokdrift-validate-"))
    atexit.register(shutil.rmtree, directory, True)
    path = directory / "suite.jsonl"
    path.write_text("".join(json.dumps(_case(name)) + "\n" for name in NAMES), encoding="utf-8")
    return path


class SelectiveEngine(FakeEngine):
    """Fragile to "please" only on the prompts naming one of ``fragile``; wrong (str parameter) on ``wrong``."""

    def __init__(self, fragile: frozenset[str] = frozenset(NAMES), wrong: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self.fragile = fragile
        self.wrong = wrong

    def answer(self, prompt: str) -> str:
        if not any(name in prompt for name in self.fragile):
            prompt = PLEASE.sub("", prompt)
        text = super().answer(prompt)
        if any(name in prompt for name in self.wrong):
            text = text.replace("(x: int)", "(x: str)")
        return text


def _with_latency(artifact: BaselineArtifact, seconds: float) -> BaselineArtifact:
    def fix(generation: Generation) -> Generation:
        return generation.model_copy(update={"latency_s": seconds})

    def fix_case(case: CaseResult) -> CaseResult:
        variants = [variant.model_copy(update={"generation": fix(variant.generation)}) for variant in case.variants]
        return case.model_copy(
            update={"original": fix(case.original), "variants": variants, "repeats": [fix(g) for g in case.repeats]}
        )

    return artifact.model_copy(update={"cases": [fix_case(case) for case in artifact.cases]})


@cache
def _run(fragile: tuple[str, ...], wrong: tuple[str, ...], seed: int, limit: int | None) -> BaselineArtifact:
    suite = load_suite(suite_path())
    config = BaselineConfig(
        suite=str(suite_path()),
        model="local/fake",
        program="default",
        variants_per_prompt=3,
        seed=seed,
        temperature=0.0,
        max_tokens=256,
        rules=RULES,
        include_paraphrases=False,
        limit=limit,
    )
    provenance = Provenance(model_id="local/fake", suite_hash=suite.sha256, program_hash="hash-of-default", seed=seed)
    engine = SelectiveEngine(frozenset(fragile), frozenset(wrong))
    runner = DspyIRRunner(build_default_program(), fake_lm(engine))
    return run_baseline(BaselineInputs(suite=suite, config=config, provenance=provenance), runner)


def make_baseline(
    fragile: tuple[str, ...] = NAMES,
    wrong: tuple[str, ...] = (),
    *,
    seed: int = 0,
    limit: int | None = None,
    latency: float = 1.0,
    program: str | None = None,
) -> BaselineArtifact:
    """A real baseline artifact (the baseline stage, DSPy and scoring on a fake engine), with fixed latencies.

    ``program`` only relabels the run, as if it had been made with ``--program PATH``.
    """
    artifact = _with_latency(_run(tuple(fragile), tuple(wrong), seed, limit), latency)
    if program is not None:
        artifact = artifact.model_copy(
            update={
                "config": artifact.config.model_copy(update={"program": program}),
                "provenance": artifact.provenance.model_copy(update={"program_hash": f"hash-of-{program}"}),
            }
        )
    return artifact


def fragile_run(**kwargs: object) -> BaselineArtifact:
    return make_baseline(NAMES, **kwargs)  # type: ignore[arg-type]


def robust_run(**kwargs: object) -> BaselineArtifact:
    return make_baseline((), **kwargs)  # type: ignore[arg-type]


def gate(validation: ValidationArtifact, name: str) -> GateResult:
    return next(item for item in validation.gates if item.name == name)


def check(before: BaselineArtifact | None, after: BaselineArtifact, **settings: object) -> ValidationArtifact:
    return validate_baselines(before, after, GateSettings(**settings), allow_mismatch=False, seed=0)  # type: ignore[arg-type]


# --- the fixtures are what they claim ---------------------------------------------------------------


def test_fixture_baselines_have_the_designed_figures() -> None:
    fragile, robust = fragile_run(), robust_run()
    assert [case.robustness.rate for case in fragile.cases] == [pytest.approx(2 / 3)] * len(NAMES)
    assert [case.robustness.rate for case in robust.cases] == [1.0] * len(NAMES)
    assert all(case.correct for case in fragile.cases + robust.cases)
    assert fragile.summary.robustness.successes == 16 and fragile.summary.robustness.n == 24


# --- improvement -----------------------------------------------------------------------------------


def test_clear_improvement_passes_every_gate() -> None:
    validation = check(fragile_run(), robust_run(), fail_under=0.9)
    assert validation.summary.verdict == "passed" and validation.summary.exit_code == ExitCode.OK
    assert [g.status for g in validation.gates] == ["passed"] * 6
    assert gate(validation, "robustness_gain").value == float(Fraction(1, 3))
    stats = validation.statistics
    assert stats is not None
    # Eight prompts all improved by exactly 1/3: the exact one-sided p is 1/2**8.
    assert stats.wilcoxon.n_pairs == stats.wilcoxon.n_nonzero == 8
    assert stats.wilcoxon.p_value == pytest.approx(1 / 256)
    assert stats.effect.mean_difference == float(Fraction(1, 3))
    assert stats.effect.rank_biserial == 1.0
    assert stats.bootstrap.low == stats.bootstrap.high == pytest.approx(1 / 3)
    assert stats.bootstrap.n_resamples == 10_000 and stats.bootstrap.confidence == pytest.approx(0.95)
    assert stats.accuracy_flips.n_discordant == 0 and stats.accuracy_flips.p_value is None
    assert sorted(stats.fixed_cases) == sorted(f"case-{name}" for name in NAMES)
    assert stats.latency_change == 0.0
    assert {case.change for case in validation.cases} == {"fixed"}
    assert validation.before is not None and validation.before.robustness.rate == pytest.approx(2 / 3)
    assert validation.after.robustness.rate == 1.0 and validation.after.robustness.n == 24
    assert gate(validation, "robustness").value == 1.0
    assert gate(validation, "fragile_fixed").value == 8


def test_partial_improvement_with_six_changed_prompts_is_significant() -> None:
    after = make_baseline(NAMES[:2])  # still fragile on two prompts
    validation = check(fragile_run(), after, fail_under=0.8)
    stats = validation.statistics
    assert stats is not None and stats.wilcoxon.n_nonzero == 6 and stats.unchanged == 2
    assert stats.wilcoxon.p_value == pytest.approx(1 / 64)
    assert gate(validation, "significance").status == "passed"
    # 22 robust of 24 variants.
    assert gate(validation, "robustness").value == 22 / 24
    assert validation.summary.exit_code == 0


# --- regressions and failed gates ------------------------------------------------------------------


def test_regression_fails_robustness_and_significance_with_exact_figures() -> None:
    validation = check(robust_run(), fragile_run(), fail_under=0.9)
    robustness = gate(validation, "robustness")
    assert robustness.status == "failed" and robustness.value == 16 / 24
    assert robustness.explanation.startswith(f"robustness {16 / 24} < fail-under 0.9")
    assert gate(validation, "significance").status == "failed"
    assert gate(validation, "fragile_fixed").status == "skipped"
    assert "not an improvement claim" in gate(validation, "fragile_fixed").explanation
    assert validation.statistics is not None
    assert sorted(validation.statistics.newly_broken_cases) == sorted(f"case-{n}" for n in NAMES)
    assert validation.summary.verdict == "failed" and validation.summary.exit_code == 1
    assert validation.summary.failed_gates == ["robustness", "robustness_gain", "significance"]


def test_accuracy_drop_fails_and_flips_are_tested_exactly() -> None:
    after = make_baseline((), NAMES[:2])  # robust, but the wrong parameter type on two prompts
    validation = check(fragile_run(), after)
    accuracy = gate(validation, "accuracy")
    assert accuracy.status == "failed" and accuracy.value == 0.25 and accuracy.threshold == 0.02
    flips = validation.statistics.accuracy_flips  # type: ignore[union-attr]
    assert (flips.right_to_wrong, flips.wrong_to_right, flips.n_discordant) == (2, 0, 2)
    assert flips.p_value == pytest.approx(0.5)  # binomtest(0, 2): two-sided exact
    assert validation.summary.exit_code == 1


def test_input_accuracy_counts_the_request_and_every_variant_against_gold() -> None:
    # Fragile before: "please" variants gain an assertion, which leaves the signature right.
    # After: the wrong parameter type on two prompts, on the request and on each of its 3 variants.
    validation = check(fragile_run(), make_baseline((), NAMES[:2]))
    before, after = validation.before, validation.after
    assert before is not None and before.input_accuracy is not None and after.input_accuracy is not None
    assert (before.input_accuracy.successes, before.input_accuracy.n) == (32, 32)
    assert (after.input_accuracy.successes, after.input_accuracy.n) == (24, 32)


def _one_request_wrong(artifact: BaselineArtifact) -> BaselineArtifact:
    """The first prompt's request judged wrong; its variants stay right."""
    first = artifact.cases[0].model_copy(update={"correct": False})
    return artifact.model_copy(update={"cases": [first, *artifact.cases[1:]]})


def test_accuracy_gate_on_every_input_weighs_one_flipped_request_as_one_input() -> None:
    before, after = robust_run(), _one_request_wrong(robust_run())
    on_requests = gate(check(before, after, max_accuracy_drop=0.05, accuracy_on="requests"), "accuracy")
    assert on_requests.status == "failed" and on_requests.value == 0.125 and on_requests.n == 8
    on_inputs = gate(check(before, after, max_accuracy_drop=0.05), "accuracy")  # every input is the default
    assert on_inputs.status == "passed" and on_inputs.value == 1 / 32 and on_inputs.n == 32
    assert "n=32 inputs (requests and variants)" in on_inputs.explanation
    # A 1/32 drop is still a drop: the default 2-point limit catches it.
    assert gate(check(before, after), "accuracy").status == "failed"


def test_input_accuracy_change_resamples_prompts_not_inputs() -> None:
    validation = check(fragile_run(), make_baseline((), NAMES[:2]))  # two prompts lose all 4 inputs each
    change = validation.statistics.input_accuracy_change  # type: ignore[union-attr]
    assert change is not None and change.n == 8 and change.estimate == -0.25
    # Resampling the 8 prompts: the interval spans 0 to 4 losing prompts of 8, wider than the
    # 32 inputs taken one by one would make it.
    assert change.low is not None and change.high is not None
    assert -0.65 < change.low < -0.4 and change.high == 0.0
    paired = validation.cases[0]
    assert (paired.inputs, paired.before_inputs_correct, paired.after_inputs_correct) == (4, 4, 0)
    unchanged = check(robust_run(), robust_run()).statistics.input_accuracy_change  # type: ignore[union-attr]
    assert unchanged is not None and (unchanged.estimate, unchanged.low, unchanged.high) == (0.0, 0.0, 0.0)
    one = check(fragile_run(limit=1), robust_run(limit=1)).statistics.input_accuracy_change  # type: ignore[union-attr]
    assert one is not None and one.estimate == 0.0 and one.low is None and one.note == "not run: needs at least 2 prompts"


def test_accuracy_drop_exactly_at_the_limit_passes() -> None:
    after = make_baseline((), NAMES[:2])  # two of eight wrong: a drop of exactly 1/4
    validation = check(fragile_run(), after, max_accuracy_drop=0.25)
    assert gate(validation, "accuracy").status == "passed"
    assert gate(validation, "accuracy").value == 0.25


@pytest.mark.parametrize(("after_latency", "status"), [(1.25, "failed"), (1.2, "passed"), (0.5, "passed")])
def test_latency_gate_on_median_relative_increase(after_latency: float, status: str) -> None:
    validation = check(fragile_run(latency=1.0), robust_run(latency=after_latency))
    latency = gate(validation, "latency")
    assert latency.status == status
    assert latency.value == pytest.approx(after_latency - 1.0)
    assert validation.after.latency_n == 32  # 8 originals + 24 variants, each one LM call


def test_latency_without_timed_generations_is_inconclusive() -> None:
    after = robust_run()
    untimed = after.model_copy(
        update={
            "cases": [
                case.model_copy(
                    update={
                        "original": case.original.model_copy(update={"lm_calls": 0}),
                        "variants": [
                            v.model_copy(update={"generation": v.generation.model_copy(update={"lm_calls": 0})})
                            for v in case.variants
                        ],
                    }
                )
                for case in after.cases
            ]
        }
    )
    validation = check(fragile_run(), untimed)
    assert gate(validation, "latency").status == "inconclusive"
    assert validation.summary.exit_code == 3


# --- fragile prompts fixed -------------------------------------------------------------------------


def test_min_fixed_fails_an_improvement_that_fixes_too_few() -> None:
    after = make_baseline(NAMES[:2])  # fixes six of eight fragile prompts
    validation = check(fragile_run(), after, alpha=None, min_fixed=7)
    fixed = gate(validation, "fragile_fixed")
    assert fixed.status == "failed" and fixed.value == 6 and fixed.threshold == 7
    assert fixed.explanation.startswith("fixed 6 of 8 fragile prompts < required 7")
    assert validation.summary.exit_code == 1


def test_min_fixed_is_capped_at_the_prompts_fragile_before() -> None:
    before = make_baseline(NAMES[:2])  # only two fragile prompts to fix
    validation = check(before, robust_run(), alpha=None)
    fixed = gate(validation, "fragile_fixed")
    assert fixed.status == "passed" and fixed.value == 2 and fixed.threshold == 2


# --- inconclusive ----------------------------------------------------------------------------------


def test_no_change_leaves_significance_inconclusive() -> None:
    validation = check(robust_run(), robust_run(), fail_under=0.9, min_robustness_gain=None)
    significance = gate(validation, "significance")
    assert significance.status == "inconclusive" and significance.n == 0
    assert "too few pairs" in significance.explanation
    assert validation.summary.verdict == "inconclusive" and validation.summary.exit_code == 3


def test_fewer_than_six_pairs_is_inconclusive() -> None:
    validation = check(fragile_run(limit=5), robust_run(limit=5))
    stats = validation.statistics
    assert stats is not None and stats.wilcoxon.n_pairs == 5 and stats.wilcoxon.p_value is None
    assert gate(validation, "significance").status == "inconclusive"
    assert validation.summary.exit_code == 3


def test_lower_bound_gate_passes_fails_or_is_inconclusive() -> None:
    straddles = check(None, robust_run(), fail_under=0.9, gate_on="lower-bound")
    robustness = gate(straddles, "robustness")
    low = straddles.after.robustness.low
    assert low is not None and low < 0.9
    assert robustness.status == "inconclusive" and robustness.value == low
    assert straddles.summary.exit_code == 3

    passes = check(None, robustness_run := robust_run(), fail_under=0.8, gate_on="lower-bound")
    assert gate(passes, "robustness").status == "passed" and robustness_run.summary.robustness.n == 24

    fails = check(None, fragile_run(), fail_under=0.9, gate_on="lower-bound")
    failed = gate(fails, "robustness")
    assert failed.status == "failed" and failed.value == fails.after.robustness.high
    assert fails.summary.exit_code == 1


def test_confidence_follows_alpha() -> None:
    validation = check(None, robust_run(), fail_under=0.9, alpha=0.1, gate_on="lower-bound")
    assert validation.after.robustness.confidence == pytest.approx(0.9)
    assert validation.config.confidence == pytest.approx(0.9)


# --- single baseline -------------------------------------------------------------------------------


def test_single_baseline_gates_robustness_only() -> None:
    validation = check(None, robust_run(), fail_under=0.9)
    assert validation.statistics is None and validation.before is None
    assert validation.pairing.mode == "single"
    assert [g.status for g in validation.gates] == ["passed"] + ["skipped"] * 5
    assert all(case.change == "single" for case in validation.cases)
    assert validation.summary.exit_code == 0


def test_nothing_to_check_is_an_input_error() -> None:
    with pytest.raises(InputError, match="nothing to check"):
        check(None, robust_run())
    with pytest.raises(InputError, match="every gate is switched off"):
        check(
            fragile_run(), robust_run(), alpha=None, max_accuracy_drop=None, max_latency_increase=None, min_fixed=None,
            min_robustness_gain=None,
        )


def test_program_file_is_recorded() -> None:
    validation = check(fragile_run(), robust_run(program="build/program.json"), fail_under=0.9)
    assert validation.program is not None
    assert validation.program.path == "build/program.json"
    assert validation.program.program_hash == "hash-of-build/program.json"
    assert check(fragile_run(), robust_run(), fail_under=0.9).program is None


# --- pairing ---------------------------------------------------------------------------------------


def test_different_seed_is_refused_then_paired_with_allow_mismatch() -> None:
    before, after = fragile_run(), robust_run(seed=1)
    with pytest.raises(InputError, match=r"seed \(0 vs 1\).*--allow-mismatch"):
        check(before, after)
    validation = validate_baselines(before, after, GateSettings(), allow_mismatch=True, seed=0)
    # Another seed gives another trailing-whitespace variant on some prompts: those are dropped.
    pairing = validation.pairing
    assert pairing.mode == "matched" and pairing.config_differences == ["seed (0 vs 1)"]
    assert pairing.changed_variants and not pairing.before_only and not pairing.after_only
    assert pairing.paired_cases + pairing.dropped_cases == 8
    assert {case.case_id for case in validation.cases}.isdisjoint(pairing.changed_variants)
    texts = lambda run: {c.case_id: sorted(v.text for v in c.variants) for c in run.cases}
    for case in validation.cases:
        assert texts(before)[case.case_id] == texts(after)[case.case_id]


def test_different_case_sets_are_refused_then_the_common_cases_paired() -> None:
    before, after = fragile_run(limit=5), robust_run()
    with pytest.raises(InputError, match=r"case sets \(0 only in before.*3 only in after"):
        check(before, after)
    validation = validate_baselines(before, after, GateSettings(), allow_mismatch=True, seed=0)
    assert validation.pairing.paired_cases == 5 and validation.pairing.dropped_cases == 3
    assert validation.pairing.after_only == ["case-triple_it", "case-abs_value", "case-clamp_zero"]
    assert len(validation.cases) == 5 and validation.after.cases == 5
    assert validation.statistics is not None and validation.statistics.wilcoxon.n_pairs == 5


def test_changed_variant_texts_are_refused_and_dropped_with_allow_mismatch() -> None:
    after = robust_run()
    first = after.cases[0]
    edited = first.model_copy(
        update={
            "variants": [first.variants[0].model_copy(update={"text": "Something else entirely."}), *first.variants[1:]]
        }
    )
    after = after.model_copy(update={"cases": [edited, *after.cases[1:]]})
    with pytest.raises(InputError, match=r"variant texts of 1 case\(s\) \(case-add_one\)"):
        check(fragile_run(), after)
    validation = validate_baselines(fragile_run(), after, GateSettings(), allow_mismatch=True, seed=0)
    assert validation.pairing.changed_variants == ["case-add_one"]
    assert validation.pairing.paired_cases == 7 and validation.pairing.dropped_cases == 1


def test_other_config_differences_are_named() -> None:
    before = fragile_run()
    after = robust_run()
    config = after.config.model_copy(update={"rules": None, "include_paraphrases": True})
    provenance = after.provenance.model_copy(update={"suite_hash": "other"})
    changed = after.model_copy(update={"config": config, "provenance": provenance})
    with pytest.raises(InputError) as caught:
        check(before, changed)
    message = str(caught.value)
    for part in ("suite hash", "rules", "paraphrases", "--allow-mismatch"):
        assert part in message


def test_nothing_in_common_is_refused_even_with_allow_mismatch() -> None:
    after = robust_run()
    renamed = after.model_copy(
        update={"cases": [c.model_copy(update={"case_id": "x-" + c.case_id}) for c in after.cases]}
    )
    with pytest.raises(InputError, match="nothing to pair"):
        validate_baselines(fragile_run(), renamed, GateSettings(), allow_mismatch=True, seed=0)


def test_result_is_deterministic_for_a_seed() -> None:
    before, after = fragile_run(), make_baseline(NAMES[:2])
    first = check(before, after)
    second = check(before, after)
    assert first.statistics == second.statistics
    assert first.gates == second.gates
