"""`baseline --judge-model`: the judge tier decides what the deterministic checker leaves undecided, cached on disk."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from tests.cli.test_cli import one_line_error
from tests.fakes import FakeEngine, WordingEngine, fake_lm
from tokdrift_cli.artifacts.baseline import BaselineArtifact, BaselineConfig
from tokdrift_cli.artifacts.io import read_artifact
from tokdrift_cli.cli.app import run
from tokdrift_cli.cli.render import baseline_table
from tokdrift_cli.core.equivalence import IRField, Outcome, Tier
from tokdrift_cli.engines.resolve import ModelIdentity, ModelSettings, ResolvedModel
from tokdrift_cli.workflows.baseline_run import judge_cache_path, prepare_baseline
from tokdrift_cli.workflows.resume import resume_fingerprint
from tokdrift_cli.workflows.run import RunOptions, run_with_resume


class SameJudgeEngine(FakeEngine):
    """A judge that finds every pair of texts it is shown to ask for the same behaviour."""

    def answer(self, prompt: str) -> str:
        return json.dumps({"verdict": "same", "reason": "both describe one behaviour"})


class Models:
    """The generator ("fake": every effect worded apart, so undecided) and the judge ("judge"), counted."""

    def __init__(self) -> None:
        self.generator = WordingEngine()
        self.judge = SameJudgeEngine()
        self.loaded: list[str] = []

    def identify(self, requested: str, settings: ModelSettings) -> ModelIdentity:
        return ModelIdentity(f"local/{requested}", "f00d")

    def resolve(self, requested: str, settings: ModelSettings, identity: ModelIdentity | None = None) -> ResolvedModel:
        assert identity is not None
        self.loaded.append(requested)
        engine = self.judge if requested == "judge" else self.generator
        return ResolvedModel(requested, identity.model_id, identity.fingerprint, True, fake_lm(engine), engine)


def config(suite: Path, **overrides: Any) -> BaselineConfig:
    values: dict[str, Any] = {
        "suite": str(suite), "model": "fake", "program": "default", "variants_per_prompt": 2, "seed": 0,
        "temperature": 0.0, "max_tokens": 256, "include_paraphrases": False, "repeats": 2, "controls": 1,
    }
    return BaselineConfig(**{**values, **overrides})


def baseline(suite: Path, output: Path, models: Models, **overrides: Any) -> BaselineArtifact:
    stage = prepare_baseline(config(suite, **overrides))
    return run_with_resume(stage, RunOptions(output=output), identify=models.identify, resolve=models.resolve).artifact


def test_a_judge_that_answers_same_turns_undecided_variants_into_robust_ones(
    tmp_path: Path, mini_suite_path: Path
) -> None:
    unjudged = baseline(mini_suite_path, tmp_path / "plain.json", Models())
    assert unjudged.summary.undecided_share.rate == 1.0 and unjudged.summary.judge is None

    models = Models()
    judged = baseline(mini_suite_path, tmp_path / "judged.json", models, judge_model="judge")
    variants = [variant for case in judged.cases for variant in case.variants]
    assert variants and all(variant.outcome is Outcome.SAME and variant.robust for variant in variants)
    for variant in variants:
        assert variant.versus_original is not None
        assert variant.versus_original.verdict(IRField.EFFECTS).tier is Tier.JUDGE
    assert all(control.outcome is Outcome.SAME for case in judged.cases for control in case.controls)
    assert all(case.repeat_agreements == [True] for case in judged.cases)
    summary = judged.summary
    assert summary.robustness.rate == 1.0 and summary.undecided_share.successes == 0
    judge = summary.judge
    assert judge is not None and judge.model_id == "local/judge"
    assert judge.questions > 0 and judge.cache_hits == 0 and judge.failures == 0
    assert judge.lm_calls == models.judge.calls and judge.input_tokens > 0 and judge.output_tokens > 0
    assert summary.lm_calls == models.generator.calls  # the generator's calls, the judge's counted apart
    assert read_artifact(tmp_path / "judged.json", BaselineArtifact).summary.judge == judge
    written = json.loads((tmp_path / "judged.json").read_text(encoding="utf-8"))
    assert written["config"]["judge_model"] == "judge" and written["summary"]["judge"]["questions"] == judge.questions
    console = Console(record=True, width=200)
    console.print(baseline_table(judged))
    row = next(line for line in console.export_text().splitlines() if "judge local/judge" in line)
    assert f"{judge.questions} questions, 0 from the cache, 0 failed; {judge.lm_calls} LM calls" in row


def test_a_rerun_is_answered_from_the_judge_cache(tmp_path: Path, mini_suite_path: Path) -> None:
    output = tmp_path / "judged.json"
    before = baseline(mini_suite_path, output, Models(), judge_model="judge")
    first = before.summary.judge
    cache = judge_cache_path(output)
    assert first is not None and cache.is_file()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["judged.json", "judged.json.judge-cache.jsonl"]

    output.unlink()  # the verdicts must come from the cache, not from a finished output
    models = Models()
    again = baseline(mini_suite_path, output, models, judge_model="judge")
    assert models.judge.calls == 0 and models.generator.calls > 0
    assert again.summary.judge == first.model_copy(
        update={"cache_hits": first.questions, "lm_calls": 0, "input_tokens": 0, "output_tokens": 0}
    )

    def verdicts(artifact: BaselineArtifact) -> list[tuple[Outcome | None, Tier | None]]:
        return [
            (
                variant.outcome,
                variant.versus_original.verdict(IRField.EFFECTS).tier if variant.versus_original else None,
            )
            for case in artifact.cases
            for variant in case.variants
        ]

    assert verdicts(again) == verdicts(before)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["judged.json", "judged.json.judge-cache.jsonl"]


def test_a_judge_added_to_a_finished_run_rejudges_its_generations_without_generating_again(
    tmp_path: Path, mini_suite_path: Path
) -> None:
    output = tmp_path / "b.json"
    baseline(mini_suite_path, output, Models(), repeats=1)  # (a finished output keeps no repeats to reuse)
    models = Models()
    judged = baseline(mini_suite_path, output, models, judge_model="judge", repeats=1)
    assert models.generator.calls == 0 and models.judge.calls > 0
    assert judged.config.judge_model == "judge" and judged.summary.robustness.rate == 1.0


def test_without_a_judge_the_config_fingerprint_and_artifact_are_as_before(
    tmp_path: Path, mini_suite_path: Path
) -> None:
    plain = config(mini_suite_path)
    assert "judge_model" not in plain.model_dump(exclude_defaults=True)
    assert resume_fingerprint(plain, "m", "p") == resume_fingerprint(
        config(mini_suite_path, judge_model="judge"), "m", "p"
    )
    artifact = baseline(mini_suite_path, tmp_path / "b.json", Models())
    assert artifact.config.judge_model is None and artifact.summary.judge is None
    assert not judge_cache_path(tmp_path / "b.json").exists()
    # Written as before the judge existed (no judge field at all), and read back with no judge.
    data = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))
    assert "judge_model" not in data["config"] and "judge" not in data["summary"]
    assert read_artifact(tmp_path / "b.json", BaselineArtifact) == artifact


@pytest.mark.parametrize("extra", [[], ["--dry-run"]])
def test_a_bad_judge_model_is_a_one_line_usage_error(
    tmp_path: Path, mini_suite_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    extra: list[str],
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-dummy")
    output = tmp_path / "b.json"
    args = ["baseline", "--model", "openai/fake", "--judge-model", "nonsense", "--suite", str(mini_suite_path),
            "--output", str(output), *extra]
    assert run(args) == 2
    error = one_line_error(capsys.readouterr().err)
    assert "--judge-model" in error and "nonsense" in error
    assert list(tmp_path.iterdir()) == []
