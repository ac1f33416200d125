"""The augment stage and workflow on the fake engine: verification, factor, resume, refusals.

The fake generator (tests/fakes.py) answers ``<first identifier>(x: int) -> int``
and adds an assertion when the prompt says "please". So on the suite below,
whose gold IRs have exactly that signature, every rewrite verifies against the
gold, while against the original's IR the polite variants do not.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.fakes import FakeEngine, WordingEngine, fake_lm
from tokdrift_cli.artifacts.augment import AugmentConfig, AugmentSummaryArtifact, AugmentUnit
from tokdrift_cli.artifacts.checkpoint import Checkpoint, checkpoint_path_for
from tokdrift_cli.artifacts.header import Provenance
from tokdrift_cli.artifacts.io import read_artifact
from tokdrift_cli.core.equivalence import compare_irs
from tokdrift_cli.core.gold import match_gold
from tokdrift_cli.core.records import Generation
from tokdrift_cli.core.suite import SuiteCase, default_suite_path, load_suite
from tokdrift_cli.core.variants import MODEL_PARAPHRASE_ID
from tokdrift_cli.engines.resolve import ModelIdentity, ModelSettings, ResolvedModel
from tokdrift_cli.errors import CheckpointMismatchError, InputError, ModelError
from tokdrift_cli.programs.ir_generator import build_default_program
from tokdrift_cli.programs.paraphrase import DspyParaphraser
from tokdrift_cli.programs.runner import DspyIRRunner
from tokdrift_cli.stages.augment import (
    AugmentInputs,
    AugmentProgress,
    AugmentResult,
    augment_suite,
    reusable_units,
)
from tokdrift_cli.stages.augment_candidates import (
    MEANING_CHECK_FAILED,
    UNDECIDED_REASON,
    meaning_check,
    naming_variant,
    plan_slots,
)
from tokdrift_cli.stages.failure_policy import RunIncompleteError
from tokdrift_cli.workflows.augment_run import AugmentOutcome, read_suite_with_lines, run_augment_command
from tokdrift_cli.workflows.run import RunOptions

# --------------------------------------------------------------------------- fixtures and fakes


def gold(name: str) -> dict[str, Any]:
    return {
        "intent": {"summary": "Does the thing."},
        "signature": {"name": name, "parameters": [{"name": "x", "type_hint": "int"}], "returns": "int"},
    }


GOLD_CASES = [
    {
        "id": "g-001",
        "prompt": "Write a function named double_value that takes an integer x and returns twice x.",
        "category": "simple",
        "gold": gold("double_value"),
        "paraphrases": ["Create double_value, a function that receives an integer x and returns twice x."],
        "tests": [{"args": [2], "expected": 4}],
    },
    {
        "id": "g-002",
        "prompt": "Create a function named clamp_score that takes an integer x and returns x, but never more than 100.",
        "category": "simple",
        "gold": gold("clamp_score"),
        "tests": [{"args": [120], "expected": 100}],
    },
    {
        "id": "g-003",
        "prompt": "Implement a function named next_even that takes an integer x and returns the smallest even "
        "number greater than x.",
        "category": "numbers",
        "gold": gold("next_even"),
    },
    {
        # The prompt leaves the function's name open: the fake answers "unnamed".
        "id": "g-004",
        "prompt": "Write a function that takes an integer x and returns its square.",
        "category": "numbers",
        "gold": gold("square_value"),
    },
]
NAMED = ["g-001", "g-002", "g-003"]


@pytest.fixture
def gold_suite_path(tmp_path: Path) -> Path:
    path = tmp_path / "suite.jsonl"
    path.write_text("".join(json.dumps(case) + "\n" for case in GOLD_CASES))
    return path


class ControlledEngine(FakeEngine):
    """The fake generator, plus: a prompt containing any of ``rename_on`` gets another function name."""

    def __init__(self, *, rename_on: Sequence[str] = (), **kwargs: Any):
        super().__init__(**kwargs)
        self.rename_on = tuple(rename_on)

    def answer(self, prompt: str) -> str:
        text = super().answer(prompt)
        if any(word in prompt for word in self.rename_on):
            data = json.loads(text)
            data["signature"] = "something_else(x: int) -> int"
            text = json.dumps(data)
        return text


class ParaphraseEngine(FakeEngine):
    """A fake paraphrase model: ``rewrite(prompt, call_number)`` gives its answer."""

    def __init__(self, rewrite: Callable[[str, int], str]):
        super().__init__()
        self.rewrite = rewrite
        self.conversations: list[list[str]] = []

    def complete(self, request: Any) -> Any:
        self.conversations.append([message.text or "" for message in request.messages])
        return super().complete(request)

    def answer(self, prompt: str) -> str:
        return json.dumps({"paraphrase": self.rewrite(prompt, self.calls)})


def runner_for(engine: FakeEngine) -> DspyIRRunner:
    return DspyIRRunner(build_default_program(), fake_lm(engine))


def make_inputs(suite_path: Path, **overrides: Any) -> AugmentInputs:
    settings: dict[str, Any] = {"suite": str(suite_path), "model": "local/fake", "program": "default", "factor": 3,
                                "seed": 0, "verify": "gold"}
    settings.update(overrides)
    suite, lines = read_suite_with_lines(suite_path)
    return AugmentInputs(suite=suite, config=AugmentConfig(**settings), fingerprint="fp",
                         provenance=Provenance(model_id="local/fake"), original_lines=lines)


def run(suite_path: Path, engine: FakeEngine, **overrides: Any) -> AugmentResult:
    options = {key: overrides.pop(key) for key in ("checkpoint", "reusable", "workers", "paraphraser", "progress")
               if key in overrides}
    return augment_suite(make_inputs(suite_path, **overrides), runner_for(engine), **options)


def load_output(result: AugmentResult, tmp_path: Path) -> list[SuiteCase]:
    path = tmp_path / "out.jsonl"
    path.write_bytes(result.jsonl())
    return list(load_suite(path).cases)


class CountingProgress(AugmentProgress):
    def __init__(self) -> None:
        self.total = self.reused = self.advanced = self.shrunk = self.cases = self.cases_done = 0

    def start(self, total: int, reused: int, cases: int = 0, cases_done: int = 0) -> None:
        self.total, self.reused, self.cases = total, reused, cases

    def finish_case(self) -> None:
        self.cases_done += 1

    def advance(self, generation: Generation) -> None:
        self.advanced += 1

    def shrink(self, count: int) -> None:
        self.shrunk += count


# --------------------------------------------------------------------------- output format


def test_output_loads_as_a_suite_and_keeps_base_ids(gold_suite_path: Path, tmp_path: Path) -> None:
    result = run(gold_suite_path, FakeEngine(), factor=4)
    lines = load_output(result, tmp_path)
    originals = {case.id: case for case in load_suite(gold_suite_path).cases}
    raw_lines = gold_suite_path.read_bytes().splitlines()
    # Every original line is kept byte for byte, in suite order, before its variants.
    output_lines = result.jsonl().splitlines()
    assert [line for line in output_lines if line in raw_lines] == raw_lines
    assert [case.id for case in lines if case.base_id is None] == list(originals)
    added = [case for case in lines if case.base_id is not None]
    assert added
    for case in added:
        base = originals[case.base_id]  # type: ignore[index]
        assert case.id.startswith(f"{base.id}~v")
        assert case.rule_ids
        assert case.category == base.category and case.tests == base.tests
        assert case.paraphrases == []
        assert "paraphrases" not in orjson.loads(output_lines[[c.id for c in lines].index(case.id)])
        if case.rule_ids[0].startswith("ir.naming."):
            assert case.prompt == base.prompt
        else:
            assert case.gold == base.gold and case.prompt != base.prompt
    assert len({case.prompt for case in added if case.base_id == "g-001"}) == 3


def test_factor_is_reached_when_enough_candidates_verify(gold_suite_path: Path) -> None:
    engine = FakeEngine()
    progress = CountingProgress()
    result = run(gold_suite_path, engine, factor=5, progress=progress)
    cases = {case.case_id: case for case in result.artifact.cases}
    for case_id in NAMED:
        case = cases[case_id]
        assert case.kept == 4 and case.lines == 5 and case.reached_factor == 5.0 and case.target_reached
        # It stops at the factor: no candidate is run once the case has its lines.
        assert len(case.attempts) == 4 and all(attempt.kept for attempt in case.attempts)
        assert case.untried > 0
    summary = result.artifact.summary
    assert summary.cases_reaching_target == 3
    assert summary.lines == sum(case.lines for case in result.artifact.cases)
    assert summary.overall_factor == pytest.approx(summary.lines / 4)
    assert summary.tried == engine.calls == summary.generation_lm_calls
    assert summary.validation.n == summary.tried and summary.validation.successes == summary.kept
    assert summary.validation.low is not None and summary.validation.low < summary.validation.rate  # type: ignore[operator]
    # The progress bar ends exactly full: every slot was either generated or taken off.
    assert progress.advanced == engine.calls
    assert progress.total - progress.shrunk == progress.advanced
    assert progress.cases == progress.cases_done == 4


def test_variant_count_and_sources_follow_the_factor(gold_suite_path: Path) -> None:
    case = load_suite(gold_suite_path).cases[0]
    config = AugmentConfig(suite="s", model="m", program="p", factor=5, seed=0)
    slots = plan_slots(case, config)
    sources = [slot.source for slot in slots]  # type: ignore[union-attr]
    assert sources.count("rule") == 8  # 2 * (factor - 1)
    assert sources[:2] == ["rule", "paraphrase"]  # round-robin: the kinds mix early
    assert plan_slots(case, config) == slots  # deterministic
    assert len(plan_slots(case, config.model_copy(update={"factor": 1}))) == 1  # only the hand paraphrase


@pytest.mark.parametrize("verify", ["gold", "original"])
def test_kept_lines_recheck_as_equivalent(verify: str, gold_suite_path: Path, mini_suite_path: Path,
                                          tmp_path: Path) -> None:
    """Re-run every kept line through a fresh generator and the equivalence checker, independently."""
    suite_path = gold_suite_path if verify == "gold" else mini_suite_path
    result = run(suite_path, FakeEngine(), factor=5, verify=verify)
    lines = load_output(result, tmp_path)
    by_id = {case.id: case for case in lines}
    checker = runner_for(FakeEngine())
    rechecked = []
    for line in lines:
        if line.base_id is None:
            continue
        base = by_id[line.base_id]
        if line.rule_ids[0].startswith("ir.naming."):
            rechecked.append(match_gold(line.gold, base.gold).equivalent)
            continue
        ir = checker.generate(line.prompt).ir
        assert ir is not None
        if verify == "gold":
            rechecked.append(match_gold(ir, line.gold).equivalent)
        else:
            original_ir = checker.generate(base.prompt).ir
            assert original_ir is not None
            rechecked.append(compare_irs(ir, original_ir).equivalent)
    assert len(rechecked) >= 8
    assert sum(rechecked) / len(rechecked) >= 0.95
    assert all(rechecked)  # the fake is deterministic: 100%


# --------------------------------------------------------------------------- rejections


def test_rejected_variants_carry_reasons(mini_suite_path: Path) -> None:
    result = run(mini_suite_path, FakeEngine(), factor=8, verify="original")
    rejected = result.artifact.summary.rejected
    polite = [item for item in rejected if "natural.framing.polite" in item.rule_ids]
    assert polite, "the fake is fragile to 'please': polite variants must be rejected against the original"
    for item in polite:
        assert item.differing_fields == ["assertions"]
        assert item.reason.startswith("differs from the original prompt's IR on assertions")
        assert item.case_id in {case.id for case in load_suite(mini_suite_path).cases}
    # Every rejected candidate is listed, and nothing kept is.
    attempts = [a for case in result.artifact.cases for a in case.attempts]
    assert len(rejected) == sum(1 for a in attempts if not a.kept)
    assert all("please" in item.text.lower() for item in rejected)


def test_undecided_candidates_are_not_kept_nor_fragile_and_counted_apart(mini_suite_path: Path) -> None:
    # Every prompt text gets its own wording of an effect; "please" still adds an assertion (decided).
    result = run(mini_suite_path, WordingEngine(keep_please=True), factor=4, verify="original")
    summary = result.artifact.summary
    assert summary.kept == 0  # an undecided comparison verifies nothing
    undecided = [item for item in summary.rejected if not item.differing_fields]
    decided = [item for item in summary.rejected if item.differing_fields]
    assert undecided and decided
    for item in undecided:
        assert item.undecided_fields == ["effects"] and item.differing_fields == []
        assert item.reason.startswith(f"{UNDECIDED_REASON} against the original prompt's IR on effects")
    assert all(item.differing_fields == ["assertions"] and item.reason.startswith("differs") for item in decided)
    share = summary.undecided_share
    assert (share.successes, share.n) == (len(undecided), summary.tried) and summary.tried == len(summary.rejected)


def test_generation_failures_and_wrong_names_are_reasons(gold_suite_path: Path) -> None:
    engine = ControlledEngine(rename_on=("receives",), garbage_on="  ")
    result = run(gold_suite_path, engine, factor=10)
    reasons = {item.text: item for item in result.artifact.summary.rejected}
    failed = [item for text, item in reasons.items() if "  " in text]
    renamed = [item for text, item in reasons.items() if "receives" in text]
    assert failed and all(item.reason.startswith("generation failed (parse)") for item in failed)
    assert all(item.differing_fields == [] for item in failed)
    assert renamed and all(item.differing_fields == ["name"] for item in renamed)
    assert all("name differs" in item.reason for item in renamed)
    # The unnamed case: the fake answers "unnamed", never the gold name.
    unnamed = [item for item in result.artifact.summary.rejected if item.case_id == "g-004" and "  " not in item.text]
    assert unnamed and all(item.differing_fields == ["name"] for item in unnamed)


def test_failed_original_makes_the_case_unverifiable(mini_suite_path: Path) -> None:
    first = load_suite(mini_suite_path).cases[0]
    engine = FakeEngine(garbage_on=first.prompt[:45])
    result = run(mini_suite_path, engine, factor=3, verify="original", limit=1)
    case = result.artifact.cases[0]
    assert case.note is not None and "original" in case.note
    assert case.attempts == [] and case.lines == 1 and not case.target_reached
    assert result.artifact.summary.unverifiable_cases == [first.id]
    assert engine.calls == 1


def test_factor_one_copies_the_suite_without_a_call(mini_suite_path: Path) -> None:
    engine = FakeEngine()
    result = run(mini_suite_path, engine, factor=1, verify="original")
    assert engine.calls == 0
    assert result.jsonl().splitlines() == [line for line in mini_suite_path.read_bytes().splitlines() if line.strip()]
    assert result.artifact.summary.overall_factor == 1.0 and result.artifact.summary.validation.n == 0


def test_unreachable_model_stops_early(gold_suite_path: Path) -> None:
    engine = FakeEngine(error=ConnectionError("connection refused"))
    with pytest.raises(ModelError, match="unreachable"):
        run(gold_suite_path, engine, factor=5)
    assert engine.calls == 5


# --------------------------------------------------------------------------- IR naming variants


def test_naming_variant_only_when_the_suite_line_leaves_the_name_open(gold_suite_path: Path, tmp_path: Path) -> None:
    marked = tmp_path / "marked.jsonl"
    marked.write_text("".join(
        json.dumps(dict(case, names={"function": "open"}) if case["id"] == "g-004" else case) + "\n"
        for case in GOLD_CASES
    ))
    result = run(marked, FakeEngine(), factor=2)
    lines = load_output(result, tmp_path)
    naming = [case for case in lines if case.rule_ids and case.rule_ids[0].startswith("ir.naming.")]
    assert [(case.base_id, case.rule_ids, case.gold.signature.name) for case in naming] == [
        ("g-004", ["ir.naming.camel"], "squareValue")
    ]
    assert all(case.names.function == "open" for case in lines if case.base_id == "g-004")
    summary = result.artifact.summary
    assert summary.naming_lines == 1 and summary.naming_named_in_prompt == 3
    assert summary.diversity.rule_mix.per_rule["ir.naming.camel"] == 1
    # The same prompt on a line that does not mark its name: the name is fixed, whatever the prompt's text.
    unmarked = run(gold_suite_path, FakeEngine(), factor=2).artifact.summary
    assert unmarked.naming_lines == 0 and unmarked.naming_named_in_prompt == 4


def test_shipped_cases_all_name_their_function() -> None:
    cases = load_suite(default_suite_path()).cases
    assert all(naming_variant(case) is None for case in cases)


# --------------------------------------------------------------------------- paraphrase model


def test_meaning_check_keeps_protected_content() -> None:
    case = SuiteCase.model_validate(GOLD_CASES[1])
    ok = "Write clamp_score, which takes an integer x and returns x, but never more than 100."
    assert meaning_check(case, ok) is None
    assert "number" in (meaning_check(case, ok.replace("100", "10")) or "")
    assert "negation" in (meaning_check(case, ok.replace("never", "always")) or "")
    assert "clamp_score" in (meaning_check(case, ok.replace("clamp_score", "the function")) or "")
    assert meaning_check(case, ok.replace("clamp_score", "clampScore")) is None  # casing is the same name
    assert "empty" in (meaning_check(case, "  ") or "")
    assert "length" in (meaning_check(case, ok + " Also log it." * 30) or "")
    quoted = SuiteCase.model_validate({**GOLD_CASES[0], "prompt": 'Write double_value returning "ok" for x.'})
    assert "quote" in (meaning_check(quoted, "Write double_value returning 'fine' for x.") or "")


def test_meaning_check_accepts_most_hand_written_paraphrases() -> None:
    """Calibration: the check is strict (any change of a comparative or order word fails) but
    not so strict that people's own meaning-preserving paraphrases mostly fail."""
    pairs = [(case, text) for case in load_suite(default_suite_path()).cases for text in case.paraphrases]
    passed = [meaning_check(case, text) is None for case, text in pairs]
    assert len(pairs) >= 20 and sum(passed) / len(passed) >= 0.8


