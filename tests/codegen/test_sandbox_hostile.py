"""The hostile corpus: every snippet runs behind the operating-system boundary and must be contained.

Each snippet runs twice: as shipped, and with the in-process guard switched off, so that the boundary
alone is shown to hold.

Contained means: the call ends with the status its ``# expect:`` line names,
what was refused is reported, nothing outside the sandbox changed (its own
target directory, the home, the temporary directory, the virtualenv and its
site-packages), no secret planted in this process's environment is visible in
anything the run returns (not even masked: the child never saw it), nothing it
started is left running, this process is unharmed, and the next call works.
"""

from __future__ import annotations

import os
import re
import site
import socket
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.codegen.sandbox_helpers import FAST, HOSTILE, QUICK, SECRETS, UNGUARDED_RUNNER, assert_contained, call
from tokdrift_cli.codegen.sandbox import CallStatus, ProcessStatus, boundary, detect_boundary, run_function
from tokdrift_cli.codegen.sandbox.environment import MASK
from tokdrift_cli.codegen.sandbox.models import SandboxResult

pytestmark = pytest.mark.skipif(not detect_boundary().available, reason=detect_boundary().detail)

SLOW_BY_DESIGN = {"fork_bomb_persistent"}


@dataclass(frozen=True)
class Snippet:
    path: Path
    expected: frozenset[str]

    @classmethod
    def load(cls, path: Path) -> Snippet:
        match = re.search(r"^# expect: (.+)$", path.read_text(), re.MULTILINE)
        assert match, f"{path.name} has no '# expect:' line"
        return cls(path, frozenset(status.strip() for status in match.group(1).split(",")))


SNIPPETS = sorted(HOSTILE.glob("*.py"))


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.05)
    yield server
    server.close()


