"""Accuracy against gold under a suite line's naming policy: open names, alternatives, fixed names as before."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.core.test_equivalence import PROPERTY_SETTINGS, irs
from tests.core.test_equivalence import make_ir as vowels_ir
from tokdrift_cli.core.equivalence import GOLD_FIELDS, IRComparison, IRField, compare_irs
from tokdrift_cli.core.gold import FIXED_NAMES, NamingPolicy, match_gold, mentions_name, policy_from_prompt
from tokdrift_cli.core.ir import IR, FunctionSignature, Intent, Parameter
from tokdrift_cli.core.types import canonical_type
from tokdrift_cli.core.suite import SuiteCase, SuiteInvalidError, check_suite_lines, load_suite

REPO = Path(__file__).resolve().parents[2]


def make_ir(name: str = "average", parameters: list[tuple[str, str]] | None = None, returns: str | None = "float",
            assertions: list[str] | None = None) -> IR:
    params = [("numbers", "list[float]")] if parameters is None else parameters
    return IR(
        intent=Intent(summary="Average a list of floats."),
        signature=FunctionSignature(
            name=name, parameters=[Parameter(name=n, type_hint=t) for n, t in params], returns=returns
        ),
        assertions=assertions or [],  # type: ignore[arg-type]
    )


TWO = [("words", "list[str]"), ("min_length", "int")]
ALL_OPEN = NamingPolicy(function="open", parameters="open")


# --------------------------------------------------------------------------- the policy table


@pytest.mark.parametrize(
    ("predicted", "gold", "names", "expected", "differing"),
    [
        # An open name matches any name, in any casing; the signature's shape still has to match.
        pytest.param(make_ir("mean", [("values", "List[float]")]), make_ir(), ALL_OPEN, True, [], id="open-any-name"),
        pytest.param(make_ir("computeMean"), make_ir(), NamingPolicy(function="open"), True, [], id="open-function"),
        pytest.param(make_ir("mean", [("values", "list[float]")]), make_ir(), NamingPolicy(function="open"), False,
                     ["parameters"], id="open-function-fixed-parameter"),
        pytest.param(make_ir("mean", [("values", "list[int]")]), make_ir(), ALL_OPEN, False, ["parameters"],
                     id="open-wrong-type"),
        pytest.param(make_ir("mean", [("values", "list[float]")], returns="int"), make_ir(), ALL_OPEN, False,
                     ["returns"], id="open-wrong-return"),
        pytest.param(make_ir("mean", [("values", "list[float]"), ("default", "float")]), make_ir(), ALL_OPEN, False,
                     ["parameters"], id="open-extra-parameter"),
        pytest.param(make_ir("mean", []), make_ir(), ALL_OPEN, False, ["parameters"], id="open-missing-parameter"),
        pytest.param(make_ir("keep", [("n", "int"), ("items", "list[str]")]), make_ir("filter_by_length", TWO),
                     ALL_OPEN, False, ["parameters"], id="open-swapped-order"),
        pytest.param(make_ir("keep", [("items", "list[str]"), ("n", "int")]), make_ir("filter_by_length", TWO),
                     ALL_OPEN, True, [], id="open-two-parameters"),
        # Alternatives: the gold's name or a listed one, in any casing; nothing else.
        pytest.param(make_ir("mean"), make_ir(), NamingPolicy(function=("mean", "avg")), True, [], id="alternative"),
        pytest.param(make_ir("Avg"), make_ir(), NamingPolicy(function=("mean", "avg")), True, [],
                     id="alternative-casing"),
        pytest.param(make_ir("AVERAGE"), make_ir(), NamingPolicy(function=("mean",)), True, [],
                     id="alternative-gold-itself"),
        pytest.param(make_ir("median"), make_ir(), NamingPolicy(function=("mean", "avg")), False, ["name"],
                     id="alternative-refused"),
        pytest.param(make_ir(parameters=[("values", "list[float]")]), make_ir(),
                     NamingPolicy(parameters={"numbers": ("values", "xs")}), True, [], id="parameter-alternative"),
        pytest.param(make_ir(parameters=[("floats", "list[float]")]), make_ir(),
                     NamingPolicy(parameters={"numbers": ("values", "xs")}), False, ["parameters"],
                     id="parameter-alternative-refused"),
        pytest.param(make_ir("keep", [("strings", "list[str]"), ("min_length", "int")]),
                     make_ir("filter_by_length", TWO), NamingPolicy(function="open", parameters={"words": "open"}),
                     True, [], id="one-parameter-open"),
        pytest.param(make_ir("keep", [("strings", "list[str]"), ("limit", "int")]),
                     make_ir("filter_by_length", TWO), NamingPolicy(function="open", parameters={"words": "open"}),
                     False, ["parameters"], id="other-parameter-fixed"),
        # Fixed names, as before: casing is free, words are not.
        pytest.param(make_ir("Average", [("NUMBERS", "List[float]")]), make_ir(), FIXED_NAMES, True, [],
                     id="fixed-casing"),
        pytest.param(make_ir("mean"), make_ir(), FIXED_NAMES, False, ["name"], id="fixed-other-name"),
        pytest.param(make_ir(parameters=[("values", "list[float]")]), make_ir(), FIXED_NAMES, False, ["parameters"],
                     id="fixed-other-parameter"),
    ],
)
def test_accuracy_compares_what_the_policy_fixes(
    predicted: IR, gold: IR, names: NamingPolicy, expected: bool, differing: list[str]
) -> None:
    result = match_gold(predicted, gold, names)
    assert result.equivalent is expected
    assert [str(field) for field in result.differing_fields] == differing
    assert set(result.counted_fields) == GOLD_FIELDS


FIXED_PAIRS = [
    (make_ir(), make_ir()),
    (make_ir("mean"), make_ir()),
    (make_ir("averageValue", [("nums", "list[float]")]), make_ir("average_value")),
    (make_ir(returns=None), make_ir()),
    (make_ir(assertions=["len(numbers) > 0"]), make_ir()),
    (make_ir("f", TWO), make_ir("f", TWO[::-1])),
]


@pytest.mark.parametrize(("predicted", "gold"), FIXED_PAIRS)
def test_fixed_names_judge_as_before(predicted: IR, gold: IR) -> None:
    """A line without ``names`` gets exactly the signature comparison accuracy always used."""
    assert match_gold(predicted, gold) == compare_irs(predicted, gold, fields=GOLD_FIELDS)


def test_match_gold_is_signature_accuracy() -> None:
    gold = vowels_ir(effects=["raises ValueError"], assertions=["n >= 0"])
    predicted = vowels_ir(name="countVowels", effects=[], assertions=[])
    result = match_gold(predicted, gold)
    assert result.equivalent
    assert result.counted_fields == [IRField.NAME, IRField.PARAMETERS, IRField.RETURNS]
    assert set(result.counted_fields) == GOLD_FIELDS
    assert not match_gold(vowels_ir(returns="float"), gold).equivalent


POLICIES = st.sampled_from([FIXED_NAMES, ALL_OPEN, NamingPolicy(function=("other",)), NamingPolicy(function="open")])


@PROPERTY_SETTINGS
@given(irs(names=st.text(), hints=st.text(), phrases=st.text(), predicates=st.text(), summaries=st.text()),
       irs(names=st.text(), hints=st.text(), phrases=st.text(), predicates=st.text(), summaries=st.text()),
       POLICIES)
def test_property_never_raises_on_arbitrary_text(a: IR, b: IR, names: NamingPolicy) -> None:
    result = match_gold(a, b, names)
    assert isinstance(result, IRComparison)
    assert len(result.verdicts) == len(IRField) and all(verdict.reason for verdict in result.verdicts)


@PROPERTY_SETTINGS
@given(irs(), irs())
def test_property_open_names_only_ever_accept_more(a: IR, b: IR) -> None:
    """Opening names never turns a match into a miss, and never forgives the shape of the signature.

    The one type it accepts without a match is a gold type ``Any`` (the request does not state it).
    """
    fixed, opened = match_gold(a, b).equivalent, match_gold(a, b, ALL_OPEN).equivalent
    assert opened or not fixed
    if opened:
        assert len(a.signature.parameters) == len(b.signature.parameters)
        gold_return_open = b.signature.returns is not None and canonical_type(b.signature.returns) == "Any"
        assert gold_return_open or compare_irs(a, b).verdict(IRField.RETURNS).equivalent


def test_reasons_say_what_the_policy_accepted() -> None:
    result = match_gold(make_ir("mean", [("values", "list[float]")]), make_ir(), ALL_OPEN)
    assert result.verdict(IRField.NAME).reason == "name left open by the request: mean accepted (gold average)"
    assert result.verdict(IRField.PARAMETERS).reason.endswith("names accepted by the policy: values for numbers")
    refused = match_gold(make_ir("median"), make_ir(), NamingPolicy(function=("mean", "avg")))
    assert refused.verdict(IRField.NAME).reason == (
        "name differs: median vs average (nor any accepted alternative: mean, avg)"
    )
    wrong_type = match_gold(make_ir("mean", [("values", "list[int]")]), make_ir(), ALL_OPEN)
    assert "type differs" in wrong_type.verdict(IRField.PARAMETERS).reason


def test_open_names_are_aligned_before_the_other_fields_are_compared() -> None:
    """The reported (uncounted) fields are compared with the accepted names spelled as the gold's."""
    gold = make_ir(assertions=["len(numbers) > 0"])
    predicted = make_ir("mean", [("numbers", "list[float]")], assertions=["len(numbers) > 0"])
    assert match_gold(predicted, gold, ALL_OPEN).verdict(IRField.ASSERTIONS).equivalent


