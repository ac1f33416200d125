"""Example tests: each rule on a concrete input, and where it must hold back."""

from __future__ import annotations

import random

import pytest

from tests.core.test_variants_support import meaning_problems
from tokdrift_cli.core.variants import RULES, get_rule


def outputs(rule_id: str, text: str, seeds: int = 30) -> set[str | None]:
    """Every output the rule gives over a range of seeds (rules may pick at random)."""
    rule = get_rule(rule_id)
    return {rule.apply(text, random.Random(seed)) for seed in range(seeds)}


EXACT = [
    # casing
    ("token.casing.snake_to_camel", "Write count_vowels(text); call count_vowels once.",
     "Write countVowels(text); call countVowels once."),
    ("token.casing.snake_to_pascal", "Implement max_heap with push_item.", "Implement MaxHeap with PushItem."),
    ("token.casing.camel_to_snake", "Return maxLength of wordList; raise ValueError if maxLength is 0.",
     "Return max_length of word_list; raise ValueError if max_length is 0."),
    ("token.casing.camel_to_pascal", "Return maxLength of wordList.", "Return MaxLength of WordList."),
    ("token.casing.pascal_to_snake", "Create a BankAccount class; raise ValueError on bad input.",
     "Create a bank_account class; raise ValueError on bad input."),
    # spacing
    ("token.spacing.operators_spaced", "Return True if x>0 and a+b==c, using n-1 and a/b, for non-empty and/or input.",
     "Return True if x > 0 and a + b == c, using n - 1 and a / b, for non-empty and/or input."),
    ("token.spacing.operators_compact", "Return True if x > 0 and a + b == c and x > -1.",
     "Return True if x>0 and a+b==c and x>-1."),
    ("token.spacing.comma_shift", "Take a, b and c, then return 1,000.", "Take a ,b and c ,then return 1,000."),
    ("token.spacing.comma_space", "Call f(a,b) with 1,000 items.", "Call f(a, b) with 1,000 items."),
    ("token.spacing.comma_tight", "Call f(a, b) and g([1, 2]), then stop.", "Call f(a,b) and g([1, 2]), then stop."),
    ("token.spacing.punct_detach", "Return it, e.g. the sum. Done!", "Return it , e.g. the sum . Done !"),
    ("token.spacing.punct_attach", "Return a ,b and c . Then x .y stops .", "Return a, b and c. Then x .y stops."),
    ("token.spacing.bracket_pad", "Call f(x) on [1, 2] but not f().", "Call f( x ) on [ 1, 2 ] but not f()."),
    ("token.spacing.bracket_tight", "Call f( x ) on [ 1, 2 ].", "Call f(x) on [1, 2]."),
    ("token.spacing.call_space", "Call count_vowels(text), not `f(x)`.", "Call count_vowels (text), not `f(x)`."),
    ("token.spacing.call_tight", "Call count_vowels (text) but keep the list (if any).",
     "Call count_vowels(text) but keep the list (if any)."),
    # clause order
    ("natural.clause_order.condition_first", "Write f. Return -1 if nums is empty.",
     "Write f. If nums is empty, return -1."),
    ("natural.clause_order.condition_last", "Write f. If nums is empty, raise ValueError.",
     "Write f. Raise ValueError if nums is empty."),
    ("natural.clause_order.sentence_swap",
     "Write a function f(nums). The input may contain duplicates. Each value is an integer.",
     "Write a function f(nums). Each value is an integer. The input may contain duplicates."),
    # framing
    ("natural.framing.polite", "Write a function f.", "Please write a function f."),
    ("natural.framing.drop_please", "Please write f.", "Write f."),
    # contraction
    ("natural.contraction.contract", "It is not empty and does not contain 3 items; you cannot skip.",
     "It's not empty and doesn't contain 3 items; you can't skip."),
    ("natural.contraction.expand", "It's fine if it doesn't match and you can't skip; it's been sorted.",
     "It is fine if it does not match and you cannot skip; it's been sorted."),
    # noise
    ("natural.noise.sentence_newlines", "Write f. Return 3.5. Done.", "Write f.\nReturn 3.5.\nDone."),
    ("natural.noise.lowercase_start", "Write f. Return x.", "write f. Return x."),
    ("natural.noise.lowercase_sentences", "Write f. Return x. True is fine. First, sort.",
     "write f. return x. True is fine. First, sort."),
    ("natural.noise.drop_final_period", "Return 3.", "Return 3"),
]


@pytest.mark.parametrize(("rule_id", "text", "expected"), EXACT, ids=[case[0] for case in EXACT])
def test_rule_example(rule_id: str, text: str, expected: str) -> None:
    assert outputs(rule_id, text) == {expected}
    assert meaning_problems(text, expected) == []


CHOICES = [
    ("natural.synonym.task_verb", "Write a function that writes the result to a file.",
     {f"{verb} a function that writes the result to a file." for verb in ("Create", "Implement", "Define", "Build")}),
    ("natural.synonym.verb", "It takes a list nums and takes the square root.",
     {"It accepts a list nums and takes the square root.", "It receives a list nums and takes the square root."}),
    ("natural.synonym.phrase", "Return the number of items in a named tuple named point_pair.",
     {"Return the count of items in a named tuple named point_pair.",
      "Return the number of items in a named tuple called point_pair."}),
    ("natural.synonym.noun", "Write a function with a key function.",
     {"Write a routine with a key function.", "Write a procedure with a key function."}),
    ("natural.framing.question", "Write a function f. It returns 3.5.",
     {"Can you write a function f? It returns 3.5.", "Could you write a function f? It returns 3.5."}),
    ("natural.framing.indirect", "Implement f.",
     {"I need you to implement f.", "Your task is to implement f.", "I would like you to implement f."}),
    ("natural.framing.task_label", "Write f.", {"Task: Write f.", "Request: Write f.", "Instruction: Write f."}),
    ("natural.noise.trailing_whitespace", "Return x.", {"Return x. ", "Return x.  ", "Return x.\n"}),
]


