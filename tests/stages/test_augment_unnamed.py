"""`augment --verify gold` on requests that do not name their function (examples/suites/unnamed.jsonl).

The fake generator here answers each request with the right signature under
its own names, never the gold's: under the suite's naming policy (names open)
every such candidate is kept, and the factor is reached; on the same lines
with every name fixed, none is. A candidate whose signature has another arity,
order, parameter type or return type is still refused.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import FakeEngine, fake_lm
from tests.stages.test_augment import ParaphraseEngine
from tokdrift_cli.artifacts.augment import AugmentConfig
from tokdrift_cli.artifacts.header import Provenance
from tokdrift_cli.core.gold import match_gold
from tokdrift_cli.core.suite import load_suite
from tokdrift_cli.programs.ir_generator import build_default_program
from tokdrift_cli.programs.paraphrase import DspyParaphraser
from tokdrift_cli.programs.runner import DspyIRRunner
from tokdrift_cli.stages.augment import AugmentInputs, AugmentResult, augment_suite
from tokdrift_cli.stages.augment_candidates import MEANING_CHECK_FAILED, meaning_check
from tokdrift_cli.workflows.augment_run import read_suite_with_lines

UNNAMED = Path(__file__).resolve().parents[2] / "examples" / "suites" / "unnamed.jsonl"

# A topic word of each request (kept by every rewrite) -> the right signature under other names than the gold's.
RIGHT_SIGNATURES = {
    "floats": "mean_of(values: List[float]) -> float",
    "vowels": "vowel_count(s: str) -> int",
    "even": "evens(xs: List[int]) -> List[int]",
    "sentence": "flip_words(s: str) -> str",
    "minimum length": "long_strings(strings: list[str], n: int) -> list[str]",
    "backwards": "palindrome_check(s: str) -> bool",
    "dictionar": "add_dicts(a: Dict[str, int], b: Dict[str, int]) -> Dict[str, int]",
    "factorial": "fact(n: int) -> int",
}


class TopicEngine(FakeEngine):
    """Answers a request by its topic word; ``wrong`` replaces the answer for requests containing its key."""

    def __init__(self, wrong: dict[str, str] | None = None):
        super().__init__()
        self.wrong = wrong or {}

    def answer(self, prompt: str) -> str:
        signature = next((sig for marker, sig in self.wrong.items() if marker in prompt), None)
        if signature is None:
            signature = next((sig for topic, sig in RIGHT_SIGNATURES.items() if topic in prompt), "unknown() -> None")
        return json.dumps({"signature": signature, "summary": "Does the thing.", "effects": [], "assertions": []})


def augment(suite_path: Path, engine: FakeEngine, factor: int = 3, paraphraser: DspyParaphraser | None = None,
            **settings: Any) -> AugmentResult:
    suite, lines = read_suite_with_lines(suite_path)
    config = AugmentConfig(suite=str(suite_path), model="local/fake", program="default", factor=factor, seed=0,
                           verify="gold", **settings)
    inputs = AugmentInputs(suite=suite, config=config, fingerprint="fp", provenance=Provenance(model_id="local/fake"),
                           original_lines=lines)
    return augment_suite(inputs, DspyIRRunner(build_default_program(), fake_lm(engine)), paraphraser=paraphraser)


def rewrite_suite(tmp_path: Path, change: Any, name: str = "suite.jsonl") -> Path:
    path = tmp_path / name
    lines = [change(json.loads(line)) for line in UNNAMED.read_text().splitlines() if line.strip()]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


@pytest.mark.parametrize("factor", [3, 5])
def test_other_names_with_the_right_signature_reach_the_factor(factor: int, tmp_path: Path) -> None:
    result = augment(UNNAMED, TopicEngine(), factor=factor)
    cases = result.artifact.cases
    assert len(cases) >= 6
    for case in cases:
        assert case.target_reached and case.kept == factor - 1, case.case_id
        for attempt in case.attempts:
            assert attempt.kept and attempt.generation is not None and attempt.generation.ir is not None
    gold_names = {case.id: case.gold.signature.name for case in load_suite(UNNAMED).cases}
    generated = {a.generation.ir.signature.name for c in cases for a in c.attempts}  # type: ignore[union-attr]
    assert not generated & set(gold_names.values())  # kept under another name, every one of them
    summary = result.artifact.summary
    assert summary.kept == summary.tried == len(cases) * (factor - 1)
    assert summary.overall_factor >= factor
    # Kept lines carry their base's policy, and re-check against the gold independently.
    path = tmp_path / "out.jsonl"
    path.write_bytes(result.jsonl())
    by_id = {case.id: case for case in load_suite(path).cases}
    runner = DspyIRRunner(build_default_program(), fake_lm(TopicEngine()))
    for line in by_id.values():
        if line.base_id is None or line.rule_ids[0].startswith("ir.naming."):
            continue
        assert line.names == by_id[line.base_id].names
        ir = runner.generate(line.prompt).ir
        assert ir is not None and match_gold(ir, line.gold, line.names).equivalent


def test_the_same_lines_with_fixed_names_keep_nothing(tmp_path: Path) -> None:
    """Without the policy, the gold's chosen names are a lottery the generator never wins."""
    fixed = rewrite_suite(tmp_path, lambda line: {key: value for key, value in line.items() if key != "names"})
    summary = augment(fixed, TopicEngine()).artifact.summary
    assert summary.tried > 0 and summary.kept == 0
    assert all("name" in item.differing_fields for item in summary.rejected)
    assert summary.naming_lines == 0


