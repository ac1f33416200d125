"""The labelled IR pairs: shape, class balance, and a split that nobody picked by hand."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import pytest

from tokdrift_cli.core.equivalence import ROBUSTNESS_FIELDS, IRField, LabeledPair, evaluate_pairs, load_labeled_pairs
from tokdrift_cli.core.equivalence.verdicts import WITHHOLDING_TIERS, Tier
from tokdrift_cli.core.equivalence.report import render_markdown
from tokdrift_cli.core.ir import IR

LABELED_PAIRS = Path(__file__).resolve().parents[1] / "data" / "ir_pairs.jsonl"
FREE_TEXT_FIELDS = {IRField.INTENT, IRField.EFFECTS, IRField.PARAMETERS}
SPLIT_SEED = "tokdrift-ir-pairs-v1"
HELDOUT_FRACTION = 0.35
ROUND_TWO_TUNING_PREFIX = "t2-"
ROUND_THREE_TUNING_PREFIX = "t3-"
ROUND_FOUR_TUNING_PREFIX = "t4-"
ROUND_FIVE_TUNING_PREFIX = "t5-"
SECOND_HELD_OUT_PREFIX = "h2-"
THIRD_HELD_OUT_PREFIX = "h3-"
FOURTH_HELD_OUT_PREFIX = "h4-"
FIFTH_HELD_OUT_PREFIX = "h5-"


@pytest.fixture(scope="module")
def pairs() -> list[LabeledPair]:
    return load_labeled_pairs(LABELED_PAIRS)


def _seeded_split(pair_id: str) -> str:
    """The first round's split; its held-out part was measured once, then tuned on, and is now retired."""
    digest = hashlib.sha256(f"{SPLIT_SEED}:{pair_id}".encode()).hexdigest()
    return "retired" if int(digest[:8], 16) / 2**32 < HELDOUT_FRACTION else "tune"


def _first_round(pair: LabeledPair) -> bool:
    later = (
        ROUND_TWO_TUNING_PREFIX,
        ROUND_THREE_TUNING_PREFIX,
        ROUND_FOUR_TUNING_PREFIX,
        ROUND_FIVE_TUNING_PREFIX,
        SECOND_HELD_OUT_PREFIX,
        THIRD_HELD_OUT_PREFIX,
        FOURTH_HELD_OUT_PREFIX,
        FIFTH_HELD_OUT_PREFIX,
    )
    return pair.split != "heldout" and not pair.id.startswith(later)


def _structure(ir: IR) -> tuple[object, ...]:
    signature = ir.signature
    parameters = [(p.name, p.type_hint) for p in signature.parameters]
    return signature.name, parameters, signature.returns, [a.predicate for a in ir.assertions]


def _free_text_only(pair: LabeledPair) -> bool:
    return _structure(pair.a) == _structure(pair.b)


def test_enough_pairs_of_each_class(pairs: list[LabeledPair]) -> None:
    assert len(pairs) >= 250
    assert len({pair.id for pair in pairs}) == len(pairs)
    free = [pair for pair in pairs if pair.kind == "free_text"]
    assert sum(not pair.equivalent for pair in free) >= 60
    assert sum(pair.equivalent for pair in free) >= 60


def test_kind_matches_the_data(pairs: list[LabeledPair]) -> None:
    for pair in pairs:
        assert (pair.kind == "free_text") == _free_text_only(pair), pair.id


def test_field_labels_cover_free_text_and_agree_with_the_overall_label(pairs: list[LabeledPair]) -> None:
    for pair in pairs:
        assert set(pair.fields_equivalent) <= FREE_TEXT_FIELDS, pair.id
        if pair.kind == "free_text":
            assert pair.fields_equivalent, pair.id
            assert pair.equivalent == all(pair.fields_equivalent.values()), pair.id
        elif not all(pair.fields_equivalent.values()):
            assert not pair.equivalent, pair.id


def test_first_round_split_is_the_seeded_hash_of_the_id(pairs: list[LabeledPair]) -> None:
    first_round = [pair for pair in pairs if _first_round(pair)]
    assert len(first_round) >= 250
    assert all(pair.split == _seeded_split(pair.id) for pair in first_round)


def test_second_round_tuning_pairs_are_tuning_pairs(pairs: list[LabeledPair]) -> None:
    second_round = [pair for pair in pairs if pair.id.startswith(ROUND_TWO_TUNING_PREFIX)]
    assert len(second_round) >= 30
    assert all(pair.split == "tune" and pair.kind == "structural" for pair in second_round)
    assert sum(pair.equivalent for pair in second_round) >= 10
    assert sum(not pair.equivalent for pair in second_round) >= 10