@pytest.mark.parametrize(("rule_id", "text", "allowed"), CHOICES, ids=[case[0] for case in CHOICES])
def test_rule_choices(rule_id: str, text: str, allowed: set[str]) -> None:
    """Rules that pick among alternatives give exactly those alternatives, seeded."""
    assert outputs(rule_id, text, seeds=60) == allowed


def test_double_space_adds_spaces_only_between_words() -> None:
    text = "Return the sum of 'a b' values."
    for out in outputs("natural.noise.double_space", text):
        assert out is not None and out.replace("  ", " ") == text
        assert "'a b'" in out


HOLD_BACK = [
    # a name also used inside code would be split from it
    ("token.casing.snake_to_camel", "Call count_vowels, as in `count_vowels(s)`."),
    # renaming would merge two names
    ("token.casing.snake_to_camel", "Compare max_len with maxLen."),
    # attributes, file names, exception classes and brands keep their spelling
    ("token.casing.snake_to_camel", "Use math.floor_div on data_file.csv."),
    ("token.casing.pascal_to_snake", "Raise ValueError in JavaScript style."),
    # get_x -> getX would not read back as the same words
    ("token.casing.snake_to_camel", "Call get_x."),
    ("token.spacing.operators_spaced", "Handle non-empty and/or x-ray input, UTF-8 and -1."),
    ("token.spacing.comma_tight", "Return (1, 2)."),  # would fuse into the number 1,2
    ("token.spacing.punct_attach", "Write x .5 now."),  # would change the number
    ("natural.synonym.task_verb", "Write the result to a file."),
    ("natural.synonym.verb", "It takes the square root and returns it."),
    ("natural.synonym.phrase", "Use a named tuple with named arguments."),
    ("natural.synonym.noun", "Pass a key function and a hash function."),
    ("natural.clause_order.condition_first", "Return True if x is positive and False otherwise."),
    ("natural.clause_order.condition_first", "Return the first item if the list is sorted."),
    ("natural.clause_order.condition_first", "Create f that returns True if x is odd."),
    ("natural.clause_order.condition_last", "If x is odd, then return 1."),
    ("natural.clause_order.sentence_swap", "Write f. Sort the list. Then return it."),
    ("natural.clause_order.sentence_swap", "Write f. The input is a list. It may be empty."),
    ("natural.framing.polite", "Sort the list in place."),  # the verb is an order word
    ("natural.framing.polite", "count_vowels returns a number."),
    ("natural.framing.question", "Write f! Now."),
    ("natural.contraction.contract", "Return 'it is not' unchanged."),
    ("natural.noise.double_space", "'a b c'"),
    ("natural.noise.lowercase_start", "True is returned for ValueError."),
    ("natural.noise.lowercase_start", "First, sort the list."),
    ("natural.noise.lowercase_sentences", "Write f."),
    ("natural.noise.drop_final_period", "Return `x.`"),
]


@pytest.mark.parametrize(("rule_id", "text"), HOLD_BACK, ids=[f"{c[0]}:{c[1][:24]}" for c in HOLD_BACK])
def test_rule_holds_back(rule_id: str, text: str) -> None:
    assert outputs(rule_id, text) == {None}


def test_contraction_round_trip_keeps_negations() -> None:
    text = "It does not contain digits and cannot be empty, and it is not sorted."
    contracted = get_rule("natural.contraction.contract").apply(text, random.Random(0))
    assert contracted == "It doesn't contain digits and can't be empty, and it's not sorted."
    expanded = get_rule("natural.contraction.expand").apply(contracted, random.Random(0))
    assert expanded == "It does not contain digits and cannot be empty, and it is not sorted."


def test_synonyms_preserve_capitalisation() -> None:
    assert outputs("natural.synonym.verb", "Computes the total.") == {"Calculates the total."}
    assert outputs("natural.synonym.verb", "COMPUTES the total.") == {"CALCULATES the total."}


REALISTIC = [
    "Write a function named count_vowels that takes a string text and returns the number of vowels in it.",
    "Create a function is_strong_password(password) that returns True if password has at least 8 characters "
    "and is not all digits.",
    "Implement sort_desc that takes a list of integers nums and returns them sorted in descending order, "
    "without modifying the input.",
    "Write a function maxProfit(prices) that returns the largest difference prices[j]-prices[i] with j>i. "
    "Return 0 if prices has fewer than 2 elements. The input may contain duplicates. "
    "Each price is a non-negative integer.",
    "Please implement merge_intervals(intervals). If intervals is empty, return []. "
    "It doesn't modify the input, and it's fine to return the intervals in the order they start.",
    "Define a function parse_csv_line(line) that splits line on ',' and strips spaces; "
    "use `line.split(',')` and don't handle quotes.",
]


@pytest.mark.parametrize("text", REALISTIC)
def test_every_applicable_rule_keeps_realistic_prompts(text: str) -> None:
    applied = 0
    for rule in RULES.values():
        out = rule.apply(text, random.Random(7))
        if out is not None:
            applied += 1
            assert meaning_problems(text, out) == [], (rule.id, out)
    assert applied >= 8


def test_every_rule_applies_to_some_realistic_prompt() -> None:
    prompts = REALISTIC + [text for _, text, _ in EXACT]
    unused = {
        rule.id for rule in RULES.values() if all(rule.apply(text, random.Random(0)) is None for text in prompts)
    }
    assert unused == set()
