"""STAGES.md from artifacts made by the real stages: the IR stage on the fake engine, the code stages in the sandbox."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.fakes import FakeEngine
from tests.reports.checks import MarkdownDoc, split_cells, unescape
from tests.stages.test_baseline import make_inputs, runner_for
from tokdrift_cli.artifacts.baseline import BaselineArtifact
from tokdrift_cli.artifacts.code_baseline import CodeBaselineArtifact, CodeBaselineConfig, CodeStage
from tokdrift_cli.artifacts.header import Provenance
from tokdrift_cli.codegen.generators import GeneratesCode, TemplatedCodeGenerator
from tokdrift_cli.core.ir import IR
from tokdrift_cli.core.records import CodeGeneration
from tokdrift_cli.core.suite import load_suite
from tokdrift_cli.reports import markdown as md
from tokdrift_cli.reports import stages_markdown
from tokdrift_cli.reports.stages_markdown import StageArtifact, render_stage_report
from tokdrift_cli.reports.text import one_line, percent, share
from tokdrift_cli.stages.baseline import run_baseline
from tokdrift_cli.stages.code_baseline import CodeBaselineInputs, CodeBaselineRun, run_code_baseline

MINI = Path(__file__).resolve().parents[2] / "tokdrift_cli" / "data" / "suites" / "mini.jsonl"
SNAKE = re.compile(r"[a-z0-9_]+")
# Returned for names not in snake_case: a value whose repr carries a pipe and backticks into the verdict reason.
AWKWARD = "'a|b`c`'"
FRAGILE_NAME = "code|casing`.json"  # a display name that needs escaping too


class CasingSensitiveCodeGenerator:
    """Writes different code when the IR's function name is not snake_case: IR naming variants break it."""

    name = "casing-sensitive"

    def generate(self, ir: IR) -> CodeGeneration:
        value = "1" if SNAKE.fullmatch(ir.signature.name) else AWKWARD
        return CodeGeneration(code=f"def f(*args, **kwargs):\n    return {value}\n")


def code_artifact(
    generator: GeneratesCode, stage: CodeStage = CodeStage.IR_TO_CODE, model: str = "none"
) -> CodeBaselineArtifact:
    config = CodeBaselineConfig(stage=stage, suite=str(MINI), code_generator="templated", model=model)
    inputs = CodeBaselineInputs(
        suite=load_suite(MINI),
        config=config,
        provenance=Provenance(model_id=None if model == "none" else model),
    )
    ir_runner = runner_for(FakeEngine()) if stage is CodeStage.END_TO_END else None
    return run_code_baseline(CodeBaselineRun(inputs, generator, ir_runner=ir_runner))


@pytest.fixture(scope="module")
def ir_artifact() -> BaselineArtifact:
    return run_baseline(make_inputs(MINI), runner_for(FakeEngine()))


@pytest.fixture(scope="module")
def robust_code() -> CodeBaselineArtifact:
    return code_artifact(TemplatedCodeGenerator())


@pytest.fixture(scope="module")
def fragile_code() -> CodeBaselineArtifact:
    return code_artifact(CasingSensitiveCodeGenerator())


@pytest.fixture(scope="module")
def end_to_end() -> CodeBaselineArtifact:
    return code_artifact(TemplatedCodeGenerator(), CodeStage.END_TO_END, model="local/fake")


@pytest.fixture(scope="module")
def named(
    ir_artifact: BaselineArtifact,
    robust_code: CodeBaselineArtifact,
    fragile_code: CodeBaselineArtifact,
    end_to_end: CodeBaselineArtifact,
) -> list[tuple[str, StageArtifact]]:
    return [
        ("baseline.json", ir_artifact),
        ("code_templated.json", robust_code),
        (FRAGILE_NAME, fragile_code),
        ("e2e.json", end_to_end),
    ]


def _section(text: str, heading: str) -> str:
    """The text from ``heading`` to the next heading of the same level."""
    start = text.index(heading)
    following = text.find("\n## ", start + len(heading))
    return text[start : following if following != -1 else len(text)]


