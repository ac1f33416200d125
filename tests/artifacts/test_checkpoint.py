"""Checkpoints: resume after a crash, refuse a different config, survive a torn last line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tokdrift_cli.artifacts.checkpoint import DEFAULT, Checkpoint, checkpoint_path_for, fingerprint, setting_differences
from tokdrift_cli.core.ir import parse_ir
from tokdrift_cli.core.records import Generation
from tokdrift_cli.errors import CheckpointMismatchError, InputError

KIND = "baseline"
CONFIG = {"model": "smollm2", "temperature": 0.0, "suite": "core", "variants": ["casing", "spacing"]}


def generation(name: str, **changes: object) -> Generation:
    ir = parse_ir({"intent": {"summary": f"Do {name}."}, "signature": {"name": name, "returns": "int"}})
    return Generation(ir=ir, raw=f'{{"name": "{name}"}}', latency_s=0.5, lm_calls=1, **changes)


FAILED = Generation(error="could not parse", error_kind="parse", raw="{oops", lm_calls=1)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "runs" / "baseline.json.checkpoint.jsonl"


def make(path: Path, config: object = CONFIG, kind: str = KIND) -> Checkpoint[Generation]:
    return Checkpoint(path, kind=kind, config_fingerprint=fingerprint(config), unit_model=Generation)


@pytest.fixture
def opened(path: Path) -> Iterator[Checkpoint[Generation]]:
    checkpoint = make(path)
    checkpoint.open()
    yield checkpoint
    checkpoint.close()


def reopen(path: Path, config: object = CONFIG) -> Checkpoint[Generation]:
    checkpoint = make(path, config)
    checkpoint.open()
    checkpoint.close()
    return checkpoint


def test_new_checkpoint_writes_a_header(path: Path, opened: Checkpoint[Generation]) -> None:
    lines = path.read_bytes().splitlines()

    assert [json.loads(line) for line in lines] == [{"checkpoint_of": KIND, "fingerprint": fingerprint(CONFIG)}]
    assert opened.units == {}


def test_recorded_units_are_restored(path: Path, opened: Checkpoint[Generation]) -> None:
    units = {"case-1/base": generation("alpha"), "case-1/v1": generation("beta"), "case-2/base": FAILED}
    for key, unit in units.items():
        opened.record(key, unit)
    opened.close()

    restored = reopen(path)

    assert restored.units == units
    assert restored.get("case-2/base") == FAILED
    assert restored.get("missing") is None
    assert not restored.get("case-2/base").ok  # type: ignore[union-attr]


def test_record_is_on_disk_before_close(path: Path, opened: Checkpoint[Generation]) -> None:
    opened.record("k", generation("alpha"))

    # A second reader sees it while the first is still open (as after kill -9).
    assert reopen(path).units == {"k": generation("alpha")}


def test_later_record_of_a_key_wins(path: Path, opened: Checkpoint[Generation]) -> None:
    opened.record("k", FAILED)
    opened.record("k", generation("alpha"))
    opened.close()

    assert reopen(path).units == {"k": generation("alpha")}


def test_resumed_checkpoint_keeps_appending(path: Path, opened: Checkpoint[Generation]) -> None:
    opened.record("a", generation("alpha"))
    opened.close()

    second = make(path)
    second.open()
    second.record("b", generation("beta"))
    second.close()

    assert reopen(path).units == {"a": generation("alpha"), "b": generation("beta")}
    assert len(path.read_bytes().splitlines()) == 3


@pytest.mark.parametrize(
    "other_config",
    [
        {**CONFIG, "temperature": 0.7},
        {**CONFIG, "variants": ["spacing", "casing"]},  # list order matters
        {key: value for key, value in CONFIG.items() if key != "suite"},
    ],
)
def test_different_fingerprint_is_refused(path: Path, opened: Checkpoint[Generation], other_config: object) -> None:
    opened.record("a", generation("alpha"))
    opened.close()
    before = path.read_bytes()

    with pytest.raises(CheckpointMismatchError, match="different config") as caught:
        make(path, other_config).open()

    assert isinstance(caught.value, InputError)
    assert "--restart" in str(caught.value)
    assert path.read_bytes() == before  # nothing mixed in, nothing lost


def test_an_empty_checkpoint_of_another_config_is_replaced(path: Path, opened: Checkpoint[Generation]) -> None:
    opened.close()  # a run that stopped before finishing anything (a broken program, a server never up)
    other = {**CONFIG, "temperature": 0.7}

    assert make(path, other).peek() == {}
    fresh = make(path, other)
    fresh.open()
    fresh.record("a", generation("alpha"))
    fresh.close()

    assert reopen(path, other).units == {"a": generation("alpha")}
    with pytest.raises(CheckpointMismatchError):  # once it holds work, the other config is refused again
        make(path).open()


def test_torn_last_line_is_ignored(path: Path, opened: Checkpoint[Generation]) -> None:
    opened.record("a", generation("alpha"))
    opened.record("b", generation("beta"))
    opened.close()
    whole = json.dumps({"key": "c", "unit": generation("gamma").model_dump(mode="json")})
    with path.open("ab") as handle:  # kill -9 in the middle of writing unit c
        handle.write(whole[: len(whole) // 2].encode())

    restored = reopen(path)

    assert restored.units == {"a": generation("alpha"), "b": generation("beta")}


def test_unit_recorded_after_a_torn_line_survives_the_next_resume(path: Path, opened: Checkpoint[Generation]) -> None:
    opened.record("a", generation("alpha"))
    opened.close()
    with path.open("ab") as handle:
        handle.write(b'{"key": "b", "unit": {"ir": nu')

    resumed = make(path)
    resumed.open()
    resumed.record("c", generation("gamma"))
    resumed.close()

    assert reopen(path).units == {"a": generation("alpha"), "c": generation("gamma")}


@pytest.mark.parametrize(
    "bad_line",
    [
        pytest.param(b"[1, 2]", id="not-an-object"),
        pytest.param(b'{"unit": {}}', id="no-key"),
        pytest.param(b'{"key": "x"}', id="no-unit"),
        pytest.param(b'{"key": "x", "unit": {"latency_s": "slow"}}', id="invalid-unit"),
        pytest.param(b'{"key": "x", "unit": {"colour": "red"}}', id="unknown-field"),
        pytest.param(b"", id="blank"),
    ],
)
def test_bad_unit_lines_are_skipped(path: Path, opened: Checkpoint[Generation], bad_line: bytes) -> None:
    opened.record("a", generation("alpha"))
    opened.close()
    with path.open("ab") as handle:
        handle.write(bad_line + b"\n")
    with path.open("ab") as handle:
        handle.write(json.dumps({"key": "b", "unit": FAILED.model_dump(mode="json")}).encode() + b"\n")

    assert reopen(path).units == {"a": generation("alpha"), "b": FAILED}


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"not json\n", id="not-json"),
        pytest.param(b'{"kind": "baseline", "schema_version": 1}\n', id="an-artifact"),
        pytest.param(b'{"checkpoint_of": "scoring", "fingerprint": "x"}\n', id="other-kind"),
        pytest.param(b"[1]\n", id="array"),
    ],
)
def test_file_that_is_not_this_checkpoint_is_refused(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True)
    path.write_bytes(content)

    with pytest.raises(InputError, match=f"is not a {KIND} checkpoint") as caught:
        make(path).open()

    assert not isinstance(caught.value, CheckpointMismatchError)
    assert path.read_bytes() == content


def test_restart_discards_earlier_units(path: Path, opened: Checkpoint[Generation]) -> None:
    opened.record("a", generation("alpha"))
    opened.close()

    fresh = make(path, {"a": "different config"})
    fresh.open(restart=True)  # also discards a mismatching file
    fresh.record("b", generation("beta"))
    fresh.close()

    assert fresh.units == {"b": generation("beta")}
    assert reopen(path, {"a": "different config"}).units == {"b": generation("beta")}


def test_restart_without_a_file_starts_afresh(path: Path) -> None:
    checkpoint = make(path)
    checkpoint.open(restart=True)
    checkpoint.close()

    assert path.is_file()
    assert checkpoint.units == {}


def test_discard_removes_the_file(path: Path, opened: Checkpoint[Generation]) -> None:
    opened.record("a", generation("alpha"))

    opened.discard()
    opened.discard()  # a second discard is harmless

    assert not path.exists()
    assert list(path.parent.iterdir()) == []


def test_record_without_open_keeps_the_unit_in_memory_only(path: Path) -> None:
    checkpoint = make(path)

    checkpoint.record("a", generation("alpha"))

    assert checkpoint.get("a") == generation("alpha")
    assert not path.exists()


def test_checkpoint_path_sits_beside_the_output(tmp_path: Path) -> None:
    assert checkpoint_path_for(tmp_path / "baseline.json") == tmp_path / "baseline.json.checkpoint.jsonl"


# --------------------------------------------------------------------------- fingerprint


def test_fingerprint_is_stable_and_short() -> None:
    value = fingerprint(CONFIG)

    assert value == fingerprint(dict(CONFIG))
    assert len(value) == 24
    assert all(char in "0123456789abcdef" for char in value)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"a": 1, "b": 2}, {"b": 2, "a": 1}),
        ({"outer": {"x": 1, "y": [1, 2]}, "z": None}, {"z": None, "outer": {"y": [1, 2], "x": 1}}),
    ],
)
def test_fingerprint_ignores_dict_key_order(first: object, second: object) -> None:
    assert fingerprint(first) == fingerprint(second)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"a": 1}, {"a": 2}),
        ({"a": [1, 2]}, {"a": [2, 1]}),
        ({"a": 1}, {"b": 1}),
        ({"a": 1}, {"a": "1"}),
    ],
)
def test_fingerprint_tells_configs_apart(first: object, second: object) -> None:
    assert fingerprint(first) != fingerprint(second)


def test_checkpoint_beside_keeps_units_when_the_run_fails_and_goes_once_it_finishes(tmp_path: Path) -> None:
    from tokdrift_cli.artifacts.checkpoint import checkpoint_beside, checkpoint_path_for
    from tokdrift_cli.core.records import Generation

    output = tmp_path / "out.json"
    with pytest.raises(KeyboardInterrupt):
        with checkpoint_beside(output, kind="k", fingerprint="f", unit_model=Generation) as checkpoint:
            checkpoint.record("a", Generation(lm_calls=1))
            raise KeyboardInterrupt
    path = checkpoint_path_for(output)
    assert path.exists()
    with checkpoint_beside(output, kind="k", fingerprint="f", unit_model=Generation) as resumed:
        assert set(resumed.units) == {"a"}
        output.write_text("{}")
    assert not path.exists() and output.exists()


def test_a_refusal_names_each_setting_that_differs_with_both_values(path: Path) -> None:
    settings = {"config": {"temperature": 0.0, "suite": "core"}, "model_id": "local/a"}
    first = Checkpoint(path, kind=KIND, config_fingerprint=fingerprint(settings), unit_model=Generation,
                       settings=settings)
    first.open()
    first.record("a", generation("alpha"))
    first.close()
    assert json.loads(path.read_bytes().splitlines()[0])["settings"] == settings

    other = {"config": {"temperature": 0.7}, "model_id": "local/b"}
    with pytest.raises(CheckpointMismatchError) as caught:
        Checkpoint(path, kind=KIND, config_fingerprint=fingerprint(other), unit_model=Generation,
                   settings=other).open()
    message = str(caught.value)
    assert "model_id 'local/a' there, 'local/b' now" in message
    assert "suite 'core' there, default now" in message
    assert "temperature 0.0 there, 0.7 now" in message
    assert message.endswith("or pass --restart to discard it")


def test_a_checkpoint_without_recorded_settings_is_still_refused_plainly(path: Path, opened: Checkpoint[Generation]) -> None:
    opened.record("a", generation("alpha"))
    opened.close()
    other = {"config": {"temperature": 0.7}}
    with pytest.raises(CheckpointMismatchError, match=r"made with a different config; re-run"):
        Checkpoint(path, kind=KIND, config_fingerprint=fingerprint(other), unit_model=Generation,
                   settings=other).open()


@pytest.mark.parametrize(
    ("recorded", "current", "expected"),
    [
        ({"config": {"seed": 1}}, {"config": {"seed": 1}}, []),
        ({"config": {"seed": 1}}, {"config": {}}, [("seed", 1, DEFAULT)]),
        ({"config": {}, "model_id": "a"}, {"config": {"variants": 3}, "model_id": "b"},
         [("model_id", "a", "b"), ("variants", DEFAULT, 3)]),
    ],
)
def test_setting_differences(recorded: dict[str, object], current: dict[str, object], expected: list[object]) -> None:
    assert setting_differences(recorded, current) == expected
