"""Word-level diffs, the reproduce commands (checked against the committed analysis) and the issue drafts' parts."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from tests.reports.factories import make_analysis
from tokdrift_cli.artifacts.analysis import AnalysisArtifact
from tokdrift_cli.artifacts.io import read_artifact
from tokdrift_cli.cli.app import run
from tokdrift_cli.reports.issue_drafts import render_issue_drafts
from tokdrift_cli.reports.reproduce import baseline_command, reproduce_lines, variant_command
from tokdrift_cli.reports.word_diff import changes, inline_html, side_html, word_diff

CORE = Path(__file__).resolve().parents[2] / "baselines" / "analysis_core_local.json"


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ("in order, separated", "in order ,separated", [("", " "), (" ", "")]),
        ("Write is_even(n) now", "Write isEven(n) today", [("is_even", "isEven"), ("now", "today")]),
        ("x >= 0", "x > 0", [("=", "")]),
        ("same", "same", []),
    ],
)
def test_changes_are_the_changed_stretches(before: str, after: str, expected: list[tuple[str, str]]) -> None:
    assert changes(before, after) == expected
    rebuilt = "".join(text for kind, text in word_diff(before, after) if kind != "removed")
    assert rebuilt == after


def test_html_marks_only_what_changed_and_draws_whitespace() -> None:
    assert inline_html("in order, separated", "in order ,separated") == "in order<ins>\u00b7</ins>,<del>\u00b7</del>separated"
    old, new = side_html("a <b> c", "a <i> c")
    assert old == "a &lt;<del>b</del>&gt; c" and new == "a &lt;<ins>i</ins>&gt; c"


def test_baseline_command_carries_the_runs_settings() -> None:
    analysis = make_analysis()
    assert baseline_command(analysis, ["mid_002"]) == (
        "tokdrift baseline --case mid_002 --variants 4 --seed 7 --output repro-mid_002.json"
    )
    config = analysis.baseline_config.model_copy(  # type: ignore[union-attr]
        update={"suite": "my suite.jsonl", "model": "openai/gpt-4o-mini", "controls": 2, "include_paraphrases": False}
    )
    command = baseline_command(analysis.model_copy(update={"baseline_config": config}), ["a", "b"])
    assert shlex.split(command) == [
        "tokdrift", "baseline", "--case", "a", "--case", "b", "--suite", "my suite.jsonl", "--model",
        "openai/gpt-4o-mini", "--controls", "2", "--variants", "4", "--seed", "7", "--no-paraphrases",
        "--output", "repro.json",
    ]
    unknown = baseline_command(analysis.model_copy(update={"baseline_config": None}), ["a"])
    assert "--suite SUITE.jsonl" in unknown and unknown.endswith("# the suite the baseline ran")


@pytest.mark.parametrize("case_id", ["x\nrm -rf ~", "x  #y", "a'b\"c $(d)"])
def test_hostile_case_ids_stay_inside_comments_and_quotes(case_id: str) -> None:
    """A suite's case id is data: it never becomes a shell line of its own, and never breaks the quoting."""
    analysis = make_analysis()
    item = analysis.fragile_prompts[0].model_copy(update={"case_id": case_id})
    lines = reproduce_lines(analysis, item)
    for line in lines:
        if line.startswith("#"):
            assert "\n" not in line  # a comment stays one line
        words = shlex.split(line, comments=True)  # every line parses: quoting is never broken
        assert not words or words[0] == "tokdrift", line
    command = next(line for line in lines if line.startswith("tokdrift baseline"))
    assert shlex.split(command)[3] == case_id


@pytest.mark.skipif(not CORE.exists(), reason="no committed analysis")
def test_variant_commands_reproduce_the_committed_rewrites(capsys: pytest.CaptureFixture[str]) -> None:
    analysis = read_artifact(CORE, AnalysisArtifact)
    checked = 0
    for item in analysis.fragile_prompts[:12]:
        for variant in item.broken_variants:
            command = variant_command(item.prompt, variant)
            if command is None:
                assert "paraphrase" in variant.families
                continue
            assert run([*shlex.split(command)[1:], "--format", "json"]) == 0
            texts = [entry["text"] for entry in json.loads(capsys.readouterr().out)]
            assert variant.text in texts, command
            checked += 1
    assert checked > 30


def test_issue_drafts_reproduce_and_aim_the_mitigation() -> None:
    drafts = render_issue_drafts(make_analysis())
    casing = drafts["P0-casing.md"]
    reproduce = casing.split("## Reproduce", 1)[1].split("\n## ", 1)[0]
    assert "tokdrift variants" in reproduce and "--rule token.casing.snake_to_camel" in reproduce
    assert "tokdrift baseline --case pipe-001 --variants 4 --seed 7" in reproduce
    assert "tokdrift baseline --case pipe-001 --case mid_002 --variants 4 --seed 7 --output repro.json" in reproduce
    mitigation = casing.split("## Suggested mitigation", 1)[1].split("\n## ", 1)[0]
    assert "`token.casing.snake_to_camel`" in mitigation and "`token.spacing.punct_detach`" in mitigation
    assert "`name` (1 of 2 prompts)" in mitigation and "`returns` (1 of 2 prompts)" in mitigation
    assert "- `name`: state the function name" in mitigation and "- `returns`:" in mitigation
    assert "- `assertions`:" not in mitigation  # no advice for a field that did not drift
    framing = drafts["P0-framing.md"].split("## Suggested mitigation", 1)[1]
    assert "fail outright" in framing  # its only broken variant failed to generate
    script = drafts["create-issues.sh"].splitlines()
    assert script[0] == "#!/bin/sh"
    filed = [line for line in script if line.startswith("gh issue create")]
    assert filed[0] == 'gh issue create --title "$(cat P0-casing.title)" --body-file P0-casing.md'
    assert len(filed) == len([name for name in drafts if name.endswith(".md")])
