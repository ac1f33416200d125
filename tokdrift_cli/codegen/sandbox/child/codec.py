"""The value codec both sides of the sandbox share: tagged JSON that compares the same on every run.

Standard library only: the sandbox process imports this file by path (it has no
site-packages), and the parent imports it as a module, so both encode and
decode values the same way. No side effect on import.

A value that JSON cannot carry as itself gets a one-key tag object (``{"__tuple__":
[...]}``); sets and non-string-keyed dicts are sorted by their encoding, so
iteration order never matters.
"""

from __future__ import annotations

import decimal
import enum
import fractions
import json
import math
import reprlib

# Tags of the value encoding: a one-key JSON object whose key is one of these.
TUPLE = "__tuple__"
SET = "__set__"
FROZENSET = "__frozenset__"
DICT = "__dict__"
FLOAT = "__float__"
BIGINT = "__bigint__"
BYTES = "__bytes__"
BYTEARRAY = "__bytearray__"
COMPLEX = "__complex__"
DECIMAL = "__decimal__"
FRACTION = "__fraction__"
ENUM = "__enum__"
OBJECT = "__object__"
REPR = "__repr__"
TAGS = frozenset(
    {TUPLE, SET, FROZENSET, DICT, FLOAT, BIGINT, BYTES, BYTEARRAY, COMPLEX, DECIMAL, FRACTION, ENUM, OBJECT, REPR}
)

# Integers wider than this travel as hex: JSON readers refuse very long digit strings.
_MAX_PLAIN_INT_BITS = 4000
#: Deepest nesting an encoded value may have.
MAX_DEPTH = 100
#: Longest ``repr`` of a value, and longest exception message, that travels.
REPR_CHARS = 300
MESSAGE_CHARS = 1000


class EncodingError(ValueError):
    """A value cannot be written in the tagged JSON encoding."""


class ValueTooLarge(EncodingError):
    """The encoded value would exceed the size budget."""


def encode_value(value, max_bytes=1 << 20, *, arguments=False):
    """Encode ``value`` as JSON-compatible data that compares the same on every run.

    Tuples, sets, bytes, non-finite floats and other non-JSON values get a
    one-key tag object; sets and non-string-keyed dicts are sorted so that
    iteration order never matters. ``arguments=True`` refuses what the child
    could not rebuild (objects), for encoding call arguments.
    """
    budget = [max_bytes]
    return _encode(value, budget, set(), 0, arguments)


def _spend(budget, amount):
    budget[0] -= amount
    if budget[0] < 0:
        raise ValueTooLarge("the value is larger than the output limit")


def canonical_json(encoded):
    """One text per encoded value: the sort key for sets and dict keys."""
    return json.dumps(encoded, sort_keys=True, ensure_ascii=True, allow_nan=False)


