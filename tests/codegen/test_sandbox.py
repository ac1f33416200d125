from __future__ import annotations

import json
import math
import os
import re
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import ValidationError

from tokdrift_cli.codegen import _sandbox_child as child
from tokdrift_cli.codegen import sandbox
from tokdrift_cli.codegen.sandbox import (
    CallOutcome,
    CallStatus,
    FunctionCall,
    ProcessStatus,
    SandboxLimits,
    SandboxResult,
    build_environment,
    run_function,
)

HOSTILE = Path(__file__).parent / "hostile"
FAST = SandboxLimits(call_seconds=1.0, wall_seconds=15.0, cpu_seconds=5, memory_bytes=256 << 20)
# For snippets that can only time out: a shorter wait, the same checks.
QUICK = FAST.model_copy(update={"call_seconds": 0.5})
SLOW_BY_DESIGN = {"fork_bomb_persistent"}
SECRETS = {
    "OPENAI_API_KEY": "sk-test-secret",
    "GITHUB_TOKEN": "ghp-test-token",
    "TOKDRIFT_DB_PASSWORD": "hunter2-test",
    "PYTHONPATH": "/nonexistent/evil-path",
}


# Coverage cannot follow into the sandbox process: it starts without site-packages and
# leaves with os._exit. When coverage is measuring this session, the child is started
# through this shim instead, which records the lines of _sandbox_child.py it executes
# (to a descriptor opened before the guard is up) and hands them to coverage at the end.
_TRACING_SHIM = """
import atexit, json, os, runpy, sys

CHILD = {child!r}
opened = os.open(os.path.join({reports!r}, str(os.getpid())), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
report = os.dup2(opened, 60)  # out of the way: the tests expect the results on descriptor 3
os.close(opened)
executed = set()
real_exit = os._exit


def local(frame, event, arg):
    if event == "line":
        executed.add(frame.f_lineno)
    return local


def trace(frame, event, arg):
    if frame.f_code.co_filename == CHILD:
        executed.add(frame.f_lineno)
        return local
    return None


def dump():
    try:
        os.write(report, (json.dumps(sorted(executed)) + "\\n").encode())
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
sys.argv = [CHILD]
sys.settrace(trace)
runpy.run_path(CHILD, run_name="__main__")
"""


@pytest.fixture(scope="module", autouse=True)
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
    child_path = str(sandbox._CHILD_SCRIPT)
    shim.write_text(_TRACING_SHIM.format(child=child_path, reports=str(reports)))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sandbox, "_CHILD_SCRIPT", shim)
        yield
    executed: set[int] = set()
    for report in reports.iterdir():
        if report.name.isdigit():
            for line in report.read_text().splitlines():
                executed.update(json.loads(line))
    data = coverage.CoverageData(
        basename=os.path.abspath(current.config.data_file), suffix=f"sandbox-child.{os.getpid()}"
    )
    data.add_lines({child_path: executed})
    data.write()


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


# ---------------------------------------------------------------- the hostile corpus


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
    }


def snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() if p.is_file() else b"" for p in directory.rglob("*")}


@pytest.mark.parametrize("path", SNIPPETS, ids=[p.stem for p in SNIPPETS])
def test_hostile_snippet_is_contained_and_reported(
    path: Path, target: dict[str, object], listener: socket.socket
) -> None:
    snippet = Snippet.load(path)
    outside = Path(str(target["outside"]))
    probe = Path(str(target["home"])) / str(target["probe_name"])
    before = snapshot(outside)
    try:
        limits = QUICK if snippet.expected == {"timeout"} or path.stem in SLOW_BY_DESIGN else FAST
        result = run_function(path.read_text(), "run", [call("attack", target), call("noop", target)], limits)
    finally:
        leaked = probe.exists()
        probe.unlink(missing_ok=True)

    attack, after_attack = result.outcomes
    assert attack.status.value in snippet.expected, attack
    # The run goes on: the next call works (in a fresh process if the attack killed its own).
    assert after_attack.status is CallStatus.OK, after_attack
    assert after_attack.value != str(outside)
    # Nothing outside the sandbox changed; no secret came back; nothing is left running.
    assert snapshot(outside) == before
    assert not leaked
    everything = result.model_dump_json()
    for secret in [*SECRETS.values(), "top-secret-file-content"]:
        assert secret not in everything
    with pytest.raises(TimeoutError):
        listener.accept()
    assert_contained(result)
    if attack.status is CallStatus.REFUSED:
        assert attack.refusals, "a refusal names what was refused"
    assert os.getppid() > 1  # this test process and its parent are still here


