"""Reading a file the user named, with one clear error for each way it can fail."""

from __future__ import annotations

from pathlib import Path

from tokdrift_cli.errors import InputError


def read_input(path: Path, what: str = "file") -> bytes:
    """The bytes of ``path``, or an :class:`InputError` naming ``what`` was expected there."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{what} not found: {path}") from None
    except IsADirectoryError:
        raise InputError(f"{what} expected, got a directory: {path}") from None
    except OSError as error:
        raise InputError(f"cannot read {what} {path}: {error.strerror}") from None
