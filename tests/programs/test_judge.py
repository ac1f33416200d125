"""The judge tier, run on the fake engine: asked only about what stays undecided, cached on disk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fakes import FakeEngine, fake_lm
from tokdrift_cli.core.equivalence import IRField, Outcome, Tier, compare_irs
from tokdrift_cli.core.ir import IR, Effect, FunctionSignature, Intent, Parameter
from tokdrift_cli.programs.judge import (
    DspyTextJudge,
    JudgeCache,
    JudgeSameBehaviour,
    JudgeUsage,
    build_default_judge,
)


class FakeJudgeEngine(FakeEngine):
    """Answers the judge's question from the request it is shown: fragile in known ways, like its parent."""

    def answer(self, prompt: str) -> str:
        request = prompt.lower()
        if "tally" in request:
            return json.dumps({"verdict": "same", "reason": "both count the words"})
        if "syllables" in request:
            return json.dumps({"verdict": "different", "reason": "words are not syllables"})
        return json.dumps({"verdict": "unsure", "reason": "cannot tell"})


def make_ir(summary: str = "Count the words in a text.", effects: tuple[str, ...] = ()) -> IR:
    return IR(
        intent=Intent(summary=summary),
        signature=FunctionSignature(
            name="count_words", parameters=[Parameter(name="text", type_hint="str")], returns="int"
        ),
        effects=[Effect(description=effect) for effect in effects],
    )


def make_judge(
    engine: FakeEngine, cache: JudgeCache | None = None, model_id: str = "local/fake-model"
) -> DspyTextJudge:
    return DspyTextJudge(fake_lm(engine), model_id=model_id, cache=cache)


def test_the_judge_decides_what_the_deterministic_tier_did_not_call_the_same(tmp_path: Path) -> None:
    engine = FakeJudgeEngine()
    judge = make_judge(engine, JudgeCache(tmp_path / "judge.jsonl"))
    reworded = compare_irs(make_ir(), make_ir("Tally up how many words a text has."), judge=judge)
    assert reworded.outcome is Outcome.SAME
    assert reworded.verdict(IRField.INTENT).tier is Tier.JUDGE
    assert "judge: both count the words" in reworded.verdict(IRField.INTENT).reason
    assert engine.calls == 1
    same = compare_irs(make_ir(), make_ir("Counts the words in a text."), judge=judge)
    assert same.outcome is Outcome.SAME and same.verdict(IRField.INTENT).tier is Tier.DETERMINISTIC
    assert engine.calls == 1  # what the tier calls the same costs no call
    # A contradiction the lexicon sees is put to the judge too; unsure, it stays the tier's, counted as undecided.
    contradicted = compare_irs(make_ir(), make_ir("Count the characters in a text."), judge=judge)
    intent = contradicted.verdict(IRField.INTENT)
    assert (intent.outcome, intent.tier) == (Outcome.DIFFERENT, Tier.DETERMINISTIC)
    assert "unit of text" in intent.reason and "judge: cannot tell" in intent.reason
    assert contradicted.outcome is Outcome.UNDECIDED and engine.calls == 2
    other = compare_irs(make_ir(), make_ir("Count the syllables in a text."), judge=judge)
    assert other.verdict(IRField.INTENT).outcome is Outcome.DIFFERENT
    assert other.verdict(IRField.INTENT).tier is Tier.JUDGE
    assert other.outcome is Outcome.DIFFERENT  # a judge's "different" makes a flip


def test_a_judge_confirms_or_overrules_a_contradiction_in_effects() -> None:
    engine = FakeJudgeEngine()
    a = make_ir(effects=("logs how many words there were",))
    syllables = make_ir(effects=("logs how many syllables there were, not words",))
    confirmed = compare_irs(a, syllables, judge=make_judge(engine))
    effects = confirmed.verdict(IRField.EFFECTS)
    assert (effects.outcome, effects.tier) == (Outcome.DIFFERENT, Tier.JUDGE) and confirmed.outcome is Outcome.DIFFERENT
    assert "the lexicons said" in effects.reason and "negation differs" in effects.reason
    unsure = compare_irs(a, make_ir(effects=("logs how many characters there were",)), judge=make_judge(engine))
    effects = unsure.verdict(IRField.EFFECTS)
    assert (effects.outcome, effects.tier) == (Outcome.DIFFERENT, Tier.DETERMINISTIC)
    assert unsure.outcome is Outcome.UNDECIDED


