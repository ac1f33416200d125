"""Choose among an optimizer's candidate programs on more prompts than dev alone.

Why: DSPy ranks candidates on the dev split, which on the 45-prompt core suite
holds 9 prompts. That cannot see a candidate whose demos make a small model
copy their types (a ``list[list[int]]`` return, a dropped parameter) and lose
one prompt in ten elsewhere. So every candidate that beats the base program
on dev is scored again on all train and dev prompts, *except* the prompts its
own demos were made from: a demo of the very prompt is an answer key, not a
sign that the program generalises.

The comparison is paired: each candidate meets the base program on exactly
its own selection prompts. With ``keep_accuracy`` a candidate must be at
least as accurate as the base program there (signature accuracy, the
figure ``baseline`` reports), both on the requests and on all inputs (the
requests and their metric variants, which share the request's gold: three
times the evidence of the requests alone); among those, the largest gain
on the robustness-aware metric wins. The base program is always eligible, so when
no candidate earns its place, the base program is kept and the artifact says
so rather than shipping a regression.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import dspy

from tokdrift_cli.artifacts.program import CandidateRecord
from tokdrift_cli.core.gold import FIXED_NAMES, match_gold
from tokdrift_cli.programs.robust import RobustIRGenerator, robustness_metric

BASE_LABEL = "base program"


@dataclass(frozen=True)
class PromptOutcome:
    """One selection prompt under one program."""

    score: float  # the robustness-aware metric, 0-1
    accurate: bool  # the request's IR matches gold on the signature
    # The request and its metric variants (they share the request's gold):
    # how many there were and how many match gold on the signature.
    inputs: int = 1
    inputs_accurate: int = 0


@dataclass(frozen=True)
class Candidate:
    label: str
    program: RobustIRGenerator
    dev_score: float | None  # the optimizer's own dev score, 0-1


def evaluate_prompts(
    program: RobustIRGenerator, examples: Sequence[dspy.Example], on_prompt: Callable[[], None] = lambda: None
) -> dict[str, PromptOutcome]:
    """Score ``program`` on each example, keyed by the example's base prompt id."""
    outcomes: dict[str, PromptOutcome] = {}
    for example in examples:
        inputs = 1 + len(example.variants)
        try:
            prediction = program(request=example.request, variants=example.variants)
        except Exception:  # noqa: BLE001 - a failed generation scores 0 and is not accurate
            outcomes[example.prompt_id] = PromptOutcome(score=0.0, accurate=False, inputs=inputs)
        else:
            matches = [
                ir is not None and match_gold(ir, example.gold, example.get("names", FIXED_NAMES)).equivalent
                for ir in [prediction.ir, *prediction.variant_irs]
            ]
            outcomes[example.prompt_id] = PromptOutcome(
                score=robustness_metric(example, prediction), accurate=matches[0], inputs=inputs,
                inputs_accurate=sum(matches),
            )
        on_prompt()
    return outcomes


def text_to_base(examples: Iterable[dspy.Example]) -> dict[str, str]:
    """Every text the optimizer saw (requests and their metric variants) -> its base prompt id."""
    mapping: dict[str, str] = {}
    for example in examples:
        for text in [example.request, *example.variants]:
            mapping[text] = example.prompt_id
    return mapping


