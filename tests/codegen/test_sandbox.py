"""The sandbox on ordinary code: values, exceptions, limits, restarts, misuse, and the helpers behind them."""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from tests.codegen.sandbox_helpers import FAST, assert_contained, call
from tokdrift_cli.codegen.sandbox import (
    CallOutcome,
    CallStatus,
    ProcessStatus,
    SandboxLimits,
    SandboxResult,
    boundary,
    build_environment,
    environment,
    run_function,
)
from tokdrift_cli.codegen.sandbox.child import main as child
from tokdrift_cli.codegen.sandbox.process import _signal_name, kill_group

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
    monkeypatch.setattr(boundary, "CHILD_SCRIPT", script)
    # A request larger than a pipe's buffer: writing it meets a closed pipe.
    result = run_function("def f(text):\n    return 1\n", "f", [call("x" * (4 << 20))], FAST)
    assert result.load.status is CallStatus.NOT_RUN
    assert result.load.detail is not None and "exited with code 5" in result.load.detail
    assert result.outcomes[0].status is CallStatus.NOT_RUN
    assert result.processes[0].exit_code == 5


def test_a_child_that_talks_nonsense_is_bad_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "chatty_child.py"
    script.write_text(
        "import sys, json\ntoken = json.loads(sys.stdin.read())['token']\n"
        "print(token, json.dumps({'event': 'start', 'index': -1}))\n"
        "print(token, json.dumps({'event': 'outcome', 'index': 0, 'status': 'ok'}))\n"
    )
    monkeypatch.setattr(boundary, "CHILD_SCRIPT", script)
    result = run_function("def f():\n    return 1\n", "f", [call()], FAST)
    assert result.processes[0].status is ProcessStatus.BAD_OUTPUT
    assert result.load.status is CallStatus.CRASHED


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
            boundary="none",
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
    monkeypatch.setattr(environment, "PASSED_THROUGH", ("TZ", "GITHUB_TOKEN"))
    assert "GITHUB_TOKEN" not in build_environment(Path("/sandbox"), parent)
    monkeypatch.setenv("TZ", "UTC")
    assert build_environment(Path("/sandbox"))["TZ"] == "UTC"


@pytest.mark.parametrize(
    "name", ["OPENAI_API_KEY", "GITHUB_TOKEN", "DB_PASSWORD", "AWS_REGION", "MY_SECRET", "ANTHROPIC_BASE_URL"]
)
def test_secret_names(name: str) -> None:
    assert environment.SECRET_NAME.search(name)


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
    kill_group(2**22 + 4321)  # no such group: nothing to do, no error
    assert _signal_name(9) == "SIGKILL"
    assert _signal_name(999) == "signal 999"


def test_the_probe_reports_who_it_is_and_where_it_could_write(tmp_path: Path) -> None:
    writable, locked = tmp_path / "mine", tmp_path / "locked"
    writable.mkdir()
    locked.mkdir()
    locked.chmod(0o500)
    facts = child.probe_facts({"token": "t", "try_writing": [str(writable), str(locked), "/nonexistent"]})
    assert facts["uids"] == list(os.getresuid()) and facts["processes"] >= 1
    assert "lo" in facts["interfaces"] and set(facts["status"]) == {"CapEff", "CapPrm", "CapAmb", "NoNewPrivs"}
    expected = [str(writable), str(locked)] if os.geteuid() == 0 else [str(writable)]  # root ignores modes
    assert facts["writable"] == expected and list(writable.iterdir()) == []
