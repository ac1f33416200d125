"""The command classes every tokdrift command is built with: one place that gives each option its
``TOKDRIFT_*`` variable and a clean metavar, and that says where a refused value came from.

A command or option added anywhere gets all of it by being declared on a :class:`TokdriftTyper`.
"""

from __future__ import annotations

import os
from typing import Any

import typer
from typer import _click
from typer._click.core import ParameterSource
from typer._click.exceptions import BadParameter, MissingParameter
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from tokdrift_cli.errors import CheckpointMismatchError, InputError

ENV_PREFIX = "TOKDRIFT_"
SOURCES_KEY = "tokdrift.setting_sources"
"""``ctx.meta`` key: where each value of the project settings was read, by (command path, parameter)."""

# A metavar is one upper-case word (N, FLOAT, FILE, MODEL, K/N, FLOAT|off...) or a list of choices.
_BY_TYPE = {int: "N", float: "FLOAT", str: "TEXT"}


def envvar_for(option: str) -> str:
    """``--max-accuracy-drop`` -> ``TOKDRIFT_MAX_ACCURACY_DROP``."""
    return ENV_PREFIX + option.lstrip("-").replace("-", "_").upper()


def long_name(param: _click.Parameter) -> str | None:
    """The option as a user types it in full (``--max-tokens``), or None for an argument."""
    return next((option for option in param.opts if option.startswith("--")), None)


def _metavar(param: TyperOption | TyperArgument) -> str:
    descriptor = param.type_descriptor
    if descriptor.is_choice:
        return "|".join(str(getattr(choice, "value", choice)) for choice in descriptor.choices or ())
    if descriptor.is_path:
        name = (long_name(param) or param.name or "").lower()
        return "DIR" if name.endswith("dir") else "FILE"
    annotation = descriptor.annotation
    if descriptor.is_list:
        element = getattr(annotation, "__args__", (str,))[0]
        return _BY_TYPE.get(element, "FILE" if "Path" in str(element) else "TEXT")
    return _BY_TYPE.get(annotation, "TEXT")


def tidy(param: _click.Parameter) -> None:
    """Give an option its ``TOKDRIFT_*`` variable (shown in --help) and every parameter a clean metavar."""
    if isinstance(param, TyperOption):
        if param.is_flag or param.count:
            param.metavar = ""
        elif param.metavar is None:
            param.metavar = "MODEL" if (long_name(param) or "").endswith("model") else _metavar(param)
        option = long_name(param)
        if option and param.envvar is None and not param.is_eager and param.expose_value:
            param.envvar = envvar_for(option)
        param.show_envvar = param.envvar is not None
    elif isinstance(param, TyperArgument):
        # Typer builds arguments itself (no class hook): its own type label is a Python type (<list[Path]>).
        param.__class__ = _Argument


class _Argument(TyperArgument):
    """An argument whose help shows its kind in the metavar style (FILE..., TEXT), its name beside it."""

    def display_type_rich(self, ctx: _click.Context) -> str | None:
        return _metavar(self) + ("..." if self.nargs != 1 else "")


def _value_source(ctx: _click.Context, param: _click.Parameter) -> str | None:
    """Where the value of ``param`` was read: the option, the variable, or the pyproject.toml key."""
    source = ctx.get_parameter_source(param.name or "")
    if source is ParameterSource.ENVIRONMENT:
        names = param.envvar if isinstance(param.envvar, (list, tuple)) else [param.envvar]
        given = next((name for name in names if name and name in os.environ), None)
        return f"{given}={os.environ[given]!r}" if given else None
    if source is ParameterSource.DEFAULT_MAP:
        sources: dict[tuple[str, ...], str] = ctx.meta.get(SOURCES_KEY, {})
        where = sources.get((*command_path(ctx), param.name or ""))
        return f"{where} = {ctx.lookup_default(param.name or '', call=False)!r}" if where else None
    if source is ParameterSource.COMMANDLINE:
        return long_name(param) or (param.name or "").upper()
    return None


def command_path(ctx: _click.Context) -> tuple[str, ...]:
    """The sub-command names from the root to ``ctx`` (``("suite", "import", "humaneval")``)."""
    names: list[str] = []
    while ctx.parent is not None:
        names.append(ctx.info_name or "")
        ctx = ctx.parent
    return tuple(reversed(names))


class _Tidy:
    """Shared by commands and groups: tidy parameters (the help option included) and name bad values' sources."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:  # type: ignore[attr-defined]
            tidy(param)

    def get_help_option(self, ctx: _click.Context) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.metavar = ""
        return option

    def parse_args(self, ctx: _click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)  # type: ignore[misc, no-any-return]
        except BadParameter as error:
            where = None if error.param is None or isinstance(error, MissingParameter) else _value_source(
                ctx, error.param
            )
            if where is None:
                raise
            raise InputError(f"{where}: {error.message}") from None


class TokdriftCommand(_Tidy, TyperCommand):
    """A leaf command. A refused resume names its settings as this command's options."""

    def invoke(self, ctx: _click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CheckpointMismatchError as error:
            error.rename({param.name: option for param in self.params if param.name and (option := long_name(param))})
            raise


class TokdriftGroup(_Tidy, TyperGroup):
    """A group of commands."""


class TokdriftTyper(typer.Typer):
    """A Typer app whose commands and groups are :class:`TokdriftCommand` and :class:`TokdriftGroup`."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cls=TokdriftGroup, **kwargs)

    def command(self, name: str | None = None, *, cls: type[TyperCommand] | None = None, **kwargs: Any) -> Any:
        return super().command(name, cls=cls or TokdriftCommand, **kwargs)
