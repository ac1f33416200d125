"""The suite an artifact recorded, found where it was run or where the user says it now is."""

from __future__ import annotations

from pathlib import Path

from tokdrift_cli.artifacts.outputs import NamedPath, check_outputs
from tokdrift_cli.core.suite import Suite, load_suite
from tokdrift_cli.errors import InputError


def recorded_suite(recorded: str, given: Path | None, outputs: list[NamedPath], whose: str) -> Suite:
    """``given`` (``--suite``) or the ``recorded`` path, refused if missing or if it is one of ``outputs``.

    ``whose`` names the artifact in messages ("the baseline's", "the shards'").
    """
    suite_file = given or Path(recorded)
    check_outputs(outputs, [(f"{whose} suite", suite_file)])
    if not suite_file.exists():
        raise InputError(f"{whose} suite {suite_file} is not here; pass --suite PATH")
    return load_suite(suite_file)
