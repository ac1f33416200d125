"""The templated generator: valid Python for any IR, and blind to every IR variant."""

from __future__ import annotations

import ast
import typing
from functools import cache
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.core.test_ir_rules import core_golds, make_ir
from tokdrift_cli.codegen.ast_compare import compare_code
from tokdrift_cli.codegen.templated import python_name, render_function
from tokdrift_cli.core.ir import IR
from tokdrift_cli.core.suite import SuiteCase, default_suite_path
from tokdrift_cli.core.variants.ir_rules import IR_RULES, generate_ir_variants

GOLD_IDS = [case_id for case_id, _ in core_golds()]


@cache
def core_cases() -> dict[str, SuiteCase]:
    lines = default_suite_path().read_bytes().splitlines()
    return {case.id: case for case in (SuiteCase.model_validate(orjson.loads(line)) for line in lines if line)}


def load(source: str) -> dict[str, Any]:
    """Run a rendered module (our own output, made from our own test IRs)."""
    namespace: dict[str, Any] = {}
    exec(compile(source, "<templated>", "exec"), namespace)  # noqa: S102
    return namespace


def function_of(source: str) -> ast.FunctionDef:
    functions = [node for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)]
    assert len(functions) == 1
    return functions[0]


# --------------------------------------------------------------------------- robust by construction


@pytest.mark.parametrize(("case_id", "gold"), core_golds(), ids=GOLD_IDS)
def test_every_rule_renders_the_same_code(case_id: str, gold: IR) -> None:
    reference = render_function(gold)
    for rule in IR_RULES.values():
        variant = rule.apply(gold)
        if variant is None:
            continue
        rendered = render_function(variant)
        comparison = compare_code(reference, rendered)
        assert comparison.equivalent, (case_id, rule.id, comparison.reason)
        assert rendered == reference, (case_id, rule.id)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    index=st.integers(0, len(core_golds()) - 1),
    seed=st.integers(0, 10**6),
    compose=st.integers(1, 4),
)
def test_composed_variants_render_the_same_code(index: int, seed: int, compose: int) -> None:
    _, gold = core_golds()[index]
    reference = render_function(gold)
    for variant in generate_ir_variants(gold, 12, seed, max_rules_per_variant=compose):
        rendered = render_function(variant.ir)
        assert compare_code(reference, rendered).equivalent, variant.rule_ids
        assert rendered == reference, variant.rule_ids


identifier = st.from_regex(r"_?[a-z][a-z0-9]{0,4}(_[a-z0-9]{1,4}){0,2}", fullmatch=True)
type_hint = st.sampled_from(
    ["int", "str", "list[int]", "dict[str, list[int]]", "int | None", "tuple[int, ...]", "list", "set[str] | None"]
)


@st.composite
def spec(draw: st.DrawFn) -> IR:
    names = draw(st.lists(identifier, min_size=1, max_size=4, unique=True))
    templates = ["{a} > 0", "{a} <= {b}", "len({a}) == {b}", "result >= {a}", "0 <= {a} < {b}", "{a} != 'x  y'"]
    assertions = [
        draw(st.sampled_from(templates)).format(a=draw(st.sampled_from(names)), b=draw(st.sampled_from(names)))
        for _ in range(draw(st.integers(0, 3)))
    ]
    effects = draw(st.lists(st.sampled_from(["raises ValueError", "writes a file", "mutates the list"]), max_size=3))
    return make_ir(
        name=draw(identifier),
        params=[(name, draw(type_hint)) for name in names],
        returns=draw(type_hint),
        effects=effects,
        assertions=assertions,
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ir=spec(), seed=st.integers(0, 1000))
def test_variants_of_random_specs_render_the_same_code(ir: IR, seed: int) -> None:
    reference = render_function(ir)
    for variant in generate_ir_variants(ir, 10, seed, max_rules_per_variant=3):
        assert render_function(variant.ir) == reference, variant.rule_ids


# --------------------------------------------------------------------------- valid Python for any IR

