"""The result channel: the parent reads only well-formed lines in order, never raises, and judges results itself."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from tests.codegen.sandbox_helpers import FAST, call
from tokdrift_cli.codegen.judging import check_against_tests
from tokdrift_cli.codegen.sandbox import CallStatus, ProcessStatus, Redactor, boundary, run_function
from tokdrift_cli.codegen.sandbox.child import codec
from tokdrift_cli.codegen.sandbox.environment import MASK
from tokdrift_cli.codegen.sandbox.protocol import (
    Done,
    Outcome,
    Probe,
    ProtocolError,
    Refused,
    Start,
    parse_line,
    valid_value,
)
from tokdrift_cli.core.suite import FunctionTest

TOKEN = b"0123456789abcdef"


def line(record: Any) -> bytes:
    return TOKEN + b" " + json.dumps(record).encode()


def parse(raw: bytes, redact: Any = str) -> Any:
    return parse_line(raw, TOKEN, redact)


# ---------------------------------------------------------------- one line


def test_well_formed_lines_become_events() -> None:
    assert parse(line({"event": "start", "index": -1})) == Start(-1)
    assert parse(line({"event": "refused", "what": "os.fork"})) == Refused("os.fork")
    assert parse(line({"event": "done"})) == Done()
    assert parse(line({"event": "probe", "uids": [1]})) == Probe({"uids": [1]})
    event = parse(line({"event": "outcome", "index": 0, "status": "ok", "value": {"__tuple__": [1]}, "seconds": 0.5}))
    assert isinstance(event, Outcome)
    assert event.outcome.status is CallStatus.OK and event.outcome.value == {"__tuple__": [1]}


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (b'{"event": "done"}', "token"),
        (b"ffffffffffffffff " + b'{"event": "done"}', "token"),
        (TOKEN + b" not json", "not JSON"),
        (TOKEN + b" \xff\xfe", "not JSON"),
        (TOKEN + b" " + b"[" * 100_000 + b"]" * 100_000, "not JSON"),
        (TOKEN + b" " + b"1" * 5000, "not JSON"),
        (line([]), "not an event"),
        (line({"event": 3}), "not an event"),
        (line({"event": "launch"}), "unknown event"),
        (line({"event": "start"}), "fields"),
        (line({"event": "start", "index": True}), "call number"),
        (line({"event": "start", "index": "0"}), "call number"),
        (line({"event": "start", "index": 1 << 40}), "call number"),
        (line({"event": "refused", "what": ["x"]}), "text field"),
        (line({"event": "refused", "what": "x" * 301}), "text field"),
        (line({"event": "done", "extra": 1}), "fields"),
        (line({"event": "outcome", "index": 0, "status": "ok", "extra": 1}), "fields"),
        (line({"event": "outcome", "index": 0, "status": "bogus"}), "unknown status"),
        (line({"event": "outcome", "index": 0, "status": ["ok"]}), "unknown status"),
        (line({"event": "outcome", "index": 0, "status": "crashed"}), "only the parent"),
        (line({"event": "outcome", "index": 0, "status": "not_run"}), "only the parent"),
        (line({"event": "outcome", "index": 0, "status": "raised", "value": 1}), "well-formed encoding"),
        (line({"event": "outcome", "index": -1, "status": "ok", "value": 1}), "well-formed encoding"),
        (line({"event": "outcome", "index": 0, "status": "ok", "value": {"__dict__": "x"}}), "well-formed"),
        (line({"event": "outcome", "index": 0, "status": "ok", "seconds": -1}), "duration"),
        (line({"event": "outcome", "index": 0, "status": "ok", "seconds": "1"}), "duration"),
        (line({"event": "outcome", "index": 0, "status": "ok", "refusals": "x"}), "short list"),
        (line({"event": "outcome", "index": 0, "status": "ok", "refusals": ["x"] * 21}), "short list"),
        (line({"event": "outcome", "index": 0, "status": "raised", "error_message": "m" * 1001}), "text field"),
        (TOKEN + b' {"event": "outcome", "index": 0, "status": "ok", "value": NaN}', "non-finite"),
        (TOKEN + b' {"event": "outcome", "index": 0, "status": "ok", "value": 1e999}', "well-formed"),
    ],
)
def test_anything_else_is_a_protocol_error(raw: bytes, why: str) -> None:
    with pytest.raises(ProtocolError, match=why):
        parse(raw)


def test_text_from_the_child_is_masked_of_the_parents_secrets() -> None:
    redact = Redactor({"OPENAI_API_KEY": "sk-live-abcdef123456", "HOME": "/root", "SHORT_TOKEN": "abc"})
    record = {
        "event": "outcome",
        "index": 0,
        "status": "raised",
        "error_type": "ValueError",
        "error_message": "key sk-live-abcdef123456 and abc",
        "refusals": ["open /x sk-live-abcdef123456"],
    }
    outcome = parse(line(record), redact).outcome
    assert outcome.error_message == f"key {MASK} and abc"  # a value too short to be a secret is left alone
    assert outcome.refusals == (f"open /x {MASK}",)
    assert parse(line({"event": "refused", "what": "sk-live-abcdef123456"}), redact) == Refused(MASK)
    # Text the child cut short may end in the first part of a secret.
    assert redact("leaked sk-live-abcd...") == f"leaked {MASK}..."
    assert redact("sk-liv") == MASK and redact("sk-li") == "sk-li"
    assert Redactor({})("anything") == "anything"


ENCODED = [
    codec.encode_value(value)
    for value in (
        None,
        True,
        -3,
        2.5,
        "text",
        [1, [2]],
        (1, "a"),
        {3, 1},
        frozenset({"a"}),
        {"k": (1,)},
        {(1, 2): "pair"},
        math.nan,
        -math.inf,
        2**5000,
        -(2**5000),
        b"\x00\xff",
        bytearray(b"ab"),
        1 + 2j,
        complex(math.inf, 1),
    )
]


@pytest.mark.parametrize("encoded", ENCODED)
def test_what_the_codec_writes_is_well_formed(encoded: Any) -> None:
    assert valid_value(encoded, 0)


def test_objects_exact_numbers_and_reprs_are_well_formed() -> None:
    import decimal
    import enum
    import fractions

    class Colour(enum.Enum):
        RED = 1

    class Point:
        def __init__(self) -> None:
            self.x = (1, 2)

    values = [decimal.Decimal("1.5"), fractions.Fraction(1, 3), Colour.RED, Point(), range(3)]
    assert all(valid_value(codec.encode_value(value), 0) for value in values)


@pytest.mark.parametrize(
    "data",
    [
        math.inf,
        {"__tuple__": 1},
        {"__set__": {"a": 1}},
        {"__dict__": [[1]]},
        {"__dict__": [1, 2]},
        {"__float__": "1.5"},
        {"__bigint__": "12"},
        {"__bytes__": "abc"},
        {"__bytes__": "zz"},
        {"__complex__": [1, "a"]},
        {"__complex__": [1, {"__bytes__": ""}]},
        {"__fraction__": [1]},
        {"__enum__": [1, 2]},
        {"__object__": ["P", []]},
        {"__repr__": ["range", 3]},
        {"__decimal__": "1" * 5000},
        {"a": {"__tuple__": "x"}},
        (1, 2),
        object(),
    ],
)
def test_malformed_encodings_are_refused(data: Any) -> None:
    assert not valid_value(data, 0)


def test_encodings_nested_too_deeply_are_refused() -> None:
    nested: Any = 1
    for _ in range(300):
        nested = [nested]
    assert not valid_value(nested, 0)


# ---------------------------------------------------------------- lines in order, through a real process


def scripted_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> None:
    """A stand-in runner that knows the token and writes the lines ``body`` sends."""
    script = tmp_path / "scripted_child.py"
    script.write_text(
        "import json, os, sys\n"
        "token = json.loads(sys.stdin.read())['token']\n"
        "def send(record):\n"
        "    os.write(1, (token + ' ' + json.dumps(record) + '\\n').encode())\n"
        "START, LOADED, DONE = {'event': 'start', 'index': -1}, {'event': 'outcome', 'index': -1, 'status': 'ok'}, "
        "{'event': 'done'}\n" + body
    )
    monkeypatch.setattr(boundary, "CHILD_SCRIPT", script)


MALFORMED_CALL0 = (
    "send({'event': 'start', 'index': 0})\n"
    "send({'event': 'outcome', 'index': 0, 'status': 'ok', 'value': {'__dict__': 'x'}})\n"
)
CALL0 = "send({'event': 'start', 'index': 0})\nsend({'event': 'outcome', 'index': 0, 'status': 'ok', 'value': 1})\n"


@pytest.mark.parametrize(
    ("body", "blamed", "why"),
    [
        ("send(LOADED)\n", "load", "not running"),
        ("send({'event': 'start', 'index': 0})\n", "load", "out of order"),
        ("send(START)\nsend(START)\n", "load", "out of order"),
        ("send(START)\nsend(LOADED)\nsend(DONE)\n", "load", "the end before every call"),
        ("send(START)\nsend(LOADED)\nsend({'event': 'refused', 'what': 'x'})\n", "load", "outside any call"),
        ("send(START)\nsend(LOADED)\n" + CALL0 + "send(DONE)\nsend(DONE)\n", "call", "after the end"),
        ("send(START)\nsend(LOADED)\n" + CALL0 + CALL0, "call", "out of order"),
        ("send(START)\nsend({'event': 'probe'})\n", "load", "probe report"),
        ("send(START)\nsend(LOADED)\n" + MALFORMED_CALL0, "call", "well-formed encoding"),
        ("os.write(1, b'no token here\\n')\n", "load", "without the run's token"),
    ],
    ids=[
        "outcome-first",
        "call-before-load",
        "started-twice",
        "done-early",
        "stray-refusal",
        "after-done",
        "call-reported-twice",
        "probe-in-a-run",
        "malformed-value",
        "no-token",
    ],
)
def test_a_line_out_of_place_is_a_crash_of_the_call_it_came_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, blamed: str, why: str
) -> None:
    scripted_child(tmp_path, monkeypatch, body)
    result = run_function("def f():\n    return 1\n", "f", [call()], FAST)
    assert result.processes[0].status is ProcessStatus.BAD_OUTPUT
    assert why in result.processes[0].detail
    crashed = result.load if blamed == "load" else result.outcomes[0]
    assert crashed.status is CallStatus.CRASHED and crashed.value is None
    assert why in (crashed.detail or "")


def test_refusals_of_one_call_are_kept_but_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scripted_child(
        tmp_path,
        monkeypatch,
        "send(START)\nsend(LOADED)\nsend({'event': 'start', 'index': 0})\n"
        "for n in range(50):\n    send({'event': 'refused', 'what': f'os.fork {n}'})\n"
        "send({'event': 'outcome', 'index': 0, 'status': 'ok', 'value': 1})\nsend(DONE)\n",
    )
    outcome = run_function("def f():\n    return 1\n", "f", [call()], FAST).outcomes[0]
    assert outcome.status is CallStatus.REFUSED and len(outcome.refusals) == 20
    assert outcome.detail == "after a refusal the call ended as ok"


FORGER = """
import os, sys

