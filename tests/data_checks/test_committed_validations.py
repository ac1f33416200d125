"""The committed validations regenerate from their committed baselines, byte for byte apart from the clock.

A validation is a pure function of its two baselines, its gate settings and
its seed: recomputing it from the files it names must give the same bytes
(only ``created_at`` differs), and the committed improvement reports must be
what the report renders from it today.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tokdrift_cli.artifacts.baseline import BaselineArtifact
from tokdrift_cli.artifacts.io import dump_artifact, read_artifact, sha256_file
from tokdrift_cli.artifacts.validation import ValidationArtifact
from tokdrift_cli.reports.improvement_markdown import render_improvement_report
from tokdrift_cli.stages.validate import validate_baselines

ROOT = Path(__file__).resolve().parents[2]
VALIDATIONS = sorted((ROOT / "baselines").glob("validation_*.json"))
CREATED_AT = re.compile(rb'\n  "created_at": "[^"]*",\n')


def without_clock(data: bytes) -> bytes:
    stripped, count = CREATED_AT.subn(b"\n", data)
    assert count == 1
    return stripped


@pytest.mark.parametrize("path", VALIDATIONS, ids=[path.name for path in VALIDATIONS])
def test_committed_validation_regenerates_from_its_baselines(path: Path) -> None:
    stored = read_artifact(path, ValidationArtifact)
    sides: dict[str, BaselineArtifact] = {}
    for item in stored.inputs:
        source = ROOT / item.path
        assert sha256_file(source) == item.sha256, f"{item.path} changed since {path.name} was made"
        sides[item.role] = read_artifact(source, BaselineArtifact)
    config = stored.config
    regenerated = validate_baselines(
        sides.get("before"),
        sides["after"],
        config.gates,
        allow_mismatch=config.allow_mismatch,
        seed=config.seed,
        inputs=stored.inputs,
    ).model_copy(update={"tool_version": stored.tool_version})
    assert without_clock(dump_artifact(regenerated)) == without_clock(path.read_bytes())


REPORTS = sorted((ROOT / "baselines").glob("IMPROVEMENT_REPORT_*.md"))


@pytest.mark.parametrize("report", REPORTS, ids=[report.name for report in REPORTS])
def test_committed_improvement_report_is_what_its_validation_renders(report: Path) -> None:
    validation = ROOT / "baselines" / report.name.replace("IMPROVEMENT_REPORT_", "validation_").replace(".md", ".json")
    assert validation.exists(), f"{report.name} has no validation beside it"
    rendered = render_improvement_report(read_artifact(validation, ValidationArtifact))
    assert rendered == report.read_text(encoding="utf-8")
