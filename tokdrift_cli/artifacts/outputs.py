"""Where a command writes: never over one of its own inputs, never two processes at once.

Every command names its outputs and its inputs to :func:`claim_outputs` before it reads an earlier
output or a checkpoint. An output that is one of the inputs (the same path, or the same file under
another name: a symlink, a hard link) is refused, and so are two outputs that are one file. Then a
lock is taken beside each output (``OUTPUT.lock``, held with the ``filelock`` library): a second
process on the same output is refused at once, before it reads or deletes anything, and the lock
file is removed when the first process finishes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path

from tokdrift_cli.artifacts.atomic import make_parents, output_error
from tokdrift_cli.errors import OutputBusyError, OutputError

# What a path is to the command ("--output", "the input suite", "the checkpoint") and the path.
NamedPath = tuple[str, Path]


def lock_path_for(output: Path) -> Path:
    return output.with_name(output.name + ".lock")


def same_file(first: Path, second: Path) -> bool:
    """True if both paths name one file: the same inode when both exist, else the same resolved path."""
    try:
        return os.path.samefile(first, second)
    except OSError:  # one does not exist (yet), or cannot be looked at: compare where they point
        return os.path.realpath(first.expanduser()) == os.path.realpath(second.expanduser())


def check_outputs(outputs: Sequence[NamedPath], inputs: Sequence[NamedPath] = ()) -> None:
    """Refuse, before any work is done, an output that is one of the inputs or another output, a directory,
    or a path through a file."""
    for role, output in outputs:
        if output.is_dir():
            raise OutputError(f"cannot write {output} ({role}): it is a directory")
        blocking = next((parent for parent in output.parents if parent.exists()), None)
        if blocking is not None and not blocking.is_dir():
            raise OutputError(f"cannot write {output} ({role}): {blocking} is a file, not a directory")
    for position, (role, output) in enumerate(outputs):
        for input_role, source in inputs:
            if same_file(output, source):
                raise OutputError(f"{role} {output} is {input_role}; write it elsewhere")
        for other_role, other in outputs[position + 1 :]:
            if same_file(output, other):
                raise OutputError(f"{role} {output} and {other_role} {other} are the same file; give two paths")


def _holder(lock_file: Path) -> str:
    with suppress(OSError, ValueError):
        return f" (pid {int(lock_file.read_text(encoding='ascii').strip())})"
    return ""


@contextmanager
def locked(output: Path) -> Iterator[None]:
    """Hold the lock of ``output`` for the block; refuse at once if another process holds it."""
    from filelock import FileLock, Timeout

    lock_file = lock_path_for(output)
    lock = FileLock(lock_file, timeout=0)
    try:
        lock.acquire()
    except Timeout:  # before OSError: filelock's Timeout is a TimeoutError
        raise OutputBusyError(
            f"{output} is being written by another tokdrift process{_holder(lock_file)}; "
            "wait for it to finish, or write elsewhere"
        ) from None
    except OSError as error:
        raise output_error(output, error) from None
    with suppress(OSError):  # this process's id, for the message a refused one prints (same inode: still locked)
        lock_file.write_text(f"{os.getpid()}\n", encoding="ascii")
    try:
        yield
    finally:
        # Removed while still held: a process that opened the file in the meantime finds it unlinked
        # and does not take a lock nobody else can see.
        lock_file.unlink(missing_ok=True)
        lock.release()


@contextmanager
def claim_outputs(
    outputs: Sequence[NamedPath], inputs: Sequence[NamedPath] = (), *, lock: Sequence[Path] | None = None
) -> Iterator[None]:
    """Check the files in ``outputs`` against ``inputs``, then hold a lock on each of them (or on each path of
    ``lock``, which may name a directory of outputs) for the block.

    Directories made here for the locks are removed again if the block fails before writing into them.
    """
    check_outputs(outputs, inputs)
    to_lock = [path for _, path in outputs] if lock is None else list(lock)
    made: list[Path] = []
    try:
        with ExitStack() as held:
            for path in to_lock:
                made.extend(make_parents(path))
                held.enter_context(locked(path))
            yield
    except BaseException:
        for directory in reversed(made):
            with suppress(OSError):
                directory.rmdir()  # only if still empty
        raise
