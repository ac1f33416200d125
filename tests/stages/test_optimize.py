"""Optimize through real DSPy optimizers on the fake engine."""

from __future__ import annotations


import dspy
import pytest

from tests.fakes import FakeEngine, fake_lm
from tokdrift_cli.artifacts.header import Provenance
from tokdrift_cli.artifacts.program import OptimizeConfig
from tokdrift_cli.core.ir import IR, Assertion, FunctionSignature, Intent, Parameter
from tokdrift_cli.core.splits import split_by_base_prompt
from tokdrift_cli.core.suite import default_suite_path, load_suite
from tokdrift_cli.errors import ArtifactError, InputError
from tokdrift_cli.programs.ir_generator import build_default_program
from tokdrift_cli.programs.program_file import build_program_from_artifact, signature_hash
from tokdrift_cli.programs.robust import robustness_aware_score
from tokdrift_cli.stages.optimize import OptimizeInputs, OptimizeModels, optimize_program


def ir(name: str = "f", assertions: tuple[str, ...] = ()) -> IR:
    return IR(
        intent=Intent(summary="s"),
        signature=FunctionSignature(name=name, parameters=[Parameter(name="x", type_hint="int")], returns="int"),
        assertions=[Assertion(predicate=a) for a in assertions],
    )


@pytest.mark.parametrize(
    ("original", "variants", "expected"),
    [
        (ir(), [ir(), ir()], 1.0),  # right and consistent
        (ir(), [ir(), ir(assertions=("x > 0",))], 0.75),  # right, one variant drifts
        (ir(), [None, None], 0.5),  # right, every variant fails
        (ir(), [], 1.0),
        (ir(name="g"), [ir(name="g")] * 2, 2 / 3),  # name wrong: 2/3 signature, behaviour right
        (ir(assertions=("y",)), [ir(assertions=("y",))] * 2, 0.75),  # signature right, half the behaviour
        (None, [ir()], 0.0),
    ],
)
def test_metric_formula(original: IR | None, variants: list[IR | None], expected: float) -> None:
    assert robustness_aware_score(ir(), original, variants) == pytest.approx(expected)


def test_constant_output_is_not_rewarded() -> None:
    garbage = IR(intent=Intent(summary="x"), signature=FunctionSignature(name="zzz", parameters=[], returns="str"),
                 assertions=[Assertion(predicate="q")])
    assert robustness_aware_score(ir(), garbage, [garbage, garbage]) == 0.0


def make_config(**overrides: object) -> OptimizeConfig:
    values: dict[str, object] = dict(
        suite="core", trainset=None, optimizer="bootstrap", model="local/fake", prompt_model=None, seed=0,
        metric_variants=2, max_bootstrapped_demos=2, max_labeled_demos=2, candidates=1, max_errors=100,
        split_fractions=(0.4, 0.2, 0.4),
    )
    values.update(overrides)
    return OptimizeConfig(**values)  # type: ignore[arg-type]


def run_fake_optimize(engine: FakeEngine, **overrides: object):  # type: ignore[no-untyped-def]
    suite = load_suite(default_suite_path())
    split = split_by_base_prompt([(c.id, c.category) for c in suite.cases], seed=0)
    inputs = OptimizeInputs(
        suite_cases=suite.cases, train_cases=suite.cases, split=split, config=make_config(**overrides),
        base_program=build_default_program(), base_program_spec="default",
        provenance=Provenance(model_id="local/fake"), inputs=[],
    )
    return optimize_program(inputs, OptimizeModels(task_lm=fake_lm(engine), prompt_lm=None,
                                                   call_counter=lambda: engine.calls))


def test_bootstrap_never_sees_test_prompts() -> None:
    engine = FakeEngine()
    artifact = run_fake_optimize(engine)
    suite = load_suite(default_suite_path())
    test_prompts = {c.prompt for c in suite.cases if c.id in set(artifact.split.test)}
    assert len(artifact.split.test) >= 15
    seen = " ".join(engine.prompts)
    assert not any(prompt in seen for prompt in test_prompts)
    # No demo in the saved state comes from a test prompt either.
    demos = [demo["request"] for predictor in artifact.state.values() for demo in predictor["demos"]]
    assert not set(demos) & test_prompts
    assert artifact.lm_calls == engine.calls > 0
    assert artifact.scores.baseline_dev is not None and artifact.scores.optimized_dev is not None


def test_program_artifact_round_trip_and_signature_guard() -> None:
    artifact = run_fake_optimize(FakeEngine())
    program = build_program_from_artifact(artifact, source="program.json")
    assert signature_hash(program) == artifact.signature_hash
    demos = program.generate.demos
    assert all(set(demo.keys()) <= {"request", "spec"} for demo in demos)
    tampered = artifact.model_copy(update={"signature_hash": "0" * 16})
    with pytest.raises(ArtifactError, match="another shape"):
        build_program_from_artifact(tampered, source="program.json")


def test_proposer_optimizers_need_a_prompt_model() -> None:
    with pytest.raises(InputError, match="prompt-model"):
        run_fake_optimize(FakeEngine(), optimizer="copro")


def test_loaded_program_runs_in_dspy() -> None:
    artifact = run_fake_optimize(FakeEngine())
    program = build_program_from_artifact(artifact, source="p.json")
    with dspy.context(lm=fake_lm(FakeEngine())):
        from tokdrift_cli.programs.compact_adapter import CompactJSONAdapter

        with dspy.context(adapter=CompactJSONAdapter()):
            prediction = program(request="Write a function named add_two that adds two.")
    assert prediction.ir.signature.name == "add_two"


def test_optimize_runs_the_same_adapter_as_baseline() -> None:
    engine = FakeEngine()
    run_fake_optimize(engine)
    # The compact adapter sends the request alone as the last message, with the answer's schema.
    assert all(fmt is not None and fmt["type"] == "json_schema" for fmt in engine.response_formats)


class _FixedGenerator(dspy.Module):
    """Answers every request with the same IR: right for some gold IRs, wrong for others."""

    def __init__(self, answer: IR) -> None:
        super().__init__()
        self.answer = answer

    def forward(self, request: str) -> dspy.Prediction:
        return dspy.Prediction(ir=self.answer)


class _Candidate:
    def __init__(self, answer: IR) -> None:
        self.generator = _FixedGenerator(answer)


class _Compiled(_Candidate):
    def __init__(self, candidates: list[dict[str, object]]) -> None:
        super().__init__(ir(name="compiled"))
        self.candidate_programs = candidates


def test_select_candidate_keeps_accuracy() -> None:
    from tokdrift_cli.stages.optimize import select_candidate

    devset = [dspy.Example(request="r1", gold=ir(name="f")), dspy.Example(request="r2", gold=ir(name="f"))]
    stable_but_wrong = _Candidate(ir(name="g"))
    accurate = _Candidate(ir(name="f"))
    compiled = _Compiled([{"score": 90.0, "program": stable_but_wrong}, {"score": 60.0, "program": accurate}])
    program, score, accuracy = select_candidate(compiled, devset, floor=1.0)
    assert program is accurate and score == 0.6 and accuracy == 1.0
    # No floor: the metric alone decides.
    assert select_candidate(compiled, devset, floor=None)[0] is compiled
    # Nobody meets the floor: the most accurate wins.
    only_wrong = _Compiled([{"score": 90.0, "program": stable_but_wrong}])
    assert select_candidate(only_wrong, devset, floor=1.0)[2] == 0.0
