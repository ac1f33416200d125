"""The two streams: data on stdout, people-facing messages and progress on stderr."""

from __future__ import annotations

from functools import lru_cache

from rich.console import Console


@lru_cache(maxsize=1)
def err_console() -> Console:
    # rich honours NO_COLOR and non-terminal output by itself.
    return Console(stderr=True, highlight=False, soft_wrap=True)


@lru_cache(maxsize=1)
def out_console() -> Console:
    return Console(highlight=False, soft_wrap=True)
