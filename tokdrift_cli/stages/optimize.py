"""The optimize stage: tune the IR generator's demos (and instruction) for robust accuracy.

The split is by base prompt; the optimizer sees only train and dev prompts
and their variants. Test prompts are left for ``baseline --program`` and
``validate``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import dspy

from tokdrift_cli.artifacts.header import InputFile, Provenance
from tokdrift_cli.artifacts.program import OptimizeConfig, ProgramArtifact, ProgramScores
from tokdrift_cli.core.equivalence import match_gold
from tokdrift_cli.core.splits import Split
from tokdrift_cli.core.suite import SuiteCase
from tokdrift_cli.core.variants import generate_variants
from tokdrift_cli.errors import InputError
from tokdrift_cli.programs.compact_adapter import CompactJSONAdapter
from tokdrift_cli.programs.ir_generator import IRGenerator, prediction_ir, to_draft
from tokdrift_cli.programs.loading import program_hash
from tokdrift_cli.programs.program_file import signature_hash
from tokdrift_cli.programs.robust import DEMO_THRESHOLD, METRIC_NAME, RobustIRGenerator, robustness_metric


@dataclass(frozen=True)
class OptimizeInputs:
    suite_cases: Sequence[SuiteCase]
    train_cases: Sequence[SuiteCase]  # suite or augmented lines; filtered to the train split here
    split: Split
    config: OptimizeConfig
    base_program: IRGenerator
    base_program_spec: str
    provenance: Provenance
    inputs: list[InputFile]


@dataclass(frozen=True)
class OptimizeModels:
    task_lm: Any
    prompt_lm: Any | None
    call_counter: Any  # callable returning how many LM calls reached a model so far


def make_examples(cases: Sequence[SuiteCase], *, metric_variants: int, seed: int) -> list[dspy.Example]:
    """One example per case: the request, some variants for the metric, and the gold spec."""
    examples = []
    for case in cases:
        variants = [v.text for v in generate_variants(case.prompt, count=metric_variants, seed=seed)]
        examples.append(
            dspy.Example(request=case.prompt, variants=variants, spec=to_draft(case.gold), gold=case.gold).with_inputs(
                "request", "variants"
            )
        )
    return examples


def _optimizer(config: OptimizeConfig, prompt_lm: Any | None) -> Any:
    from dspy.teleprompt import BootstrapFewShotWithRandomSearch

    if config.optimizer == "bootstrap":
        return BootstrapFewShotWithRandomSearch(
            metric=robustness_metric,
            metric_threshold=DEMO_THRESHOLD,
            max_bootstrapped_demos=config.max_bootstrapped_demos,
            max_labeled_demos=config.max_labeled_demos,
            num_candidate_programs=config.candidates,
            num_threads=1,
            max_errors=config.max_errors,
        )
    if prompt_lm is None and config.optimizer in ("copro", "gepa"):
        raise InputError(f"--optimizer {config.optimizer} proposes instructions: give it a --prompt-model")
    if config.optimizer == "mipro":
        try:
            from dspy.teleprompt import MIPROv2
        except ImportError:  # pragma: no cover - depends on the optuna extra
            raise InputError("--optimizer mipro needs optuna: pip install optuna") from None
        return MIPROv2(
            metric=robustness_metric,
            prompt_model=prompt_lm,
            auto="light",
            max_bootstrapped_demos=config.max_bootstrapped_demos,
            max_labeled_demos=config.max_labeled_demos,
            num_threads=1,
            max_errors=config.max_errors,
            seed=config.seed,
            verbose=False,
        )
    if config.optimizer == "copro":
        from dspy.teleprompt import COPRO

        return COPRO(metric=robustness_metric, prompt_model=prompt_lm, breadth=4, depth=2, init_temperature=1.0)
    from dspy.teleprompt import GEPA

    def feedback_metric(gold: Any, pred: Any, trace: Any = None, pred_name: Any = None, pred_trace: Any = None) -> float:
        return robustness_metric(gold, pred, trace)

    return GEPA(metric=feedback_metric, reflection_lm=prompt_lm, auto="light", num_threads=1, seed=config.seed)


def _compile(optimizer: Any, config: OptimizeConfig, student: RobustIRGenerator, teacher: RobustIRGenerator,
             trainset: list[dspy.Example], devset: list[dspy.Example]) -> Any:
    if config.optimizer == "bootstrap":
        return optimizer.compile(student, teacher=teacher, trainset=trainset, valset=devset)
    if config.optimizer == "mipro":
        return optimizer.compile(student, trainset=trainset, valset=devset, requires_permission_to_run=False)
    if config.optimizer == "copro":
        return optimizer.compile(student, trainset=trainset, eval_kwargs={"num_threads": 1, "display_progress": False})
    return optimizer.compile(student, trainset=trainset, valset=devset)


def _evaluate(program: RobustIRGenerator, devset: list[dspy.Example], max_errors: int) -> float:
    evaluator = dspy.Evaluate(
        devset=devset, metric=robustness_metric, num_threads=1, display_progress=False, max_errors=max_errors
    )
    result = evaluator(program)
    score = getattr(result, "score", result)
    return float(score) / 100.0 if float(score) > 1.0 else float(score)


def signature_accuracy(program: RobustIRGenerator, devset: list[dspy.Example]) -> float:
    """Share of dev requests whose IR matches gold on the signature (the `baseline` accuracy).

    The requests are the ones the metric already ran, so with the answer cache
    this costs no new model call.
    """
    right = 0
    for example in devset:
        try:
            ir = prediction_ir(program.generator(request=example.request))
        except Exception:  # noqa: BLE001, S112 - a failed generation is simply not accurate
            continue
        right += 1 if match_gold(ir, example.gold).equivalent else 0
    return right / len(devset)


def select_candidate(
    compiled: Any, devset: list[dspy.Example], floor: float | None
) -> tuple[RobustIRGenerator, float, float | None]:
    """The best-scoring candidate whose dev accuracy is at least ``floor`` (the base program's).

    Robustness-aware scores reward stable output; on a small model the most
    stable demo set can cost accuracy. With a floor, a candidate that loses
    accuracy on dev is passed over for the next best that does not; if every
    candidate loses some, the most accurate one is taken. Returns the program,
    its metric score (0-1) and its dev accuracy.
    """
    candidates = getattr(compiled, "candidate_programs", None)
    if floor is None or not candidates:
        return compiled, float("nan"), None
    scored = []
    for candidate in candidates:  # already sorted by score, best first
        accuracy = signature_accuracy(candidate["program"], devset)
        score = float(candidate["score"]) / 100.0
        if accuracy >= floor:
            return candidate["program"], score, accuracy
        scored.append((accuracy, score, candidate["program"]))
    accuracy, score, program = max(scored, key=lambda item: (item[0], item[1]))
    return program, score, accuracy


def _clean_demos(generator: IRGenerator) -> None:
    """Keep only the signature's fields in each demo (drop gold IRs and variant lists)."""
    for predictor in generator.predictors():
        fields = set(predictor.signature.fields)
        predictor.demos = [
            dspy.Example(**{key: value for key, value in demo.items() if key in fields}) for demo in predictor.demos
        ]


def optimize_program(inputs: OptimizeInputs, models: OptimizeModels) -> ProgramArtifact:
    started = time.perf_counter()
    config = inputs.config
    train_ids, dev_ids = set(inputs.split.train), set(inputs.split.dev)
    train_cases = [case for case in inputs.train_cases if case.base_case_id in train_ids]
    dev_cases = [case for case in inputs.suite_cases if case.id in dev_ids]
    if not train_cases or not dev_cases:
        raise InputError("the split leaves no train or no dev prompts; use a larger suite")
    trainset = make_examples(train_cases, metric_variants=config.metric_variants, seed=config.seed)
    devset = make_examples(dev_cases, metric_variants=config.metric_variants, seed=config.seed)
    teacher = RobustIRGenerator(inputs.base_program.deepcopy())
    student = RobustIRGenerator(inputs.base_program.deepcopy())
    # The same adapter as `baseline`: compact prompt, schema-constrained answer.
    with dspy.context(lm=models.task_lm, adapter=CompactJSONAdapter()):
        baseline_dev = _evaluate(teacher, devset, config.max_errors)
        baseline_accuracy = signature_accuracy(teacher, devset)
        optimizer = _optimizer(config, models.prompt_lm)
        compiled = _compile(optimizer, config, student, teacher, trainset, devset)
        candidates = getattr(compiled, "candidate_programs", None)
        floor = baseline_accuracy if config.keep_accuracy else None
        compiled, _, optimized_accuracy = select_candidate(compiled, devset, floor)
        optimized_dev = _evaluate(compiled, devset, config.max_errors)
        if optimized_accuracy is None:
            optimized_accuracy = signature_accuracy(compiled, devset)
    generator: IRGenerator = compiled.generator
    _clean_demos(generator)
    return ProgramArtifact(
        inputs=inputs.inputs,
        provenance=inputs.provenance.model_copy(update={"program_hash": program_hash(generator)}),
        config=config,
        base_program=inputs.base_program_spec,
        signature_hash=signature_hash(generator),
        split=inputs.split,
        scores=ProgramScores(
            metric=METRIC_NAME,
            baseline_dev=baseline_dev,
            optimized_dev=optimized_dev,
            baseline_dev_accuracy=baseline_accuracy,
            optimized_dev_accuracy=optimized_accuracy,
            accuracy_floor=floor,
            candidates_evaluated=len(candidates) if candidates is not None else None,
        ),
        lm_calls=int(models.call_counter()),
        cached_calls=0,
        wall_time_s=time.perf_counter() - started,
        state=generator.dump_state(),
    )
