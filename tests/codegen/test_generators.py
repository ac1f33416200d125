"""The templated generator behind the code-generator interface, and finding the function in code."""

from __future__ import annotations

import ast

from tokdrift_cli.codegen.generators import TemplatedCodeGenerator, defined_function
from tokdrift_cli.core.suite import default_suite_path, load_suite


def test_templated_generator_records_valid_code_for_every_gold() -> None:
    generator = TemplatedCodeGenerator()
    for case in load_suite(default_suite_path()).cases:
        generation = generator.generate(case.gold)
        assert generation.ok and generation.lm_calls == 0 and generation.error is None
        assert defined_function(generation.code or "", case.gold.signature.name) == case.gold.signature.name
        ast.parse(generation.code or "")


def test_defined_function_prefers_the_ir_name_then_its_python_spelling_then_the_first() -> None:
    code = "def helper(x):\n    return x\n\ndef count_vowels(text):\n    return 0\n"
    assert defined_function(code, "count_vowels") == "count_vowels"
    assert defined_function(code, "countVowels") == "count_vowels"
    assert defined_function(code, "something_else") == "count_vowels"  # the last one: helpers come first
    assert defined_function(code + "\ndef pair(a, b):\n    return a\n", "other", arity=1) == "count_vowels"
    assert defined_function("x = 1\n", "f") is None
    assert defined_function("def broken(:\n", "broken") is None