# --------------------------------------------------------------------------- the suite line


def suite_line(names: Any, **changes: Any) -> bytes:
    data = {"id": "c", "prompt": "Write a function that filters strings by length.", "category": "strings",
            "gold": make_ir("filter_by_length", TWO).model_dump(mode="json"), "names": names}
    data.update(changes)
    return json.dumps(data).encode() + b"\n"


@pytest.mark.parametrize(
    ("names", "message"),
    [
        pytest.param({"function": "opne"}, 'names.function: Value error, must be "fixed", "open" or a non-empty list',
                     id="unknown-word"),
        pytest.param({"function": []}, "names.function: Value error, must be", id="empty-list"),
        pytest.param({"function": ["two words"]}, "not a Python identifier: 'two words'", id="not-an-identifier"),
        pytest.param({"function": 3}, "names.function: Value error, must be", id="number"),
        pytest.param({"parameters": "some"}, "names.parameters: Value error, must be", id="bad-parameters"),
        pytest.param({"parameters": {"words": "maybe"}}, "names.parameters: Value error, must be", id="bad-rule"),
        pytest.param({"parameters": {"text": "open"}}, "'text' not in the gold signature (has: words, min_length)",
                     id="unknown-parameter"),
        pytest.param({"function": "open", "colour": "red"}, "names.colour: unknown field", id="unknown-key"),
        pytest.param("open", "names: Input should be a valid dictionary", id="not-an-object"),
    ],
)
def test_a_malformed_naming_policy_is_a_line_error(names: Any, message: str) -> None:
    cases, problems = check_suite_lines(suite_line(names))
    assert cases == [] and len(problems) == 1
    assert problems[0].line == 1 and message in problems[0].message
    assert "\n" not in problems[0].message


