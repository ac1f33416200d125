"""Where option values come from, in order of precedence.

1. the command line;
2. ``TOKDRIFT_*`` environment variables (declared on each option);
3. ``[tool.tokdrift]`` in ./pyproject.toml: top-level keys apply to every
   command, ``[tool.tokdrift.<command>]`` tables to one command; a key is
   an option's name as typed (``variants``, ``max-tokens``);
4. the option's default.

Steps 1, 2 and 4 are click's own; step 3 is fed in as click's ``default_map``,
which click consults after the environment.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from tokdrift_cli.errors import InputError


def read_project_settings(pyproject: Path) -> dict[str, Any]:
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


def default_map(
    settings: dict[str, Any], commands: list[str], option_names: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """Click's nested default map: shared keys for every command, then per-command tables.

    A key that names both a command and an option (``variants``) is the option when its value is
    not a table; any other command name must hold a table.
    """
    shared = {key.replace("-", "_"): value for key, value in settings.items() if not isinstance(value, dict)}
    result: dict[str, Any] = {}
    for command in commands:
        specific = settings.get(command, {})
        if not isinstance(specific, dict) and command in option_names:
            specific = {}
        if not isinstance(specific, dict):
            raise InputError(f"[tool.tokdrift.{command}] must be a table")
        result[command] = {**shared, **{key.replace("-", "_"): value for key, value in specific.items()}}
    return result


def by_parameter_name(defaults: dict[str, Any], command: Any) -> dict[str, Any]:
    """Settings keyed by option name (``variants``) re-keyed by the parameter that option sets, for a click
    command (Typer's own copy of click, hence untyped here).

    A parameter may be named after the config field it fills (``variants_per_prompt``); the
    user writes the option as it is typed on the command line.
    """
    names: dict[str, str] = {}
    for param in command.params:
        for option in [*param.opts, *param.secondary_opts]:
            if option.startswith("--") and param.name:
                names.setdefault(option[2:].replace("-", "_"), param.name)
    return {names.get(key, key): value for key, value in defaults.items()}
