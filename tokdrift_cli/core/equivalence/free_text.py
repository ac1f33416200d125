"""Free-text fields: the intent summary and the effects, judged by the deterministic tier.

``intent``
    The summaries are compared as one text each (the rationale is ignored:
    it explains, it does not specify).
``effects``
    An order-free collection. Effects that the text tier finds the same are
    paired off (duplicates collapse). If effects remain on one side only,
    the field differs: one IR promises behaviour the other does not. If
    both sides keep unpaired effects, each is set against its closest
    counterpart; a contradiction decides *different*, otherwise the field is
    *undecided* (a reworded, split or merged effect).

Given a judge (:class:`TextJudge`), what the deterministic tier leaves
undecided or calls different goes to it (a free-text "different" counts only
as undecided unless the judge confirms it), and a verdict it gives records
tier ``judge``.
"""

from __future__ import annotations

from collections.abc import Sequence

from tokdrift_cli.core.equivalence.canonical import content_tokens
from tokdrift_cli.core.equivalence.text_tier import TextJudge, TextVerdict, compare_texts, decide_text
from tokdrift_cli.core.equivalence.verdicts import FieldVerdict, IRField, Outcome, Tier
from tokdrift_cli.core.ir import IR


def _verdict(field: IRField, outcome: Outcome, reason: str, tier: Tier = Tier.DETERMINISTIC) -> FieldVerdict:
    return FieldVerdict(field=field, outcome=outcome, tier=tier, reason=reason)


def compare_intents(a: IR, b: IR, judge: TextJudge | None = None) -> FieldVerdict:
    verdict, tier = decide_text(IRField.INTENT, a.intent.summary, b.intent.summary, judge)
    return _verdict(IRField.INTENT, verdict.outcome, f"intent: {verdict.reason}", tier)


def _distinct(descriptions: Sequence[str]) -> list[str]:
    """Effects with content, one per canonical wording (so duplicates and empty strings drop out)."""
    seen: dict[tuple[str, ...], str] = {}
    for description in descriptions:
        tokens = content_tokens(description)
        if tokens or description.strip():
            seen.setdefault(tuple(sorted(tokens)) if tokens else (description.strip().casefold(),), description)
    return list(seen.values())


def _pair_same(left: list[str], right: list[str]) -> tuple[list[str], list[str], int]:
    """Pair effects the tier finds the same; return the unpaired ones and how many pairs were reworded."""
    unpaired_right = list(right)
    unpaired_left, reworded = [], 0
    for effect in left:
        match = next((other for other in unpaired_right if compare_texts(effect, other).outcome is Outcome.SAME), None)
        if match is None:
            unpaired_left.append(effect)
            continue
        unpaired_right.remove(match)
        reworded += effect.strip() != match.strip()
    return unpaired_left, unpaired_right, reworded


def _closeness(a: str, b: str) -> float:
    words_a, words_b = set(content_tokens(a)), set(content_tokens(b))
    union = words_a | words_b
    return len(words_a & words_b) / len(union) if union else 0.0


def _closest_pairs(left: list[str], right: list[str]) -> list[tuple[str, str, TextVerdict]]:
    """Greedy pairing by shared content words, closest first."""
    candidates = sorted(
        ((_closeness(a, b), index_a, index_b) for index_a, a in enumerate(left) for index_b, b in enumerate(right)),
        reverse=True,
    )
    used_left: set[int] = set()
    used_right: set[int] = set()
    pairs = []
    for _, index_a, index_b in candidates:
        if index_a in used_left or index_b in used_right:
            continue
        used_left.add(index_a)
        used_right.add(index_b)
        pairs.append((left[index_a], right[index_b], compare_texts(left[index_a], right[index_b])))
    return pairs


def _quoted(effects: list[str]) -> str:
    return "; ".join(repr(effect.strip()) for effect in effects)


def _judge_leftovers(pairs: list[tuple[str, str, TextVerdict]], balanced: bool, judge: TextJudge) -> FieldVerdict:
    """Ask the judge about each closest pair; every pair the same (and none left over) makes the field same."""
    outcomes = []
    for effect_a, effect_b, _ in pairs:
        verdict = judge(IRField.EFFECTS, effect_a, effect_b)
        if verdict.outcome is Outcome.DIFFERENT:
            reason = f"effects differ (judge): {effect_a.strip()!r} vs {effect_b.strip()!r}: {verdict.reason}"
            return _verdict(IRField.EFFECTS, Outcome.DIFFERENT, reason, Tier.JUDGE)
        outcomes.append(verdict.outcome)
    if balanced and all(outcome is Outcome.SAME for outcome in outcomes):
        return _verdict(IRField.EFFECTS, Outcome.SAME, f"{len(pairs)} reworded effect(s) judged the same", Tier.JUDGE)
    return _verdict(IRField.EFFECTS, Outcome.UNDECIDED, "the judge could not settle every reworded effect", Tier.JUDGE)


def compare_effects(a: IR, b: IR, judge: TextJudge | None = None) -> FieldVerdict:
    effects_a = _distinct([effect.description for effect in a.effects])
    effects_b = _distinct([effect.description for effect in b.effects])
    only_a, only_b, reworded = _pair_same(effects_a, effects_b)
    if not only_a and not only_b:
        note = f", {reworded} reworded" if reworded else ""
        return _verdict(IRField.EFFECTS, Outcome.SAME, f"same {len(effects_a)} effect(s){note}")
    if not (only_a and only_b):
        side, effects = ("a", only_a) if only_a else ("b", only_b)
        return _verdict(IRField.EFFECTS, Outcome.DIFFERENT, f"effects differ: only in {side}: {_quoted(effects)}")
    pairs = _closest_pairs(only_a, only_b)
    judged = _judge_leftovers(pairs, len(only_a) == len(only_b), judge) if judge is not None else None
    for effect_a, effect_b, verdict in pairs:
        if verdict.outcome is Outcome.DIFFERENT:
            reason = f"effects differ: {effect_a.strip()!r} vs {effect_b.strip()!r}: {verdict.reason}"
            if judged is not None and judged.outcome is not Outcome.UNDECIDED:
                return judged.model_copy(update={"reason": f"{judged.reason}; the lexicons said: {reason}"})
            return _verdict(IRField.EFFECTS, Outcome.DIFFERENT, reason)
    if judged is not None:
        return judged
    reason = f"effects reworded beyond the lexicons: a {_quoted(only_a)}; b {_quoted(only_b)}"
    return _verdict(IRField.EFFECTS, Outcome.UNDECIDED, reason)
