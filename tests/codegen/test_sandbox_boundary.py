"""The operating-system boundary on its own, with the in-process guard switched off, and what happens without one."""

from __future__ import annotations

import errno
import os
import site
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.codegen.sandbox_helpers import FAST, SECRETS, UNGUARDED_RUNNER, call
from tokdrift_cli.codegen.differential import compare_functions
from tokdrift_cli.codegen.judging import check_against_tests
from tokdrift_cli.codegen.sandbox import (
    ALLOW_UNSANDBOXED_ENV,
    CallStatus,
    SandboxUnavailableError,
    boundary,
    detect_boundary,
    detection,
    run_function,
)
from tokdrift_cli.codegen.sandbox.boundary import NOBODY, Boundary, bubblewrap_arguments, no_boundary
from tokdrift_cli.codegen.sandbox.child import main as child_main
from tokdrift_cli.codegen.sandbox.child.guard import exact_text_of
from tokdrift_cli.core.suite import FunctionTest
from tokdrift_cli.errors import ExitCode

needs_boundary = pytest.mark.skipif(not detect_boundary().available, reason=detect_boundary().detail)


# Tries each escape for real and reports what happened (errno names, or what it got).
ESCAPES = """
import os, socket

def attempt(action):
    try:
        return ["ok", action()]
    except OSError as error:
        return ["error", error.errno]

def write(path):
    def action():
        with open(path, "w") as handle:
            handle.write("owned")
        return path
    return attempt(action)

def read(path):
    def action():
        with open(path, "rb") as handle:
            return handle.read().decode("latin-1")
    return attempt(action)

def connect(port):
    def action():
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return "connected"
    return attempt(action)

def status():
    with open("/proc/self/status") as handle:
        return {k: v.strip() for k, _, v in (line.partition(":") for line in handle) if k.startswith(("Cap", "NoNew"))}

def escape(target):
    name = target["probe_name"]
    return {
        "ids": [list(os.getresuid()), list(os.getresgid())],
        "status": status(),
        "processes": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
        "parent_environ": read(f"/proc/{target['parent_pid']}/environ"),
        "init_environ": read("/proc/1/environ"),
        "kill_parent": attempt(lambda: os.kill(target["parent_pid"], 0)),
        "become_root": attempt(lambda: os.setresuid(0, 0, 0)),
        "outside_secret": read(os.path.join(target["outside"], "secret.txt")),
        "home": attempt(lambda: os.listdir(target["home"])),
        "writes": {place: write(os.path.join(place, name)) for place in target["places"]},
        "own_directory": write(os.path.join(os.getcwd(), name)),
        "network": connect(target["port"]),
    }
"""


@pytest.fixture
def unguarded(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # Away from the test's own directory: the boundary shows the script's directory to the sandbox.
    shim = tmp_path_factory.mktemp("unguarded") / "unguarded.py"
    shim.write_text(UNGUARDED_RUNNER.format(child=str(boundary.CHILD_SCRIPT)))
    monkeypatch.setattr(boundary, "CHILD_SCRIPT", shim)


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.05)
    yield server
    server.close()


