"""What `tokdrift optimize` would cost, counted before any model is loaded (--dry-run).

An evaluation runs the program once on an example: the request and its ``--metric-variants``
variants, one LM call each. The count is an upper bound: the optimizers stop bootstrapping a
candidate once it has its demos, and DSPy's answer cache answers a repeated request without a call.
Only the searches of ``bootstrap`` and ``gold-demos`` are bounded here; the proposers of ``mipro``,
``copro`` and ``gepa`` run searches of their own, so for them only the fixed part is counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from tokdrift_cli.core.variants import generate_variants
from tokdrift_cli.programs.cost import CostEstimate, estimate_generations
from tokdrift_cli.workflows.optimize_run import OptimizeStage

# BootstrapFewShotWithRandomSearch tries three fixed programs (no demos, gold demos only, unshuffled
# bootstrap) before its --candidates random ones.
BOOTSTRAP_FIXED_PROGRAMS = 3


@dataclass(frozen=True)
class OptimizePlan:
    prompts: int
    train: int  # train examples (augmented lines included)
    dev: int
    test: int
    evaluations: int  # upper bound on program runs on one example
    search_bounded: bool  # False: the optimizer's own search comes on top of ``evaluations``
    cost: CostEstimate  # for ``evaluations``, with the base program's prompt


def plan_optimize(stage: OptimizeStage, *, max_tokens: int) -> OptimizePlan:
    inputs, config = stage.inputs, stage.config
    train_ids, dev_ids = set(inputs.split.train), set(inputs.split.dev)
    train = [case for case in inputs.train_cases if case.base_case_id in train_ids]
    dev = [case for case in inputs.suite_cases if case.id in dev_ids]
    selection = sum(1 for case in inputs.suite_cases if case.id in train_ids) + len(dev)
    if config.optimizer == "bootstrap":
        programs, search = config.candidates + BOOTSTRAP_FIXED_PROGRAMS, len(train) + len(dev)
    elif config.optimizer == "gold-demos":
        programs, search = config.candidates, len(dev)
    else:
        programs, search = 1, 0
    # the base program on dev (score and accuracy), the missed-demo pool, the search, every
    # candidate and the base program re-scored on the selection prompts, the chosen one on dev.
    evaluations = (
        2 * len(dev)
        + (len(train) if config.demo_pool == "missed" else 0)
        + programs * search
        + (programs + 1) * selection
        + 2 * len(dev)
    )
    texts = [text for case in dev for text in _inputs(case.prompt, config.metric_variants, config.seed)]
    per_run = estimate_generations(inputs.base_program, texts, max_tokens=max_tokens)
    runs = max(1, len(dev))
    cost = CostEstimate(
        lm_calls=evaluations * (1 + config.metric_variants),
        input_tokens=per_run.input_tokens * evaluations // runs,
        output_tokens_typical=per_run.output_tokens_typical * evaluations // runs,
        output_tokens_max=per_run.output_tokens_max * evaluations // runs,
    )
    return OptimizePlan(
        prompts=len(inputs.suite_cases),
        train=len(train),
        dev=len(dev),
        test=len(inputs.split.test),
        evaluations=evaluations,
        search_bounded=config.optimizer in ("bootstrap", "gold-demos"),
        cost=cost,
    )


def _inputs(prompt: str, metric_variants: int, seed: int) -> list[str]:
    """What one evaluation sends: the request and the variants the metric checks."""
    return [prompt, *(variant.text for variant in generate_variants(prompt, count=metric_variants, seed=seed))]
