"""Shards are stable, balanced and together cover every case exactly once."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tokdrift_cli.core.shards import Shard, parse_shard
from tokdrift_cli.errors import InputError


@given(ids=st.lists(st.text(min_size=1, max_size=12), unique=True, max_size=60), count=st.integers(1, 9))
def test_shards_partition_the_cases_in_order_and_balanced(ids: list[str], count: int) -> None:
    parts = [Shard(index, count).select(ids, key=str) for index in range(1, count + 1)]
    assert sorted(item for part in parts for item in part) == sorted(ids)  # each case exactly once
    for part in parts:
        assert part == [item for item in ids if item in part]  # suite order kept
    sizes = [len(part) for part in parts]
    assert max(sizes) - min(sizes) <= 1


def test_assignment_does_not_depend_on_input_order() -> None:
    ids = [f"case-{n:03d}" for n in range(40)]
    forward = Shard(2, 3).select(ids, key=str)
    backward = Shard(2, 3).select(list(reversed(ids)), key=str)
    assert sorted(forward) == sorted(backward)
    assert forward != ids[: len(forward)]  # mixed, not a contiguous slice


@pytest.mark.parametrize(("text", "expected"), [("1/4", Shard(1, 4)), (" 3 / 3 ", Shard(3, 3)), ("1/1", Shard(1, 1))])
def test_parse_shard(text: str, expected: Shard) -> None:
    assert parse_shard(text) == expected
    assert str(parse_shard(text)) == f"{expected.index}/{expected.count}"


@pytest.mark.parametrize("text", ["0/4", "5/4", "1/0", "2", "a/b", "1/2/3", "-1/2"])
def test_bad_shard_is_a_one_line_input_error(text: str) -> None:
    with pytest.raises(InputError, match="--shard"):
        parse_shard(text)