def test_corpus_covers_the_required_attacks() -> None:
    names = {path.stem for path in SNIPPETS}
    required = {
        "infinite_loop",
        "fork_bomb",
        "memory_bytearray",
        "memory_growing_list",
        "write_outside",
        "write_home",
        "env_secrets",
        "kill_parent",
        "killpg_own_group",
        "kill_init",
        "read_passwd",
        "read_outside_secret",
        "network_connect",
        "huge_output",
        "sys_exit",
        "hard_exit",
        "keyboard_interrupt",
        "base_exception",
        "ctypes_null_read",
    }
    assert required <= names


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


# ---------------------------------------------------------------- normal behaviour

SOURCE = """
import dataclasses, decimal, enum, fractions, math, os, time

class Colour(enum.Enum):
    RED = 1

@dataclasses.dataclass
class Point:
    x: int
    y: int

class Slotted:
    __slots__ = ("a",)
    def __init__(self):
        self.a = 1

def f(kind, *rest, **options):
    if kind == "echo":
        return [rest, options]
    if kind == "types":
        return [type(value).__name__ for value in rest]
    if kind == "values":
        return (1, 2.5, float("nan"), -math.inf, {3, 1, 2}, frozenset({"b", "a"}), b"\\x00", bytearray(b"a"),
                {1: "one"}, {"__tuple__": 1}, 1 + 2j, None, True, 2 ** 5000)
    if kind == "objects":
        return [Colour.RED, Point(1, 2), Slotted(), decimal.Decimal("1.10"), fractions.Fraction(1, 3), range(3)]
    if kind == "raise":
        raise ValueError("bad input " + str(rest))
    if kind == "sleep":
        time.sleep(rest[0])
        return "slept"
    if kind == "cwd":
        return [os.getcwd(), os.environ["HOME"], os.environ["TMPDIR"]]
    if kind == "files":
        import pathlib, shutil, tempfile
        with open("note.txt", "w") as handle:
            handle.write("hi")
        os.mkdir("sub")
        os.rename("note.txt", "sub/note.txt")
        with open(os.path.join(os.getcwd(), "sub", "..", "sub", "note.txt")) as handle:
            text = handle.read()
        with tempfile.TemporaryDirectory() as scratch:
            open(os.path.join(scratch, "x"), "w").close()
        with open(os.devnull, "w") as sink:
            sink.write("discarded")
        listed = [os.listdir(pathlib.Path("sub")), os.listdir(b"sub")]
        shutil.rmtree("sub")
        return [text, sorted(os.listdir(".")), listed]
    if kind == "stubborn":
        try:
            time.sleep(30)
        except BaseException:
            return "late"
    if kind == "bad-message":
        class Unprintable(Exception):
            def __str__(self):
                raise RuntimeError("no")
        raise Unprintable()
    if kind == "long-message":
        raise ValueError("m" * 5000)
    if kind == "broken-stdout":
        import sys
        class Broken:
            def write(self, text):
                return len(text)
            def flush(self):
                raise OSError("gone")
        sys.stdout = Broken()
        return "still fine"
    if kind == "refused-then-exit":
        try:
            os.fork()
        except OSError:
            pass
        os._exit(3)
    if kind == "says-memory-then-exits":
        import sys
        sys.stderr.write("MemoryError\\n")
        sys.stderr.flush()
        os._exit(1)
    if kind == "hash":
        return list({"alpha", "beta", "gamma", "delta", "epsilon"})
    if kind == "print":
        print("hello from the sandbox" * rest[0])
        return None
    if kind == "opaque":
        return (n for n in range(3))
    if kind == "cycle":
        loop = []
        loop.append(loop)
        return loop
    if kind == "deep":
        value = []
        for _ in range(500):
            value = [value]
        return value
    return kind
"""


