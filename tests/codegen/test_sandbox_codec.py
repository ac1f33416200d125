"""The value codec the parent and the sandbox process share."""

from __future__ import annotations

import math

import pytest

from tokdrift_cli.codegen.sandbox import CallStatus
from tokdrift_cli.codegen.sandbox.child import codec


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
    encoded = codec.encode_value(value, arguments=True)
    assert codec.decode_value(encoded) == value
    assert codec.encode_value(codec.decode_value(encoded)) == encoded


def test_codec_nan_round_trips() -> None:
    assert math.isnan(codec.decode_value(codec.encode_value(math.nan)))


def test_codec_objects_without_attributes_use_their_repr() -> None:
    import datetime

    assert codec.encode_value(datetime.date(2020, 1, 2)) == {"__repr__": ["date", "datetime.date(2020, 1, 2)"]}


def test_codec_decodes_exact_numbers() -> None:
    import decimal
    import fractions

    assert codec.decode_value(codec.encode_value(decimal.Decimal("1.5"))) == decimal.Decimal("1.5")
    assert codec.decode_value(codec.encode_value(fractions.Fraction(2, 3))) == fractions.Fraction(2, 3)
    with pytest.raises(codec.EncodingError):
        codec.decode_value({"__object__": ["Point", {}]})


def test_codec_sets_are_sorted_regardless_of_insertion_order() -> None:
    assert codec.encode_value({"b", "a", "c"}) == codec.encode_value({"c", "b", "a"}) == {"__set__": ["a", "b", "c"]}
    assert codec.encode_value({2: 0, 1: 0}) == {"__dict__": [[1, 0], [2, 0]]}


def test_codec_limits() -> None:
    with pytest.raises(codec.ValueTooLarge):
        codec.encode_value("x" * 100, max_bytes=50)
    with pytest.raises(codec.ValueTooLarge):
        codec.encode_value(2**100000, max_bytes=1000)
    looped: list[object] = []
    looped.append(looped)
    with pytest.raises(codec.EncodingError, match="contains itself"):
        codec.encode_value(looped)
    with pytest.raises(codec.EncodingError, match="nested too deeply"):
        nested: list[object] = []
        for _ in range(200):
            nested = [nested]
        codec.encode_value(nested)
    with pytest.raises(codec.EncodingError, match="no comparable form"):
        codec.encode_value(object())
    with pytest.raises(codec.EncodingError, match="cannot pass"):
        codec.encode_value(CallStatus.OK, arguments=True)


def test_codec_objects_that_contain_themselves() -> None:
    class Node:
        def __init__(self) -> None:
            self.next = self

    with pytest.raises(codec.EncodingError, match="contains itself"):
        codec.encode_value(Node())


def test_short_repr_is_bounded_and_never_fails() -> None:
    class Hostile:
        def __repr__(self) -> str:
            raise RuntimeError("no")

    def refuse_iteration(self: object) -> None:
        raise RuntimeError("no")

    # reprlib picks its method by type name, so a "list" whose iteration fails reaches our fallback.
    impostor = type("list", (list,), {"__iter__": refuse_iteration})([1])
    assert "Hostile" in codec.short_repr(Hostile())
    assert codec.short_repr(impostor) == "<unprintable list>"
    assert len(codec.short_repr("x" * 10_000)) <= 300
    assert len(codec.short_repr([[1] * 1000] * 1000)) <= 300
