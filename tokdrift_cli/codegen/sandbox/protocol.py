"""The parent's reading of the sandbox process's result lines: validate everything, trust nothing, never fail.

The untrusted code shares its process with the runner, so it can write to the
result descriptor, close it, or replace it. What it cannot do is make the
parent believe more than "this call returned this value": the parent, not the
child, judges results (expected values never enter the child), so a forged
line claims at most what an honest function could have returned by itself.
Everything that does not fit the protocol exactly - not the token, not JSON,
too deep, too long, a wrong type, an unknown field, an event out of order, a
value that is not a well-formed tagged encoding - is a :class:`ProtocolError`,
which the reader turns into an error result for the call it happened in.

Text the child sends (messages, reprs, refusals) is passed through a
:class:`~tokdrift_cli.codegen.sandbox.environment.Redactor` before it can reach
an artifact.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from tokdrift_cli.codegen.sandbox.child import codec
from tokdrift_cli.codegen.sandbox.models import CallOutcome, CallStatus

#: Nesting of a line's JSON: the value's own (tags double it) plus the record around it.
_MAX_JSON_DEPTH: Final = 2 * codec.MAX_DEPTH + 8
_MAX_REFUSALS: Final = 20
_NAME_CHARS: Final = 200
_DETAIL_CHARS: Final = 300
_HEX = re.compile(r"(?:[0-9a-f]{2})*")
_BIGINT = re.compile(r"-?0x[0-9a-f]+")
# What the child may report: never not_run, crashed (the parent's findings).
_CHILD_STATUSES: Final = frozenset(
    {
        CallStatus.OK,
        CallStatus.RAISED,
        CallStatus.REFUSED,
        CallStatus.TIMEOUT,
        CallStatus.MEMORY,
        CallStatus.TOO_LARGE,
        CallStatus.NOT_SERIALISABLE,
    }
)


class ProtocolError(Exception):
    """A line from the sandbox process that is not a well-formed result line."""


@dataclass(frozen=True)
class Start:
    index: int


@dataclass(frozen=True)
class Refused:
    what: str


@dataclass(frozen=True)
class Outcome:
    outcome: CallOutcome


@dataclass(frozen=True)
class Done:
    pass


@dataclass(frozen=True)
class Probe:
    facts: dict[str, Any]


Event = Start | Refused | Outcome | Done | Probe


def parse_line(line: bytes, token: bytes, redact: Callable[[str], str]) -> Event:
    """One result line as an event; raises :class:`ProtocolError` (only) for anything else."""
    prefix = token + b" "
    if not line.startswith(prefix):
        raise ProtocolError("a line without the run's token")
    try:
        record = json.loads(line[len(prefix) :], parse_constant=_refuse_constant)
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise ProtocolError("a line that is not JSON") from None
    if type(record) is not dict or type(record.get("event")) is not str:
        raise ProtocolError("a line that is not an event")
    event = record.pop("event")
    if event == "start":
        _expect_keys(record, {"index"})
        return Start(_index(record["index"]))
    if event == "refused":
        _expect_keys(record, {"what"})
        return Refused(redact(_text(record["what"], _DETAIL_CHARS)))
    if event == "outcome":
        return Outcome(_outcome(record, redact))
    if event == "done":
        _expect_keys(record, set())
        return Done()
    if event == "probe":
        return Probe(record)
    raise ProtocolError(f"an unknown event {event[:40]!r}")


def _refuse_constant(name: str) -> Any:
    raise ProtocolError(f"a non-finite number ({name})")


def _expect_keys(record: dict[str, Any], required: set[str], optional: frozenset[str] = frozenset()) -> None:
    if not required <= record.keys() or not record.keys() <= required | optional:
        raise ProtocolError("an event with missing or unexpected fields")


def _index(value: Any) -> int:
    if type(value) is not int or not -1 <= value < 1 << 31:
        raise ProtocolError("an index that is not a call number")
    return value


def _text(value: Any, limit: int) -> str:
    if type(value) is not str or len(value) > limit:
        raise ProtocolError("a text field that is not a string within its limit")
    return value


_OUTCOME_FIELDS: Final = frozenset(
    {"value", "value_repr", "error_type", "error_message", "refusals", "detail", "seconds"}
)


def _outcome(record: dict[str, Any], redact: Callable[[str], str]) -> CallOutcome:
    _expect_keys(record, {"index", "status"}, _OUTCOME_FIELDS)
    index = _index(record["index"])
    try:
        status = CallStatus(record["status"])
    except ValueError:
        raise ProtocolError("an unknown status") from None
    if status not in _CHILD_STATUSES:
        raise ProtocolError(f"a status only the parent may give ({status.value})")
    value = record.get("value")
    if "value" in record and (status is not CallStatus.OK or index == -1 or not valid_value(value, 0)):
        raise ProtocolError("a value that is not a well-formed encoding")
    seconds = record.get("seconds")
    if seconds is not None and (type(seconds) not in (int, float) or not 0 <= seconds < 1e9):
        raise ProtocolError("a duration that is not a number of seconds")
    refusals = record.get("refusals", [])
    if type(refusals) is not list or len(refusals) > _MAX_REFUSALS:
        raise ProtocolError("refusals that are not a short list")

    def optional_text(name: str, limit: int) -> str | None:
        found = record.get(name)
        return None if found is None else redact(_text(found, limit))

    return CallOutcome(
        index=index,
        status=status,
        value=value,
        value_repr=optional_text("value_repr", codec.REPR_CHARS),
        error_type=optional_text("error_type", _NAME_CHARS),
        error_message=optional_text("error_message", codec.MESSAGE_CHARS),
        refusals=tuple(redact(_text(item, _DETAIL_CHARS)) for item in refusals),
        detail=optional_text("detail", _DETAIL_CHARS),
        seconds=None if seconds is None else float(seconds),
    )


def valid_value(data: Any, depth: int) -> bool:
    """Whether ``data`` is a well-formed tagged encoding (what :func:`codec.encode_value` writes), never deeper than allowed."""
    if depth > _MAX_JSON_DEPTH:
        return False
    kind = type(data)
    if data is None or kind in (bool, int, str):
        return True
    if kind is float:
        return math.isfinite(data)
    if kind is list:
        return all(valid_value(item, depth + 1) for item in data)
    if kind is not dict:
        return False
    if len(data) == 1:
        [(key, payload)] = data.items()
        if key in codec.TAGS:
            return _valid_tagged(key, payload, depth + 1)
    return all(valid_value(item, depth + 1) for item in data.values())


def _pair(payload: Any) -> bool:
    return type(payload) is list and len(payload) == 2


def _number(data: Any, depth: int) -> bool:
    if type(data) is dict:
        return set(data) <= {codec.FLOAT, codec.BIGINT} and valid_value(data, depth)
    return type(data) in (int, float) and valid_value(data, depth)


def _valid_tagged(tag: str, payload: Any, depth: int) -> bool:
    kind = type(payload)
    if tag in (codec.TUPLE, codec.SET, codec.FROZENSET):
        return kind is list and valid_value(payload, depth)
    if tag == codec.DICT:
        return kind is list and all(_pair(pair) and valid_value(pair, depth + 1) for pair in payload)
    if tag == codec.FLOAT:
        return payload in ("nan", "inf", "-inf")
    if tag == codec.BIGINT:
        return kind is str and _BIGINT.fullmatch(payload) is not None
    if tag in (codec.BYTES, codec.BYTEARRAY):
        return kind is str and _HEX.fullmatch(payload) is not None
    if tag == codec.DECIMAL:
        return kind is str and len(payload) <= 4096
    if tag in (codec.COMPLEX, codec.FRACTION):
        return _pair(payload) and all(_number(part, depth + 1) for part in payload)
    if tag == codec.ENUM:
        return _pair(payload) and type(payload[0]) is str and valid_value(payload[1], depth + 1)
    if tag == codec.OBJECT:
        return (
            _pair(payload) and type(payload[0]) is str and type(payload[1]) is dict and valid_value(payload[1], depth)
        )
    # codec.REPR, the last tag
    return _pair(payload) and type(payload[0]) is str and type(payload[1]) is str
