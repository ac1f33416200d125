"""Project settings from [tool.tokdrift] and the click default map built from them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tokdrift_cli.cli.settings import default_map, read_project_settings
from tokdrift_cli.errors import InputError


def write_pyproject(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pyproject.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            """
[project]
name = "demo"

[tool.tokdrift]
model = "smollm2"
seed = 7
max-variants = 5

[tool.tokdrift.baseline]
workers = 4
""",
            {"model": "smollm2", "seed": 7, "max-variants": 5, "baseline": {"workers": 4}},
            id="shared-and-command",
        ),
        pytest.param(
            '[tool.tokdrift]\nthreshold = 0.9\nrules = ["casing", "spacing"]\n',
            {"threshold": 0.9, "rules": ["casing", "spacing"]},
            id="values-keep-their-types",
        ),
        pytest.param('[project]\nname = "demo"\n', {}, id="no-tool-table"),
        pytest.param("[tool.ruff]\nline-length = 120\n", {}, id="other-tools-only"),
        pytest.param("", {}, id="empty-file"),
    ],
)
def test_read_project_settings(tmp_path: Path, text: str, expected: dict[str, Any]) -> None:
    assert read_project_settings(write_pyproject(tmp_path, text)) == expected


def test_missing_pyproject_gives_no_settings(tmp_path: Path) -> None:
    assert read_project_settings(tmp_path / "pyproject.toml") == {}


def test_directory_named_pyproject_gives_no_settings(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").mkdir()

    assert read_project_settings(tmp_path / "pyproject.toml") == {}


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(b"[tool.tokdrift\nmodel = 1\n", "is not valid TOML", id="unclosed-table"),
        pytest.param(b'[tool.tokdrift]\nmodel = "a\n', "is not valid TOML", id="unclosed-string"),
        pytest.param(b"[tool.tokdrift]\nseed = 1\nseed = 2\n", "is not valid TOML", id="duplicate-key"),
        pytest.param(b'[tool.tokdrift]\nmodel = "\xff\xfe"\n', "is not valid TOML", id="not-utf8"),
        pytest.param(b"[tool]\ntokdrift = 3\n", r"\[tool.tokdrift\] must be a table", id="tokdrift-not-a-table"),
        pytest.param(b'tool = "oops"\n', r"\[tool\] must be a table", id="tool-not-a-table"),
    ],
)
def test_bad_pyproject_is_an_input_error(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_bytes(content)

    with pytest.raises(InputError, match=expected) as caught:
        read_project_settings(path)

    assert str(path) in str(caught.value)


@pytest.mark.parametrize(
    ("settings", "commands", "expected"),
    [
        pytest.param({}, ["baseline"], {"baseline": {}}, id="nothing-set"),
        pytest.param({}, [], {}, id="no-commands"),
        pytest.param(
            {"model": "m", "seed": 1},
            ["baseline", "score"],
            {"baseline": {"model": "m", "seed": 1}, "score": {"model": "m", "seed": 1}},
            id="shared-keys-reach-every-command",
        ),
        pytest.param(
            {"seed": 1, "workers": 2, "baseline": {"workers": 8}},
            ["baseline", "score"],
            {"baseline": {"seed": 1, "workers": 8}, "score": {"seed": 1, "workers": 2}},
            id="command-table-wins",
        ),
        pytest.param(
            {"max-variants": 5, "baseline": {"max-variants": 9, "min-rate": 0.5}},
            ["baseline", "score"],
            {"baseline": {"max_variants": 9, "min_rate": 0.5}, "score": {"max_variants": 5}},
            id="dashes-become-underscores",
        ),
        pytest.param(
            {"max_variants": 5, "baseline": {"max-variants": 9}},
            ["baseline"],
            {"baseline": {"max_variants": 9}},
            id="dashed-command-key-overrides-underscored-shared-key",
        ),
        pytest.param(
            {"seed": 1, "optimize": {"trials": 3}},
            ["baseline"],
            {"baseline": {"seed": 1}},
            id="other-commands-tables-are-not-shared",
        ),
        pytest.param(
            {"rules": ["a", "b"]},
            ["baseline"],
            {"baseline": {"rules": ["a", "b"]}},
            id="list-values-are-shared",
        ),
    ],
)
def test_default_map(settings: dict[str, Any], commands: list[str], expected: dict[str, Any]) -> None:
    assert default_map(settings, commands) == expected


@pytest.mark.parametrize("entry", [3, "fast", ["a"], True])
def test_non_table_command_entry_is_an_input_error(entry: Any) -> None:
    with pytest.raises(InputError, match=r"\[tool.tokdrift.baseline\] must be a table"):
        default_map({"baseline": entry}, ["baseline", "score"])


def test_default_map_does_not_change_the_settings() -> None:
    settings = {"max-variants": 5, "baseline": {"max-variants": 9}}

    first = default_map(settings, ["baseline"])
    first["baseline"]["extra"] = True

    assert settings == {"max-variants": 5, "baseline": {"max-variants": 9}}
    assert default_map(settings, ["baseline"]) == {"baseline": {"max_variants": 9}}


def test_pyproject_to_default_map(tmp_path: Path) -> None:
    path = write_pyproject(
        tmp_path,
        """