def test_values_come_back_tagged_and_deterministic() -> None:
    result = run_function(SOURCE, "f", [call("values")], FAST)
    outcome = result.outcomes[0]
    assert outcome.status is CallStatus.OK
    assert outcome.value == {
        "__tuple__": [
            1,
            2.5,
            {"__float__": "nan"},
            {"__float__": "-inf"},
            {"__set__": [1, 2, 3]},
            {"__frozenset__": ["a", "b"]},
            {"__bytes__": "00"},
            {"__bytearray__": "61"},
            {"__dict__": [[1, "one"]]},
            {"__dict__": [["__tuple__", 1]]},
            {"__complex__": [1.0, 2.0]},
            None,
            True,
            {"__bigint__": hex(2**5000)},
        ]
    }
    assert outcome.value_repr is not None and outcome.value_repr.startswith("(1, 2.5, nan")
    assert result.loaded and result.status is ProcessStatus.FINISHED


def test_objects_are_encoded_by_state_or_stable_repr() -> None:
    outcome = run_function(SOURCE, "f", [call("objects")], FAST).outcomes[0]
    assert outcome.status is CallStatus.OK
    assert outcome.value == [
        {"__enum__": ["Colour.RED", 1]},
        {"__object__": ["Point", {"x": 1, "y": 2}]},
        {"__object__": ["Slotted", {"a": 1}]},
        {"__decimal__": "1.10"},
        {"__fraction__": [1, 3]},
        {"__repr__": ["range", "range(0, 3)"]},
    ]


def test_arguments_round_trip_with_their_types() -> None:
    args = ((1, 2), {3}, frozenset({4}), b"x", bytearray(b"y"), 1j, math.inf, {1: 2}, [None], 2**5000)
    outcome = run_function(SOURCE, "f", [call("types", *args)], FAST).outcomes[0]
    assert outcome.value == [
        "tuple",
        "set",
        "frozenset",
        "bytes",
        "bytearray",
        "complex",
        "float",
        "dict",
        "list",
        "int",
    ]
    echo = run_function(SOURCE, "f", [call("echo", 1, flag=True)], FAST).outcomes[0]
    assert echo.value == [{"__tuple__": [1]}, {"flag": True}]


def test_an_exception_is_reported_by_type_and_message() -> None:
    outcome = run_function(SOURCE, "f", [call("raise", 7)], FAST).outcomes[0]
    assert outcome.status is CallStatus.RAISED
    assert outcome.error_type == "ValueError"
    assert outcome.error_message == "bad input (7,)"


def test_a_timeout_does_not_lose_the_other_calls() -> None:
    calls = [call("first"), call("sleep", 30), call("third")]
    result = run_function(SOURCE, "f", calls, FAST)
    assert [o.status for o in result.outcomes] == [CallStatus.OK, CallStatus.TIMEOUT, CallStatus.OK]
    assert result.outcomes[2].value == "third"
    assert len(result.processes) == 1  # the in-process timer handled it: no restart
    assert result.outcomes[1].seconds is not None and result.outcomes[1].seconds < 1.5


def test_the_sandbox_directory_is_private_writable_and_removed() -> None:
    result = run_function(SOURCE, "f", [call("cwd"), call("files")], FAST)
    cwd, home, tmpdir = result.outcomes[0].value
    assert cwd == home == tmpdir
    assert "tokdrift-sandbox-" in cwd
    assert result.outcomes[1].value == ["hi", [], [["note.txt"], [{"__bytes__": "6e6f74652e747874"}]]]
    assert not Path(cwd).exists()


