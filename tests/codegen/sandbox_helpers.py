"""What the sandbox tests share: limits that keep them fast, a planted secret, and a containment check."""

from __future__ import annotations

from pathlib import Path

from tokdrift_cli.codegen.sandbox import CallStatus, FunctionCall, SandboxLimits, SandboxResult

HOSTILE = Path(__file__).parent / "hostile"
FAST = SandboxLimits(call_seconds=1.0, wall_seconds=15.0, cpu_seconds=5, memory_bytes=256 << 20)
# For snippets that can only time out: a shorter wait, the same checks.
QUICK = FAST.model_copy(update={"call_seconds": 0.5})
SECRETS = {
    "OPENAI_API_KEY": "sk-test-secret",
    "GITHUB_TOKEN": "ghp-test-token",
    "TOKDRIFT_DB_PASSWORD": "hunter2-test",
    "PYTHONPATH": "/nonexistent/evil-path",
}

# A stand-in for the runner with sys.addaudithook disarmed: the guard's hook never goes in, so only the
# operating-system boundary stands between the code and the machine.
UNGUARDED_RUNNER = """
import runpy, sys
sys.addaudithook = lambda hook: None
sys.argv = [{child!r}, *sys.argv[1:]]
runpy.run_path({child!r}, run_name="__main__")
"""


def call(*args: object, **kwargs: object) -> FunctionCall:
    return FunctionCall(args=args, kwargs=kwargs)


def group_members(pgid: int) -> list[int]:
    """Live processes in a process group, read from /proc (no psutil)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            members.append(int(entry.name))
    return members


def assert_contained(result: SandboxResult) -> None:
    """Nothing the run started is still alive, and its temporary directory is gone."""
    for process in result.processes:
        assert group_members(process.pid) == [], f"stray processes in group {process.pid}"
    cwds = [o.value for o in result.outcomes if o.status is CallStatus.OK and isinstance(o.value, str)]
    for cwd in cwds:
        if cwd.startswith("/") and "tokdrift-sandbox-" in cwd:
            assert not Path(cwd).exists()