def test_an_unsure_judge_leaves_the_field_undecided() -> None:
    engine = FakeJudgeEngine()
    a = make_ir(effects=("logs how many words there were",))
    b = make_ir("Work out a text's size in words.", effects=("records the size",))
    comparison = compare_irs(a, b, judge=make_judge(engine))
    for field in (IRField.INTENT, IRField.EFFECTS):
        verdict = comparison.verdict(field)
        assert (verdict.outcome, verdict.tier) == (Outcome.UNDECIDED, Tier.JUDGE)
    assert comparison.outcome is Outcome.UNDECIDED
    assert comparison.undecided_fields == [IRField.INTENT, IRField.EFFECTS]


def test_a_rerun_is_answered_from_the_disk_cache(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "judge.jsonl"
    first_engine = FakeJudgeEngine()
    first = make_judge(first_engine, JudgeCache(path))
    a, b = make_ir(), make_ir("Tally up how many words a text has.")
    assert compare_irs(a, b, judge=first).outcome is Outcome.SAME
    assert first_engine.calls == 1
    again = FakeJudgeEngine()
    rerun = make_judge(again, JudgeCache(path))
    assert compare_irs(b, a, judge=rerun).outcome is Outcome.SAME  # order does not matter
    assert again.calls == 0
    assert rerun.usage() == JudgeUsage(questions=1, cache_hits=1)
    assert "(cached)" in compare_irs(a, b, judge=rerun).verdict(IRField.INTENT).reason
    # Another judge model or another program asks again.
    other_model = FakeJudgeEngine()
    compare_irs(a, b, judge=make_judge(other_model, JudgeCache(path), model_id="local/other"))
    assert other_model.calls == 1
    changed = FakeJudgeEngine()
    program = build_default_judge()
    program.judge.demos = program.judge.demos[:1]
    judge = DspyTextJudge(fake_lm(changed), model_id="local/fake-model", cache=JudgeCache(path), program=program)
    compare_irs(a, b, judge=judge)
    assert changed.calls == 1


def test_usage_counts_calls_and_tokens() -> None:
    engine = FakeJudgeEngine()
    judge = make_judge(engine)
    compare_irs(make_ir(), make_ir("Tally up how many words a text has."), judge=judge)
    usage = judge.usage()
    assert (usage.questions, usage.cache_hits, usage.failures, usage.lm_calls) == (1, 0, 0, 1)
    assert usage.input_tokens > 0 and usage.output_tokens > 0


def test_a_failed_call_is_undecided_and_not_cached(tmp_path: Path) -> None:
    path = tmp_path / "judge.jsonl"
    engine = FakeJudgeEngine(garbage_on="Tally")
    judge = make_judge(engine, JudgeCache(path))
    a, b = make_ir(), make_ir("Tally up how many words a text has.")
    intent = compare_irs(a, b, judge=judge).verdict(IRField.INTENT)
    assert intent.outcome is Outcome.UNDECIDED and "judge failed (parse)" in intent.reason
    assert judge.usage().failures == 1
    compare_irs(a, b, judge=judge)
    assert engine.calls == 2
    assert not path.exists()


def test_a_torn_cache_line_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "judge.jsonl"
    engine = FakeJudgeEngine()
    a, b = make_ir(), make_ir("Tally up how many words a text has.")
    compare_irs(a, b, judge=make_judge(engine, JudgeCache(path)))
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"key": "abc", "outcome": "sa')
    again = FakeJudgeEngine()
    assert compare_irs(a, b, judge=make_judge(again, JudgeCache(path))).outcome is Outcome.SAME
    assert again.calls == 0


def test_reworded_effects_go_to_the_judge_pair_by_pair() -> None:
    engine = FakeJudgeEngine()
    a = make_ir(effects=("logs how many words there were",))
    same = compare_irs(a, make_ir(effects=("writes a tally of the words to the log",)), judge=make_judge(engine))
    assert same.verdict(IRField.EFFECTS).outcome is Outcome.SAME
    assert same.verdict(IRField.EFFECTS).tier is Tier.JUDGE
    differ = compare_irs(a, make_ir(effects=("logs how many syllables there were",)), judge=make_judge(engine))
    assert differ.verdict(IRField.EFFECTS).outcome is Outcome.DIFFERENT
    unsure = compare_irs(a, make_ir(effects=("records the size",)), judge=make_judge(engine))
    assert unsure.verdict(IRField.EFFECTS).outcome is Outcome.UNDECIDED


def test_parameter_descriptions_go_to_the_judge() -> None:
    def with_description(description: str) -> IR:
        parameter = Parameter(name="text", type_hint="str", description=description)
        return make_ir().model_copy(
            update={"signature": make_ir().signature.model_copy(update={"parameters": [parameter]})}
        )

    comparison = compare_irs(
        with_description("the words to count"),
        with_description("what to tally"),
        judge=make_judge(FakeJudgeEngine()),
    )
    parameters = comparison.verdict(IRField.PARAMETERS)
    assert (parameters.outcome, parameters.tier) == (Outcome.SAME, Tier.JUDGE)


def test_the_signature_docstring_is_the_prompt_the_model_sees() -> None:
    engine = FakeJudgeEngine()
    compare_irs(make_ir(), make_ir("Tally up how many words a text has."), judge=make_judge(engine))
    instructions = JudgeSameBehaviour.instructions
    assert '"same"' in instructions and '"different"' in instructions and '"unsure"' in instructions
    assert engine.response_formats[0]["type"] == "json_schema"
    assert set(engine.response_formats[0]["schema"]["properties"]) == {"verdict", "reason"}


@pytest.mark.parametrize("field", [IRField.INTENT, IRField.EFFECTS])
def test_cache_keys_depend_on_every_part(field: IRField) -> None:
    key = JudgeCache.key("m", "p", field, "a", "b")
    assert key == JudgeCache.key("m", "p", field, "b", "a")
    others = {
        JudgeCache.key("m2", "p", field, "a", "b"),
        JudgeCache.key("m", "p2", field, "a", "b"),
        JudgeCache.key("m", "p", IRField.PARAMETERS, "a", "b"),
        JudgeCache.key("m", "p", field, "a", "c"),
    }
    assert key not in others and len(others) == 4


def test_the_evaluation_script_scores_with_a_judge() -> None:
    import runpy

    from tokdrift_cli.core.equivalence import load_labeled_pairs

    script = Path(__file__).resolve().parents[2] / "benchmarks" / "equivalence_pairs.py"
    pairs = load_labeled_pairs(Path(__file__).resolve().parents[1] / "data" / "ir_pairs.jsonl")[:40]
    score_pairs = runpy.run_path(str(script))["score_pairs"]
    engine = FakeJudgeEngine()
    alone, judged = score_pairs(pairs), score_pairs(pairs, make_judge(engine))
    assert [evaluation.split for evaluation in judged] == ["tune", "retired", "heldout"]
    asked = sum(evaluation.overall.undecided for evaluation in alone)
    assert asked and engine.calls >= 1  # the fake is unsure of everything it is shown here
    assert sum(evaluation.overall.undecided for evaluation in judged) == asked


def test_the_cache_leaves_no_lock_file_and_fails_in_one_line(tmp_path: Path) -> None:
    from tokdrift_cli.errors import OutputError
    from tokdrift_cli.programs.judge import CachedVerdict

    path = tmp_path / "judge.jsonl"
    path.write_text('{"key": "a", "outcome": "same", "reason": "r"}\n{"key": "b", "out', encoding="utf-8")  # torn
    cache = JudgeCache(path)
    assert cache.get("a") == CachedVerdict(Outcome.SAME, "r") and cache.get("b") is None
    cache.put("b", CachedVerdict(Outcome.DIFFERENT, "s"))
    assert JudgeCache(path).get("b") == CachedVerdict(Outcome.DIFFERENT, "s")  # on a line of its own
    assert sorted(p.name for p in tmp_path.iterdir()) == ["judge.jsonl"]
    blocked = tmp_path / "a-file" / "judge.jsonl"
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    with pytest.raises(OutputError, match="cannot write .*a-file/judge.jsonl"):
        JudgeCache(blocked).put("c", CachedVerdict(Outcome.SAME, "t"))