def _rows(table: list[str]) -> list[list[str]]:
    return [split_cells(row) for row in table[2:]]


def test_the_fragile_fake_really_is_fragile(
    fragile_code: CodeBaselineArtifact, robust_code: CodeBaselineArtifact
) -> None:
    assert fragile_code.summary.fragile_cases and fragile_code.summary.verdict_methods.get("execution")
    assert robust_code.summary.robustness.rate == 1.0 and not robust_code.summary.fragile_cases


def test_figures_table_has_one_row_per_artifact_in_order(named: list[tuple[str, StageArtifact]]) -> None:
    doc = MarkdownDoc.parse(render_stage_report(named))
    figures = _rows(doc.tables()[0])
    assert len(figures) == len(named)
    for cells, (name, artifact) in zip(figures, named, strict=True):
        assert len(cells) == 13
        assert unescape(cells[0]) == md.code(name)
        summary = artifact.summary
        stage = "ir" if isinstance(artifact, BaselineArtifact) else artifact.summary.stage.value
        correct = summary.accuracy if isinstance(artifact, BaselineArtifact) else artifact.summary.pass_rate
        robust = (
            summary.robust_accuracy if isinstance(artifact, BaselineArtifact) else artifact.summary.robust_pass_rate
        )
        measured = summary.cases - len(summary.unmeasured_cases)
        assert cells[1] == stage
        assert cells[4:] == [
            str(summary.cases),
            str(summary.variants),
            summary.robustness.format(),
            share(summary.undecided_share) if isinstance(artifact, BaselineArtifact) else "\u2013",
            correct.format(),
            robust.format(),
            f"{len(summary.fragile_cases)} of {measured} (< 90%)",
            str(summary.lm_calls),
            f"{summary.wall_time_s:.1f} s",
        ]
    assert [row[2] for row in figures] == [
        "IR program `default`",
        "templated code generator",
        "templated code generator",
        "templated code generator, IR program `default`",
    ]
    assert [row[3] for row in figures] == ["`local/fake`", "none", "none", "`local/fake`"]


def test_families_side_by_side(named: list[tuple[str, StageArtifact]]) -> None:
    doc = MarkdownDoc.parse(render_stage_report(named))
    table = doc.tables()[1]
    header = split_cells(table[0])
    assert len(header) == 1 + len(named)
    assert unescape(header[3]) == f"{md.code(FRAGILE_NAME)} (ir-to-code)"
    rows = {unescape(cells[0]): cells[1:] for cells in _rows(table)}
    lookups = [{group.key: group for group in artifact.summary.per_family} for _, artifact in named]
    assert list(rows) == sorted({key for lookup in lookups for key in lookup})
    assert "naming" in rows and "casing" in rows  # IR-variant and prompt-rule families both show
    for family, cells in rows.items():
        for cell, lookup in zip(cells, lookups, strict=True):
            group = lookup.get(family)
            if group is None:
                assert cell == "\u2013"
            else:
                assert group.flip_rate.rate is not None
                assert cell == f"{group.flips}/{group.n} ({percent(group.flip_rate.rate)})"
    naming = lookups[2]["naming"]
    assert naming.flips == naming.n > 0  # every renamed function broke the casing-sensitive generator