def f(x):
    frame = sys._getframe(1)
    while frame is not None:
        channel = frame.f_locals.get("channel")
        if channel is not None and hasattr(channel, "emit"):
            index = next(fr.f_locals["index"] for fr in _stack() if "index" in fr.f_locals)
            channel.emit({"event": "outcome", "index": index, "status": "ok", "value": 42, "value_repr": "42"})
            channel.emit({"event": "done"})
            os._exit(0)
        frame = frame.f_back

def _stack():
    frame = sys._getframe(1)
    while frame is not None:
        yield frame
        frame = frame.f_back
"""


def test_a_perfect_forgery_claims_no_more_than_returning_the_value_would() -> None:
    # The forger found the token and ended the process before the runner could contradict it: the
    # parent took its word that f returned 42. The tests' expected values never entered the sandbox,
    # so the claim passes exactly the tests that `return 42` would pass.
    tests = [
        FunctionTest(args=[1], expected=7),
        FunctionTest(args=[2], expected=8),
        FunctionTest(args=[3], expected=42),
    ]
    verdict = check_against_tests(FORGER, "f", tests, FAST)
    assert [result.passed for result in verdict.results] == [False, False, True]
    honest = check_against_tests("def f(x):\n    return 42\n", "f", tests, FAST)
    assert [result.passed for result in honest.results] == [False, False, True]
