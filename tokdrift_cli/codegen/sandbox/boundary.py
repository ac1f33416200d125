"""The operating-system boundary generated code runs behind: bubblewrap, and how the sandbox process is started.

On Linux the sandbox process runs under bubblewrap (``bwrap``) in its own PID,
network, IPC, UTS, mount (and, unless started by root, user) namespaces:

* **an unprivileged user**: started by root, bubblewrap keeps no capability
  but the two the runner needs to become uid/gid 65534 (``nobody``) before it
  reads its request, so the code runs as a real unprivileged user that owns
  nothing; started by another user, a new user namespace maps that user to
  65534 and every capability is dropped;
* **a read-only view of the filesystem**: ``/`` bound read-only; the homes,
  ``/root``, ``/tmp``, ``/var/tmp``, ``/run``, ``/mnt``, ``/media`` and ``/srv``
  hidden behind empty read-only mounts (the interpreter and this package are
  bound back, read-only, where they live under one); a fresh ``/dev`` made
  read-only; only the run's temporary directory is writable;
* **no network** (a network namespace with only its own loopback), **no view
  of other processes** (``/proc`` of the new PID namespace only, so neither
  the parent's ``/proc/<pid>/environ`` nor anything else outside exists);
* **a scrubbed environment**: bubblewrap itself is started with the sandbox's
  environment only, so even ``/proc/1/environ`` inside holds no secret.

Whether this works on the machine at hand is decided once per process by
:func:`~tokdrift_cli.codegen.sandbox.detection.detect_boundary`, which starts a
contained process and checks each property. Without bubblewrap there is no
boundary; see :func:`~tokdrift_cli.codegen.sandbox.detection.require_boundary`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from tokdrift_cli.codegen.sandbox.child import main as child_main
from tokdrift_cli.errors import ExitCode, TokdriftError

#: The unprivileged user the code runs as.
NOBODY: Final = 65534
#: Set to 1 to let model-written code run where no boundary is available.
ALLOW_UNSANDBOXED_ENV: Final = "TOKDRIFT_ALLOW_UNSANDBOXED"
#: The runner script, started by path (the sandbox process has no site-packages).
RUNNER_SCRIPT: Final = Path(child_main.__file__).resolve()
#: What sandbox runs start: the runner (a test may put a stand-in here; the probe always starts the runner).
CHILD_SCRIPT = RUNNER_SCRIPT
# The runner and its siblings: always readable, whichever script starts them.
_CHILD_DIRECTORY: Final = RUNNER_SCRIPT.parent
# Directories where people keep what is theirs: hidden inside the boundary.
_HIDDEN: Final = ("/tmp", "/var/tmp", "/root", "/home", "/run", "/mnt", "/media", "/srv")
_PYTHON_FLAGS: Final = ("-s", "-S", "-P", "-B")


class SandboxUnavailableError(TokdriftError):
    """Model-written code would run without an operating-system boundary, and nobody allowed that."""

    exit_code = ExitCode.USAGE


@dataclass(frozen=True)
class Boundary:
    """How sandbox processes are started: behind bubblewrap, or (``executable`` None) as plain processes."""

    #: "bubblewrap", or "none".
    name: str
    #: What the boundary isolates, or why there is none.
    detail: str
    executable: str | None = None
    #: Started by root: no user namespace; the runner drops to :data:`NOBODY` itself.
    as_root: bool = False

    @property
    def available(self) -> bool:
        return self.executable is not None

    @property
    def drop_to(self) -> int | None:
        """The uid the runner must become before it reads anything (None: it already is unprivileged)."""
        return NOBODY if self.available and self.as_root else None

    def command(
        self, script: Path, directory: Path, writable: Sequence[Path] = (), *, info_fd: int | None = None
    ) -> list[str]:
        """The command line of one sandbox process running ``script`` with ``directory`` as its home.

        ``info_fd``: a descriptor on which bubblewrap reports the namespace's first process.
        """
        if self.executable is None:
            return [sys.executable, *_PYTHON_FLAGS, str(script)]
        python = Path(sys.executable).resolve()
        readable = _interpreter_paths(python) + [script.parent, _CHILD_DIRECTORY]
        arguments = bubblewrap_arguments(directory, readable, [directory, *writable], self.as_root)
        if info_fd is not None:
            arguments += ["--info-fd", str(info_fd)]
        return [self.executable, *arguments, "--", str(python), *_PYTHON_FLAGS, str(script), "--init"]

    def prepare(self, directory: Path) -> None:
        """Give the run's directory to the user the code will run as."""
        if self.drop_to is not None:
            os.chown(directory, self.drop_to, self.drop_to)


def no_boundary(why: str) -> Boundary:
    return Boundary(name="none", detail=why)


def _interpreter_paths(python: Path) -> list[Path]:
    """What the interpreter needs to start without site-packages: its prefix and the standard library."""
    found = {python.parent.parent, Path(sys.base_prefix).resolve(), Path(sys.base_exec_prefix).resolve()}
    return sorted(found)


def _hidden_directories() -> list[Path]:
    candidates = {Path(path) for path in _HIDDEN} | {Path.home()}
    return sorted(path for path in candidates if path.is_dir() and not path.is_symlink() and path != Path("/"))


def _under(path: Path, directory: Path) -> bool:
    return path == directory or directory in path.parents


def _bind_back(path: Path, hidden: Path, option: str) -> list[str]:
    """Arguments that show ``path`` again under the empty mount over ``hidden`` (parents made traversable)."""
    arguments: list[str] = []
    for parent in reversed(path.parents):
        if _under(parent, hidden) and parent != hidden:
            arguments += ["--perms", "0755", "--dir", str(parent)]
    return [*arguments, option, str(path), str(path)]


def bubblewrap_arguments(
    directory: Path, readable: Sequence[Path], writable: Sequence[Path], as_root: bool
) -> list[str]:
    """bwrap's options for one sandbox process (see the module docstring for what each part is for)."""
    if as_root:
        identity = ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        identity = ["--unshare-user", "--uid", str(NOBODY), "--gid", str(NOBODY), "--disable-userns"]
    namespaces = ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    # The runner's own first process (``--init``) reaps the namespace instead of bubblewrap's.
    arguments = [*identity, *namespaces, "--as-pid-1", "--hostname", "sandbox", "--die-with-parent"]
    arguments += ["--ro-bind", "/", "/"]
    hidden = _hidden_directories()
    for path in hidden:
        arguments += ["--perms", "0755", "--tmpfs", str(path)]
    for paths, option in ((readable, "--ro-bind"), (writable, "--bind")):
        for path in dict.fromkeys(Path(p) for p in paths):
            cover = next((h for h in hidden if _under(path, h)), None)
            if cover is not None:
                arguments += _bind_back(path, cover, option)
            elif option == "--bind":
                arguments += [option, str(path), str(path)]
    for path in hidden:
        arguments += ["--remount-ro", str(path)]
    # The runner moves into ``directory`` itself, once it is the user that owns it.
    arguments += ["--proc", "/proc", "--dev", "/dev", "--remount-ro", "/dev", "--chdir", "/"]
    return arguments


def unsandboxed_allowed(explicit: bool) -> bool:
    """The caller's permission, or the environment's (``TOKDRIFT_ALLOW_UNSANDBOXED=1``)."""
    return explicit or os.environ.get(ALLOW_UNSANDBOXED_ENV, "").strip().lower() in ("1", "true", "yes")
