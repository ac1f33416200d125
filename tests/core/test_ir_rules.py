"""IR variants: every rule keeps the specified function, and says which rule made it."""

from __future__ import annotations

import ast
import io
import tokenize
from collections import Counter
from functools import cache
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokdrift_cli.core.equivalence import canonical_predicate, compare_irs, identifier_words
from tokdrift_cli.core.ir import IR
from tokdrift_cli.core.suite import default_suite_path
from tokdrift_cli.core.variants.ir_rules import (
    IR_RULES,
    IRFamily,
    IRRule,
    IRVariant,
    generate_ir_variants,
    get_ir_rule,
)
from tokdrift_cli.errors import InputError

NAMING_RULES = sorted(rule_id for rule_id, rule in IR_RULES.items() if rule.family is IRFamily.NAMING)


@cache
def core_golds() -> tuple[tuple[str, IR], ...]:
    """(case id, gold IR) for every case of the shipped core suite."""
    lines = default_suite_path().read_bytes().splitlines()
    return tuple((data["id"], IR.model_validate(data["gold"])) for data in map(orjson.loads, lines) if data)


def make_ir(
    name: str = "f",
    params: list[tuple[str, str]] | None = None,
    returns: str | None = "int",
    effects: list[str] | None = None,
    assertions: list[str] | None = None,
) -> IR:
    data: dict[str, Any] = {
        "intent": {"summary": "Do a thing."},
        "signature": {
            "name": name,
            "parameters": [{"name": n, "type_hint": t} for n, t in (params or [])],
            "returns": returns,
        },
        "effects": effects or [],
        "assertions": assertions or [],
    }
    return IR.model_validate(data)