@needs_boundary
def test_the_boundary_alone_contains_code_the_guard_does_not_stop(
    unguarded: None, tmp_path: Path, listener: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("top-secret-file-content")
    places = [
        "/",
        "/tmp",
        "/dev/shm",
        str(outside),
        str(Path.home()),
        sys.prefix,
        site.getsitepackages()[0],
        os.getcwd(),
    ]
    target = {
        "probe_name": f"tokdrift-boundary-probe-{os.getpid()}.pth",
        "parent_pid": os.getpid(),
        "outside": str(outside),
        "home": str(Path.home()),
        "places": places,
        "port": listener.getsockname()[1],
    }
    result = run_function(ESCAPES, "escape", [call(target)], FAST)
    facts = result.outcomes[0].value
    assert result.outcomes[0].status is CallStatus.OK, result.outcomes[0]
    assert result.boundary == "bubblewrap"
    # An unprivileged user with no capabilities, which cannot become root again.
    assert facts["ids"] == [[NOBODY] * 3, [NOBODY] * 3]
    assert {facts["status"][cap] for cap in ("CapEff", "CapPrm", "CapAmb")} == {"0000000000000000"}
    assert facts["status"]["NoNewPrivs"] == "1"
    assert facts["become_root"] == ["error", errno.EPERM]
    # Its own PID namespace: the sandbox's first process and itself, nothing of the host.
    assert facts["processes"] == [1, 2]
    assert facts["parent_environ"] == ["error", errno.ENOENT]
    assert facts["kill_parent"] == ["error", errno.ESRCH]
    init = facts["init_environ"]
    assert init[0] == "error" or not any(secret in init[1] for secret in SECRETS.values())
    # Read-only everywhere but its own directory; the places people keep things are not even there.
    assert facts["own_directory"][0] == "ok"
    for place, outcome in facts["writes"].items():
        assert outcome[0] == "error" and outcome[1] in (errno.EROFS, errno.ENOENT, errno.EACCES), place
    assert facts["outside_secret"] == ["error", errno.ENOENT]
    # The home is an empty mount, but for the way to the interpreter or this package if they live there.
    home = Path.home()
    needed = [Path(sys.base_prefix), Path(sys.executable).resolve().parent.parent, Path(child_main.__file__).parent]
    shown = {path.resolve().relative_to(home).parts[0] for path in needed if home in path.resolve().parents}
    assert facts["home"] == ["error", errno.ENOENT] or (facts["home"][0] == "ok" and set(facts["home"][1]) <= shown)
    # No network: its loopback is its own.
    assert facts["network"][0] == "error"
    with pytest.raises(TimeoutError):
        listener.accept()
    for place in places:
        assert not (Path(place) / target["probe_name"]).exists()
    everything = result.model_dump_json()
    assert not any(secret in everything for secret in SECRETS.values())


@needs_boundary
def test_the_boundary_is_detected_here_and_named() -> None:
    found = detect_boundary()
    assert found.name == "bubblewrap" and found.available
    assert "65534" in found.detail and "read-only" in found.detail
    assert detect_boundary() is found  # probed once per process
    assert run_function("def f():\n    return 1\n", "f", [call()], FAST).boundary == "bubblewrap"


def test_bubblewrap_hides_homes_and_binds_back_what_the_interpreter_needs(tmp_path: Path) -> None:
    run = tmp_path / "run"
    arguments = bubblewrap_arguments(run, [Path("/root/.pyenv/versions/3.11.7")], [run], as_root=True)
    text = " ".join(arguments)
    assert "--unshare-user" not in arguments and "--cap-drop ALL" in text  # root: the runner drops to nobody
    assert "--tmpfs /root" in text and "--remount-ro /root" in text
    assert "--perms 0755 --dir /root/.pyenv --perms 0755 --dir /root/.pyenv/versions" in text
    assert f"--bind {run} {run}" in text and text.index(f"--bind {run}") < text.index("--remount-ro /tmp")
    unprivileged = bubblewrap_arguments(run, [], [run], as_root=False)
    assert unprivileged[:5] == ["--unshare-user", "--uid", str(NOBODY), "--gid", str(NOBODY)]
    for namespace in ("--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts"):
        assert namespace in arguments and namespace in unprivileged
    assert Boundary("bubblewrap", "", "/usr/bin/bwrap", as_root=True).drop_to == NOBODY
    assert Boundary("bubblewrap", "", "/usr/bin/bwrap", as_root=False).drop_to is None


# ---------------------------------------------------------------- without a boundary


@pytest.fixture
def no_boundary_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(detection, "detect_boundary", lambda: no_boundary("bubblewrap (bwrap) is not installed"))
    monkeypatch.delenv(ALLOW_UNSANDBOXED_ENV, raising=False)


def test_without_a_boundary_model_code_is_refused(no_boundary_here: None) -> None:
    with pytest.raises(SandboxUnavailableError, match="--allow-unsandboxed or TOKDRIFT_ALLOW_UNSANDBOXED=1"):
        run_function("def f():\n    return 1\n", "f", [call()], FAST)
    with pytest.raises(SandboxUnavailableError, match="not installed"):
        compare_functions("def f():\n    return 1\n", "f", "def g():\n    return 1\n", "g", [call()], FAST)
    with pytest.raises(SandboxUnavailableError):
        check_against_tests("def f():\n    return 1\n", "f", [FunctionTest(args=[], expected=1)], FAST)
    assert SandboxUnavailableError.exit_code is ExitCode.USAGE


def test_without_a_boundary_running_anyway_is_an_explicit_choice(
    no_boundary_here: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = "def f():\n    return 1\n"
    result = run_function(source, "f", [call()], FAST, allow_unsandboxed=True)
    assert result.outcomes[0].value == 1 and result.boundary == "none"
    verdict = compare_functions(source, "f", source, "f", [call()], FAST, allow_unsandboxed=True)
    assert verdict.equivalent is True
    tests = [FunctionTest(args=[], expected=1)]
    assert check_against_tests(source, "f", tests, FAST, allow_unsandboxed=True).all_passed
    monkeypatch.setenv(ALLOW_UNSANDBOXED_ENV, "0")
    with pytest.raises(SandboxUnavailableError):
        run_function(source, "f", [call()], FAST)
    monkeypatch.setenv(ALLOW_UNSANDBOXED_ENV, "1")
    assert run_function(source, "f", [call()], FAST).boundary == "none"


def test_detection_says_why_there_is_no_boundary(monkeypatch: pytest.MonkeyPatch) -> None:
    detection.detect_boundary.cache_clear()
    try:
        monkeypatch.setattr(detection.shutil, "which", lambda name: None)
        assert detection.detect_boundary().detail == "bubblewrap (bwrap) is not installed"
        detection.detect_boundary.cache_clear()
        monkeypatch.setattr(detection.sys, "platform", "darwin")
        assert "darwin" in detection.detect_boundary().detail
        detection.detect_boundary.cache_clear()
        monkeypatch.setattr(detection.sys, "platform", "linux")
        monkeypatch.setattr(detection.shutil, "which", lambda name: "/bin/false")
        found = detection.detect_boundary()
        assert not found.available and "does not contain a process here: the probe failed" in found.detail
    finally:
        detection.detect_boundary.cache_clear()


GOOD_FACTS = {
    "uids": [NOBODY] * 3,
    "gids": [NOBODY] * 3,
    "groups": [],
    "status": {"CapEff": "0" * 16, "CapPrm": "0" * 16, "CapAmb": "0" * 16, "NoNewPrivs": "1"},
    "processes": 2,
    "interfaces": ["lo"],
    "writable": ["/run/dir"],
    "environment": ["HOME", "PATH"],
}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({}, None),
        ({"groups": [NOBODY, NOBODY]}, None),  # unmapped groups in a user namespace read as nobody
        ({"uids": [0, 0, 0]}, "runs as uids [0, 0, 0]"),
        ({"groups": [0]}, "groups [0]"),
        ({"status": {**GOOD_FACTS["status"], "CapEff": "00000000000000c0"}}, "keeps capabilities"),
        ({"status": {**GOOD_FACTS["status"], "NoNewPrivs": "0"}}, "may gain privileges"),
        ({"processes": 40}, "sees 40 processes"),
        ({"interfaces": ["eth0", "lo"]}, "network interfaces ['eth0', 'lo']"),
        ({"writable": ["/run/dir", "/"]}, "can write to ['/']"),
        ({"writable": []}, "cannot write to its own directory"),
        ({"environment": ["HOME", "OPENAI_API_KEY"]}, "environment holds more"),
        ({"status": "nonsense"}, "keeps capabilities"),
        ({"groups": [[NOBODY]]}, "groups [[65534]]"),
        ({"environment": [["HOME"]]}, "environment holds more"),
    ],
)
def test_a_probe_report_is_judged_property_by_property(change: dict[str, object], problem: str | None) -> None:
    found = detection.judge_probe({**GOOD_FACTS, **change}, "/run/dir", ["/", "/home"], {"HOME", "PATH"})
    assert found == problem or (problem is not None and found is not None and problem in found)


# ---------------------------------------------------------------- the guard's view of a path


class Lying(str):
    def startswith(self, *args: object, **kwargs: object) -> bool:
        return False

    def __str__(self) -> str:
        return "harmless"


class LyingBytes(bytes):
    def decode(self, *args: object, **kwargs: object) -> str:  # type: ignore[override]
        return "harmless"


class Shifty:
    def __fspath__(self) -> str:
        return "harmless"


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("/etc/passwd", "/etc/passwd"),
        (Lying("/etc/passwd"), "/etc/passwd"),
        (b"/etc/passwd", "/etc/passwd"),
        (LyingBytes(b"/etc/passwd"), "/etc/passwd"),
        (b"\xff", "\udcff"),
        (Shifty(), None),
        (3, None),
        ("", None),
        ("a\x00b", None),
    ],
)
def test_the_guard_reads_a_path_by_its_characters_only(path: object, text: str | None) -> None:
    exact = exact_text_of()(path)
    assert exact == text
    assert exact is None or type(exact) is str