def test_hash_seed_makes_set_order_repeat() -> None:
    first = run_function(SOURCE, "f", [call("hash")], FAST).outcomes[0].value
    second = run_function(SOURCE, "f", [call("hash")], FAST).outcomes[0].value
    assert first == second


def test_printed_output_goes_to_a_bounded_tail_not_the_results() -> None:
    result = run_function(SOURCE, "f", [call("print", 1000), call("after")], FAST)
    assert [o.status for o in result.outcomes] == [CallStatus.OK, CallStatus.OK]
    assert "hello from the sandbox" in result.stderr_tail
    assert len(result.stderr_tail) <= 8192


@pytest.mark.parametrize(
    ("kind", "status", "check"),
    [
        ("stubborn", CallStatus.TIMEOUT, lambda o: o.detail == "the call ignored its time limit"),
        ("bad-message", CallStatus.RAISED, lambda o: o.error_message == "<unprintable message>"),
        ("long-message", CallStatus.RAISED, lambda o: len(o.error_message) == 1000 and o.error_message.endswith("...")),
        ("broken-stdout", CallStatus.OK, lambda o: o.value == "still fine"),
        ("refused-then-exit", CallStatus.REFUSED, lambda o: "exited with code 3" in o.detail),
        ("says-memory-then-exits", CallStatus.MEMORY, lambda o: "exited with code 1" in o.detail),
    ],
)
def test_odd_endings_of_a_call(kind: str, status: CallStatus, check: object) -> None:
    limits = FAST.model_copy(update={"call_seconds": 0.5})
    result = run_function(SOURCE, "f", [call(kind), call("after")], limits)
    assert result.outcomes[0].status is status, result.outcomes[0]
    assert check(result.outcomes[0])  # type: ignore[operator]
    assert result.outcomes[1].status is CallStatus.OK


def test_a_restart_that_cannot_load_stops_the_run() -> None:
    source = (
        "import os\n"
        "if os.path.exists('loaded-once'):\n"
        "    raise RuntimeError('second load')\n"
        "open('loaded-once', 'w').close()\n"
        "def f(crash):\n"
        "    if crash:\n"
        "        os._exit(1)\n"
        "    return 'ok'\n"
    )
    result = run_function(source, "f", [call(True), call(False)], FAST)
    assert result.loaded  # the first load is the one reported
    assert result.outcomes[0].status is CallStatus.CRASHED
    assert result.outcomes[1].status is CallStatus.NOT_RUN
    assert result.outcomes[1].detail == "the sandbox process failed before running a call"
    assert len(result.processes) == 2


@pytest.mark.parametrize("kind", ["opaque", "cycle", "deep"])
def test_values_without_a_comparable_form(kind: str) -> None:
    outcome = run_function(SOURCE, "f", [call(kind)], FAST).outcomes[0]
    assert outcome.status is CallStatus.NOT_SERIALISABLE
    assert outcome.detail
    assert outcome.value is None


@pytest.mark.parametrize(
    ("source", "status", "error_type"),
    [
        ("def f(:\n", CallStatus.RAISED, "SyntaxError"),
        ("def g():\n    return 1\n", CallStatus.RAISED, "NameError"),
        ("f = 3\n", CallStatus.RAISED, "TypeError"),
        ("raise RuntimeError('at import')\n", CallStatus.RAISED, "RuntimeError"),
        ("import os\nos.fork()\n", CallStatus.REFUSED, "SandboxViolation"),
        (
            "import os\ntry:\n    os.fork()\nexcept OSError:\n    pass\ndef f(x):\n    return x\n",
            CallStatus.REFUSED,
            None,
        ),
        ("while True:\n    pass\n", CallStatus.TIMEOUT, None),
        ("import os\nos._exit(4)\n", CallStatus.CRASHED, None),
    ],
    ids=["syntax", "missing", "not-callable", "raises", "refused", "refusal-caught", "loops", "exits"],
)
def test_a_module_that_does_not_load(source: str, status: CallStatus, error_type: str | None) -> None:
    result = run_function(source, "f", [call(1), call(2)], FAST)
    assert not result.loaded
    assert result.load.status is status
    assert result.load.error_type == error_type
    assert [o.status for o in result.outcomes] == [CallStatus.NOT_RUN, CallStatus.NOT_RUN]
    assert result.outcomes[0].detail == "the module did not load"
    assert_contained(result)


