"""Every option of every command: a description, a clean metavar, its TOKDRIFT_* variable, all shown in --help.

The commands are read from the Typer app itself, so an option added anywhere is held to the same rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import typer
from typer._click import Context
from typer.core import TyperArgument, TyperGroup, TyperOption

from tokdrift_cli.cli.app import app, run
from tokdrift_cli.cli.command import TokdriftCommand, TokdriftGroup, envvar_for

# One upper-case word (N, FLOAT, FILE, DIR, MODEL, K/N, SECONDS), optionally "|off", or a list of choices.
CLEAN_METAVAR = re.compile(r"^(?:[A-Z][A-Z0-9]*(?:/[A-Z]+)?(?:\|off)?|[a-z0-9-]+(?:\|[a-z0-9-]+)+)(?:\.\.\.)?$")


def _commands(command: object, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], object]]:
    yield path, command
    if isinstance(command, TyperGroup):
        for name, sub in command.commands.items():
            yield from _commands(sub, (*path, name))


ROOT = typer.main.get_command(app)
COMMANDS = list(_commands(ROOT))
OPTIONS = [
    pytest.param(path, param, id=f"{' '.join(path) or 'tokdrift'} {param.opts[0]}")
    for path, command in COMMANDS
    for param in command.params  # type: ignore[attr-defined]
    if isinstance(param, TyperOption) and not param.hidden
]


def test_every_command_is_built_with_the_tokdrift_classes() -> None:
    assert len(COMMANDS) > 12
    for path, command in COMMANDS:
        assert isinstance(command, TokdriftCommand | TokdriftGroup), path


@pytest.mark.parametrize(("path", "param"), OPTIONS)
def test_option_has_a_description_a_clean_metavar_and_its_variable(path: tuple[str, ...], param: TyperOption) -> None:
    assert (param.help or "").strip(), f"{param.opts[0]} of {path} has no description"
    if param.is_flag:
        assert param.metavar == ""
    else:
        assert CLEAN_METAVAR.match(param.metavar or ""), param.metavar
    if param.is_eager:
        return
    assert param.envvar is not None and param.show_envvar
    names = param.envvar if isinstance(param.envvar, list | tuple) else [param.envvar]
    long = next(option for option in param.opts if option.startswith("--"))
    assert envvar_for(long) in names


def test_arguments_show_a_clean_kind() -> None:
    arguments = [(path, param) for path, command in COMMANDS for param in command.params  # type: ignore[attr-defined]
                 if isinstance(param, TyperArgument)]
    assert arguments
    ctx = Context(ROOT)
    for path, param in arguments:
        assert (param.help or "").strip(), path
        assert CLEAN_METAVAR.match(param.display_type_rich(ctx) or ""), (path, param.display_type_rich(ctx))


@pytest.mark.parametrize("path", [pytest.param(path, id=" ".join(path) or "tokdrift") for path, _ in COMMANDS])
def test_help_shows_no_python_type_and_no_bool_metavar(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # nothing cut short, so every label is seen whole
    assert run([*path, "--help"]) == 0
    shown = capsys.readouterr().out
    assert "Show this message and exit." in shown
    for leftover in ("<bool>", "<int", "<float", "<str>", "<path>", "list[", "<text>"):
        assert leftover not in shown, leftover


def test_help_shows_the_variable_of_a_gate(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert run(["validate", "--help"]) == 0
    shown = " ".join(capsys.readouterr().out.split())
    for variable in ("TOKDRIFT_MAX_ACCURACY_DROP", "TOKDRIFT_ALPHA", "TOKDRIFT_MIN_FIXED", "TOKDRIFT_GATE_ON"):
        assert variable in shown


def test_no_option_is_named_like_the_commands_section() -> None:
    """`commands` in [tool.tokdrift] holds the per-command tables: no option may take that key."""
    for path, command in COMMANDS:
        for param in command.params:  # type: ignore[attr-defined]
            assert "--commands" not in param.opts, path
