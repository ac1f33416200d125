"""The optimize stage: tune the IR generator's demos (and instruction) for robust accuracy.

The split is by base prompt; the optimizer sees only train and dev prompts
and their variants. Test prompts are left for ``baseline --program`` and
``validate``. The DSPy optimizer proposes candidates ranked on dev; the
final choice is made on train and dev prompts together
(:mod:`tokdrift_cli.stages.candidate_selection`).
"""

from __future__ import annotations

import functools
import importlib.util
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import dspy
from dspy.utils.exceptions import AdapterParseError

from tokdrift_cli.artifacts.header import InputFile, Provenance
from tokdrift_cli.artifacts.program import OptimizeConfig, ProgramArtifact, ProgramScores
from tokdrift_cli.core.gold import FIXED_NAMES, match_gold
from tokdrift_cli.core.splits import Split
from tokdrift_cli.core.suite import SuiteCase
from tokdrift_cli.core.variants import generate_variants
from tokdrift_cli.errors import InputError, ModelError
from tokdrift_cli.programs.compact_adapter import CompactJSONAdapter
from tokdrift_cli.programs.ir_generator import IRGenerator, prediction_ir, to_draft
from tokdrift_cli.programs.loading import program_hash
from tokdrift_cli.programs.program_file import signature_hash
from tokdrift_cli.programs.robust import DEMO_THRESHOLD, METRIC_NAME, RobustIRGenerator, robustness_metric
from tokdrift_cli.stages.candidate_selection import (
    choose_candidate,
    dspy_candidates,
    text_to_base,
    with_base_demos,
)
from tokdrift_cli.stages.gold_demo_search import GoldDemoSearch


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
    """One example per case: the request, some variants for the metric, the gold spec and the base prompt id."""
    examples = []
    for case in cases:
        variants = [v.text for v in generate_variants(case.prompt, count=metric_variants, seed=seed)]
        examples.append(
            dspy.Example(
                request=case.prompt, variants=variants, spec=to_draft(case.gold), gold=case.gold, names=case.names,
                prompt_id=case.base_case_id,
            ).with_inputs("request", "variants")
        )
    return examples


def _optimizer(config: OptimizeConfig, prompt_lm: Any | None) -> Any:
    from dspy.teleprompt import BootstrapFewShotWithRandomSearch

    if config.optimizer == "gold-demos":
        return GoldDemoSearch(k=config.max_labeled_demos, candidates=config.candidates, seed=config.seed)
    if config.optimizer == "bootstrap":
        if config.max_bootstrapped_demos < 1:  # DSPy draws each set's size from 1..max and fails on 0
            raise InputError(
                "--optimizer bootstrap needs --max-bootstrapped-demos 1 or more; for gold demos only, "
                "use --optimizer gold-demos"
            )
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
        if importlib.util.find_spec("optuna") is None:
            raise InputError("--optimizer mipro needs optuna: pip install 'tokdrift[mipro]'")
        from dspy.teleprompt import MIPROv2

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
             trainset: list[dspy.Example], devset: list[dspy.Example], dev_score: Callable[[Any], float]) -> Any:
    if config.optimizer == "bootstrap":
        return optimizer.compile(student, teacher=teacher, trainset=trainset, valset=devset)
    if config.optimizer == "gold-demos":
        return optimizer.compile(student, trainset=trainset, dev_score=dev_score)
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


def signature_matches(program: RobustIRGenerator, example: dspy.Example) -> bool:
    """Does the program's IR for the example's request match gold on the signature?"""
    try:
        ir = prediction_ir(program.generator(request=example.request))
    except Exception:  # noqa: BLE001 - a failed generation is simply not accurate
        return False
    return match_gold(ir, example.gold, example.get("names", FIXED_NAMES)).equivalent


def signature_accuracy(program: RobustIRGenerator, devset: list[dspy.Example]) -> float:
    """Share of dev requests whose IR matches gold on the signature (the `baseline` accuracy).

    The requests are the ones the metric already ran, so with the answer cache
    this costs no new model call.
    """
    return sum(signature_matches(program, example) for example in devset) / len(devset)