@pytest.fixture
def target(tmp_path: Path, listener: socket.socket, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """Things outside the sandbox for the snippets to aim at, and secrets in the parent's environment."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep me")
    (outside / "secret.txt").write_text("top-secret-file-content")
    (outside / "link-to-secret").symlink_to(outside / "secret.txt")
    (outside / "loop").symlink_to(outside / "loop")
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    return {
        "outside": str(outside),
        "home": str(Path.home()),
        "probe_name": f"tokdrift-sandbox-probe-{uuid.uuid4().hex}",
        "port": listener.getsockname()[1],
        "site_packages": site.getsitepackages()[0],
        "venv": sys.prefix,
        "parent_pid": os.getpid(),
    }


def snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() if p.is_file() else b"" for p in directory.rglob("*")}


def planted(target: dict[str, object]) -> list[Path]:
    """Every place a snippet names with the probe name: none may exist afterwards."""
    name = str(target["probe_name"])
    places = [Path(str(target["home"])), Path("/tmp"), Path("/dev/shm"), Path(str(target["venv"]))]
    places.append(Path(str(target["site_packages"])))
    return [place / suffix for place in places for suffix in (name, f"{name}.pth")]


def run_contained(path: Path, target: dict[str, object], listener: socket.socket) -> SandboxResult:
    """Run one snippet's attack and then an ordinary call; check everything outside the statuses."""
    snippet = Snippet.load(path)
    outside = Path(str(target["outside"]))
    before = snapshot(outside)
    venv_config = (Path(sys.prefix) / "pyvenv.cfg").read_bytes() if (Path(sys.prefix) / "pyvenv.cfg").exists() else b""
    environment = dict(os.environ)
    try:
        limits = QUICK if snippet.expected == {"timeout"} or path.stem in SLOW_BY_DESIGN else FAST
        if snippet.expected == {"memory"}:
            # On a loaded machine a second may pass before the memory limit is reached: give the
            # limit under test the time to be the one that stops the call.
            limits = FAST.model_copy(update={"call_seconds": 10.0})
        result = run_function(path.read_text(), "run", [call("attack", target), call("noop", target)], limits)
    finally:
        leaked = [place for place in planted(target) if place.exists()]
        for place in leaked:
            place.unlink()
    after_attack = result.outcomes[1]
    assert result.boundary == "bubblewrap"
    # The run goes on: the next call works (in a fresh process if the attack killed its own).
    assert after_attack.status is CallStatus.OK, after_attack
    assert after_attack.value != str(outside)
    # Nothing outside the sandbox changed; no secret came back; nothing is left running.
    assert snapshot(outside) == before
    assert leaked == []
    if venv_config:
        assert (Path(sys.prefix) / "pyvenv.cfg").read_bytes() == venv_config
    everything = result.model_dump_json()
    for secret in [*SECRETS.values(), "top-secret-file-content"]:
        assert secret not in everything
    assert MASK not in everything  # not even masked: the code never saw a secret
    with pytest.raises(TimeoutError):
        listener.accept()
    assert_contained(result)
    assert os.getppid() > 1 and dict(os.environ) == environment  # this process and its parent are unharmed
    return result


@pytest.mark.parametrize("path", SNIPPETS, ids=[p.stem for p in SNIPPETS])
def test_hostile_snippet_is_contained_and_reported(
    path: Path, target: dict[str, object], listener: socket.socket
) -> None:
    attack = run_contained(path, target, listener).outcomes[0]
    assert attack.status.value in Snippet.load(path).expected, attack
    if attack.status is CallStatus.REFUSED:
        assert attack.refusals, "a refusal names what was refused"
    if attack.status is CallStatus.CRASHED:
        assert attack.detail, "a crash says how the process ended"


@pytest.mark.parametrize("path", SNIPPETS, ids=[p.stem for p in SNIPPETS])
def test_hostile_snippet_is_contained_by_the_boundary_alone(
    path: Path,
    target: dict[str, object],
    listener: socket.socket,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same checks with the in-process guard switched off: the attack's status may differ, nothing else."""
    shim = tmp_path_factory.mktemp("unguarded") / "unguarded.py"
    shim.write_text(UNGUARDED_RUNNER.format(child=str(boundary.CHILD_SCRIPT)))
    monkeypatch.setattr(boundary, "CHILD_SCRIPT", shim)
    run_contained(path, target, listener)


def test_corpus_covers_the_required_attacks() -> None:
    names = {path.stem for path in SNIPPETS}
    required = {
        "infinite_loop", "fork_bomb", "memory_bytearray", "memory_growing_list", "write_outside", "write_home",
        "env_secrets", "kill_parent", "killpg_own_group", "kill_init", "read_passwd", "read_outside_secret",
        "network_connect", "huge_output", "sys_exit", "hard_exit", "keyboard_interrupt", "base_exception",
        "ctypes_null_read",
        # str/bytes subclasses and lying path objects
        "str_subclass_read", "bytes_subclass_read", "pathlike_lying_fspath", "subclass_delete_outside",
        # persistence outside the sandbox, and the environment of other processes
        "pth_site_packages", "pth_venv", "parent_environ", "proc_parent_environ_subclass", "proc_init_environ",
        # the result channel
        "forged_results", "forged_outcome_line", "forged_with_stolen_token", "garbage_lines_flood",
        "huge_result_line", "deep_result_line", "closed_results", "replace_channel_fd",
    }  # fmt: skip
    assert required <= names
    assert len(SNIPPETS) >= 99


def test_environment_secrets_never_reach_the_code(target: dict[str, object], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    source = (HOSTILE / "env_secrets.py").read_text()
    result = run_function(source, "run", [call("attack", target)], FAST)
    environment = result.outcomes[0].value
    assert result.outcomes[0].status is CallStatus.OK
    assert not set(SECRETS) & set(environment)
    assert environment["TZ"] == "UTC"
    assert environment["PYTHONHASHSEED"] == "0"
    assert environment["HOME"] == environment["TMPDIR"]
    assert set(environment) <= {
        "PATH",
        "LANG",
        "LC_ALL",
        "LC_CTYPE",
        "HOME",
        "TMPDIR",
        "PYTHONHASHSEED",
        "PYTHONDONTWRITEBYTECODE",
        "TZ",
        "PWD",
    }


def test_fork_bomb_leaves_no_process_behind(target: dict[str, object]) -> None:
    source = (HOSTILE / "fork_bomb_persistent.py").read_text()
    result = run_function(source, "run", [call("attack", target)], QUICK)
    assert result.outcomes[0].status is CallStatus.REFUSED
    assert "os.fork" in result.outcomes[0].refusals
    assert len(result.outcomes[0].refusals) <= 20  # the report of a refusal loop is bounded
    assert_contained(result)


def test_killing_the_parent_is_refused_and_the_parent_lives(target: dict[str, object]) -> None:
    source = (HOSTILE / "kill_parent.py").read_text()
    result = run_function(source, "run", [call("attack", target)] * 2, FAST)
    assert [o.status for o in result.outcomes] == [CallStatus.REFUSED, CallStatus.REFUSED]
    assert result.outcomes[0].error_type == "SandboxViolation"
    assert result.status is ProcessStatus.FINISHED


def test_a_forged_line_with_the_stolen_token_is_caught_and_the_run_goes_on(target: dict[str, object]) -> None:
    source = (HOSTILE / "forged_with_stolen_token.py").read_text()
    calls = [call("noop", target), call("attack", target), call("noop", target)]
    result = run_function(source, "run", calls, FAST)
    assert [o.status for o in result.outcomes] == [CallStatus.OK, CallStatus.CRASHED, CallStatus.OK]
    assert result.outcomes[1].value is None and "out of order" not in (result.outcomes[0].detail or "")
    assert "not running" in (result.outcomes[1].detail or "")
    assert [p.status for p in result.processes] == [ProcessStatus.BAD_OUTPUT, ProcessStatus.FINISHED]
