"""Atomic writes: the umask is respected, a set of files is written whole or not at all, failures are one line."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tokdrift_cli.artifacts.atomic import make_parents, write_bytes_atomic, write_files_atomic
from tokdrift_cli.errors import ExitCode, OutputError


@pytest.fixture
def umask() -> Iterator[Any]:
    previous = os.umask(0o022)
    yield os.umask
    os.umask(previous)


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664), (0o000, 0o666)])
def test_new_files_get_the_mode_the_umask_allows(umask: Any, mask: int, mode: int, tmp_path: Path) -> None:
    umask(mask)
    single, first, second = tmp_path / "single.json", tmp_path / "a.md", tmp_path / "b.html"
    write_bytes_atomic(single, b"{}")
    write_files_atomic({first: b"a", second: b"b"})
    assert [stat.S_IMODE(path.stat().st_mode) for path in (single, first, second)] == [mode, mode, mode]


def test_a_replaced_file_also_gets_the_umask_mode(umask: Any, tmp_path: Path) -> None:
    target = tmp_path / "artifact.json"
    target.write_bytes(b"old")
    target.chmod(0o600)
    umask(0o022)
    write_bytes_atomic(target, b"new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o644 and target.read_bytes() == b"new"


def test_all_files_are_written_and_no_temporary_file_is_left(tmp_path: Path) -> None:
    files = {tmp_path / "report.md": b"# r\n", tmp_path / "nested" / "deeper" / "draft.md": b"d", tmp_path / "r.html": b"h"}
    write_files_atomic(files)
    assert {path: path.read_bytes() for path in files} == files
    leftovers = [path.name for path in tmp_path.rglob("*") if path.name.endswith((".tmp", ".old"))]
    assert leftovers == []


def test_a_target_that_cannot_be_written_leaves_every_file_as_it_was(tmp_path: Path) -> None:
    existing = tmp_path / "FRAGILE_PROMPTS.md"
    existing.write_bytes(b"the report of last week")
    blocker = tmp_path / "blocker"
    blocker.write_bytes(b"a file where a directory is needed")
    files = {existing: b"new report", tmp_path / "new" / "dir" / "report.html": b"h", blocker / "draft.md": b"d"}
    with pytest.raises(OutputError, match="a part of the path is a file") as refused:
        write_files_atomic(files)
    assert refused.value.exit_code == ExitCode.USAGE
    assert existing.read_bytes() == b"the report of last week"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["FRAGILE_PROMPTS.md", "blocker"]  # "new/" removed too


def test_a_directory_in_place_of_a_target_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    first = tmp_path / "report.md"
    (tmp_path / "report.html").mkdir()
    with pytest.raises(OutputError, match="it is a directory"):
        write_files_atomic({first: b"r", tmp_path / "report.html": b"h"})
    assert not first.exists() and sorted(path.name for path in tmp_path.iterdir()) == ["report.html"]


def test_a_rename_failing_midway_puts_back_the_files_already_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second, third = tmp_path / "a.md", tmp_path / "b.md", tmp_path / "c.md"
    first.write_bytes(b"old a")
    second.write_bytes(b"old b")
    real_replace, calls = os.replace, []

    def replace_failing_on_the_third(source: Any, target: Any) -> None:
        calls.append(Path(target).name)
        if Path(target) == third and str(source).endswith(".tmp"):
            raise OSError(28, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace_failing_on_the_third)
    with pytest.raises(OutputError, match="no space left on the device"):
        write_files_atomic({first: b"new a", second: b"new b", third: b"new c"})
    assert calls[:3] == ["a.md", "b.md", "c.md"]  # the first two were replaced before the failure
    assert (first.read_bytes(), second.read_bytes(), third.exists()) == (b"old a", b"old b", False)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a.md", "b.md"]


def test_make_parents_returns_what_it_made_and_refuses_a_file_in_the_way(tmp_path: Path) -> None:
    assert make_parents(tmp_path / "x" / "y" / "f.json") == [tmp_path / "x", tmp_path / "x" / "y"]
    assert make_parents(tmp_path / "x" / "y" / "g.json") == []
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(OutputError, match="cannot write .*file/sub/f.json: a part of the path is a file"):
        make_parents(tmp_path / "file" / "sub" / "f.json")
