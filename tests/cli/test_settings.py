"""Project settings from [tool.tokdrift] and the click default map built from them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tokdrift_cli.cli.settings import CommandTree, project_settings, read_project_settings
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


TREE = CommandTree(
    commands={
        "baseline": CommandTree({"model": "model", "seed": "seed", "workers": "workers", "variants": "variants_per_prompt",
                                 "max-tokens": "max_tokens"}),
        "score": CommandTree({"model": "model", "seed": "seed", "workers": "workers", "max-tokens": "max_tokens"}),
        "suite": CommandTree(commands={"import": CommandTree(commands={"humaneval": CommandTree({"limit": "limit"})})}),
    }
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("", {"baseline": {}, "score": {}, "suite": {"import": {"humaneval": {}}}}, id="nothing-set"),
        pytest.param(
            '[tool.tokdrift]\nmodel = "m"\nseed = 1\n',
            {"baseline": {"model": "m", "seed": 1}, "score": {"model": "m", "seed": 1}},
            id="shared-keys-reach-every-command-that-has-the-option",
        ),
        pytest.param(
            "[tool.tokdrift]\nseed = 1\nworkers = 2\n[tool.tokdrift.commands.baseline]\nworkers = 8\n",
            {"baseline": {"seed": 1, "workers": 8}, "score": {"seed": 1, "workers": 2}},
            id="command-table-wins",
        ),
        pytest.param(
            "[tool.tokdrift]\nvariants = 3\nmax_tokens = 64\n",
            {"baseline": {"variants_per_prompt": 3, "max_tokens": 64}, "score": {"max_tokens": 64}},
            id="keys-are-option-names-and-underscores-are-dashes",
        ),
        pytest.param(
            "[tool.tokdrift.commands.suite.import.humaneval]\nlimit = 4\n",
            {"suite": {"import": {"humaneval": {"limit": 4}}}},
            id="sub-commands-nest",
        ),
    ],
)
def test_project_settings_become_the_default_map(tmp_path: Path, text: str, expected: dict[str, Any]) -> None:
    settings = project_settings(write_pyproject(tmp_path, text), TREE)
    for command, values in expected.items():
        assert settings.default_map[command] == values


def test_each_value_knows_where_it_was_written(tmp_path: Path) -> None:
    path = write_pyproject(tmp_path, "[tool.tokdrift]\nseed = 1\n[tool.tokdrift.commands.baseline]\nseed = 2\n")
    sources = project_settings(path, TREE).sources
    assert sources[("baseline", "seed")] == f"{path} [tool.tokdrift.commands.baseline] seed"
    assert sources[("score", "seed")] == f"{path} [tool.tokdrift] seed"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("[tool.tokdrift]\nsead = 1\n", r"\[tool.tokdrift\] has no setting 'sead'; did you mean 'seed'\?",
                     id="typo-at-the-top"),
        pytest.param("[tool.tokdrift.commands.score]\nvariants = 1\n",
                     r"\[tool.tokdrift.commands.score\] has no setting 'variants': it is an option of baseline$", id="option-of-another"),
        pytest.param("[tool.tokdrift.commands.basline]\nseed = 1\n",
                     r"\[tool.tokdrift.commands\] has no setting 'basline'; did you mean 'baseline'\?", id="typo-command"),
        pytest.param("[tool.tokdrift.commands.suite.import.humaneval]\nlimt = 1\n",
                     r"\[tool.tokdrift.commands.suite.import.humaneval\] has no setting 'limt'; did you mean 'limit'",
                     id="typo-nested"),
        pytest.param("[tool.tokdrift]\nzzz = 1\n", r"has no setting 'zzz' \(valid: commands, limit, max-tokens", id="no-near-key"),
        pytest.param("[tool.tokdrift.baseline]\nseed = 1\n",
                     r"has no setting 'baseline': the options of one command go in \[tool.tokdrift.commands.baseline\]",
                     id="old-command-table"),
        pytest.param("[tool.tokdrift.variants]\nseed = 1\n",
                     r"\[tool.tokdrift.variants\] is not a table of settings: 'variants' is an option", id="table-for-option"),
        pytest.param("[tool.tokdrift]\ncommands = 3\n", r"\[tool.tokdrift.commands\] must be a table", id="commands-value"),
        pytest.param("[tool.tokdrift.commands]\nbaseline = 3\n", r"\[tool.tokdrift.commands.baseline\] must be a table",
                     id="command-value"),
        pytest.param("[tool.tokdrift]\nmax-tokens = 1\nmax_tokens = 2\n", r"sets 'max-tokens' twice", id="both-spellings"),
    ],
)
def test_a_wrong_key_or_shape_is_one_line_naming_it(tmp_path: Path, text: str, expected: str) -> None:
    path = write_pyproject(tmp_path, text)
    with pytest.raises(InputError, match=expected) as caught:
        project_settings(path, TREE)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_pyproject_keys_are_option_names_even_where_the_parameter_is_named_after_a_config_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.conftest import MINI_SUITE
    from tokdrift_cli.artifacts.baseline import BaselineConfig
    from tokdrift_cli.cli.app import run
    from tokdrift_cli.core.suite import load_suite
    from tokdrift_cli.stages.baseline import plan_cases

    (tmp_path / "pyproject.toml").write_text("[tool.tokdrift.commands.baseline]\nvariants = 1\nparaphrases = false\n")
    monkeypatch.chdir(tmp_path)
    assert run(["baseline", "--suite", str(MINI_SUITE), "--dry-run"]) == 0
    lines = dict(line.split(": ", 1) for line in capsys.readouterr().out.strip().splitlines())
    config = BaselineConfig(suite=str(MINI_SUITE), model="local", program="default", variants_per_prompt=1, seed=0,
                            temperature=0.0, max_tokens=512, include_paraphrases=False)
    expected = sum(len(planned.units()) for planned in plan_cases(load_suite(MINI_SUITE), config))
    assert lines["lm calls"] == str(expected)
    assert expected == 2 * len(load_suite(MINI_SUITE).cases)  # the original and one variant: no paraphrase


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