@pytest.mark.parametrize(
    ("wrong", "field", "reason"),
    [
        pytest.param("mean_of(values: List[float], default: float) -> float", "parameters", "parameter count differs",
                     id="extra-parameter"),
        pytest.param("mean_of() -> float", "parameters", "parameter count differs", id="no-parameter"),
        pytest.param("mean_of(values: List[int]) -> float", "parameters", "type differs", id="parameter-type"),
        pytest.param("mean_of(values: List[float]) -> int", "returns", "return type differs", id="return-type"),
    ],
)
def test_a_wrong_arity_or_type_is_refused(wrong: str, field: str, reason: str) -> None:
    result = augment(UNNAMED, TopicEngine(wrong={"floats": wrong}))
    average = next(case for case in result.artifact.cases if case.case_id == "unnamed-001")
    assert average.attempts and average.kept == 0 and not average.target_reached
    assert all(not attempt.kept for attempt in average.attempts)
    rejected = [item for item in result.artifact.summary.rejected if item.case_id == "unnamed-001"]
    assert rejected and all(item.differing_fields == [field] and reason in item.reason for item in rejected)
    # Every other case still keeps its candidates.
    assert all(case.target_reached for case in result.artifact.cases if case.case_id != "unnamed-001")


def test_swapped_parameter_order_is_refused() -> None:
    swapped = "long_strings(n: int, strings: list[str]) -> list[str]"
    result = augment(UNNAMED, TopicEngine(wrong={"minimum length": swapped}))
    case = next(case for case in result.artifact.cases if case.case_id == "unnamed-005")
    assert case.kept == 0 and case.attempts
    assert all(attempt.comparison is not None and attempt.comparison.differing_fields == ["parameters"]
               for attempt in case.attempts)


def test_only_the_rewrites_that_break_the_signature_are_refused() -> None:
    """A generator fragile to politeness: its polite answers take an extra parameter, the rest are right."""
    result = augment(UNNAMED, TopicEngine(wrong={"lease": "anything(x: int, y: int) -> int"}), factor=5)
    attempts = [attempt for case in result.artifact.cases for attempt in case.attempts]
    polite = [attempt for attempt in attempts if "lease" in attempt.text]
    assert polite and not any(attempt.kept for attempt in polite)
    assert all(attempt.kept for attempt in attempts if "lease" not in attempt.text)


def test_naming_lines_follow_the_marking(tmp_path: Path) -> None:
    result = augment(UNNAMED, TopicEngine())
    naming = {case.case_id: case.naming_rule_ids for case in result.artifact.cases}
    cases = {case.id: case for case in load_suite(UNNAMED).cases}
    for case_id, rule_ids in naming.items():
        multiword = "_" in cases[case_id].gold.signature.name
        assert rule_ids == (["ir.naming.camel"] if multiword else []), case_id
    summary = result.artifact.summary
    assert summary.naming_named_in_prompt == 0
    assert summary.naming_single_word == sum(1 for case in cases.values() if "_" not in case.gold.signature.name)


# Contrast swaps a paraphrase model might make: the signature stays, the meaning does not.
MEANING_SWAPS = {"average": "median", "vowels": "consonants", "even numbers": "odd numbers",
                 "adding up": "multiplying", "minimum length": "maximum length"}


def test_model_paraphrases_that_change_the_meaning_never_reach_the_generator() -> None:
    def rewrite(prompt: str, call: int) -> str:
        request = prompt.splitlines()[-1]
        for before, after in MEANING_SWAPS.items():
            if before in request:
                return request.replace(before, after)
        return "Please " + request[0].lower() + request[1:]

    engine = TopicEngine()
    result = augment(UNNAMED, engine, factor=8, paraphrase_model="fake-paraphraser", model_paraphrases=1,
                     paraphraser=DspyParaphraser(fake_lm(ParaphraseEngine(rewrite))))
    rejected = {item.case_id: item for item in result.artifact.summary.rejected if item.reason == MEANING_CHECK_FAILED}
    details = {case_id: item.detail for case_id, item in rejected.items()}
    assert details == {
        "unnamed-001": "the request's meaning changed: statistic: mean vs median",
        "unnamed-002": "the request's meaning changed: kind of letter: vowel vs consonant",
        "unnamed-003": "the request's meaning changed: parity: even vs odd",
        "unnamed-005": "lost comparative 'minimum'; added comparative 'maximum'",  # the variant rules' own markers
        "unnamed-007": "the request's meaning changed: arithmetic operation: sum vs product",
    }
    assert not any(after in prompt for after in MEANING_SWAPS.values() for prompt in engine.prompts)
    kept = [a for case in result.artifact.cases for a in case.attempts if a.source == "model_paraphrase" and a.kept]
    assert len(kept) == 3  # the polite rewrites of the other three cases


@pytest.mark.parametrize(
    ("case_id", "text"),
    [
        ("unnamed-001", "Write a function that returns the mean of a list of floats, or 0.0 if the list is empty."),
        ("unnamed-004", ("Write a function that takes a text and returns it with the order of its words reversed, "
                         "the words separated by single spaces.")),
    ],
)
def test_a_name_left_open_may_be_reworded(case_id: str, text: str) -> None:
    """"average" and "sentence" are the gold's names but plain words of the request: open, so not required."""
    case = next(case for case in load_suite(UNNAMED).cases if case.id == case_id)
    assert meaning_check(case, text) is None
    fixed = case.model_copy(update={"names": case.names.model_copy(update={"function": "fixed", "parameters": "fixed"})})
    assert "lost the name" in (meaning_check(fixed, text) or "")
