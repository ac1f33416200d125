"""The validation artifact: committed files still read, and the verdict always follows the gates."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from tokdrift_cli.artifacts.io import dump_artifact, read_artifact
from tokdrift_cli.artifacts.validation import ValidationArtifact
from tokdrift_cli.core.gates import gates_exit_code

BASELINES = Path(__file__).resolve().parents[2] / "baselines"
VALIDATIONS = sorted(BASELINES.glob("validation_*.json"))


@pytest.mark.parametrize("path", VALIDATIONS, ids=[path.name for path in VALIDATIONS])
def test_committed_validation_reads_and_writes_back_the_same_bytes(path: Path) -> None:
    validation = read_artifact(path, ValidationArtifact)
    assert dump_artifact(validation) == path.read_bytes()
    stored = orjson.loads(path.read_bytes())["summary"]
    assert stored["exit_code"] == gates_exit_code(validation.gates)
    assert validation.summary.model_dump() == stored


def test_a_stored_summary_is_recomputed_from_the_gates(tmp_path: Path) -> None:
    source = next(path for path in VALIDATIONS if orjson.loads(path.read_bytes())["summary"]["exit_code"] == 1)
    data = orjson.loads(source.read_bytes())
    data["summary"] = {"verdict": "passed", "exit_code": 0, "failed_gates": [], "inconclusive_gates": []}
    edited = tmp_path / "edited.json"
    edited.write_bytes(orjson.dumps(data))

    validation = read_artifact(edited, ValidationArtifact)

    assert validation.summary.verdict == "failed" and validation.summary.exit_code == 1
    assert validation.summary.failed_gates == [gate.name for gate in validation.gates if gate.status == "failed"]


def test_the_summary_follows_the_gates_when_they_change() -> None:
    validation = read_artifact(VALIDATIONS[0], ValidationArtifact)
    passed = [gate.model_copy(update={"status": "passed"}) for gate in validation.gates]
    doubtful = [*passed[:-1], passed[-1].model_copy(update={"status": "inconclusive"})]

    assert validation.model_copy(update={"gates": passed}).summary.exit_code == 0
    summary = validation.model_copy(update={"gates": doubtful}).summary
    assert (summary.verdict, summary.exit_code, summary.inconclusive_gates) == (
        "inconclusive",
        3,
        [passed[-1].name],
    )


def test_a_version_1_validation_reads_with_the_undecided_share_not_recorded(tmp_path: Path) -> None:
    data = orjson.loads(VALIDATIONS[0].read_bytes())
    data["schema_version"] = 1
    for side in ("before", "after"):
        if data[side] is not None:
            del data[side]["undecided_share"]
    for case in data["cases"]:
        del case["before_undecided_share"], case["after_undecided_share"]
    old = tmp_path / "old.json"
    old.write_bytes(orjson.dumps(data))
    validation = read_artifact(old, ValidationArtifact)
    assert validation.schema_version == ValidationArtifact.SCHEMA_VERSION == 3
    assert validation.after.undecided_share is None  # not recorded: never read as 0
    assert all(case.after_undecided_share is None for case in validation.cases)
    assert validation.gates == read_artifact(VALIDATIONS[0], ValidationArtifact).gates


SCHEMA_2 = Path(__file__).resolve().parents[1] / "data" / "validation_schema2.json"


def test_a_version_2_validation_reads_with_the_settings_it_was_decided_with() -> None:
    """Written before accuracy was gated over every input by default and before the gain gate."""
    stored = orjson.loads(SCHEMA_2.read_bytes())
    assert stored["schema_version"] == 2 and "min_robustness_gain" not in stored["config"]["gates"]
    validation = read_artifact(SCHEMA_2, ValidationArtifact)
    gates = validation.config.gates
    assert (gates.accuracy_on, gates.accuracy_gate, gates.robustness_gate) == ("requests", "point", "point")
    assert gates.min_robustness_gain is None  # never applied to it: not the default 0.05
    assert [gate.name for gate in validation.gates] == [gate["name"] for gate in stored["gates"]]
    assert validation.statistics is not None and validation.statistics.detectable is None  # not recorded
    assert validation.summary.exit_code == stored["summary"]["exit_code"]


def test_a_version_2_file_without_accuracy_on_reads_as_gated_on_the_requests(tmp_path: Path) -> None:
    data = orjson.loads(SCHEMA_2.read_bytes())
    del data["config"]["gates"]["accuracy_on"]
    old = tmp_path / "old.json"
    old.write_bytes(orjson.dumps(data))
    assert read_artifact(old, ValidationArtifact).config.gates.accuracy_on == "requests"