def test_a_malformed_policy_refuses_the_suite_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "suite.jsonl"
    path.write_bytes(suite_line({"function": "open"}, id="good") + suite_line({"function": "maybe"}))
    with pytest.raises(SuiteInvalidError) as raised:
        load_suite(path)
    assert "line 2: names.function" in str(raised.value) and "\n" not in str(raised.value)


def test_a_line_without_names_fixes_every_name_and_writes_back_without_them() -> None:
    data = json.loads(suite_line({}))
    del data["names"]
    case = SuiteCase.model_validate(data)
    assert case.names == FIXED_NAMES and case.names.fixes_function
    assert "names" not in case.model_dump(mode="json", exclude_defaults=True)
    marked = SuiteCase.model_validate({**data, "names": {"function": ["keep_long"], "parameters": {"words": "open"}}})
    assert marked.names.function == ("keep_long",) and marked.names.parameter_rule("words") == "open"
    assert marked.names.parameter_rule("min_length") == "fixed"
    again = SuiteCase.model_validate(marked.model_dump(mode="json", exclude_defaults=True))
    assert again == marked


def test_shipped_suites_fix_every_name_their_prompts_state() -> None:
    """Every shipped prompt states its function's and parameters' names, so no shipped line needs `names`."""
    shipped = sorted((REPO / "tokdrift_cli" / "data" / "suites").glob("*.jsonl"))
    shipped += [p for p in sorted((REPO / "examples" / "suites").glob("*.jsonl")) if p.name != "unnamed.jsonl"]
    assert len(shipped) >= 4
    for path in shipped:
        for case in load_suite(path).cases:
            assert case.names == FIXED_NAMES
            assert policy_from_prompt(case.prompt, case.gold.signature) == FIXED_NAMES, (path.name, case.id)