junk = st.text(max_size=16)
any_ir = st.builds(
    lambda name, params, returns, effects, assertions, summary: IR.model_validate(
        {
            "intent": {"summary": summary},
            "signature": {
                "name": name,
                "parameters": [{"name": n, "type_hint": t} for n, t in params],
                "returns": returns,
            },
            "effects": effects,
            "assertions": assertions,
        }
    ),
    name=junk,
    params=st.lists(st.tuples(junk | identifier, junk | type_hint), max_size=4),
    returns=st.none() | junk | type_hint,
    effects=st.lists(junk, max_size=3),
    assertions=st.lists(junk | st.sampled_from(["x > 0", "(yield)", "lambda a, a: 1", "await x"]), max_size=3),
    summary=junk,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ir=any_ir)
def test_any_ir_renders_valid_python(ir: IR) -> None:
    source = render_function(ir)
    compile(source, "<templated>", "exec")
    assert render_function(ir) == source
    function = function_of(source)
    assert function.name.isidentifier()
    assert isinstance(function.body[-1], ast.Raise)
    names = [arg.arg for arg in function.args.args]
    assert len(names) == len(set(names)) == len(ir.signature.parameters)


# --------------------------------------------------------------------------- what the stub says


@pytest.mark.parametrize(("case_id", "gold"), core_golds(), ids=GOLD_IDS)
def test_gold_stubs_accept_their_own_tests(case_id: str, gold: IR) -> None:
    """Preconditions hold for every gold test that expects a value: the stub gets to its body."""
    function = load(render_function(gold))[python_name(gold.signature.name, "")]
    for test in core_cases()[case_id].tests:
        if test.raises is not None:
            continue
        with pytest.raises(NotImplementedError):
            function(*test.args, **test.kwargs)


def test_stub_for_a_validating_function() -> None:
    gold = dict(core_golds())["validation-003"]
    source = render_function(gold)
    assert source == (
        "from __future__ import annotations\n"
        "\n"
        "\n"
        "def safe_divide(numerator: float, denominator: float) -> float:\n"
        '    """Divide two numbers, rejecting a zero denominator.\n'
        "\n"
        "    Effects:\n"
        "    - raises ValueError if denominator is zero\n"
        '    """\n'
        "    assert denominator != 0\n"
        "    raise NotImplementedError\n"
    ), source
    safe_divide = load(source)["safe_divide"]
    with pytest.raises(AssertionError):
        safe_divide(1.0, 0)
    assert typing.get_type_hints(safe_divide) == {"numerator": float, "denominator": float, "return": float}


def test_postconditions_and_prose_go_to_the_docstring() -> None:
    ir = make_ir(
        name="countVowels",
        params=[("text", "str")],
        assertions=["0 <= result <= len(text)", "The text is ASCII.", "countVowels(text) >= 0"],
    )
    docstring = ast.get_docstring(function_of(render_function(ir)))
    assert docstring is not None
    assert docstring.splitlines()[2:] == [
        "Not asserted (postconditions name the result, which only a body produces):",
        "- 0 <= count_vowels(text)",
        "- 0 <= result",
        "- result <= len(text)",
        "- text is ascii",
    ]


def test_effects_sorted_and_parameter_descriptions() -> None:
    ir = IR.model_validate(
        {
            "intent": {"summary": "  Move   items. "},
            "signature": {
                "name": "move",
                "parameters": [{"name": "srcList", "type_hint": "list", "description": "where  from"}],
            },
            "effects": ["writes a log line", "A mutation of srcList.", "writes a log line"],
        }
    )
    docstring = ast.get_docstring(function_of(render_function(ir)))
    assert docstring == (
        "Move items.\n\nArgs:\n    src_list: where from\n\nEffects:\n- A mutation of srcList.\n- writes a log line"
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("countVowels", "count_vowels"),
        ("HTTPServer", "http_server"),
        ("class", "class_"),
        ("None", "none"),
        ("2d-grid", "_2_d_grid"),
        ("max length", "max_length"),
        ("ﬁle", "file"),
        ("", "fallback"),
        ("__", "fallback"),
        ("?!", "fallback"),
    ],
)
def test_python_name(name: str, expected: str) -> None:
    assert python_name(name, "fallback") == expected


def test_names_are_made_unique_and_kept_off_predicate_names() -> None:
    ir = make_ir(
        name="Result",
        params=[("a_b", "int"), ("aB", "int"), ("", "int"), ("arg0", "int"), ("Len", "list")],
        assertions=["len(Len) > a_b", "result > 0"],
    )
    function = function_of(render_function(ir))
    # "Len" would shadow the builtin the predicate calls, "Result" the result it names.
    assert [arg.arg for arg in function.args.args] == ["a_b", "a_b_2", "arg2", "arg_0", "len_2"]
    assert function.name == "result_2"
    assert ast.unparse(function.body[1]) == "assert a_b < len(len_2)"


