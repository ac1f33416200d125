"""Artifact I/O: round trip, kind and schema checks, migrations, atomic writes."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import pytest

from tokdrift_cli import __version__
from tokdrift_cli.artifacts.header import Artifact, InputFile, Provenance, input_file
from tokdrift_cli.artifacts.io import (
    MIGRATIONS,
    dump_artifact,
    read_artifact,
    read_raw_artifact,
    sha256_file,
    write_artifact,
    write_bytes_atomic,
)
from tokdrift_cli.errors import ArtifactError, InputError, OutputError


class SampleArtifact(Artifact):
    KIND: ClassVar[str] = "testkind"
    SCHEMA_VERSION: ClassVar[int] = 2

    kind: str = KIND
    schema_version: int = SCHEMA_VERSION
    score: float
    labels: list[str] = []


class OtherArtifact(Artifact):
    KIND: ClassVar[str] = "otherkind"
    SCHEMA_VERSION: ClassVar[int] = 1

    kind: str = KIND
    schema_version: int = SCHEMA_VERSION


def sample() -> SampleArtifact:
    return SampleArtifact(
        score=0.75,
        labels=["a", "b"],
        created_at=datetime(2024, 5, 1, 12, 30, tzinfo=UTC),
        inputs=[input_file("suite", Path("suites/core.jsonl"), "ab" * 32)],
        provenance=Provenance(model_id="smollm2", seed=7, suite_hash="cd" * 32),
    )


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def raw_sample(**changes: Any) -> dict[str, Any]:
    data = sample().model_dump(mode="json")
    data.update(changes)
    return data


def no_temp_files(directory: Path) -> bool:
    return not [p.name for p in directory.iterdir() if p.name.endswith(".tmp")]


# --------------------------------------------------------------------------- round trip


def test_write_then_read_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "out" / "sample.json"  # the parent is created
    artifact = sample()

    write_artifact(path, artifact)
    loaded = read_artifact(path, SampleArtifact)

    assert loaded == artifact
    assert loaded.inputs == [InputFile(role="suite", path=str(Path("suites/core.jsonl")), sha256="ab" * 32)]
    assert no_temp_files(path.parent)


def test_written_file_starts_with_the_header(tmp_path: Path) -> None:
    path = tmp_path / "sample.json"

    write_artifact(path, sample())
    data = json.loads(path.read_text(encoding="utf-8"))

    assert list(data)[:4] == ["kind", "schema_version", "tool_version", "created_at"]
    assert data["kind"] == "testkind"
    assert data["schema_version"] == 2
    assert data["tool_version"] == __version__
    assert data["score"] == 0.75
    assert path.read_bytes() == dump_artifact(sample())
    assert path.read_bytes().endswith(b"}\n")


def test_created_at_defaults_to_now_in_utc() -> None:
    before = datetime.now(UTC)
    artifact = SampleArtifact(score=1.0)

    assert before <= artifact.created_at <= datetime.now(UTC)
    assert artifact.created_at.tzinfo is not None


# --------------------------------------------------------------------------- kind and schema


def test_wrong_kind_is_refused_naming_both_kinds(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    write_artifact(path, OtherArtifact())

    with pytest.raises(ArtifactError) as caught:
        read_artifact(path, SampleArtifact)

    message = str(caught.value)
    assert "'otherkind'" in message
    assert "'testkind'" in message
    assert str(path) in message


def test_schema_from_the_future_is_refused_with_upgrade_advice(tmp_path: Path) -> None:
    path = write_json(tmp_path / "future.json", raw_sample(schema_version=99, field_from_the_future=[1, 2]))

    with pytest.raises(ArtifactError) as caught:
        read_artifact(path, SampleArtifact)

    message = str(caught.value)
    assert "schema 99" in message
    assert "(2)" in message
    assert "upgrade tokdrift" in message


@pytest.mark.parametrize("version", [0, -1, "2", 1.5, None, True])
def test_invalid_schema_version_is_refused(tmp_path: Path, version: Any) -> None:
    path = write_json(tmp_path / "bad.json", raw_sample(schema_version=version))

    with pytest.raises(ArtifactError, match="invalid schema_version"):
        read_artifact(path, SampleArtifact)


def test_older_schema_is_migrated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []

    def from_1(data: dict[str, Any]) -> dict[str, Any]:
        # schema 1 called the score "points", in percent
        seen.append(data["schema_version"])
        data = dict(data)
        data["score"] = data.pop("points") / 100
        return data

    old = raw_sample(schema_version=1)
    del old["score"]
    old["points"] = 75
    path = write_json(tmp_path / "old.json", old)

    with monkeypatch.context() as patch:
        patch.setitem(MIGRATIONS, "testkind", {1: from_1})
        loaded = read_artifact(path, SampleArtifact)

    assert seen == [1]
    assert loaded.schema_version == SampleArtifact.SCHEMA_VERSION
    assert loaded.score == 0.75
    assert loaded.labels == ["a", "b"]
    # The registration is gone again: later reads of schema 1 are refused.
    assert "testkind" not in MIGRATIONS
    with pytest.raises(ArtifactError, match="no migration"):
        read_artifact(path, SampleArtifact)


def test_multi_step_migration_runs_every_step(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class ThirdSchema(SampleArtifact):
        SCHEMA_VERSION: ClassVar[int] = 3
        schema_version: int = 3

    def step(tag: str) -> Any:
        def migrate(data: dict[str, Any]) -> dict[str, Any]:
            return {**data, "labels": [*data["labels"], tag]}

        return migrate

    monkeypatch.setitem(MIGRATIONS, "testkind", {1: step("1->2"), 2: step("2->3")})
    path = write_json(tmp_path / "v1.json", raw_sample(schema_version=1, labels=[]))

    loaded = read_artifact(path, ThirdSchema)

    assert loaded.labels == ["1->2", "2->3"]
    assert loaded.schema_version == 3


def test_older_schema_without_migration_is_refused(tmp_path: Path) -> None:
    path = write_json(tmp_path / "old.json", raw_sample(schema_version=1))

    with pytest.raises(ArtifactError) as caught:
        read_artifact(path, SampleArtifact)

    message = str(caught.value)
    assert "no migration from testkind schema 1" in message
    assert "re-run" in message


def test_current_schema_does_not_run_migrations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(data: dict[str, Any]) -> dict[str, Any]:
        raise AssertionError("must not migrate a current artifact")

    monkeypatch.setitem(MIGRATIONS, "testkind", {1: explode, 2: explode})
    path = tmp_path / "current.json"
    write_artifact(path, sample())

    assert read_artifact(path, SampleArtifact) == sample()


# --------------------------------------------------------------------------- unreadable files


@pytest.mark.parametrize(
    ("content", "error", "expected"),
    [
        pytest.param(b"not json at all", ArtifactError, "is not valid JSON", id="not-json"),
        pytest.param(b"", ArtifactError, "is not valid JSON", id="empty"),
        pytest.param(b'{"kind": "testkind", "sc', ArtifactError, "is not valid JSON", id="truncated"),
        pytest.param(b"[1, 2, 3]", ArtifactError, "no kind/schema_version header", id="array"),
        pytest.param(b'{"score": 1.0}', ArtifactError, "no kind/schema_version header", id="no-header"),
        pytest.param(b'{"kind": "testkind"}', ArtifactError, "no kind/schema_version header", id="no-version"),
        pytest.param(b'{"schema_version": 2}', ArtifactError, "no kind/schema_version header", id="no-kind"),
    ],
)
def test_unreadable_content_gives_a_clear_error(
    tmp_path: Path, content: bytes, error: type[Exception], expected: str
) -> None:
    path = tmp_path / "artifact.json"
    path.write_bytes(content)

    with pytest.raises(error, match=expected) as caught:
        read_artifact(path, SampleArtifact)

    assert str(path) in str(caught.value)


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        pytest.param(lambda tmp: tmp / "missing.json", "file not found", id="missing"),
        pytest.param(lambda tmp: tmp, "file expected, got a directory", id="directory"),
    ],
)
def test_unreadable_path_gives_an_input_error(tmp_path: Path, make: Any, expected: str) -> None:
    path = make(tmp_path)

    with pytest.raises(InputError, match=expected) as caught:
        read_raw_artifact(path)

    assert str(path) in str(caught.value)
    assert not isinstance(caught.value, ArtifactError)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({"score": "high"}, "score:", id="wrong-type"),
        pytest.param({"score": None}, "score:", id="null"),
        pytest.param({"unexpected": 1}, "unexpected: unknown field", id="unknown-field"),
        pytest.param({"provenance": {"seed": "x"}}, "provenance.seed:", id="nested"),
        pytest.param({"inputs": [{"role": "suite"}]}, "inputs.0.path: Field required", id="input-file"),
    ],
)
def test_corrupt_payload_names_the_field(tmp_path: Path, changes: dict[str, Any], expected: str) -> None:
    path = write_json(tmp_path / "corrupt.json", raw_sample(**changes))

    with pytest.raises(ArtifactError, match="is a corrupt testkind artifact") as caught:
        read_artifact(path, SampleArtifact)

    assert expected in str(caught.value)


def test_missing_payload_field_is_named(tmp_path: Path) -> None:
    data = raw_sample()
    del data["score"]
    path = write_json(tmp_path / "corrupt.json", data)

    with pytest.raises(ArtifactError, match="score: Field required"):
        read_artifact(path, SampleArtifact)


# --------------------------------------------------------------------------- atomic writes


def test_write_bytes_atomic_creates_and_replaces(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "file.bin"

    write_bytes_atomic(path, b"first")
    assert path.read_bytes() == b"first"

    write_bytes_atomic(path, b"second, longer content")
    assert path.read_bytes() == b"second, longer content"

    write_bytes_atomic(path, b"")
    assert path.read_bytes() == b""
    assert sorted(p.name for p in path.parent.iterdir()) == ["file.bin"]


def test_failed_replace_leaves_the_original_and_no_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "artifact.json"
    path.write_bytes(b"original")
    temp_names: list[str] = []

    def failing_replace(source: str, target: Any) -> None:
        temp_names.append(source)
        assert Path(source).read_bytes() == b"new content"  # the data was fully written first
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)

    with pytest.raises(OutputError, match="no space left"):  # a user's disk: one line, exit 2
        write_bytes_atomic(path, b"new content")

    assert path.read_bytes() == b"original"
    assert len(temp_names) == 1
    assert Path(temp_names[0]).parent == tmp_path
    assert sorted(p.name for p in tmp_path.iterdir()) == ["artifact.json"]


def test_interrupted_write_leaves_the_original(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "artifact.json"
    path.write_bytes(b"original")

    def interrupted_fsync(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted_fsync)

    with pytest.raises(KeyboardInterrupt):
        write_bytes_atomic(path, b"half")

    assert path.read_bytes() == b"original"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["artifact.json"]


def test_unwritable_data_leaves_no_temp_file(tmp_path: Path) -> None:
    path = tmp_path / "artifact.json"

    with pytest.raises(TypeError):
        write_bytes_atomic(path, "text, not bytes")  # type: ignore[arg-type]

    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- hashing


@pytest.mark.parametrize(
    "content",
    [b"", b"hello\n", bytes(range(256)) * 5000],  # the last is over one read block
    ids=["empty", "small", "multi-block"],
)
def test_sha256_file_matches_hashlib(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(content)

    assert sha256_file(path) == hashlib.sha256(content).hexdigest()
