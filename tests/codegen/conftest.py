from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tokdrift_cli.codegen.sandbox import boundary
from tokdrift_cli.codegen.sandbox.boundary import Boundary

# Coverage cannot follow into the sandbox process: it starts without site-packages and
# leaves with os._exit. When coverage is measuring this session, the child is started
# through this shim instead, which records the lines of the runner, codec and guard it
# executes (to a descriptor opened before the runner drops its privileges, in a directory
# the boundary lets it write) and hands them to coverage at the end.
_TRACING_SHIM = """
import atexit, json, os, runpy, sys

CHILD = {child!r}
FILES = {files!r}
opened = os.open(
    os.path.join({reports!r}, os.urandom(8).hex()), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600
)
report = os.dup2(opened, 60)  # out of the way of the descriptors the runner uses
os.close(opened)
executed = {{}}
real_exit = os._exit


def local(frame, event, arg):
    if event == "line":
        executed.setdefault(frame.f_code.co_filename, set()).add(frame.f_lineno)
    return local


def trace(frame, event, arg):
    if frame.f_code.co_filename in FILES:
        executed.setdefault(frame.f_code.co_filename, set()).add(frame.f_lineno)
        return local
    return None


def dump():
    try:
        os.write(report, (json.dumps({{k: sorted(v) for k, v in executed.items()}}) + "\\n").encode())
    except OSError:
        pass


def leave(code):
    dump()
    real_exit(code)


def add_traceable_hook(hook, add=sys.addaudithook):
    # Audit hooks are not traced unless they ask to be; only this measuring shim asks.
    hook.__cantrace__ = True
    add(hook)


os._exit = leave
sys.addaudithook = add_traceable_hook
atexit.register(dump)
sys.argv = [CHILD, *sys.argv[1:]]
sys.settrace(trace)
runpy.run_path(CHILD, run_name="__main__")
"""


@pytest.fixture(scope="session", autouse=True)
def _measure_the_child(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    try:
        import coverage
    except ImportError:  # pragma: no cover
        yield
        return
    current = coverage.Coverage.current()
    if current is None:
        yield
        return
    reports = tmp_path_factory.mktemp("child-coverage")
    shim = reports / "shim.py"
    child = boundary.CHILD_SCRIPT
    files = sorted(str(path) for path in child.parent.glob("*.py"))
    shim.write_text(_TRACING_SHIM.format(child=str(child), files=files, reports=str(reports)))
    original = Boundary.command

    def command(
        self: Boundary, script: Path, directory: Path, writable: tuple[Path, ...] = (), **options: Any
    ) -> list[str]:
        return original(self, script, directory, (*writable, reports), **options)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(boundary, "CHILD_SCRIPT", shim)
        patch.setattr(Boundary, "command", command)
        yield
    executed: dict[str, set[int]] = {}
    for report in reports.iterdir():
        if report.suffix != ".py":
            for line in report.read_text().splitlines():
                for name, lines in json.loads(line).items():
                    executed.setdefault(name, set()).update(lines)
    data = coverage.CoverageData(
        basename=os.path.abspath(current.config.data_file), suffix=f"sandbox-child.{os.getpid()}"
    )
    data.add_lines({name: sorted(lines) for name, lines in executed.items()})
    data.write()
