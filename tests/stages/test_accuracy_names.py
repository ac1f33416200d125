"""Every user of accuracy reads the suite line's naming policy; robustness still compares names.

baseline's scoring, the optimize metric and candidate selection all judge an
IR against gold through :func:`tokdrift_cli.core.gold.match_gold` with the
case's policy. Robustness compares a prompt's own outputs with each other,
where another function name is a flip whatever the gold leaves open.
"""

from __future__ import annotations

import json
from pathlib import Path

import dspy
import pytest

from tests.fakes import fake_lm
from tests.stages.test_augment_unnamed import UNNAMED, TopicEngine, rewrite_suite
from tokdrift_cli.artifacts.baseline import BaselineConfig
from tokdrift_cli.artifacts.header import Provenance
from tokdrift_cli.core.gold import FIXED_NAMES, NamingPolicy
from tokdrift_cli.core.ir import IR, FunctionSignature, Intent, Parameter
from tokdrift_cli.core.suite import load_suite
from tokdrift_cli.programs.ir_generator import build_default_program
from tokdrift_cli.programs.robust import robustness_aware_score
from tokdrift_cli.programs.runner import DspyIRRunner
from tokdrift_cli.stages.baseline import BaselineInputs, run_baseline
from tokdrift_cli.stages.candidate_selection import evaluate_prompts

ALL_OPEN = NamingPolicy(function="open", parameters="open")


def baseline(suite_path: Path, engine: TopicEngine):  # type: ignore[no-untyped-def]
    config = BaselineConfig(suite=str(suite_path), model="local/fake", program="default", variants_per_prompt=4,
                            seed=0, temperature=0.0, max_tokens=256)
    inputs = BaselineInputs(suite=load_suite(suite_path), config=config, provenance=Provenance(model_id="local/fake"))
    return run_baseline(inputs, DspyIRRunner(build_default_program(), fake_lm(engine)))


def test_baseline_accuracy_follows_the_policy_and_robustness_still_compares_names(tmp_path: Path) -> None:
    # Requests framed as a question get the right signature under yet another function name.
    renaming = TopicEngine(wrong={"Could you": "asked_mean(values: List[float]) -> float"})
    artifact = baseline(UNNAMED, renaming)
    assert all(case.correct for case in artifact.cases)
    average = next(case for case in artifact.cases if case.case_id == "unnamed-001")
    asked = [variant for variant in average.variants if "Could you" in variant.text]
    assert asked, "the plan should hold a question variant of the first case"
    for variant in asked:
        assert variant.versus_gold is not None and variant.versus_gold.equivalent  # the name is open for accuracy
        assert variant.robust is False  # ... but the generator changed its answer under a rewrite
        assert variant.versus_original is not None and variant.versus_original.differing_fields == ["name"]
    # Right on the original and every variant (robust accuracy), yet not robust: the two measures differ here.
    assert average.robust_correct and average.robustness.rate < 1.0

    fixed = rewrite_suite(tmp_path, lambda line: {key: value for key, value in line.items() if key != "names"})
    assert not any(case.correct for case in baseline(fixed, TopicEngine()).cases)


def signature(name: str, parameter: str) -> IR:
    return IR(intent=Intent(summary="s"), signature=FunctionSignature(
        name=name, parameters=[Parameter(name=parameter, type_hint="list[float]")], returns="float"))


@pytest.mark.parametrize(
    ("names", "expected"),
    [(ALL_OPEN, 1.0), (NamingPolicy(function="open"), 2 / 3), (FIXED_NAMES, 1 / 3)],
)
def test_metric_gives_signature_credit_for_open_names(names: NamingPolicy, expected: float) -> None:
    gold, predicted = signature("average", "numbers"), signature("mean", "values")
    assert robustness_aware_score(gold, predicted, [predicted], names) == pytest.approx(expected)


class Answering(dspy.Module):
    """A program that answers every request and variant with one IR."""

    def __init__(self, ir: IR):
        super().__init__()
        self.ir = ir

    def forward(self, request: str, variants: list[str]) -> dspy.Prediction:
        return dspy.Prediction(ir=self.ir, variant_irs=[self.ir for _ in variants])


def test_candidate_selection_counts_accuracy_under_the_policy() -> None:
    gold = signature("average", "numbers")
    examples = [
        dspy.Example(request="r0", variants=["v0"], gold=gold, names=ALL_OPEN, prompt_id="open"),
        dspy.Example(request="r1", variants=["v1"], gold=gold, prompt_id="fixed"),
    ]
    outcomes = evaluate_prompts(Answering(signature("mean", "values")), examples)  # type: ignore[arg-type]
    assert (outcomes["open"].accurate, outcomes["open"].inputs_accurate, outcomes["open"].score) == (True, 2, 1.0)
    assert (outcomes["fixed"].accurate, outcomes["fixed"].inputs_accurate) == (False, 0)


def test_optimize_examples_carry_the_policy() -> None:
    from tokdrift_cli.stages.optimize import make_examples

    cases = load_suite(UNNAMED).cases
    examples = make_examples(cases, metric_variants=1, seed=0)
    assert [example.names for example in examples] == [case.names for case in cases]
    assert json.loads(json.dumps(examples[0].names.model_dump(mode="json"))) == {"function": "open",
                                                                                  "parameters": "open"}
