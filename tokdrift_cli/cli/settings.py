"""Where option values come from, in order of precedence.

1. the command line;
2. ``TOKDRIFT_*`` environment variables (every option has one: ``--max-tokens`` reads ``TOKDRIFT_MAX_TOKENS``);
3. ``[tool.tokdrift]`` in ./pyproject.toml;
4. the option's default.

Steps 1, 2 and 4 are click's own; step 3 is fed in as click's ``default_map``, which click
consults after the environment.

The ``[tool.tokdrift]`` table has two kinds of entries, which cannot collide:

- a key that is an option's name as typed (``variants``, ``max-tokens``) sets that option for every
  command that has it;
- ``[tool.tokdrift.commands.<command>]`` (``[tool.tokdrift.commands.suite.import.humaneval]`` for a
  sub-command) sets options of that command only, above the shared keys.

``commands`` is the only key that is not an option, and no option may be called ``--commands``
(tests/cli/test_settings.py holds every command to it). A key that is neither is refused with the
nearest valid one, and so is a value of the wrong shape; the table is checked by a pydantic model
built from the commands' own options, with unknown keys forbidden.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from tokdrift_cli.errors import InputError

COMMANDS_KEY = "commands"


@dataclass(frozen=True)
class CommandTree:
    """The options of a command (key as typed -> parameter name) and its sub-commands, read from click."""

    options: dict[str, str] = field(default_factory=dict)
    commands: dict[str, CommandTree] = field(default_factory=dict)

    def all_options(self) -> dict[str, str]:
        """Every option key of this command and of the commands below it."""
        found = dict(self.options)
        for sub in self.commands.values():
            found.update(sub.all_options())
        return found


def command_tree(command: Any) -> CommandTree:
    """The tree of a click command or group (Typer's own copy of click, hence untyped here)."""
    options: dict[str, str] = {}
    for param in command.params:
        if param.is_eager or not param.expose_value or not param.name:
            continue
        for option in param.opts:
            if option.startswith("--"):
                options.setdefault(option[2:], param.name)
    commands = getattr(command, "commands", {})
    return CommandTree(options, {name: command_tree(sub) for name, sub in commands.items()})


@dataclass(frozen=True)
class ProjectSettings:
    """What pyproject.toml sets, as click's nested ``default_map``, and where each value was written."""

    default_map: dict[str, Any]
    sources: dict[tuple[str, ...], str]


def read_project_settings(pyproject: Path) -> dict[str, Any]:
    """The raw ``[tool.tokdrift]`` table ({} without a file or a table)."""
    if not pyproject.is_file():
        return {}
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InputError(f"{pyproject} is not valid TOML: {error}") from None
    tools = data.get("tool", {})
    if not isinstance(tools, dict):
        raise InputError(f"{pyproject}: [tool] must be a table")
    table = tools.get("tokdrift", {})
    if not isinstance(table, dict):
        raise InputError(f"{pyproject}: [tool.tokdrift] must be a table")
    return table


def _canonical(table: Mapping[str, Any], path: tuple[str, ...], pyproject: Path) -> dict[str, Any]:
    """Keys with ``_`` spelled ``-`` (both are accepted), in nested tables too; one key spelled both ways is refused."""
    result: dict[str, Any] = {}
    for key, value in table.items():
        name = key.replace("_", "-")
        if name in result:
            raise InputError(f"{pyproject}: [{_table_name(path)}] sets '{name}' twice (as '{name}' and '{key}')")
        result[name] = _canonical(value, (*path, name), pyproject) if isinstance(value, dict) else value
    return result


def _table_model(name: str, options: Iterable[str], tables: Mapping[str, type[BaseModel]]) -> type[BaseModel]:
    """A table of option keys (any value: click converts it) and sub-tables, nothing else."""
    fields: dict[str, Any] = {f"option_{i}": (Any, Field(None, alias=key)) for i, key in enumerate(options)}
    fields.update({f"table_{i}": (sub | None, Field(None, alias=key)) for i, (key, sub) in enumerate(tables.items())})
    return create_model(name, __config__=ConfigDict(extra="forbid"), **fields)


def _command_model(name: str, tree: CommandTree) -> type[BaseModel]:
    """One command's table: its own options, and a table per sub-command."""
    subs = {key: _command_model(f"{name}_{key}", sub) for key, sub in tree.commands.items()}
    return _table_model(name, tree.options, subs)


def _settings_model(tree: CommandTree) -> type[BaseModel]:
    commands = {name: _command_model(f"Settings_{name}", sub) for name, sub in tree.commands.items()}
    return _table_model("Settings", tree.all_options(), {COMMANDS_KEY: _table_model("Commands", (), commands)})


def _table_name(location: tuple[str | int, ...]) -> str:
    return ".".join(["tool", "tokdrift", *(str(part) for part in location)])


def _allowed(tree: CommandTree, location: tuple[str | int, ...]) -> list[str]:
    """The keys a table at ``location`` takes."""
    if not location:
        return [*tree.all_options(), COMMANDS_KEY]
    node = tree
    for part in location[1:]:
        node = node.commands.get(str(part), CommandTree())
    return [*node.options, *node.commands] if len(location) > 1 else list(tree.commands)


def _problem(error: Mapping[str, Any], tree: CommandTree, pyproject: Path) -> str:
    """One line for the first thing wrong in the table: the key, where it is, and the nearest valid key."""
    location: tuple[str | int, ...] = tuple(error["loc"])
    if error["type"] != "extra_forbidden":
        return f"{pyproject}: [{_table_name(location)}] must be a table"
    *table, key = location
    allowed = _allowed(tree, tuple(table))
    message = f"{pyproject}: [{_table_name(tuple(table))}] has no setting '{key}'"
    if not table and key in tree.commands:
        return f"{message}: the options of one command go in [tool.tokdrift.{COMMANDS_KEY}.{key}]"
    owners = sorted(name for name, sub in tree.commands.items() if str(key) in sub.all_options())
    if owners and len(table) > 1:
        return f"{message}: it is an option of {', '.join(owners)}"
    close = difflib.get_close_matches(str(key), allowed, n=1)
    return message + (f"; did you mean '{close[0]}'?" if close else f" (valid: {', '.join(sorted(allowed))})")


def _check_shared_values(raw: Mapping[str, Any], tree: CommandTree, pyproject: Path) -> None:
    """A top-level option key holds a value, never a table (``[tool.tokdrift.variants]`` is not the command)."""
    options = tree.all_options()
    for key, value in raw.items():
        if key in options and isinstance(value, dict):
            where = f"{pyproject}: [tool.tokdrift.{key}] is not a table of settings: '{key}' is an option (a value)"
            if key in tree.commands:
                where += f"; the options of the command go in [tool.tokdrift.{COMMANDS_KEY}.{key}]"
            raise InputError(where)


def project_settings(pyproject: Path, tree: CommandTree) -> ProjectSettings:
    """The settings of ``pyproject`` for the commands of ``tree``, checked against their options."""
    raw = _canonical(read_project_settings(pyproject), (), pyproject)
    _check_shared_values(raw, tree, pyproject)
    try:
        _settings_model(tree).model_validate(raw)
    except ValidationError as error:
        raise InputError(_problem(error.errors()[0], tree, pyproject)) from None
    shared = {key: value for key, value in raw.items() if key != COMMANDS_KEY}
    own = raw.get(COMMANDS_KEY) or {}
    sources: dict[tuple[str, ...], str] = {}
    defaults = {
        name: _defaults(sub, shared, own.get(name) or {}, (name,), sources, pyproject)
        for name, sub in tree.commands.items()
    }
    return ProjectSettings(defaults, sources)


def _defaults(
    tree: CommandTree, shared: dict[str, Any], own: dict[str, Any], path: tuple[str, ...],
    sources: dict[tuple[str, ...], str], pyproject: Path,
) -> dict[str, Any]:
    """One command's default map keyed by parameter name, recording where each value was written."""
    result: dict[str, Any] = {}
    for key, parameter in tree.options.items():
        if key in own:
            result[parameter] = own[key]
            sources[(*path, parameter)] = f"{pyproject} [tool.tokdrift.{COMMANDS_KEY}.{'.'.join(path)}] {key}"
        elif key in shared:
            result[parameter] = shared[key]
            sources[(*path, parameter)] = f"{pyproject} [tool.tokdrift] {key}"
    for name, sub in tree.commands.items():
        result[name] = _defaults(sub, shared, own.get(name) or {}, (*path, name), sources, pyproject)
    return result
