"""Rescoring judges a baseline's recorded answers again, with no model call, and refuses what it cannot redo."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes import FakeEngine
from tests.stages.test_baseline import make_inputs, runner_for
from tokdrift_cli.artifacts.baseline import BaselineArtifact, CaseResult
from tokdrift_cli.artifacts.header import InputFile, Provenance
from tokdrift_cli.artifacts.io import read_artifact, write_artifact
from tokdrift_cli.cli.app import run
from tokdrift_cli.core.equivalence import Outcome
from tokdrift_cli.core.robustness import Tally
from tokdrift_cli.core.suite import default_suite_path, load_suite
from tokdrift_cli.errors import InputError
from tokdrift_cli.stages.baseline import run_baseline
from tokdrift_cli.stages.rescore import RESCORED_ROLE, rescore_baseline

SOURCE = InputFile(role=RESCORED_ROLE, path="old.json", sha256="0" * 64)


@pytest.fixture(scope="module")
def recorded() -> BaselineArtifact:
    # "please" makes the fake engine drift, so the run holds same and different variants; controls too.
    inputs = make_inputs(default_suite_path(), limit=6, variants_per_prompt=3, controls=2, repeats=2)
    return run_baseline(inputs, runner_for(FakeEngine()))


def _judged_by_a_checker_that_saw_only_flips(case: CaseResult) -> CaseResult:
    """The case as an older checker that called every comparison different would have stored it."""
    variants = [variant.model_copy(update={"outcome": Outcome.DIFFERENT}) for variant in case.variants]
    return case.model_copy(update={"variants": variants, "robustness": Tally(different=len(variants)).robustness()})


def test_rescoring_with_the_same_checker_changes_no_figure(recorded: BaselineArtifact) -> None:
    rescored = rescore_baseline(recorded, load_suite(default_suite_path()), SOURCE)
    assert [case.model_dump() for case in rescored.cases] == [case.model_dump() for case in recorded.cases]
    assert rescored.summary == recorded.summary
    assert rescored.config == recorded.config and rescored.provenance == recorded.provenance
    assert rescored.inputs == [*recorded.inputs, SOURCE]
    assert rescored.created_at == recorded.created_at  # the run's time, for a history


def test_rescoring_replaces_stale_verdicts_and_keeps_what_the_run_spent(recorded: BaselineArtifact) -> None:
    stale = recorded.model_copy(update={"cases": [_judged_by_a_checker_that_saw_only_flips(c) for c in recorded.cases]})
    assert recorded.summary.robustness.successes > 0
    assert all(case.robustness.successes == 0 for case in stale.cases)

    rescored = rescore_baseline(stale, load_suite(default_suite_path()), SOURCE)

    assert [case.robustness for case in rescored.cases] == [case.robustness for case in recorded.cases]
    assert rescored.summary.robustness == recorded.summary.robustness
    assert rescored.summary.sensitivity == recorded.summary.sensitivity
    assert [case.repeat_agreements for case in rescored.cases] == [case.repeat_agreements for case in recorded.cases]
    assert rescored.generations() == stale.generations()  # no answer is made again
    assert (rescored.summary.lm_calls, rescored.summary.wall_time_s) == (
        recorded.summary.lm_calls,
        recorded.summary.wall_time_s,
    )


@pytest.mark.parametrize(
    ("update", "message"),
    [
        ({"judge_model": "local"}, "judged by local"),
        ({"until_decided": {"fail_under": 0.5}}, "--until-decided"),
    ],
)
def test_a_run_whose_verdicts_depend_on_more_than_the_checker_is_refused(
    recorded: BaselineArtifact, update: dict[str, object], message: str
) -> None:
    config = recorded.config.model_validate({**recorded.config.model_dump(), **update})
    with pytest.raises(InputError, match=message):
        rescore_baseline(recorded.model_copy(update={"config": config}), load_suite(default_suite_path()), SOURCE)


def test_another_suite_is_refused(recorded: BaselineArtifact, tmp_path: Path) -> None:
    suite = load_suite(default_suite_path())
    changed = recorded.model_copy(update={"provenance": Provenance(model_id="local/fake", suite_hash="f" * 64)})
    with pytest.raises(InputError, match="another version of the suite"):
        rescore_baseline(changed, suite, SOURCE)
    fewer = tmp_path / "fewer.jsonl"
    fewer.write_text(default_suite_path().read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="has no case"):
        rescore_baseline(recorded, load_suite(fewer), SOURCE)


def test_the_command_writes_a_new_baseline_and_never_over_its_input(
    recorded: BaselineArtifact, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "old.json"
    write_artifact(source, recorded)
    before = source.read_bytes()
    output = tmp_path / "new.json"

    assert run(["rescore", str(source), "--output", str(output)]) == 0
    assert "with no model call" in capsys.readouterr().err
    rescored = read_artifact(output, BaselineArtifact)
    assert rescored.summary.robustness == recorded.summary.robustness
    assert rescored.inputs[-1].role == RESCORED_ROLE and rescored.inputs[-1].path == str(source)
    assert source.read_bytes() == before

    assert run(["rescore", str(source), "--output", str(source)]) == 2
    assert run(["rescore", str(source), "--output", str(output), "--suite", str(tmp_path / "missing.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and source.read_bytes() == before