def _encode(value, budget, active, depth, arguments):
    if depth > MAX_DEPTH:
        raise EncodingError("the value is nested too deeply")
    if value is None or isinstance(value, bool):
        _spend(budget, 5)
        return value
    if isinstance(value, enum.Enum):
        if arguments:
            raise EncodingError(f"cannot pass a {type(value).__name__} to the sandbox")
        _spend(budget, 16)
        name = f"{type(value).__qualname__}.{value.name}"
        return {ENUM: [name, _encode(value.value, budget, active, depth + 1, arguments)]}
    if isinstance(value, int):
        if value.bit_length() > _MAX_PLAIN_INT_BITS:
            _spend(budget, value.bit_length() // 4 + 4)
            return {BIGINT: hex(value)}
        _spend(budget, 24)
        return int(value)
    if isinstance(value, float):
        _spend(budget, 24)
        if math.isfinite(value):
            return float(value)
        return {FLOAT: repr(float(value))}
    if isinstance(value, str):
        _spend(budget, len(value) + 2)
        return str(value)
    if isinstance(value, bytes | bytearray):
        _spend(budget, 2 * len(value) + 2)
        return {BYTEARRAY if isinstance(value, bytearray) else BYTES: bytes(value).hex()}
    if isinstance(value, complex):
        _spend(budget, 48)
        return {
            COMPLEX: [
                _encode(value.real, budget, active, depth, arguments),
                _encode(value.imag, budget, active, depth, arguments),
            ]
        }
    if isinstance(value, list | tuple | set | frozenset | dict):
        return _encode_container(value, budget, active, depth, arguments)
    if arguments:
        raise EncodingError(f"cannot pass a {type(value).__name__} to the sandbox")
    return _encode_other(value, budget, active, depth)


def _encode_container(value, budget, active, depth, arguments):
    if id(value) in active:
        raise EncodingError("the value contains itself")
    active.add(id(value))
    try:
        _spend(budget, 2)
        if isinstance(value, dict):
            return _encode_dict(value, budget, active, depth, arguments)
        items = [_encode(item, budget, active, depth + 1, arguments) for item in value]
        if isinstance(value, list):
            return items
        if isinstance(value, tuple):
            return {TUPLE: items}
        return {FROZENSET if isinstance(value, frozenset) else SET: sorted(items, key=canonical_json)}
    finally:
        active.discard(id(value))


def _encode_dict(value, budget, active, depth, arguments):
    plain = all(type(key) is str for key in value) and not (len(value) == 1 and next(iter(value)) in TAGS)
    if plain:
        return {key: _encode(item, budget, active, depth + 1, arguments) for key, item in value.items()}
    pairs = [
        [_encode(key, budget, active, depth + 1, arguments), _encode(item, budget, active, depth + 1, arguments)]
        for key, item in value.items()
    ]
    return {DICT: sorted(pairs, key=lambda pair: canonical_json(pair[0]))}


def _encode_other(value, budget, active, depth):
    """Objects: exact numbers by value, plain objects by their attributes, else a stable repr."""
    if isinstance(value, decimal.Decimal):
        _spend(budget, 32)
        return {DECIMAL: str(value)}
    if isinstance(value, fractions.Fraction):
        _spend(budget, 32)
        return {
            FRACTION: [
                _encode(value.numerator, budget, active, depth, False),
                _encode(value.denominator, budget, active, depth, False),
            ]
        }
    kind = type(value)
    state = _object_state(value)
    if state is not None:
        if id(value) in active:
            raise EncodingError("the value contains itself")
        active.add(id(value))
        try:
            _spend(budget, len(kind.__qualname__) + 8)
            return {OBJECT: [kind.__qualname__, _encode_dict(state, budget, active, depth + 1, False)]}
        finally:
            active.discard(id(value))
    text = repr(value)
    if " at 0x" in text:
        # A default repr carries a memory address: it differs on every run.
        raise EncodingError(f"a {kind.__name__} has no comparable form")
    _spend(budget, len(text) + len(kind.__qualname__) + 8)
    return {REPR: [kind.__qualname__, text]}


def _object_state(value):
    """The attributes of an instance of a plain class, or None for anything else."""
    if isinstance(value, type) or callable(value) or type(value).__module__ == "builtins":
        return None
    state = {}
    names = []
    for klass in type(value).__mro__:
        slots = klass.__dict__.get("__slots__", ())
        names.extend([slots] if isinstance(slots, str) else slots)
    for name in names:
        if name not in ("__dict__", "__weakref__") and hasattr(value, name):
            state[name] = getattr(value, name)
    instance_dict = getattr(value, "__dict__", None)
    if isinstance(instance_dict, dict):
        state.update(instance_dict)
    elif not names:
        return None
    return state


def decode_value(data):
    """Rebuild the Python value of an encoding (the inverse of :func:`encode_value` for arguments)."""
    if isinstance(data, list):
        return [decode_value(item) for item in data]
    if not isinstance(data, dict):
        return data
    if len(data) == 1:
        [(tag, payload)] = data.items()
        if tag in TAGS:
            return _decode_tagged(tag, payload)
    return {key: decode_value(item) for key, item in data.items()}


def _decode_tagged(tag, payload):
    if tag == TUPLE:
        return tuple(decode_value(item) for item in payload)
    if tag == SET:
        return {decode_value(item) for item in payload}
    if tag == FROZENSET:
        return frozenset(decode_value(item) for item in payload)
    if tag == DICT:
        return {decode_value(key): decode_value(item) for key, item in payload}
    if tag == FLOAT:
        return float(payload)
    if tag == BIGINT:
        return int(payload, 16)
    if tag == BYTES:
        return bytes.fromhex(payload)
    if tag == BYTEARRAY:
        return bytearray.fromhex(payload)
    if tag == COMPLEX:
        return complex(decode_value(payload[0]), decode_value(payload[1]))
    if tag == DECIMAL:
        return decimal.Decimal(payload)
    if tag == FRACTION:
        return fractions.Fraction(decode_value(payload[0]), decode_value(payload[1]))
    raise EncodingError(f"cannot rebuild a {tag} value")


def short_repr(value):
    """A bounded repr that never fails and never builds a huge string."""
    shortener = reprlib.Repr()
    shortener.maxstring = shortener.maxother = REPR_CHARS
    shortener.maxlist = shortener.maxtuple = shortener.maxset = shortener.maxdict = 30
    try:
        text = shortener.repr(value)
    except Exception:  # noqa: BLE001 - an untrusted __repr__ may raise anything
        return f"<unprintable {type(value).__name__}>"
    return text if len(text) <= REPR_CHARS else text[: REPR_CHARS - 3] + "..."