@pytest.mark.parametrize(
    ("hint", "annotation"),
    [
        ("List[int]", "list[int]"),
        ("Optional[str]", "str | None"),
        ("", "Any"),
        ("a list of ints", "'a list of ints'"),
        ("int + str", "'int + str'"),
        ("Literal[-1, 'a']", "Literal['a', -1]"),
        ("Callable[[int], str]", "Callable[[int], str]"),
    ],
)
def test_annotations_are_canonical(hint: str, annotation: str) -> None:
    source = render_function(make_ir(params=[("x", hint)], returns=None))
    function = function_of(source)
    arg = function.args.args[0]
    assert arg.annotation is not None and ast.unparse(arg.annotation) == annotation
    assert function.returns is not None and ast.unparse(function.returns) == "None"
    for name in ("Any", "Callable", "Literal"):
        assert (f"from typing import {name}" in source) == (name in annotation)


def test_literals_with_runs_of_spaces_survive_canonicalisation() -> None:
    ir = make_ir(params=[("s", "str")], assertions=["'a  b' != s", "s != b'x  y'", "f'{s}  ' != s"])
    source = render_function(ir)
    asserted = [ast.unparse(node) for node in function_of(source).body if isinstance(node, ast.Assert)]
    assert asserted == ["assert 'a  b' != s", "assert b'x  y' != s", "assert f'{s}  ' != s"]
    with pytest.raises(AssertionError):
        load(source)["f"]("a  b")


@pytest.mark.parametrize(
    "predicate",
    ["(yield x) > 0", "(n := len(x)) > 0", "(lambda a, a: a)(x)", "await x", "x.y > undefined_name"],
)
def test_unassertable_python_becomes_a_note(predicate: str) -> None:
    source = render_function(make_ir(params=[("x", "int")], assertions=[predicate]))
    function = function_of(source)
    assert not any(isinstance(node, ast.Assert) for node in function.body)
    assert "Not asserted" in (ast.get_docstring(function) or "")
    compile(source, "<templated>", "exec")


def test_assert_prefix_and_line_breaks() -> None:
    source = render_function(make_ir(params=[("x", "int")], assertions=["assert  x\n > 0"]))
    asserted = [ast.unparse(node) for node in function_of(source).body if isinstance(node, ast.Assert)]
    assert asserted == ["assert 0 < x"]


@pytest.mark.parametrize(
    ("name", "count"),
    [("x", 400), ("a_rather_long_parameter_name", 42)],  # too long as given; too long once spaced out
)
def test_overlong_predicate_is_a_note(name: str, count: int) -> None:
    long = " and ".join([f"{name}>0"] * count)
    source = render_function(make_ir(params=[(name, "int")], assertions=[long]))
    assert not any(isinstance(node, ast.Assert) for node in function_of(source).body)
    assert "Not asserted" in source


def test_empty_summary_and_duplicate_parameter_names() -> None:
    ir = IR.model_validate(
        {
            "intent": {"summary": " "},
            "signature": {"name": "f", "parameters": [{"name": "x"}, {"name": "x"}]},
            "assertions": ["x > 0"],
        }
    )
    function = function_of(render_function(ir))
    assert [arg.arg for arg in function.args.args] == ["x", "x_2"]
    assert ast.get_docstring(function) == "No summary given."
    assert ast.unparse(function.body[1]) == "assert 0 < x"


@pytest.mark.parametrize(
    ("effect", "asserted"),
    [
        ("appends value to items in place", False),
        ("Mutates ItemList by sorting it", True),  # names another parameter
        ("raises ValueError if items is empty", True),  # names items, changes nothing
    ],
)
def test_predicates_on_changed_parameters_are_not_asserted(effect: str, asserted: bool) -> None:
    ir = make_ir(params=[("items", "list[str]"), ("value", "str")], effects=[effect], assertions=["value in items"])
    body = function_of(render_function(ir)).body
    assert any(isinstance(node, ast.Assert) for node in body) is asserted