def test_no_calls_still_loads_the_module() -> None:
    result = run_function("def f():\n    return 1\n", "f", [], FAST)
    assert result.loaded and result.outcomes == ()


def test_the_wall_budget_stops_the_run() -> None:
    limits = SandboxLimits(call_seconds=5.0, wall_seconds=1.0, memory_bytes=256 << 20)
    result = run_function(SOURCE, "f", [call("sleep", 30), call("never")], limits)
    assert result.outcomes[0].status is CallStatus.TIMEOUT
    assert result.outcomes[1].status is CallStatus.NOT_RUN
    assert result.outcomes[1].detail == "the run's time budget (wall_seconds) ran out"
    assert result.status is ProcessStatus.WALL_TIMEOUT
    assert result.wall_seconds < 4


def test_the_cpu_limit_kills_and_the_run_goes_on() -> None:
    limits = SandboxLimits(call_seconds=10.0, wall_seconds=20.0, cpu_seconds=1, memory_bytes=256 << 20)
    source = "def f(spin):\n    while spin:\n        pass\n    return 'fine'\n"
    result = run_function(source, "f", [call(True), call(False)], limits)
    assert [o.status for o in result.outcomes] == [CallStatus.TIMEOUT, CallStatus.OK]
    assert result.processes[0].status is ProcessStatus.CPU_LIMIT
    assert result.processes[0].signal_number is not None
    assert "SIGXCPU" in result.processes[0].detail


def test_flooding_the_result_channel_is_cut_off() -> None:
    limits = SandboxLimits(call_seconds=5.0, max_output_bytes=1024, memory_bytes=256 << 20)
    source = "import os\ndef f(flood):\n    if flood:\n        os.write(3, b'x' * 10**6)\n    return 'ok'\n"
    result = run_function(source, "f", [call(True), call(False)], limits)
    assert [o.status for o in result.outcomes] == [CallStatus.TOO_LARGE, CallStatus.OK]
    assert result.processes[0].status is ProcessStatus.OUTPUT_TOO_LARGE


def test_a_runner_that_never_starts_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "broken_child.py"
    script.write_text("import sys\nsys.exit(5)\n")
    monkeypatch.setattr(sandbox, "_CHILD_SCRIPT", script)
    # A request larger than a pipe's buffer: writing it meets a closed pipe.
    result = run_function("def f(text):\n    return 1\n", "f", [call("x" * (4 << 20))], FAST)
    assert result.load.status is CallStatus.NOT_RUN
    assert result.load.detail is not None and "exited with code 5" in result.load.detail
    assert result.outcomes[0].status is CallStatus.NOT_RUN
    assert result.processes[0].exit_code == 5


def test_a_child_that_talks_nonsense_is_bad_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "chatty_child.py"
    script.write_text(
        "import sys, json\nsys.stdin.read()\n"
        "print(json.dumps({'event': 'start', 'index': -1}))\n"
        "print(json.dumps({'event': 'outcome', 'index': 0, 'status': 'ok'}))\n"
    )
    monkeypatch.setattr(sandbox, "_CHILD_SCRIPT", script)
    result = run_function("def f():\n    return 1\n", "f", [call()], FAST)
    assert result.processes[0].status is ProcessStatus.BAD_OUTPUT
    assert result.load.status is CallStatus.CRASHED