def test_model_paraphrases_are_checked_then_verified(gold_suite_path: Path) -> None:
    def rewrite(prompt: str, call: int) -> str:
        request = prompt.splitlines()[-1]
        if "100" in request:
            return request.replace("100", "1000")  # changes the meaning: must never reach the generator
        return "Please, " + request[0].lower() + request[1:]

    paraphrase_engine = ParaphraseEngine(rewrite)
    engine = FakeEngine()
    result = run(gold_suite_path, engine, factor=4, paraphrase_model="fake-paraphraser", model_paraphrases=1,
                 paraphraser=DspyParaphraser(fake_lm(paraphrase_engine)))
    summary = result.artifact.summary
    assert summary.paraphrase_lm_calls == paraphrase_engine.calls == 4  # one per case, asked when reached
    rejected = [item for item in summary.rejected if item.reason == MEANING_CHECK_FAILED]
    assert [item.case_id for item in rejected] == ["g-002"] and "number" in (rejected[0].detail or "")
    assert summary.meaning_rejected == 1
    assert not any("1000" in prompt for prompt in engine.prompts)
    kept = [a for case in result.artifact.cases for a in case.attempts if a.source == "model_paraphrase" and a.kept]
    assert kept and all(a.rule_ids == [MODEL_PARAPHRASE_ID] for a in kept)
    # The paraphrase model saw demos from other cases' hand-written paraphrases.
    # The suite's only hand paraphrase is g-001's own: no demo for g-001, one for each other case.
    assert [len(conversation) for conversation in paraphrase_engine.conversations] == [1, 3, 3, 3]
    demo_request, demo_answer, request = paraphrase_engine.conversations[1]
    assert demo_request == GOLD_CASES[0]["prompt"] and request == GOLD_CASES[1]["prompt"]
    assert json.loads(demo_answer) == {"paraphrase": GOLD_CASES[0]["paraphrases"][0]}