def test_fragile_cases_least_robust_first_with_escaped_reasons(
    named: list[tuple[str, StageArtifact]], fragile_code: CodeBaselineArtifact
) -> None:
    text = render_stage_report(named)
    section = _section(text, f"## Fragile cases: {md.code(FRAGILE_NAME)}")
    table = MarkdownDoc.parse(section).tables()[0]
    rows = _rows(table)
    by_id = {case.case_id: case for case in fragile_code.cases}
    expected = sorted(fragile_code.summary.fragile_cases, key=lambda i: (by_id[i].robustness.rate, i))
    assert [unescape(cells[0]) for cells in rows] == [f"`{case_id}`" for case_id in expected]
    for cells in rows:
        assert len(cells) == 4  # the pipe in the reason did not split the row
        case = by_id[unescape(cells[0]).strip("`")]
        first = next(v for v in case.variants if v.verdict.equivalent is False)
        assert "|" in first.verdict.reason and "`" in first.verdict.reason
        assert unescape(cells[3]) == one_line(first.verdict.reason)
        assert cells[2] == ", ".join(f"`{rule}`" for rule in first.rule_ids)
        assert case.robustness.rate is not None
        assert cells[1] == f"{percent(case.robustness.rate)} ({case.robustness.successes}/{case.robustness.n})"
    assert "No case below 90% robustness." in _section(text, "## Fragile cases: `code_templated.json`")


def test_only_code_artifacts_get_a_fragile_section(named: list[tuple[str, StageArtifact]]) -> None:
    headings = [text for level, text in MarkdownDoc.parse(render_stage_report(named)).headings() if level == 2]
    assert headings == [
        "Figures",
        "Flip rate per rule family",
        "Fragile cases: `code_templated.json` (ir-to-code)",
        f"Fragile cases: {md.code(FRAGILE_NAME)} (ir-to-code)",
        "Fragile cases: `e2e.json` (end-to-end)",
        "How to read this",
    ]


def test_long_fragile_lists_are_capped(monkeypatch: pytest.MonkeyPatch, fragile_code: CodeBaselineArtifact) -> None:
    fragile = len(fragile_code.summary.fragile_cases)
    assert fragile > 2
    monkeypatch.setattr(stages_markdown, "MAX_FRAGILE_SHOWN", 2)
    text = render_stage_report([("code.json", fragile_code)])
    assert len(MarkdownDoc.parse(_section(text, "## Fragile cases")).tables()[0]) == 2 + 2
    assert f"... and {fragile - 2} more." in text


def test_same_artifacts_give_the_same_bytes(named: list[tuple[str, StageArtifact]]) -> None:
    first = render_stage_report(named)
    reread = [(name, type(artifact).model_validate_json(artifact.model_dump_json())) for name, artifact in named]
    assert render_stage_report(reread) == first == render_stage_report(named)
    assert first.endswith("\n") and not first.endswith("\n\n")
    assert all(line == line.rstrip() for line in first.split("\n"))
    assert first.startswith("# Robustness by stage\n")


def test_different_case_sets_are_pointed_out(ir_artifact: BaselineArtifact, robust_code: CodeBaselineArtifact) -> None:
    same = render_stage_report([("a", ir_artifact), ("b", robust_code)])
    assert "do not cover the same cases" not in same
    fewer = robust_code.model_copy(update={"cases": robust_code.cases[:2]})
    different = render_stage_report([("a", ir_artifact), ("b", fewer)])
    assert f"do not cover the same cases ({len(ir_artifact.cases)}, 2 cases)" in different


def test_runs_without_families_or_differences_still_render(
    ir_artifact: BaselineArtifact, fragile_code: CodeBaselineArtifact
) -> None:
    bare = ir_artifact.model_copy(update={"summary": ir_artifact.summary.model_copy(update={"per_family": []})})
    assert "No variant was measured in any of these runs." in render_stage_report([("bare", bare)])
    # A case listed as fragile whose variants were all judged equivalent (or open) shows dashes, not a crash.
    case = fragile_code.cases[0]
    open_variants = [
        v.model_copy(update={"verdict": v.verdict.model_copy(update={"equivalent": None})}) for v in case.variants
    ]
    odd = fragile_code.model_copy(
        update={
            "cases": [case.model_copy(update={"variants": open_variants})],
            "summary": fragile_code.summary.model_copy(update={"fragile_cases": [case.case_id, "missing"]}),
        }
    )
    rows = _rows(MarkdownDoc.parse(_section(render_stage_report([("odd", odd)]), "## Fragile cases")).tables()[0])
    assert [cells[2:] for cells in rows] == [["\u2013", "\u2013"]]
