"""Augment's candidates: which rewrites of a case are tried, in which order, and which may be tried at all.

A model paraphrase must pass a meaning check before the generator sees it (the
variant rules' protected content, the names the prompt gives, a comparable
length); a case whose suite line leaves the function name open (its
``names`` policy) gets a twin line with the gold renamed (``ir.naming.*``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from tokdrift_cli.artifacts.augment import AugmentConfig, CandidateSource
from tokdrift_cli.core.equivalence import Outcome, compare_texts
from tokdrift_cli.core.gold import FIXED, mentions_name
from tokdrift_cli.core.shards import parse_shard
from tokdrift_cli.core.suite import Suite, SuiteCase
from tokdrift_cli.core.variants import PARAPHRASE_ID, generate_variants
from tokdrift_cli.core.variants.identifiers import IDENTIFIER_PATTERNS, Style, convert, style_of
from tokdrift_cli.core.variants.markers import meaning_markers
from tokdrift_cli.core.variants.registry import GOLD_RENAMING_PREFIX

MEANING_CHECK_FAILED: Final = "meaning check failed"
# The rejection reason of a candidate the checker could not compare (its free text is undecided).
UNDECIDED_REASON: Final = "undecided"
# A paraphrase this much shorter or longer (in words) has dropped or added something.
MAX_LENGTH_RATIO: Final = 3.0
PARAPHRASE_DEMOS: Final = 3


# --------------------------------------------------------------------------- meaning check


def _required_names(case: SuiteCase) -> list[str]:
    """Names the prompt gives that a paraphrase must keep: the fixed function and parameter names, code names.

    A name the suite line leaves open is not part of the request, even when the
    prompt uses it as a plain word ("the average of"): a paraphrase may reword it.
    """
    signature = case.gold.signature
    names = [signature.name] if case.names.fixes_function else []
    names += [p.name for p in signature.parameters if case.names.parameter_rule(p.name) == FIXED]
    names += [m.group() for pattern in IDENTIFIER_PATTERNS.values() for m in pattern.finditer(case.prompt)]
    required: list[str] = []
    for name in names:
        if name not in required and mentions_name(case.prompt, name):
            required.append(name)
    return required


def meaning_check(case: SuiteCase, text: str) -> str | None:
    """Why ``text`` may not ask for the same thing as ``case.prompt``, or None if it passes.

    The same protected content as the variant rules keep (numbers, quoted
    strings, code literals, negations, comparatives, order words), the same
    names, a comparable length, and no contradiction the equivalence checker's
    deterministic text tier finds (a contrast word swapped: average / median,
    even / odd, sum / product, ...).
    """
    if not text.strip():
        return "the paraphrase is empty"
    before, after = meaning_markers(case.prompt), meaning_markers(text)
    if before != after:
        lost = [f"lost {kind} {value!r}" for kind, value in sorted((before - after).elements())]
        added = [f"added {kind} {value!r}" for kind, value in sorted((after - before).elements())]
        return "; ".join(lost + added)
    for name in _required_names(case):
        if not mentions_name(text, name):
            return f"lost the name {name!r}"
    words, original_words = len(text.split()), len(case.prompt.split())
    ratio = words / max(1, original_words)
    if not 1 / MAX_LENGTH_RATIO <= ratio <= MAX_LENGTH_RATIO:
        return f"length changed too much ({words} words for {original_words})"
    verdict = compare_texts(case.prompt, text)
    if verdict.outcome is Outcome.DIFFERENT:
        return f"the request's meaning changed: {verdict.reason}"
    return None


# --------------------------------------------------------------------------- IR naming variants


def naming_variant(case: SuiteCase) -> tuple[str, str] | None:
    """(renamed function, rule id) when the suite line leaves the name open and another casing exists.

    The line's ``names`` policy decides, never the prompt's text: a request
    that names its function makes the name part of what is asked.
    """
    name = case.gold.signature.name
    if case.names.fixes_function:
        return None
    target = Style.SNAKE if style_of(name) is Style.CAMEL else Style.CAMEL
    renamed = convert(name, target)
    if renamed is None or renamed == name:
        return None
    return renamed, f"{GOLD_RENAMING_PREFIX}{target.value}"


# --------------------------------------------------------------------------- planning


@dataclass(frozen=True)
class Candidate:
    text: str
    rule_ids: tuple[str, ...]
    source: CandidateSource


@dataclass(frozen=True)
class ModelSlot:
    """A place for the ``index``-th paraphrase of the paraphrase model (asked for only when reached)."""

    index: int


Slot = Candidate | ModelSlot


def rule_variant_count(factor: int) -> int:
    """Rule variants to prepare: twice what the factor needs, for the ones that do not verify."""
    return 2 * max(0, factor - 1)


def _round_robin(*sources: Sequence[Slot]) -> list[Slot]:
    ordered: list[Slot] = []
    for position in range(max((len(source) for source in sources), default=0)):
        ordered.extend(source[position] for source in sources if position < len(source))
    return ordered


def plan_slots(case: SuiteCase, config: AugmentConfig) -> list[Slot]:
    """The candidates of a case in the order they are tried: deterministic for a case and config."""
    made = generate_variants(
        case.prompt, count=rule_variant_count(config.factor), seed=config.seed, max_rules_per_variant=2
    )
    rules = [Candidate(text=v.text, rule_ids=tuple(v.rule_ids), source="rule") for v in made]
    seen = {case.prompt} | {candidate.text for candidate in rules}
    hand: list[Candidate] = []
    for text in case.paraphrases:
        if text not in seen:
            seen.add(text)
            hand.append(Candidate(text=text, rule_ids=(PARAPHRASE_ID,), source="paraphrase"))
    paraphrasing = config.paraphrase_model is not None
    model = [ModelSlot(index) for index in range(config.model_paraphrases if paraphrasing else 0)]
    return _round_robin(rules, hand, model)


def paraphrase_key(case_id: str, index: int) -> str:
    return f"{case_id}\x1f#paraphrase{index}"


def paraphrase_demos(cases: Sequence[SuiteCase], exclude: str, limit: int = PARAPHRASE_DEMOS) -> list[tuple[str, str]]:
    """A few (prompt, hand-written paraphrase) pairs of other cases, to show the paraphrase model the task."""
    demos = [(case.prompt, case.paraphrases[0]) for case in cases if case.id != exclude and case.paraphrases]
    return demos[:limit]


def selected_cases(suite: Suite, config: AugmentConfig) -> list[SuiteCase]:
    cases = list(suite.cases)
    if config.limit is not None:
        cases = cases[: config.limit]
    if config.shard is not None:
        cases = parse_shard(config.shard).select(cases, key=lambda case: case.id)
    return cases


@dataclass(frozen=True)
class AugmentBudget:
    """What augment calls at most (--dry-run): a case stops early once it has ``factor`` lines."""

    cases: int
    # Every generation that may be made; a model paraphrase's text is unknown before the call,
    # so its prompt stands in for its length.
    texts: list[str]
    paraphrase_calls: int


def augment_budget(suite: Suite, config: AugmentConfig) -> AugmentBudget:
    cases = selected_cases(suite, config)
    texts: list[str] = []
    paraphrase_calls = 0
    for case in cases:
        if config.verify == "original" and config.factor > 1:
            texts.append(case.prompt)
        for slot in plan_slots(case, config):
            texts.append(slot.text if isinstance(slot, Candidate) else case.prompt)
            paraphrase_calls += 0 if isinstance(slot, Candidate) else 1
    return AugmentBudget(len(cases), texts, paraphrase_calls)
