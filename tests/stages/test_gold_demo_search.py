"""The gold-demo random search: seeded, deduplicated, ranked on the given dev score."""

from __future__ import annotations

import dspy
import pytest

from tests.fakes import FakeEngine
from tests.stages.test_optimize import run_fake_optimize
from tokdrift_cli.core.suite import default_suite_path, load_suite
from tokdrift_cli.programs.ir_generator import build_default_program
from tokdrift_cli.programs.robust import RobustIRGenerator
from tokdrift_cli.stages.gold_demo_search import GoldDemoSearch


def examples(count: int) -> list[dspy.Example]:
    return [dspy.Example(request=f"request {i}", spec=f"spec {i}", prompt_id=f"p{i}").with_inputs("request")
            for i in range(count)]


def demo_requests(program: RobustIRGenerator) -> list[str]:
    return [demo.request for demo in program.generator.generate.demos]


def test_candidates_are_gold_sets_ranked_on_the_dev_score_and_never_repeated() -> None:
    trainset = examples(3)
    # Scores the candidate by the number in its first demo: ranking must follow it.
    def dev_score(program: RobustIRGenerator) -> float:
        return int(demo_requests(program)[0].split()[-1]) / 10

    search = GoldDemoSearch(k=2, candidates=12, seed=0)
    best = search.compile(RobustIRGenerator(build_default_program()), trainset=trainset, dev_score=dev_score)
    entries = best.candidate_programs
    sets = [frozenset(demo_requests(entry["program"])) for entry in entries]
    assert len(sets) == len(set(sets)) == 3  # every pair of 3 examples, each once
    assert all(len(s) == 2 and s <= {e.request for e in trainset} for s in sets)
    assert [entry["score"] for entry in entries] == sorted((entry["score"] for entry in entries), reverse=True)
    assert best is entries[0]["program"] and entries[0]["label"].startswith("gold demos, shuffle ")
    # The demos are the gold answers, not the model's.
    demo = best.generator.generate.demos[0]
    assert demo.spec == f"spec {demo.request.split()[-1]}"
    # Seeded: the same search gives the same candidates in the same order.
    again = GoldDemoSearch(k=2, candidates=12, seed=0).compile(
        RobustIRGenerator(build_default_program()), trainset=trainset, dev_score=dev_score
    )
    assert [e["label"] for e in again.candidate_programs] == [e["label"] for e in entries]


def test_gold_demos_optimizer_runs_end_to_end_on_the_train_split(monkeypatch: pytest.MonkeyPatch) -> None:
    from tokdrift_cli.programs.ir_generator import DEFAULT_DEMOS
    from tokdrift_cli.stages import optimize

    real_candidates, real_choose = optimize.dspy_candidates, optimize.choose_candidate
    offered: list[list[str]] = []

    def every_candidate(compiled, baseline_dev, dev_score):  # type: ignore[no-untyped-def]
        return real_candidates(compiled, -1.0, dev_score)  # offer all, whatever the fake's dev scores

    def spy(candidates, *args, **kwargs):  # type: ignore[no-untyped-def]
        offered.extend([demo.request for demo in c.program.generator.generate.demos] for c in candidates)
        return real_choose(candidates, *args, **kwargs)

    monkeypatch.setattr(optimize, "dspy_candidates", every_candidate)
    monkeypatch.setattr(optimize, "choose_candidate", spy)
    artifact = run_fake_optimize(FakeEngine(), optimizer="gold-demos", candidates=3, keep_base_demos=True,
                                 base_demos_first=True)
    assert artifact.config.optimizer == "gold-demos"
    assert artifact.scores.candidates_evaluated == 3
    labels = [record.label for record in artifact.scores.selection[1:]]
    assert len(labels) == 3 and all(label.startswith("base demos + gold demos, shuffle ") for label in labels)
    train_prompts = {c.prompt for c in load_suite(default_suite_path()).cases if c.id in set(artifact.split.train)}
    hand_written = [demo.request for demo in DEFAULT_DEMOS]
    assert len(offered) == 3
    for demos in offered:  # the hand-written demos, then two gold demos from the train split
        assert demos[: len(hand_written)] == hand_written and set(demos[len(hand_written):]) <= train_prompts
        assert len(demos) == len(hand_written) + 2