def test_unnamed_example_suite_leaves_open_what_its_prompts_do_not_state() -> None:
    cases = load_suite(REPO / "examples" / "suites" / "unnamed.jsonl").cases
    assert len(cases) >= 6
    for case in cases:
        assert not case.names.fixes_function
        # A one-word name ("average") is also an English word, so only longer names can be checked as absent.
        if "_" in case.gold.signature.name:
            assert not mentions_name(case.prompt, case.gold.signature.name), case.id
        for parameter in case.gold.signature.parameters:
            if not mentions_name(case.prompt, parameter.name):
                assert case.names.parameter_rule(parameter.name) == "open", (case.id, parameter.name)
        assert case.tests


# --------------------------------------------------------------------------- reading names from a prompt


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("Write a function named filter_by_length that takes words and min_length.", FIXED_NAMES),
        ("Write filterByLength(words, minLength).", FIXED_NAMES),
        ("Write a function that keeps the strings of a list at least a minimum length long.", ALL_OPEN),
        ("Write a function that keeps the words of a list at least some length long.",
         NamingPolicy(function="open", parameters={"min_length": "open"})),
        ("Write filter_by_length: keep strings of at least a given length.", NamingPolicy(parameters="open")),
    ],
)
def test_policy_from_prompt_opens_what_the_text_never_mentions(prompt: str, expected: NamingPolicy) -> None:
    assert policy_from_prompt(prompt, make_ir("filter_by_length", TWO).signature) == expected


# --------------------------------------------------------------------------- types the request leaves open


@pytest.mark.parametrize(
    ("predicted", "gold", "expected", "differing"),
    [
        pytest.param(make_ir(parameters=[("numbers", "list[int]")], returns="int"),
                     make_ir(parameters=[("numbers", "Any")], returns="Any"), True, [], id="any-type-open"),
        pytest.param(make_ir(parameters=[("numbers", "")], returns=None),
                     make_ir(parameters=[("numbers", "Any")], returns="Any"), True, [], id="no-type-for-open"),
        pytest.param(make_ir(parameters=[("numbers", "list[int]")], returns="int"),
                     make_ir(parameters=[("numbers", "Any")], returns="float"), False, ["returns"],
                     id="stated-return-still-fixed"),
        pytest.param(make_ir(parameters=[("values", "list[int]")], returns="Any"),
                     make_ir(parameters=[("numbers", "Any")], returns="Any"), False, ["parameters"],
                     id="open-type-fixed-name"),
        pytest.param(make_ir(parameters=[("numbers", "list[int]"), ("k", "int")]),
                     make_ir(parameters=[("numbers", "Any")]), False, ["parameters"], id="open-type-fixed-arity"),
        # Only the gold's Any is a wildcard; a predicted Any against a stated gold type is wrong.
        pytest.param(make_ir(parameters=[("numbers", "Any")]), make_ir(), False, ["parameters"],
                     id="predicted-any-is-not-open"),
    ],
)
def test_a_gold_type_any_is_left_open(predicted: IR, gold: IR, expected: bool, differing: list[str]) -> None:
    result = match_gold(predicted, gold)
    assert result.equivalent is expected
    assert [str(field) for field in result.differing_fields] == differing