def test_paraphrase_model_is_not_asked_once_the_factor_is_reached(gold_suite_path: Path) -> None:
    paraphrase_engine = ParaphraseEngine(lambda prompt, call: "unused")
    result = run(gold_suite_path, FakeEngine(), factor=2, paraphrase_model="p", model_paraphrases=2,
                 paraphraser=DspyParaphraser(fake_lm(paraphrase_engine)), limit=1)
    assert paraphrase_engine.calls == 0
    assert result.artifact.cases[0].kept == 1


# --------------------------------------------------------------------------- resume


def test_resume_after_a_partial_checkpoint_makes_only_the_remaining_calls(gold_suite_path: Path,
                                                                          tmp_path: Path) -> None:
    path = tmp_path / "aug.jsonl.checkpoint.jsonl"
    first_engine = ControlledEngine(rename_on=("receives",))
    checkpoint = Checkpoint(path, kind="augment", config_fingerprint="fp", unit_model=AugmentUnit)
    checkpoint.open()
    first = run(gold_suite_path, first_engine, factor=4, checkpoint=checkpoint)
    checkpoint.close()
    finished = path.read_bytes().splitlines()
    assert len(finished) == 1 + first_engine.calls
    kept_units = 5
    path.write_bytes(b"\n".join(finished[: 1 + kept_units]) + b"\n")  # as if killed after 5 units

    second_engine = ControlledEngine(rename_on=("receives",))
    again = Checkpoint(path, kind="augment", config_fingerprint="fp", unit_model=AugmentUnit)
    again.open()
    progress = CountingProgress()
    second = run(gold_suite_path, second_engine, factor=4, checkpoint=again, progress=progress)
    again.close()
    assert second_engine.calls == first_engine.calls - kept_units
    assert progress.reused == kept_units
    assert second.jsonl() == first.jsonl()
    assert second.artifact.summary.reused_units == kept_units


