"""Writing files so that a reader sees the old content or the new, never half, and a set of files
as one: every new file is staged beside its target first, then all are renamed into place.

Files are created with mode 0o666 and the kernel applies the umask (and a directory's default ACL),
as for any file a program opens for writing. An I/O failure on a path the user named is an
:class:`~tokdrift_cli.errors.OutputError` (one line, exit 2) that says which path and why.
"""

from __future__ import annotations

import errno
import os
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path

from tokdrift_cli.errors import OutputError

# errno -> what it means for an output path, in the words a user acts on
_REASONS = {
    errno.ENOTDIR: "a part of the path is a file, not a directory",
    errno.EISDIR: "it is a directory",
    errno.EEXIST: "a file is in the way of a directory it needs",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "read-only file system",
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.ENAMETOOLONG: "the name is too long",
}


def output_error(path: Path, error: OSError) -> OutputError:
    """The one-line error for an output ``path`` the system refused to write."""
    reason = _REASONS.get(error.errno or 0) or error.strerror or str(error)
    return OutputError(f"cannot write {path}: {reason}")


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """Turn an I/O failure on the output ``path`` inside the block into its one-line error."""
    try:
        yield
    except OSError as error:
        raise output_error(path, error) from None


def make_parents(path: Path) -> list[Path]:
    """Create the missing directories above ``path``; the ones created, outermost first."""
    missing = []
    parent = path.parent
    while not parent.exists():
        missing.append(parent)
        if parent.parent == parent:
            break
        parent = parent.parent
    with writing(path):
        for directory in reversed(missing):
            if not directory.is_dir():  # not made by a concurrent writer meanwhile
                directory.mkdir(exist_ok=True)
    return list(reversed(missing))


def _stage(target: Path, data: bytes) -> Path:
    """``data`` in a new file beside ``target``, flushed to disk; its path."""
    while True:
        temp = target.with_name(f".{target.name[:96]}.{secrets.token_hex(4)}.tmp")
        try:
            handle = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
        except FileExistsError:
            continue
        break
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp


def _keep_aside(target: Path) -> Path | None:
    """A second name for an existing ``target``, to put it back if a later rename fails (None if none)."""
    if not target.is_file():
        return None
    aside = target.with_name(f".{target.name[:96]}.{secrets.token_hex(4)}.old")
    try:
        os.link(target, aside)
    except OSError:  # no hard links on this file system: the single rename is still atomic
        return None
    return aside


def _rename_all(staged: list[tuple[Path, Path]]) -> None:
    """Rename every staged file onto its target; if one fails, put back the targets already replaced."""
    asides = {target: _keep_aside(target) for _, target in staged} if len(staged) > 1 else {}
    renamed: list[Path] = []
    try:
        for temp, target in staged:
            os.replace(temp, target)
            renamed.append(target)
    except BaseException:
        for target in reversed(renamed):
            aside = asides.get(target)
            with suppress(OSError):
                if aside is not None:
                    os.replace(aside, target)
                else:
                    target.unlink()
        raise
    finally:
        for aside in asides.values():
            if aside is not None:
                aside.unlink(missing_ok=True)


def write_files_atomic(files: Mapping[Path, bytes]) -> None:
    """Write every file or none: on any failure the temporary files and the directories made for them
    are removed and every existing file is left as it was."""
    staged: list[tuple[Path, Path]] = []
    made: list[Path] = []
    current = next(iter(files), Path("."))
    try:
        for target, data in files.items():
            current = target
            if target.is_dir():
                raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(target))
            made.extend(make_parents(target))
            staged.append((_stage(target, data), target))
        current = Path(", ".join(str(target) for target in files)) if len(files) > 1 else current
        _rename_all(staged)
    except BaseException as error:
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
        for directory in reversed(made):
            with suppress(OSError):
                directory.rmdir()
        if isinstance(error, OSError):
            raise output_error(current, error) from None
        raise


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half."""
    write_files_atomic({path: data})