def demo_bases(program: RobustIRGenerator, bases_by_text: Mapping[str, str]) -> set[str]:
    """The base prompts a program's demos were made from (demos from elsewhere are ignored)."""
    bases: set[str] = set()
    for predictor in program.generator.predictors():
        for demo in predictor.demos:
            base = demo.get("prompt_id") or bases_by_text.get(demo.get("request", ""))
            if base:
                bases.add(base)
    return bases


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def choose_candidate(
    candidates: Sequence[Candidate],
    base: RobustIRGenerator,
    selection: Sequence[dspy.Example],
    bases_by_text: Mapping[str, str],
    *,
    keep_accuracy: bool,
    on_prompt: Callable[[int, int], None] | None = None,
) -> tuple[RobustIRGenerator, list[CandidateRecord]]:
    """The chosen program and one record per program considered (the base program first).

    ``on_prompt(done, total)`` is called after each prompt scored.
    """
    prompts_of = [
        [example for example in selection if example.prompt_id not in demo_bases(candidate.program, bases_by_text)]
        for candidate in candidates
    ]
    total = len(selection) + sum(len(prompts) for prompts in prompts_of)
    done = 0

    def advance() -> None:
        nonlocal done
        done += 1
        if on_prompt is not None:
            on_prompt(done, total)

    base_outcomes = evaluate_prompts(base, selection, advance)
    base_record = _record(BASE_LABEL, None, list(base_outcomes.values()), list(base_outcomes.values()), keep_accuracy)
    records, programs = [base_record], [base]
    for candidate, prompts in zip(candidates, prompts_of, strict=True):
        outcomes = evaluate_prompts(candidate.program, prompts, advance)
        paired_base = [base_outcomes[example.prompt_id] for example in prompts]
        records.append(_record(candidate.label, candidate.dev_score, list(outcomes.values()), paired_base, keep_accuracy))
        programs.append(candidate.program)
    best = max(
        (index for index, record in enumerate(records) if record.eligible),
        key=lambda index: (records[index].gain, records[index].accurate - records[index].base_accurate),
    )
    records[best] = records[best].model_copy(update={"chosen": True})
    return programs[best], records


def _record(
    label: str, dev_score: float | None, outcomes: list[PromptOutcome], base: list[PromptOutcome], keep_accuracy: bool
) -> CandidateRecord:
    accurate = sum(outcome.accurate for outcome in outcomes)
    base_accurate = sum(outcome.accurate for outcome in base)
    lost = sum(theirs.accurate and not mine.accurate for mine, theirs in zip(outcomes, base, strict=True))
    gained = sum(mine.accurate and not theirs.accurate for mine, theirs in zip(outcomes, base, strict=True))
    inputs_accurate = sum(outcome.inputs_accurate for outcome in outcomes)
    base_inputs_accurate = sum(outcome.inputs_accurate for outcome in base)
    return CandidateRecord(
        label=label, dev_score=dev_score, prompts=len(outcomes),
        score=_mean([outcome.score for outcome in outcomes]), base_score=_mean([outcome.score for outcome in base]),
        accurate=accurate, base_accurate=base_accurate, lost=lost, gained=gained,
        inputs=sum(outcome.inputs for outcome in outcomes), inputs_accurate=inputs_accurate,
        base_inputs_accurate=base_inputs_accurate,
        eligible=not keep_accuracy or (accurate >= base_accurate and inputs_accurate >= base_inputs_accurate),
    )


def with_base_demos(candidate: Candidate, base: RobustIRGenerator, *, first: bool = False) -> Candidate:
    """The candidate's demos with the base program's, after them (closest to the request) or before.

    Why: on a small model the last demos weigh most. Hand-written demos chosen
    for varied types keep its signatures right, while the optimizer's demos
    teach what to leave out of effects and assertions; which should come last
    is an empirical question, so both orders can be tried.
    """
    program = candidate.program.deepcopy()
    for mine, theirs in zip(program.generator.predictors(), base.generator.predictors(), strict=True):
        mine.demos = [*theirs.demos, *mine.demos] if first else [*mine.demos, *theirs.demos]
    label = f"base demos + {candidate.label}" if first else f"{candidate.label} + base demos"
    return Candidate(label=label, program=program, dev_score=candidate.dev_score)


def dspy_candidates(compiled: Any, baseline_dev: float, dev_score: Callable[[Any], float]) -> list[Candidate]:
    """The optimizer's candidates that beat the base program on dev, best first.

    Random search leaves every candidate on the compiled program; the other
    optimizers return one program, scored on dev here.
    """
    ranked = getattr(compiled, "candidate_programs", None)
    if not ranked:
        return [Candidate(label="optimized", program=compiled, dev_score=dev_score(compiled))]
    chosen = []
    for entry in ranked:
        score = float(entry["score"]) / 100.0
        if score > baseline_dev:
            label = entry.get("label", f"random-search seed {entry['seed']}")
            chosen.append(Candidate(label=label, program=entry["program"],
                                    dev_score=score))
    return chosen
