"""The `tokdrift` command line: parse, resolve settings, call a workflow, report.

Exit codes: 0 ok, 1 gate failed / not equivalent, 2 usage or input error (an output that is an
input or cannot be written included), 3 inconclusive, 4 model or runtime failure (an output another
process is writing included), 130 interrupted.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from tokdrift_cli import __version__
from tokdrift_cli.cli.command import SOURCES_KEY, TokdriftTyper
from tokdrift_cli.cli.commands.analyze import analyze, report
from tokdrift_cli.cli.commands.augment import augment
from tokdrift_cli.cli.commands.baseline import BaselineCommand, baseline
from tokdrift_cli.cli.commands.code_stages import end_to_end, ir_to_code
from tokdrift_cli.cli.commands.history import history_app
from tokdrift_cli.cli.commands.inspect import compare_ir, suite_app, variants
from tokdrift_cli.cli.commands.merge import merge
from tokdrift_cli.cli.commands.optimize import optimize
from tokdrift_cli.cli.commands.rescore import rescore
from tokdrift_cli.cli.commands.validate import validate
from tokdrift_cli.cli.console import err_console
from tokdrift_cli.cli.settings import command_tree, project_settings
from tokdrift_cli.errors import ExitCode, InputError, TokdriftError

app = TokdriftTyper(
    name="tokdrift",
    help="Measure, improve and guard how robust an NL -> IR -> code generator is to meaning-preserving input changes.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="markdown",
)
app.command("baseline", cls=BaselineCommand)(baseline)
app.command("ir-to-code")(ir_to_code)
app.command("end-to-end")(end_to_end)
app.command("merge")(merge)
app.command("rescore")(rescore)
app.command("analyze")(analyze)
app.command("report")(report)
app.command("validate")(validate)
app.command("optimize")(optimize)
app.command("augment")(augment)
app.command("variants")(variants)
app.command("compare-ir")(compare_ir)
app.add_typer(suite_app, name="suite")
app.add_typer(history_app, name="history")


def _show_version(value: bool) -> None:
    if value:
        print(f"tokdrift {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    ctx: typer.Context,
    version: Annotated[
        bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """tokdrift: robustness of LLM spec generators to meaning-preserving rewrites."""
    settings = project_settings(Path("pyproject.toml"), command_tree(ctx.command))
    ctx.default_map = settings.default_map
    ctx.meta[SOURCES_KEY] = settings.sources


def refuse_undecodable(arguments: list[str], environment: dict[str, str]) -> None:
    """Refuse an argument or a ``TOKDRIFT_*`` value that is not UTF-8 (Python hands those over with
    lone surrogates in place of the bytes it could not decode, and they fail wherever they are printed)."""
    named = [(f"argument {position}", value) for position, value in enumerate(arguments, start=1)]
    named += [(name, value) for name, value in sorted(environment.items()) if name.startswith("TOKDRIFT_")]
    for what, value in named:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raw = value.encode("utf-8", "surrogateescape")
            raise InputError(f"{what} is not valid UTF-8: {raw!r}; tokdrift takes UTF-8 text and paths") from None


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code: user errors become one line, never a traceback."""
    from typer.exceptions import TyperException

    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    # A truncated or unparseable answer is recorded on its generation and counted in the
    # summary; DSPy's per-call warning would only scroll through the progress bar.
    logging.getLogger("dspy.clients.lm").setLevel(logging.ERROR)
    try:
        refuse_undecodable(sys.argv[1:] if argv is None else argv, dict(os.environ))
        code = app(args=argv, prog_name="tokdrift", standalone_mode=False)
    except TokdriftError as error:
        from tokdrift_cli.core.redaction import redact_text

        # Assembled, not markup: a message may hold brackets ("List[int]", "tokdrift[humaneval]").
        err_console().print(Text.assemble(("error:", "red"), f" {redact_text(str(error))}"), highlight=False)
        return int(error.exit_code)
    except (KeyboardInterrupt, typer.Abort):
        err_console().print("interrupted; finished work is kept in the checkpoint, re-run the same command to resume")
        return int(ExitCode.INTERRUPTED)
    except typer.Exit as done:
        return int(done.exit_code)
    except TyperException as error:  # click's usage errors (unknown option, bad value, no command)
        err_console().print(Text.assemble(("error:", "red"), f" {_usage_line(error)}"), highlight=False)
        return int(getattr(error, "exit_code", ExitCode.USAGE))
    return int(code or 0)


def _usage_line(error: Exception) -> str:
    """Click's usage error as one line, with the command whose --help explains it."""
    message = error.format_message() if hasattr(error, "format_message") else str(error)
    ctx = getattr(error, "ctx", None)
    where = f" (see {ctx.command_path} --help)" if ctx is not None and ctx.command_path else ""
    return " ".join(message.split()) + where


def main() -> None:
    """Console entry point."""
    sys.exit(run())