def rename_back(original: IR, variant: IR) -> IR:
    """The variant with the original names restored everywhere (via the syntax tree)."""
    names = [original.signature.name, *(p.name for p in original.signature.parameters)]
    new_names = [variant.signature.name, *(p.name for p in variant.signature.parameters)]
    back = dict(zip(new_names, names, strict=True))

    class Back(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.Name:
            return ast.Name(id=back.get(node.id, node.id), ctx=node.ctx)

    def restore(predicate: str) -> str:
        try:
            return ast.unparse(Back().visit(ast.parse(predicate.strip(), mode="eval")))
        except SyntaxError:
            return predicate

    assertions = [a.model_copy(update={"predicate": restore(a.predicate)}) for a in variant.assertions]
    return variant.model_copy(update={"signature": original.signature, "assertions": assertions})


def literal_tokens(predicate: str) -> Counter[str]:
    """Numbers and strings exactly as written."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(predicate).readline))
    except (tokenize.TokenError, SyntaxError):
        return Counter({predicate: 1})
    return Counter(t.string for t in tokens if t.type in (tokenize.NUMBER, tokenize.STRING))


def all_literals(ir: IR) -> Counter[str]:
    total: Counter[str] = Counter()
    for assertion in ir.assertions:
        total += literal_tokens(assertion.predicate)
    return total


# --------------------------------------------------------------------------- every rule on every gold IR


@pytest.mark.parametrize("rule_id", sorted(IR_RULES))
def test_every_rule_keeps_every_core_gold_equivalent(rule_id: str) -> None:
    rule = IR_RULES[rule_id]
    applied = 0
    for case_id, gold in core_golds():
        variant = rule.apply(gold)
        if variant is None:
            continue
        applied += 1
        assert variant != gold, case_id
        assert all_literals(variant) == all_literals(gold), (case_id, variant.assertions)
        comparison = compare_irs(gold, variant)  # names compare across casing, in predicates too
        failing = [v.reason for v in comparison.verdicts if not v.equivalent]
        assert failing == [], (case_id, rule_id, failing)
    assert applied >= EXPECTED_MINIMUM_APPLICATIONS[rule_id], (rule_id, applied)


# How many of the 45 core golds each rule changes at least (effects: every gold has at most one).
EXPECTED_MINIMUM_APPLICATIONS = {
    "ir.name.snake": 0,
    "ir.name.camel": 40,
    "ir.name.pascal": 45,
    "ir.name.snake_upper": 45,
    "ir.effects.reverse": 0,
    "ir.effects.rotate": 0,
    "ir.assert.flip_comparison": 29,
    "ir.assert.split_conjunction": 2,
    "ir.assert.reverse": 7,
    "ir.types.typing_alias": 21,
    "ir.types.builtin": 0,
}


def test_expected_applications_cover_every_rule() -> None:
    assert set(EXPECTED_MINIMUM_APPLICATIONS) == set(IR_RULES)


def test_compare_irs_sees_consistent_renaming_in_predicates_as_equal() -> None:
    gold = dict(core_golds())["simple-003"]  # n >= 0
    variant = get_ir_rule("ir.name.pascal").apply(gold)
    assert variant is not None
    assert compare_irs(gold, variant).equivalent


@pytest.mark.parametrize(("case_id", "gold"), core_golds(), ids=[case_id for case_id, _ in core_golds()])
def test_type_spellings_round_trip(case_id: str, gold: IR) -> None:
    typed = get_ir_rule("ir.types.typing_alias").apply(gold)
    if typed is None:
        return
    assert get_ir_rule("ir.types.builtin").apply(typed) == gold


# --------------------------------------------------------------------------- naming


@pytest.mark.parametrize(
    ("rule_id", "name", "expected"),
    [
        ("ir.name.camel", "count_vowels", "countVowels"),
        ("ir.name.pascal", "count_vowels", "CountVowels"),
        ("ir.name.snake_upper", "count_vowels", "COUNT_VOWELS"),
        ("ir.name.snake", "parseHTTPResponse", "parse_http_response"),
        ("ir.name.camel", "to_base64", "toBase64"),
        ("ir.name.pascal", "_private_helper", "_PrivateHelper"),
    ],
)
def test_naming_styles(rule_id: str, name: str, expected: str) -> None:
    variant = get_ir_rule(rule_id).apply(make_ir(name=name))
    assert variant is not None
    assert variant.signature.name == expected
    assert identifier_words(expected) == identifier_words(name)


def test_names_in_predicates_follow_their_parameter() -> None:
    ir = make_ir(
        params=[("max_length", "int"), ("text", "str")],
        assertions=["assert max_length > 0", "len(text) <= max_length", "all(c != ' ' for c in text)"],
    )
    variant = get_ir_rule("ir.name.camel").apply(ir)
    assert variant is not None
    assert [p.name for p in variant.signature.parameters] == ["maxLength", "text"]
    assert [a.predicate for a in variant.assertions] == [
        "assert maxLength > 0",
        "len(text) <= maxLength",
        "all(c != ' ' for c in text)",
    ]


def test_renaming_reaches_lambda_parameters_and_keeps_attributes_and_keywords() -> None:
    ir = make_ir(
        params=[("item_list", "list")], assertions=["sorted(item_list, key=lambda item_list: item_list.item_list)"]
    )
    variant = get_ir_rule("ir.name.pascal").apply(ir)
    assert variant is not None
    assert variant.assertions[0].predicate == "sorted(ItemList, key=lambda ItemList: ItemList.item_list)"


def test_renaming_counts_bytes_not_characters() -> None:
    ir = make_ir(params=[("first_name", "str")], assertions=["'é' != first_name"])
    variant = get_ir_rule("ir.name.snake_upper").apply(ir)
    assert variant is not None
    assert variant.assertions[0].predicate == "'é' != FIRST_NAME"


@pytest.mark.parametrize(
    ("params", "assertions", "why"),
    [
        ([("a_b", "int"), ("aB", "int")], [], "two parameters would merge"),
        ([("Result", "int")], ["result > Result"], "would capture the predicate's result"),
        ([("max_len", "int")], ["max_len is positive"], "prose predicate mentions the name"),
    ],
)
def test_naming_refuses_unsafe_renames(params: list[tuple[str, str]], assertions: list[str], why: str) -> None:
    ir = make_ir(name="f", params=params, assertions=assertions)
    assert get_ir_rule("ir.name.snake").apply(ir) is None, why


def test_prose_predicate_without_renamed_names_is_kept() -> None:
    ir = make_ir(name="count_all", params=[("xs", "list")], assertions=["the list is not empty"])
    variant = get_ir_rule("ir.name.pascal").apply(ir)
    assert variant is not None
    assert variant.assertions == ir.assertions


def test_names_that_cannot_take_a_style_stay() -> None:
    ir = make_ir(name="f", params=[("2d_grid", "list"), ("class_", "str"), ("__", "int")])
    variant = get_ir_rule("ir.name.pascal").apply(ir)
    assert variant is not None
    assert [p.name for p in variant.signature.parameters] == ["2d_grid", "Class", "__"]
    assert variant.signature.name == "F"
    assert get_ir_rule("ir.name.camel").apply(make_ir(name="f", params=[("class", "str")])) is None


def test_function_name_used_in_a_predicate_is_renamed() -> None:
    ir = make_ir(name="fact", params=[("n", "int")], assertions=["fact(n) >= 1"])
    variant = get_ir_rule("ir.name.pascal").apply(ir)
    assert variant is not None
    assert variant.assertions[0].predicate == "Fact(N) >= 1"


# --------------------------------------------------------------------------- effects


def test_effect_order_rules() -> None:
    ir = make_ir(effects=["raises ValueError if x < 0", "writes a log line", "mutates items"])
    reversed_ = get_ir_rule("ir.effects.reverse").apply(ir)
    rotated = get_ir_rule("ir.effects.rotate").apply(ir)
    assert reversed_ is not None and rotated is not None
    assert [e.description for e in reversed_.effects] == [
        "mutates items",
        "writes a log line",
        "raises ValueError if x < 0",
    ]
    assert [e.description for e in rotated.effects] == [
        "writes a log line",
        "mutates items",
        "raises ValueError if x < 0",
    ]
    for variant in (reversed_, rotated):
        assert compare_irs(ir, variant).equivalent
    assert get_ir_rule("ir.effects.reverse").apply(make_ir(effects=["one"])) is None
    assert get_ir_rule("ir.effects.rotate").apply(make_ir(effects=["same", "same"])) is None


# --------------------------------------------------------------------------- assertions


@pytest.mark.parametrize(
    ("predicate", "flipped"),
    [
        ("x > 0", "0 < x"),
        ("a <= b", "b >= a"),
        ("a == b", "b == a"),
        ("a != b", "b != a"),
        ("assert 0 <= result <= len(xs)", "assert len(xs) >= result >= 0"),
        ("all(v > 0 for v in result)", "all(0 < v for v in result)"),
        ("(a or b) > c", "c < (a or b)"),
        ("(a < b) == c", "c == (b > a)"),
        ("(not a) == b", "b == (not a)"),
        ("(1, 2) == pair", "pair == (1, 2)"),
        ("s == 'é' and n > 1.50", "'é' == s and 1.50 < n"),
        ("(f(x)\n  > 1_000)", "(1_000 < f(x))"),
    ],
)
def test_flip_comparison(predicate: str, flipped: str) -> None:
    variant = get_ir_rule("ir.assert.flip_comparison").apply(make_ir(assertions=[predicate]))
    assert variant is not None
    assert variant.assertions[0].predicate == flipped
    assert canonical_predicate(flipped) == canonical_predicate(predicate)


@pytest.mark.parametrize(
    "predicate", ["x in xs", "x is None", "a < b in c", "the result is sorted", "callable(f)", "f(x)\n  > 1"]
)
def test_flip_leaves_what_has_no_mirror(predicate: str) -> None:
    assert get_ir_rule("ir.assert.flip_comparison").apply(make_ir(assertions=[predicate])) is None


def test_split_conjunction() -> None:
    ir = make_ir(assertions=["assert a > 0 and (b > 0 or c)", "d"], effects=[])
    variant = get_ir_rule("ir.assert.split_conjunction").apply(ir)
    assert variant is not None
    assert [a.predicate for a in variant.assertions] == ["assert a > 0", "assert b > 0 or c", "d"]
    assert compare_irs(ir, variant).equivalent
    assert get_ir_rule("ir.assert.split_conjunction").apply(make_ir(assertions=["a or b", "c"])) is None


def test_reverse_assertions() -> None:
    ir = make_ir(assertions=["a > 0", "b > 0"])
    variant = get_ir_rule("ir.assert.reverse").apply(ir)
    assert variant is not None and [a.predicate for a in variant.assertions] == ["b > 0", "a > 0"]


# --------------------------------------------------------------------------- types


@pytest.mark.parametrize(
    ("rule_id", "hint", "expected"),
    [
        ("ir.types.typing_alias", "list[int]", "List[int]"),
        ("ir.types.typing_alias", "dict", "Dict"),
        ("ir.types.typing_alias", "str | None", "Optional[str]"),
        ("ir.types.typing_alias", "int | str | None", "Union[int, str, None]"),
        ("ir.types.typing_alias", "dict[str, list[tuple[int, ...]]]", "Dict[str, List[Tuple[int, ...]]]"),
        ("ir.types.builtin", "List[int]", "list[int]"),
        ("ir.types.builtin", "typing.Dict[str, int]", "dict[str, int]"),
        ("ir.types.builtin", "Optional[Union[int, str]]", "int | str | None"),
        ("ir.types.builtin", "typing.Optional[FrozenSet[int]]", "frozenset[int] | None"),
    ],
)
def test_type_spelling(rule_id: str, hint: str, expected: str) -> None:
    variant = get_ir_rule(rule_id).apply(make_ir(params=[("x", hint)], returns=hint))
    assert variant is not None
    assert variant.signature.parameters[0].type_hint == expected
    assert variant.signature.returns == expected
    assert compare_irs(make_ir(params=[("x", hint)], returns=hint), variant).equivalent


@pytest.mark.parametrize(
    "hint",
    [
        "int",
        "a list of ints",
        'Optional["User"]',
        'List[Literal["a"]]',
        "Callable[[int], str]",
        "",
        "x + y",
        "typing.Any",
    ],
)
def test_type_spelling_leaves_what_has_no_other_spelling(hint: str) -> None:
    ir = make_ir(params=[("x", hint)], returns=None)
    assert get_ir_rule("ir.types.builtin").apply(ir) is None
    assert get_ir_rule("ir.types.typing_alias").apply(ir) is None


# --------------------------------------------------------------------------- generation


def test_generation_is_deterministic_and_distinct() -> None:
    for _, gold in core_golds():
        first = generate_ir_variants(gold, 12, 7, max_rules_per_variant=3)
        assert first == generate_ir_variants(gold, 12, 7, max_rules_per_variant=3)
        irs = [variant.ir for variant in first]
        assert gold not in irs
        assert all(irs.count(ir) == 1 for ir in irs)
        for variant in first:
            assert isinstance(variant, IRVariant)
            families = [IR_RULES[rule_id].family for rule_id in variant.rule_ids]
            assert len(families) == len(set(families)), "a composition uses each family once"


def test_one_variant_per_rule_spread_over_families_first() -> None:
    gold = dict(core_golds())["simple-004"]
    variants = generate_ir_variants(gold, 20, 0)
    ids = [variant.rule_ids[0] for variant in variants]
    assert all(len(variant.rule_ids) == 1 for variant in variants)
    assert len(set(ids)) == len(ids)
    assert {IR_RULES[ids[0]].family, IR_RULES[ids[1]].family} == {IRFamily.NAMING, IRFamily.ASSERTION}


def test_seed_changes_the_order_not_the_set() -> None:
    gold = dict(core_golds())["simple-007"]
    orders = {tuple(v.rule_ids[0] for v in generate_ir_variants(gold, 20, seed)) for seed in range(8)}
    assert len(orders) > 1
    assert len({frozenset(order) for order in orders}) == 1


def test_count_and_rule_selection() -> None:
    gold = dict(core_golds())["edge_cases-004"]
    assert generate_ir_variants(gold, 0, 1) == []
    assert len(generate_ir_variants(gold, 2, 1)) == 2
    only = generate_ir_variants(gold, 10, 1, rule_ids=["ir.name.pascal", "ir.name.camel", "ir.effects.rotate"])
    assert [v.rule_ids for v in only] == [["ir.name.pascal"]]
    composed = generate_ir_variants(gold, 30, 1, max_rules_per_variant=2)
    assert any(len(v.rule_ids) == 2 for v in composed)


def test_bad_arguments() -> None:
    gold = core_golds()[0][1]
    with pytest.raises(ValueError, match="count"):
        generate_ir_variants(gold, -1, 0)
    with pytest.raises(ValueError, match="max_rules_per_variant"):
        generate_ir_variants(gold, 1, 0, max_rules_per_variant=0)
    with pytest.raises(InputError, match="known IR rule ids: ir.assert"):
        generate_ir_variants(gold, 1, 0, rule_ids=["ir.nope.nothing"])
    with pytest.raises(ValueError, match="must read"):
        IRRule(id="naming.camel", family=IRFamily.NAMING, description="", transform=lambda ir: ir)


def test_a_rule_returning_its_input_does_not_apply() -> None:
    rule = IRRule(id="ir.test.identity", family=IRFamily.NAMING, description="", transform=lambda ir: ir)
    assert rule.apply(make_ir()) is None


identifier = st.from_regex(r"[a-z][a-z0-9]{0,5}(_[a-z][a-z0-9]{0,5}){0,3}", fullmatch=True)


@settings(max_examples=30, deadline=None)
@given(
    names=st.lists(identifier, min_size=1, max_size=4, unique=True),
    constant=st.integers(-(10**6), 10**6) | st.floats(allow_nan=False, allow_infinity=False),
    seed=st.integers(0, 10**6),
)
def test_random_signatures_keep_words_and_literals(names: list[str], constant: float, seed: int) -> None:
    predicate = f"{names[0]} > {constant!r} and len({names[-1]}) != {constant!r}"
    ir = make_ir(name=names[0] + "_fn", params=[(n, "list[int]") for n in names], assertions=[predicate])
    for variant in generate_ir_variants(ir, 20, seed, max_rules_per_variant=3):
        new_names = [p.name for p in variant.ir.signature.parameters]
        assert [identifier_words(n) for n in new_names] == [identifier_words(n) for n in names]
        assert all_literals(variant.ir) == all_literals(ir)
        assert compare_irs(ir, rename_back(ir, variant.ir)).equivalent


def test_empty_and_overlong_predicates_are_left_alone() -> None:
    long = " and ".join(f"x{i} > {i}" for i in range(300))
    ir = make_ir(assertions=["", "assert ", long])
    assert get_ir_rule("ir.assert.flip_comparison").apply(ir) is None


def test_identifiers_match_in_their_normalised_form() -> None:
    # Python reads the ligature "ﬁ" as "fi": the predicate's name is the parameter.
    ir = make_ir(params=[("ﬁle_name", "str")], assertions=["len(ﬁle_name) > 0"])
    variant = get_ir_rule("ir.name.pascal").apply(ir)
    assert variant is not None
    assert variant.signature.parameters[0].name == "FileName"
    assert variant.assertions[0].predicate == "len(FileName) > 0"


def test_builtin_spelling_leaves_other_dotted_names() -> None:
    ir = make_ir(params=[("x", "collections.abc.Sequence[List[int]]"), ("y", "f()[0].List")])
    variant = get_ir_rule("ir.types.builtin").apply(ir)
    assert variant is not None
    assert [p.type_hint for p in variant.signature.parameters] == ["collections.abc.Sequence[list[int]]", "f()[0].List"]
