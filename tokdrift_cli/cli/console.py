"""The two streams: data on stdout, people-facing messages and progress on stderr."""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from rich.console import Console


@lru_cache(maxsize=1)
def err_console() -> Console:
    # rich honours NO_COLOR and non-terminal output by itself.
    return Console(stderr=True, highlight=False, soft_wrap=True)


@lru_cache(maxsize=1)
def out_console() -> Console:
    return Console(highlight=False, soft_wrap=True)


def print_fields(fields: Sequence[tuple[str, object]]) -> None:
    """``name: value`` lines on stdout (the --dry-run format, easy for a script to read)."""
    for name, value in fields:
        out_console().print(f"{name}: {value}", highlight=False, markup=False)


def print_next(*argv: str | Path, why: str = "") -> None:
    """The command that usually follows, as a line to copy (``next: tokdrift analyze baseline.json``)."""
    line = "next: " + shlex.join(["tokdrift", *(str(arg) for arg in argv)])
    err_console().print(f"{line}  ({why})" if why else line, highlight=False, markup=False)


def append_step_summary(text: str) -> None:
    """Append ``text`` to ``$GITHUB_STEP_SUMMARY`` when it is set (GitHub Actions), on a line of its own."""
    summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not summary_path:
        return
    from tokdrift_cli.artifacts.atomic import writing

    target = Path(summary_path)
    with writing(target):
        ends_open = target.is_file() and target.stat().st_size and not target.read_bytes().endswith(b"\n")
        with target.open("a", encoding="utf-8") as handle:
            handle.write(("\n" if ends_open else "") + text)
