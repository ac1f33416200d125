"""Optimize through real DSPy optimizers on the fake engine."""

from __future__ import annotations

from types import SimpleNamespace

import dspy
import pytest

from tests.fakes import FakeEngine, fake_lm
from tokdrift_cli.artifacts.header import Provenance
from tokdrift_cli.artifacts.program import OptimizeConfig
from tokdrift_cli.core.ir import IR, Assertion, Effect, FunctionSignature, Intent, Parameter
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


def test_undecided_free_text_earns_no_behaviour_credit() -> None:
    reworded = ir().model_copy(update={"effects": [Effect(description="records how big it is")]})
    gold = ir().model_copy(update={"effects": [Effect(description="logs the size")]})
    # Signature right, effects undecided against the gold (no credit), assertions right.
    assert robustness_aware_score(gold, reworded, []) == pytest.approx(0.75)


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
    """Answers every request with the same IR, except requests that name a prompt it gets wrong."""

    def __init__(self, answer: IR, wrong_on: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.answer = answer
        self.wrong_on = wrong_on
        self.predictor = dspy.Predict("request -> spec")
        self.seen: list[str] = []

    def forward(self, request: str) -> dspy.Prediction:
        self.seen.append(request)
        if any(marker in request for marker in self.wrong_on):
            return dspy.Prediction(ir=ir(name="wrong"))
        return dspy.Prediction(ir=self.answer)


def candidate_program(answer: IR, wrong_on: tuple[str, ...] = (), demo_requests: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    from tokdrift_cli.programs.robust import RobustIRGenerator

    generator = _FixedGenerator(answer, wrong_on)
    generator.predictor.demos = [dspy.Example(request=text, spec="s") for text in demo_requests]
    return RobustIRGenerator(generator)  # type: ignore[arg-type]


def selection_examples(count: int) -> list[dspy.Example]:
    return [
        dspy.Example(request=f"prompt {i}", variants=[f"variant {i}"], gold=ir(name="f"), prompt_id=f"p{i}")
        for i in range(count)
    ]


def test_choose_candidate_passes_over_a_candidate_that_loses_accuracy() -> None:
    from tokdrift_cli.stages.candidate_selection import Candidate, choose_candidate, text_to_base

    selection = selection_examples(4)
    base = candidate_program(ir(name="f"), wrong_on=("variant 1", "variant 3"))  # right on all 4, drifts on 2
    # Consistently wrong on prompt 2: a larger metric gain, but one prompt less accurate.
    stable_but_wrong = Candidate("stable", candidate_program(ir(name="f"), wrong_on=("prompt 2", "variant 2")), 0.9)
    accurate = Candidate("accurate", candidate_program(ir(name="f"), wrong_on=("variant 1",)), 0.6)
    program, records = choose_candidate(
        [stable_but_wrong, accurate], base, selection, text_to_base(selection), keep_accuracy=True
    )
    assert program is accurate.program
    by_label = {record.label: record for record in records}
    assert (by_label["stable"].accurate, by_label["stable"].base_accurate) == (3, 4)
    assert not by_label["stable"].eligible
    assert by_label["stable"].gain > by_label["accurate"].gain > 0
    assert [record.label for record in records if record.chosen] == ["accurate"]
    # On the metric alone, the less accurate candidate would have won.
    program, _ = choose_candidate(
        [stable_but_wrong, accurate], base, selection, text_to_base(selection), keep_accuracy=False
    )
    assert program is stable_but_wrong.program


def test_choose_candidate_keeps_the_base_program_when_every_candidate_loses_accuracy() -> None:
    from tokdrift_cli.stages.candidate_selection import BASE_LABEL, Candidate, choose_candidate, text_to_base

    selection = selection_examples(3)
    base = candidate_program(ir(name="f"), wrong_on=("variant 0",))
    # Perfectly consistent, but wrong on a request the base program gets right.
    worse = Candidate("worse", candidate_program(ir(name="f"), wrong_on=("prompt 1", "variant 1")), 0.9)
    program, records = choose_candidate([worse], base, selection, text_to_base(selection), keep_accuracy=True)
    assert program is base
    assert records[0].label == BASE_LABEL and records[0].chosen
    assert not records[1].eligible
    # --metric-only: its consistency gain outweighs the lost prompt on the metric, so it wins.
    program, records = choose_candidate([worse], base, selection, text_to_base(selection), keep_accuracy=False)
    assert program is worse.program and records[1].gain > 0


def test_a_candidate_is_not_scored_on_the_prompts_its_demos_came_from() -> None:
    from tokdrift_cli.stages.candidate_selection import Candidate, choose_candidate, text_to_base

    selection = selection_examples(3)
    base = candidate_program(ir(name="f"), wrong_on=("prompt 2", "variant 1"))
    # Its demo is made from prompt 2's metric variant: prompt 2 is left out of its selection prompts.
    memorising = candidate_program(ir(name="f"), demo_requests=("variant 2",))
    progress: list[tuple[int, int]] = []
    program, records = choose_candidate(
        [Candidate("memorising", memorising, 0.8)], base, selection, text_to_base(selection), keep_accuracy=True,
        on_prompt=lambda done, total: progress.append((done, total)),
    )
    assert progress == [(done, 5) for done in range(1, 6)]  # 3 prompts for the base program, 2 for the candidate
    record = records[1]
    assert record.prompts == 2 and record.accurate == 2 and record.base_accurate == 2
    assert "prompt 2" not in memorising.generator.seen and program is memorising


def test_a_failing_candidate_scores_zero() -> None:
    from tokdrift_cli.stages.candidate_selection import evaluate_prompts

    class Broken(dspy.Module):
        def forward(self, request: str, variants: list[str]) -> dspy.Prediction:
            raise RuntimeError("model gone")

    outcomes = evaluate_prompts(Broken(), selection_examples(2))  # type: ignore[arg-type]
    assert {key: (o.score, o.accurate) for key, o in outcomes.items()} == {"p0": (0.0, False), "p1": (0.0, False)}


def test_dspy_candidates_keep_those_that_beat_the_base_on_dev() -> None:
    from tokdrift_cli.stages.candidate_selection import dspy_candidates

    good, poor = candidate_program(ir()), candidate_program(ir())

    compiled = SimpleNamespace(
        candidate_programs=[{"score": 70.0, "seed": 2, "program": good}, {"score": 20.0, "seed": -3, "program": poor}]
    )
    chosen = dspy_candidates(compiled, 0.3, dev_score=lambda program: 0.0)
    assert [(c.label, c.dev_score) for c in chosen] == [("random-search seed 2", 0.7)]
    single = dspy_candidates(good, 0.3, dev_score=lambda program: 0.55)
    assert single[0].program is good and single[0].dev_score == 0.55


def test_optimize_records_the_selection_in_the_artifact() -> None:
    artifact = run_fake_optimize(FakeEngine())
    selection = artifact.scores.selection
    assert selection[0].label == "base program" and selection[0].prompts == artifact.scores.selection_prompts
    assert artifact.scores.selection_prompts == len(artifact.split.train) + len(artifact.split.dev)
    assert sum(record.chosen for record in selection) == 1


def test_mipro_without_optuna_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "optuna" else real_find_spec(name, *a))
    engine = FakeEngine()
    with pytest.raises(InputError, match=r"tokdrift\[mipro\]"):
        run_fake_optimize(engine, optimizer="mipro")
    assert engine.calls == 0  # refused before any model call


def test_with_base_demos_puts_the_base_demos_last_and_leaves_the_candidate_alone() -> None:
    from tokdrift_cli.stages.candidate_selection import Candidate, with_base_demos

    base = candidate_program(ir(), demo_requests=("base one", "base two"))
    candidate = Candidate("seed 1", candidate_program(ir(), demo_requests=("mine",)), 0.5)
    extended = with_base_demos(candidate, base)
    assert [demo.request for demo in extended.program.generator.predictor.demos] == ["mine", "base one", "base two"]
    assert [demo.request for demo in candidate.program.generator.predictor.demos] == ["mine"]
    assert extended.label == "seed 1 + base demos" and extended.dev_score == 0.5
    first = with_base_demos(candidate, base, first=True)
    assert [demo.request for demo in first.program.generator.predictor.demos] == ["base one", "base two", "mine"]
    assert first.label == "base demos + seed 1"


def test_keep_base_demos_offers_every_candidate_with_the_hand_written_demos_last(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tokdrift_cli.programs.ir_generator import DEFAULT_DEMOS
    from tokdrift_cli.stages import optimize
    from tokdrift_cli.stages.candidate_selection import Candidate

    offered: list[Candidate] = []

    def fake_candidates(compiled, baseline_dev, dev_score):  # type: ignore[no-untyped-def]
        labeled = next(entry["program"] for entry in compiled.candidate_programs if entry["seed"] == -2)
        return [Candidate("random-search seed -2", labeled, 0.9)]  # gold demos from the train split

    def take_first(candidates, base, selection, bases_by_text, **_):  # type: ignore[no-untyped-def]
        offered.extend(candidates)
        return candidates[0].program, []

    monkeypatch.setattr(optimize, "dspy_candidates", fake_candidates)
    monkeypatch.setattr(optimize, "choose_candidate", take_first)
    artifact = run_fake_optimize(FakeEngine(), keep_base_demos=True)
    assert [candidate.label for candidate in offered] == ["random-search seed -2 + base demos"]
    demos = [demo["request"] for demo in artifact.state["generate"]["demos"]]
    assert len(demos) > len(DEFAULT_DEMOS)
    assert demos[-len(DEFAULT_DEMOS):] == [demo.request for demo in DEFAULT_DEMOS]
    assert artifact.config.keep_base_demos


def test_selection_records_count_prompts_lost_and_gained_against_the_base_program() -> None:
    from tokdrift_cli.stages.candidate_selection import Candidate, choose_candidate, text_to_base

    selection = selection_examples(4)
    base = candidate_program(ir(name="f"), wrong_on=("prompt 3",))
    # Wrong on prompt 0 (which the base gets right), right on prompt 3 (which it gets wrong): same accuracy.
    swapping = Candidate("swapping", candidate_program(ir(name="f"), wrong_on=("prompt 0",)), 0.7)
    _, records = choose_candidate([swapping], base, selection, text_to_base(selection), keep_accuracy=True)
    record = records[1]
    assert (record.accurate, record.base_accurate, record.lost, record.gained) == (3, 3, 1, 1)
    assert record.eligible  # net accuracy held: the floor is on the count, and the swap is recorded


class _GoldEngine(FakeEngine):
    """Answers every suite request with its gold spec, except the prompts it is told to miss."""

    def __init__(self, miss: set[str]) -> None:
        super().__init__()
        from tokdrift_cli.programs.ir_generator import to_draft

        suite = load_suite(default_suite_path())
        self.gold = [(case.prompt, to_draft(case.gold).model_dump_json()) for case in suite.cases if case.id not in miss]

    def answer(self, prompt: str) -> str:
        return next((spec for request, spec in self.gold if request in prompt), super().answer(prompt))


def test_missed_demo_pool_hands_the_optimizer_only_the_train_prompts_the_base_gets_wrong(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tokdrift_cli.stages import optimize

    suite = load_suite(default_suite_path())
    split = split_by_base_prompt([(c.id, c.category) for c in suite.cases], seed=0)
    missed = set(split.train[:3])
    pools: list[set[str]] = []
    real_compile = optimize._compile

    def spy(optimizer, config, student, teacher, trainset, *rest):  # type: ignore[no-untyped-def]
        pools.append({example.prompt_id for example in trainset})
        return real_compile(optimizer, config, student, teacher, trainset, *rest)

    monkeypatch.setattr(optimize, "_compile", spy)
    artifact = run_fake_optimize(_GoldEngine(missed), demo_pool="missed")
    assert pools == [missed]
    assert artifact.config.demo_pool == "missed"
    # The default pool is every train prompt.
    run_fake_optimize(_GoldEngine(missed))
    assert pools[1] == set(split.train)


def test_missed_demo_pool_refuses_when_the_base_program_misses_nothing() -> None:
    with pytest.raises(InputError, match="every train prompt right"):
        run_fake_optimize(_GoldEngine(set()), demo_pool="missed")


def test_a_candidate_less_accurate_on_the_variants_is_passed_over() -> None:
    from tokdrift_cli.stages.candidate_selection import Candidate, choose_candidate, text_to_base

    selection = selection_examples(3)
    base = candidate_program(ir(name="f"))
    # Right on every request, wrong on one variant: the requests alone cannot tell it from the base program.
    drifting = Candidate("drifting", candidate_program(ir(name="f"), wrong_on=("variant 1",)), 0.9)
    program, records = choose_candidate([drifting], base, selection, text_to_base(selection), keep_accuracy=True)
    record = records[1]
    assert (record.accurate, record.base_accurate) == (3, 3)
    assert (record.inputs, record.inputs_accurate, record.base_inputs_accurate) == (6, 5, 6)
    assert not record.eligible and program is base


def test_a_proposer_answer_that_cannot_be_parsed_is_a_model_error_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dspy.utils.exceptions import AdapterParseError

    from tokdrift_cli.errors import ModelError
    from tokdrift_cli.stages import optimize

    def proposer_fails(*args: object) -> None:
        raise AdapterParseError("CompactJSONAdapter", dspy.Signature("a -> proposed_instruction"), "1,2,4,5,8",
                                message="the answer is not valid JSON")

    monkeypatch.setattr(optimize, "_compile", proposer_fails)
    with pytest.raises(ModelError, match=r"--optimizer bootstrap stopped: an answer of local/fake could not be parsed "
                                         r"\(the answer is not valid JSON\); .*--prompt-model"):
        run_fake_optimize(FakeEngine())


def test_bootstrap_without_bootstrapped_demos_is_refused_before_any_model_call() -> None:
    engine = FakeEngine()
    with pytest.raises(InputError, match="--optimizer gold-demos"):
        run_fake_optimize(engine, max_bootstrapped_demos=0)
    assert engine.calls == 0