def test_transient_failures_end_the_run_without_output_and_are_retried(gold_suite_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "aug.jsonl.checkpoint.jsonl"
    reference = run(gold_suite_path, FakeEngine(), factor=3)
    flaky = FakeEngine(fail_on="Your task", error=RuntimeError("503 from the provider"))  # two candidates only
    checkpoint = Checkpoint(path, kind="augment", config_fingerprint="fp", unit_model=AugmentUnit)
    checkpoint.open()
    with pytest.raises(RunIncompleteError, match="retry those"):
        run(gold_suite_path, flaky, factor=3, checkpoint=checkpoint)
    checkpoint.close()
    kept = Checkpoint(path, kind="augment", config_fingerprint="fp", unit_model=AugmentUnit).peek()
    assert kept and all(unit.generation is None or unit.generation.error_kind is None for unit in kept.values())
    again = Checkpoint(path, kind="augment", config_fingerprint="fp", unit_model=AugmentUnit)
    again.open()
    retry = FakeEngine()
    resumed = run(gold_suite_path, retry, factor=3, checkpoint=again)
    again.close()
    assert retry.prompts and all("Your task" in prompt for prompt in retry.prompts)  # only what failed
    assert resumed.jsonl() == reference.jsonl()


def test_finished_rerun_makes_no_call(gold_suite_path: Path) -> None:
    first = run(gold_suite_path, FakeEngine(), factor=4, verify="original")
    engine = FakeEngine()
    second = run(gold_suite_path, engine, factor=4, verify="original", reusable=reusable_units(first.artifact))
    assert engine.calls == 0
    assert second.jsonl() == first.jsonl()
    assert second.artifact.summary.lm_calls == 0
    assert second.artifact.summary.reused_units == first.artifact.summary.generation_lm_calls


def test_parallel_workers_give_identical_output(mini_suite_path: Path) -> None:
    serial = run(mini_suite_path, FakeEngine(), factor=4, verify="original")
    parallel = run(mini_suite_path, FakeEngine(), factor=4, verify="original", workers=4)
    assert serial.jsonl() == parallel.jsonl()
    assert serial.artifact.summary.rejected == parallel.artifact.summary.rejected


# --------------------------------------------------------------------------- workflow


class FakeModels:
    """Stands in for model resolution: every model string gets a fake engine of its own."""

    def __init__(self, paraphrase: ParaphraseEngine | None = None):
        self.engines: dict[str, FakeEngine] = {}
        self.paraphrase = paraphrase

    def identify(self, requested: str, settings: ModelSettings) -> ModelIdentity:
        return ModelIdentity(f"local/{requested}", None)

    def __call__(self, requested: str, settings: ModelSettings, identity: ModelIdentity | None = None) -> ResolvedModel:
        engine = self.paraphrase if requested == "fake-paraphraser" and self.paraphrase else FakeEngine()
        self.engines[requested] = engine
        return ResolvedModel(requested, f"local/{requested}", None, True, fake_lm(engine))

    @property
    def calls(self) -> int:
        return sum(engine.calls for engine in self.engines.values())


def run_augment(models: FakeModels, request: tuple[AugmentConfig, RunOptions]) -> AugmentOutcome:
    return run_augment_command(*request, identify=models.identify, resolve=models)


def augment_request(suite: Path, output: Path, **overrides: Any) -> tuple[AugmentConfig, RunOptions]:
    run = RunOptions(output=output, restart=overrides.pop("restart", False))
    values: dict[str, Any] = {"suite": str(suite), "factor": 3, "model": "fake", "program": "default", "seed": 0}
    values.update(overrides)
    return AugmentConfig(**values), run


def test_workflow_writes_both_files_and_reruns_without_calls(gold_suite_path: Path, tmp_path: Path) -> None:
    output = tmp_path / "augmented.jsonl"
    models = FakeModels()
    outcome = run_augment(models, augment_request(gold_suite_path, output))
    assert models.calls > 0
    assert outcome.summary_path == tmp_path / "augmented.jsonl.summary.json"
    assert not checkpoint_path_for(output).exists()  # discarded once both files are written
    summary = read_artifact(outcome.summary_path, AugmentSummaryArtifact)
    assert summary.kind == "augment_summary" and summary.schema_version == 2
    assert summary.inputs[0].role == "suite" and len(summary.inputs[0].sha256) == 64
    assert summary.provenance.model_id == "local/fake" and summary.provenance.suite_hash == summary.inputs[0].sha256
    assert summary.provenance.program_hash and summary.config.factor == 3
    assert summary.output_path == str(output)
    assert len(load_suite(output).cases) == summary.summary.lines

    written = output.read_bytes()
    again = FakeModels()
    rerun = run_augment(again, augment_request(gold_suite_path, output))
    assert again.calls == 0
    assert rerun.artifact.summary.lm_calls == 0
    assert output.read_bytes() == written
    assert rerun.artifact.output_sha256 == summary.output_sha256

    # --limit only selects cases: the same finished summary is reused.
    limited = FakeModels()
    run_augment(limited, augment_request(gold_suite_path, output, limit=2))
    assert limited.calls == 0


def test_workflow_with_a_paraphrase_model(gold_suite_path: Path, tmp_path: Path) -> None:
    output = tmp_path / "augmented.jsonl"
    paraphraser = ParaphraseEngine(lambda prompt, call: "Please " + prompt.splitlines()[-1].lower())
    models = FakeModels(paraphraser)
    request = augment_request(gold_suite_path, output, factor=4, paraphrase_model="fake-paraphraser",
                              model_paraphrases=1)
    outcome = run_augment(models, request)
    assert paraphraser.calls > 0
    assert outcome.artifact.paraphrase_model_id == "local/fake-paraphraser"
    again = FakeModels(ParaphraseEngine(lambda prompt, call: "never asked"))
    run_augment(again, request)
    assert again.calls == 0


def test_workflow_refuses_a_summary_of_another_config(gold_suite_path: Path, tmp_path: Path) -> None:
    output = tmp_path / "augmented.jsonl"
    run_augment(FakeModels(), augment_request(gold_suite_path, output))
    for change in ({"seed": 1}, {"factor": 4}, {"verify": "original"}, {"model": "other"}):
        with pytest.raises(CheckpointMismatchError, match="different config"):
            run_augment(FakeModels(), augment_request(gold_suite_path, output, **change))
    models = FakeModels()
    run_augment(models, augment_request(gold_suite_path, output, seed=1, restart=True))
    assert models.calls > 0
    assert read_artifact(output.with_name(output.name + ".summary.json"), AugmentSummaryArtifact).config.seed == 1


def test_workflow_refuses_a_foreign_checkpoint(gold_suite_path: Path, tmp_path: Path) -> None:
    output = tmp_path / "augmented.jsonl"
    checkpoint_path_for(output).write_bytes(  # with finished work: an empty one would be replaced
        b'{"checkpoint_of": "augment", "fingerprint": "someone-else"}\n{"key": "k", "unit": {}}\n'
    )
    models = FakeModels()
    with pytest.raises(CheckpointMismatchError, match="different config"):
        run_augment(models, augment_request(gold_suite_path, output))
    assert models.calls == 0 and not output.exists()
    run_augment(models, augment_request(gold_suite_path, output, restart=True))
    assert output.exists()


def test_workflow_refuses_bad_inputs(gold_suite_path: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is the input suite"):
        run_augment(FakeModels(), augment_request(gold_suite_path, gold_suite_path))
    with pytest.raises(InputError, match="factor"):
        run_augment(FakeModels(), augment_request(gold_suite_path, tmp_path / "o.jsonl", factor=0))
    stranger = tmp_path / "precious.jsonl"
    stranger.write_text("mine\n")
    with pytest.raises(InputError, match="no augment summary"):
        run_augment(FakeModels(), augment_request(gold_suite_path, stranger))
    assert stranger.read_text() == "mine\n"
    output = tmp_path / "augmented.jsonl"
    run_augment(FakeModels(), augment_request(gold_suite_path, output))
    with pytest.raises(InputError, match="already holds augmented lines"):
        run_augment(FakeModels(), augment_request(output, tmp_path / "twice.jsonl"))


def test_shards_augment_disjoint_cases_that_together_are_the_whole_run(mini_suite_path: Path) -> None:
    whole = run(mini_suite_path, FakeEngine())
    parts = [run(mini_suite_path, FakeEngine(), shard=f"{k}/2") for k in (1, 2)]
    ids = [[case.case_id for case in part.artifact.cases] for part in parts]
    assert ids[0] and ids[1] and not set(ids[0]) & set(ids[1])
    assert sorted(ids[0] + ids[1]) == sorted(case.case_id for case in whole.artifact.cases)
    # Each shard writes complete suite lines: together they are the unsharded run's lines.
    assert sorted(line for part in parts for line in part.lines) == sorted(whole.lines)