@pytest.mark.parametrize(
    "line",
    [b"{not json", b'{"event": "launch"}', b'{"event": "outcome", "index": -1, "status": "ok", "extra": 1}', b"[]"],
)
def test_protocol_lines_that_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: bytes) -> None:
    script = tmp_path / "odd_child.py"
    script.write_text(
        "import sys, os\nsys.stdin.read()\n"
        'os.write(1, b\'{"event": "start", "index": -1}\\n\' + ' + repr(line) + " + b'\\n')\n"
    )
    monkeypatch.setattr(sandbox, "_CHILD_SCRIPT", script)
    result = run_function("def f():\n    return 1\n", "f", [], FAST)
    assert result.processes[0].status is ProcessStatus.BAD_OUTPUT


# ---------------------------------------------------------------- arguments, limits, environment


def test_misuse_raises() -> None:
    with pytest.raises(ValueError, match="not a function name"):
        run_function("", "not a name", [])
    with pytest.raises(TypeError):
        run_function(b"def f(): pass", "f", [])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not a FunctionCall"):
        run_function("", "f", [(1, 2)])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="call 0: cannot pass a object"):
        run_function("", "f", [call(object())])
    with pytest.raises(ValidationError):
        SandboxLimits(call_seconds=0)
    with pytest.raises(ValidationError):
        SandboxLimits(memory_bytes=1024)


def test_result_outcomes_must_be_in_order() -> None:
    load = CallOutcome(index=-1, status=CallStatus.OK)
    with pytest.raises(ValidationError):
        SandboxResult(
            load=load,
            outcomes=(CallOutcome(index=1, status=CallStatus.OK),),
            processes=(),
            wall_seconds=0,
            stderr_tail="",
        )


def test_describe_a_call() -> None:
    assert call(2, "a", k=[1]).describe("f") == "f(2, 'a', k=[1])"
    long = call("x" * 500).describe("f", limit=40)
    assert len(long) == 40 and long.endswith("...)")


def test_build_environment_passes_nothing_but_the_allow_list(monkeypatch: pytest.MonkeyPatch) -> None:
    parent = {"TZ": "Europe/Paris", "GITHUB_TOKEN": "t", "AWS_ACCESS_KEY_ID": "a", "PATH": "/evil", "HOME": "/root"}
    env = build_environment(Path("/sandbox"), parent)
    assert env["TZ"] == "Europe/Paris"
    assert env["PATH"] == "/usr/bin:/bin"
    assert env["HOME"] == env["TMPDIR"] == "/sandbox"
    assert "GITHUB_TOKEN" not in env and "AWS_ACCESS_KEY_ID" not in env
    # A secret-looking name never passes, even when someone allow-lists it.
    monkeypatch.setattr(sandbox, "PASSED_THROUGH", ("TZ", "GITHUB_TOKEN"))
    assert "GITHUB_TOKEN" not in build_environment(Path("/sandbox"), parent)
    monkeypatch.setenv("TZ", "UTC")
    assert build_environment(Path("/sandbox"))["TZ"] == "UTC"


@pytest.mark.parametrize(
    "name", ["OPENAI_API_KEY", "GITHUB_TOKEN", "DB_PASSWORD", "AWS_REGION", "MY_SECRET", "ANTHROPIC_BASE_URL"]
)
def test_secret_names(name: str) -> None:
    assert sandbox.SECRET_NAME.search(name)


# ---------------------------------------------------------------- the codec


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        0,
        -5,
        2**5000,
        1.5,
        math.inf,
        -math.inf,
        "text",
        b"\x00\xff",
        bytearray(b"ab"),
        (1, (2, 3)),
        {1, 2},
        frozenset({"a"}),
        {"a": [1, {"b": (2,)}]},
        {(1, 2): "pair", 3: None},
        {"__set__": 1},
        2 - 3j,
    ],
)
def test_codec_round_trips(value: object) -> None:
    encoded = child.encode_value(value, arguments=True)
    assert child.decode_value(encoded) == value
    assert child.encode_value(child.decode_value(encoded)) == encoded