[tool.tokdrift]
model = "smollm2"
max-variants = 5

[tool.tokdrift.score]
max-variants = 10
""",
    )

    assert default_map(read_project_settings(path), ["baseline", "score"]) == {
        "baseline": {"model": "smollm2", "max_variants": 5},
        "score": {"model": "smollm2", "max_variants": 10},
    }


def test_pyproject_keys_are_option_names_even_where_the_parameter_is_named_after_a_config_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.conftest import MINI_SUITE
    from tokdrift_cli.artifacts.baseline import BaselineConfig
    from tokdrift_cli.cli.app import run
    from tokdrift_cli.core.suite import load_suite
    from tokdrift_cli.stages.baseline import plan_cases

    (tmp_path / "pyproject.toml").write_text("[tool.tokdrift.baseline]\nvariants = 1\nparaphrases = false\n")
    monkeypatch.chdir(tmp_path)
    assert run(["baseline", "--suite", str(MINI_SUITE), "--dry-run"]) == 0
    lines = dict(line.split(": ", 1) for line in capsys.readouterr().out.strip().splitlines())
    config = BaselineConfig(suite=str(MINI_SUITE), model="local", program="default", variants_per_prompt=1, seed=0,
                            temperature=0.0, max_tokens=512, include_paraphrases=False)
    expected = sum(len(planned.units()) for planned in plan_cases(load_suite(MINI_SUITE), config))
    assert lines["lm calls"] == str(expected)
    assert expected == 2 * len(load_suite(MINI_SUITE).cases)  # the original and one variant: no paraphrase


def test_a_key_naming_both_a_command_and_an_option_is_the_option_when_not_a_table() -> None:
    """`variants = 8` sets --variants everywhere; it is not a malformed [tool.tokdrift.variants] table."""
    defaults = default_map({"variants": 8}, ["baseline", "variants"], frozenset({"variants", "count"}))
    assert defaults == {"baseline": {"variants": 8}, "variants": {"variants": 8}}
    table = default_map({"variants": {"count": 3}}, ["baseline", "variants"], frozenset({"variants", "count"}))
    assert table == {"baseline": {}, "variants": {"count": 3}}
    with pytest.raises(InputError, match=r"\[tool.tokdrift.baseline\] must be a table"):
        default_map({"baseline": 8}, ["baseline"], frozenset({"variants"}))


def test_variants_at_the_top_of_the_project_settings_reaches_baseline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mini_suite_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tokdrift_cli.cli.app import run

    monkeypatch.chdir(tmp_path)
    calls = []
    for variants in (1, 3):
        (tmp_path / "pyproject.toml").write_text(f"[tool.tokdrift]\nvariants = {variants}\n")
        assert run(["baseline", "--suite", str(mini_suite_path), "--dry-run", "-o", "b.json"]) == 0
        fields = dict(line.split(": ", 1) for line in capsys.readouterr().out.strip().splitlines())
        calls.append(int(fields["lm calls"]))
    assert calls[0] < calls[1]
