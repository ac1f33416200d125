"""Is there an operating-system boundary here? Start one contained process and check what it can do.

The answer is found once per process (:func:`detect_boundary` is cached): the
probe starts the real runner, through the same command line as every sandbox
run, in probe mode, and accepts the boundary only if the process inside is an
unprivileged user with no capabilities, sees only its own processes and its
own loopback, has nothing in its environment but the sandbox's, and can write
to its own directory and nowhere else that was tried (``/``, the directory
tokdrift runs in, the temporary directory, the home, the virtualenv and its
site-packages, where a planted ``.pth`` file would run on the next start).
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import shutil
import site
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Final

from tokdrift_cli.codegen.sandbox.boundary import (
    ALLOW_UNSANDBOXED_ENV,
    NOBODY,
    RUNNER_SCRIPT,
    Boundary,
    SandboxUnavailableError,
    no_boundary,
    unsandboxed_allowed,
)
from tokdrift_cli.codegen.sandbox.environment import build_environment
from tokdrift_cli.codegen.sandbox.protocol import Probe, ProtocolError, parse_line

_PROBE_SECONDS: Final = 30.0
_DETAIL: Final = (
    "uid {uid} with no capabilities; own {namespaces} namespaces; "
    "read-only filesystem except its temporary directory; no network; scrubbed environment"
)


@functools.cache
def detect_boundary() -> Boundary:
    """The boundary sandbox processes run behind on this machine, or a ``none`` boundary saying why there is none."""
    if not sys.platform.startswith("linux"):
        return no_boundary(f"no operating-system boundary is implemented for {sys.platform}")
    executable = shutil.which("bwrap")
    if executable is None:
        return no_boundary("bubblewrap (bwrap) is not installed")
    as_root = os.geteuid() == 0
    candidate = Boundary(
        name="bubblewrap",
        detail=_DETAIL.format(
            uid=NOBODY if as_root else f"{NOBODY} (mapped to {os.geteuid()})",
            namespaces="PID/network/IPC/UTS/mount" if as_root else "user/PID/network/IPC/UTS/mount",
        ),
        executable=executable,
        as_root=as_root,
    )
    problem = probe(candidate)
    if problem is not None:
        return no_boundary(f"bubblewrap is installed but does not contain a process here: {problem}")
    return candidate


def require_boundary(allow_unsandboxed: bool = False) -> Boundary:
    """The boundary for model-written code; without one, refuse unless running without it was allowed."""
    boundary = detect_boundary()
    if boundary.available or unsandboxed_allowed(allow_unsandboxed):
        return boundary
    raise SandboxUnavailableError(
        f"refusing to run model-written code without an operating-system boundary ({boundary.detail}); "
        f"install bubblewrap, or allow running it unsandboxed with --allow-unsandboxed or {ALLOW_UNSANDBOXED_ENV}=1"
    )


def _places_to_try(directory: Path) -> list[str]:
    """Where a contained process must not be able to write, and its own directory, where it must."""
    places = {"/", tempfile.gettempdir(), str(Path.cwd()), str(Path.home()), sys.prefix, *site.getsitepackages()}
    return [str(directory), *sorted(place for place in places if Path(place).is_dir())]


def probe(boundary: Boundary) -> str | None:
    """None if a process started behind ``boundary`` is contained; else what is wrong."""
    token = secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix="tokdrift-probe-", ignore_cleanup_errors=True) as name:
        directory = Path(name).resolve()
        boundary.prepare(directory)
        tried = _places_to_try(directory)
        request = {"token": token, "drop_to": boundary.drop_to, "directory": str(directory), "try_writing": tried}
        try:
            finished = subprocess.run(
                [*boundary.command(RUNNER_SCRIPT, directory), "--probe"],
                input=json.dumps(request).encode("utf-8"),
                capture_output=True,
                cwd=directory,
                env=build_environment(directory),
                timeout=_PROBE_SECONDS,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"the probe did not run ({error})"
    lines = finished.stdout.splitlines()
    try:
        event = parse_line(lines[0], token.encode("ascii"), str) if len(lines) == 1 else None
    except ProtocolError:
        event = None
    if not isinstance(event, Probe):
        tail = finished.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit {finished.returncode}"]
        return f"the probe failed: {tail[0][:200]}"
    return judge_probe(event.facts, tried[0], tried[1:], set(build_environment(directory)))


def judge_probe(facts: dict[str, Any], own: str, forbidden: list[str], environment: set[str]) -> str | None:
    """What in a probe's report shows the process was not contained (None: nothing)."""
    uids, gids, status = facts.get("uids"), facts.get("gids"), facts.get("status")
    groups = facts.get("groups")
    # In a user namespace, groups it does not map read as the overflow group, which is NOBODY.
    if (
        uids != [NOBODY] * 3
        or gids != [NOBODY] * 3
        or not isinstance(groups, list)
        or groups.count(NOBODY) != len(groups)
    ):
        return f"it runs as uids {uids}, gids {gids}, groups {groups}, not only {NOBODY}"
    if not isinstance(status, dict) or any(
        status.get(cap) != "0000000000000000" for cap in ("CapEff", "CapPrm", "CapAmb")
    ):
        return f"it keeps capabilities ({status})"
    if status.get("NoNewPrivs") != "1":
        return "it may gain privileges (no_new_privs is not set)"
    if facts.get("processes") not in (1, 2):
        return f"it sees {facts.get('processes')} processes, not only its own"
    if facts.get("interfaces") != ["lo"]:
        return f"it sees the network interfaces {facts.get('interfaces')}"
    if facts.get("writable") != [own]:
        leaked = [place for place in facts.get("writable") or [] if place in forbidden]
        return f"it can write to {leaked}" if leaked else "it cannot write to its own directory"
    names = facts.get("environment")
    allowed = environment | {"PWD"}
    if not isinstance(names, list) or not all(type(name) is str and name in allowed for name in names):
        return f"its environment holds more than the sandbox's ({names})"
    return None