def test_codec_nan_round_trips() -> None:
    assert math.isnan(child.decode_value(child.encode_value(math.nan)))


def test_codec_objects_without_attributes_use_their_repr() -> None:
    import datetime

    assert child.encode_value(datetime.date(2020, 1, 2)) == {"__repr__": ["date", "datetime.date(2020, 1, 2)"]}


def test_codec_decodes_exact_numbers() -> None:
    import decimal
    import fractions

    assert child.decode_value(child.encode_value(decimal.Decimal("1.5"))) == decimal.Decimal("1.5")
    assert child.decode_value(child.encode_value(fractions.Fraction(2, 3))) == fractions.Fraction(2, 3)
    with pytest.raises(child.EncodingError):
        child.decode_value({"__object__": ["Point", {}]})


def test_codec_sets_are_sorted_regardless_of_insertion_order() -> None:
    assert child.encode_value({"b", "a", "c"}) == child.encode_value({"c", "b", "a"}) == {"__set__": ["a", "b", "c"]}
    assert child.encode_value({2: 0, 1: 0}) == {"__dict__": [[1, 0], [2, 0]]}


def test_codec_limits() -> None:
    with pytest.raises(child.ValueTooLarge):
        child.encode_value("x" * 100, max_bytes=50)
    with pytest.raises(child.ValueTooLarge):
        child.encode_value(2**100000, max_bytes=1000)
    looped: list[object] = []
    looped.append(looped)
    with pytest.raises(child.EncodingError, match="contains itself"):
        child.encode_value(looped)
    with pytest.raises(child.EncodingError, match="nested too deeply"):
        nested: list[object] = []
        for _ in range(200):
            nested = [nested]
        child.encode_value(nested)
    with pytest.raises(child.EncodingError, match="no comparable form"):
        child.encode_value(object())
    with pytest.raises(child.EncodingError, match="cannot pass"):
        child.encode_value(sandbox.CallStatus.OK, arguments=True)


def test_codec_objects_that_contain_themselves() -> None:
    class Node:
        def __init__(self) -> None:
            self.next = self

    with pytest.raises(child.EncodingError, match="contains itself"):
        child.encode_value(Node())


def test_short_repr_is_bounded_and_never_fails() -> None:
    class Hostile:
        def __repr__(self) -> str:
            raise RuntimeError("no")

    def refuse_iteration(self: object) -> None:
        raise RuntimeError("no")

    # reprlib picks its method by type name, so a "list" whose iteration fails reaches our fallback.
    impostor = type("list", (list,), {"__iter__": refuse_iteration})([1])
    assert "Hostile" in child.short_repr(Hostile())
    assert child.short_repr(impostor) == "<unprintable list>"
    assert len(child.short_repr("x" * 10_000)) <= 300
    assert len(child.short_repr([[1] * 1000] * 1000)) <= 300


# ---------------------------------------------------------------- helpers, in this process


def test_settle_reports_failures_while_encoding() -> None:
    class Exhausting:
        @property
        def __dict__(self) -> dict[str, object]:  # type: ignore[override]
            raise MemoryError

    class Bottomless:
        @property
        def __dict__(self) -> dict[str, object]:  # type: ignore[override]
            raise RecursionError

    reserve = [bytearray(16)]
    memory = child._settle(lambda: Exhausting(), 1 << 20, reserve)
    assert memory["status"] == "memory" and reserve == []
    deep = child._settle(lambda: Bottomless(), 1 << 20, [])
    assert deep == {
        "status": "not_serialisable",
        "value_repr": deep["value_repr"],
        "detail": "the value is nested too deeply",
    }


def test_process_group_helpers_tolerate_the_unknown() -> None:
    sandbox._kill_group(2**22 + 4321)  # no such group: nothing to do, no error
    assert sandbox._signal_name(9) == "SIGKILL"
    assert sandbox._signal_name(999) == "signal 999"