def test_third_round_tuning_pairs_are_tuning_pairs(pairs: list[LabeledPair]) -> None:
    third_round = [pair for pair in pairs if pair.id.startswith(ROUND_THREE_TUNING_PREFIX)]
    assert len(third_round) >= 20
    assert all(pair.split == "tune" and pair.kind == "structural" for pair in third_round)
    assert sum(pair.equivalent for pair in third_round) >= 10
    assert sum(not pair.equivalent for pair in third_round) >= 10


@pytest.mark.parametrize(("prefix", "size"), [(ROUND_FOUR_TUNING_PREFIX, 20), (ROUND_FIVE_TUNING_PREFIX, 12)])
def test_later_tuning_rounds_are_tuning_pairs_of_both_kinds(pairs: list[LabeledPair], prefix: str, size: int) -> None:
    later = [pair for pair in pairs if pair.id.startswith(prefix)]
    assert len(later) >= size
    assert all(pair.split == "tune" for pair in later)
    for kind in ("structural", "free_text"):
        assert sum(pair.kind == kind and pair.equivalent for pair in later) >= 2
        assert sum(pair.kind == kind and not pair.equivalent for pair in later) >= 2


@pytest.mark.parametrize(
    ("prefix", "size"),
    [
        (SECOND_HELD_OUT_PREFIX, 127),
        (THIRD_HELD_OUT_PREFIX, 141),
        (FOURTH_HELD_OUT_PREFIX, 160),
        (FIFTH_HELD_OUT_PREFIX, 170),
    ],
)
def test_earlier_held_out_rounds_are_retired(pairs: list[LabeledPair], prefix: str, size: int) -> None:
    earlier = [pair for pair in pairs if pair.id.startswith(prefix)]
    assert len(earlier) == size
    assert all(pair.split == "retired" for pair in earlier)


def test_every_stratum_has_both_first_round_parts(pairs: list[LabeledPair]) -> None:
    strata = Counter((pair.kind, pair.equivalent, pair.split) for pair in pairs)
    for kind in ("structural", "free_text"):
        for label in (True, False):
            assert strata[(kind, label, "tune")] >= 10
            assert strata[(kind, label, "retired")] >= 10
    assert sum(pair.split == "retired" for pair in pairs) >= 80


def _free_text_evidence(pairs: list[LabeledPair]) -> list[LabeledPair]:
    """The held-out rounds measured since the free-text rules last changed: rounds 5 and 6.

    The text tier last changed before round 5 was written (ranges such as "0-255", numbers and
    comparisons that decide only between texts on the same topic, removed duplicates read as distinct
    items); round 6 was measured with no rule changed since.
    """
    return [pair for pair in pairs if pair.split == "heldout" or pair.id.startswith(FIFTH_HELD_OUT_PREFIX)]


def test_free_text_makes_flips_only_while_the_held_out_part_shows_it_precise_on_different(
    pairs: list[LabeledPair],
) -> None:
    """A free-text "different" counts as a flip only on the evidence of pairs its rules were never tuned on;
    until then it only withholds "same" (counts as undecided)."""
    evaluation = evaluate_pairs(_free_text_evidence(pairs))
    precise = all(
        (scores := evaluation.fields[field].different).precision is not None
        and scores.precision >= 0.95
        and scores.predicted >= 10
        for field in (IRField.INTENT, IRField.EFFECTS)
    )
    if not precise:
        assert Tier.DETERMINISTIC in WITHHOLDING_TIERS
        assert ROBUSTNESS_FIELDS >= {IRField.INTENT, IRField.EFFECTS}  # still counted, so drift there is not robust


def test_the_robustness_verdict_same_stays_precise_on_the_held_out_part(pairs: list[LabeledPair]) -> None:
    same = evaluate_pairs(pairs, split="heldout").overall.same
    assert same.predicted >= 10 and same.precision is not None and same.precision >= 0.95, same


def test_the_results_page_reports_both_parts_apart(pairs: list[LabeledPair], tmp_path: Path) -> None:
    import runpy

    output = tmp_path / "equivalence.md"
    script = Path(__file__).resolve().parents[2] / "benchmarks" / "equivalence_pairs.py"
    module = runpy.run_path(str(script))
    assert module["main"]([str(LABELED_PAIRS), "--output", str(output)]) == 0
    page = output.read_text(encoding="utf-8")
    assert page.index("## Tuning part") < page.index("## Retired held-out part") < page.index("## Held-out part")
    retired = page[page.index("## Retired held-out part") : page.index("## Held-out part")]
    assert "measured once" in retired and "no longer held-out" in retired
    held_out = sum(pair.split == "heldout" for pair in pairs)
    assert page.count("| overall (counted fields) |") == (3 if held_out else 2)
    assert ("No pairs." in page[page.index("## Held-out part") :]) is not bool(held_out)
    assert "| field: intent |" in page and "undecided share" in page
    tune = sum(pair.split == "tune" for pair in pairs)
    assert f"| overall (counted fields) | {tune} |" in page
    assert render_markdown(pairs, [], command="x").startswith("# Equivalence checker")