def missed_examples(program: RobustIRGenerator, trainset: list[dspy.Example]) -> list[dspy.Example]:
    """The train examples whose signature the program gets wrong: the demo pool of ``--demo-pool missed``.

    Why: DSPy bootstraps demos from what the program already gets right, and
    labeled demos at random. A small model repeats the types it has seen, so
    gold demos of the patterns it misses (an ``int | None`` return, a
    validator returning its input) are the ones that can teach it something.
    The teacher fails these prompts, so the optimizer's demos from this pool
    are gold (labeled) ones.
    """
    missed = [example for example in trainset if not signature_matches(program, example)]
    if not missed:
        raise InputError("--demo-pool missed: the base program gets every train prompt right; use --demo-pool all")
    return missed


def _clean_demos(generator: IRGenerator) -> None:
    """Keep only the signature's fields in each demo (drop gold IRs and variant lists)."""
    for predictor in generator.predictors():
        fields = set(predictor.signature.fields)
        predictor.demos = [
            dspy.Example(**{key: value for key, value in demo.items() if key in fields}) for demo in predictor.demos
        ]


def optimize_program(
    inputs: OptimizeInputs, models: OptimizeModels, on_selection_prompt: Callable[[int, int], None] | None = None
) -> ProgramArtifact:
    """Compile candidates with the DSPy optimizer, then choose one on train and dev prompts.

    ``on_selection_prompt(done, total)`` reports the re-scoring of candidates.
    """
    started = time.perf_counter()
    config = inputs.config
    train_ids, dev_ids = set(inputs.split.train), set(inputs.split.dev)
    train_cases = [case for case in inputs.train_cases if case.base_case_id in train_ids]
    dev_cases = [case for case in inputs.suite_cases if case.id in dev_ids]
    if not train_cases or not dev_cases:
        raise InputError("the split leaves no train or no dev prompts; use a larger suite")
    trainset = make_examples(train_cases, metric_variants=config.metric_variants, seed=config.seed)
    devset = make_examples(dev_cases, metric_variants=config.metric_variants, seed=config.seed)
    # Selection prompts: the suite's own train prompts (not augmented lines) and dev.
    train_originals = [case for case in inputs.suite_cases if case.id in train_ids]
    selection = make_examples(train_originals, metric_variants=config.metric_variants, seed=config.seed) + devset
    teacher = RobustIRGenerator(inputs.base_program.deepcopy())
    student = RobustIRGenerator(inputs.base_program.deepcopy())
    dev_score = functools.partial(_evaluate, devset=devset, max_errors=config.max_errors)  # 0-1 on dev
    # The same adapter as `baseline`: compact prompt, schema-constrained answer.
    with dspy.context(lm=models.task_lm, adapter=CompactJSONAdapter()):
        optimizer = _optimizer(config, models.prompt_lm)  # refuses a missing proposer before any model call
        baseline_dev = dev_score(teacher)
        baseline_accuracy = signature_accuracy(teacher, devset)
        if config.demo_pool == "missed":
            trainset = missed_examples(teacher, trainset)
        try:
            compiled = _compile(optimizer, config, student, teacher, trainset, devset, dev_score)
        except AdapterParseError as error:  # DSPy evaluations absorb these; a proposer's does not
            proposer = config.prompt_model or config.model
            first_line = str(error).strip().splitlines()[0]
            raise ModelError(
                f"--optimizer {config.optimizer} stopped: an answer of {proposer} could not be parsed ({first_line}); "
                "a small model proposes instructions badly, give a stronger --prompt-model"
            ) from None
        candidates = dspy_candidates(compiled, baseline_dev, dev_score)
        if config.keep_base_demos:
            candidates = [with_base_demos(c, teacher, first=config.base_demos_first) for c in candidates]
        chosen, records = choose_candidate(
            candidates, teacher, selection, text_to_base(trainset), keep_accuracy=config.keep_accuracy,
            on_prompt=on_selection_prompt,
        )
        optimized_dev = dev_score(chosen)
        optimized_accuracy = signature_accuracy(chosen, devset)
    generator: IRGenerator = chosen.generator.deepcopy()
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
            accuracy_floor=baseline_accuracy if config.keep_accuracy else None,
            candidates_evaluated=len(getattr(compiled, "candidate_programs", None) or [compiled]),
            selection_prompts=len(selection),
            selection=records,
        ),
        lm_calls=int(models.call_counter()),
        cached_calls=0,
        wall_time_s=time.perf_counter() - started,
        state=generator.dump_state(),
    )
