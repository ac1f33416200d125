"""The history file: one versioned line per run, deduplicated, and safe with two appenders at once."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import orjson
import pytest

from tests.history_factory import make_run
from tokdrift_cli.artifacts.history import append_runs, dump_line, read_history
from tokdrift_cli.errors import ArtifactError, OutputError

RUNS_PER_WRITER = 25


def _append_one_at_a_time(path: str, first: int) -> None:
    for index in range(first, first + RUNS_PER_WRITER):
        append_runs(Path(path), [make_run(index, 100 + index % 7, 200)])


def test_two_processes_appending_at_once_lose_no_line(tmp_path: Path) -> None:
    history = tmp_path / "history.jsonl"
    context = multiprocessing.get_context("fork")
    writers = [context.Process(target=_append_one_at_a_time, args=(str(history), first)) for first in (0, 1000)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=120)
        assert writer.exitcode == 0
    runs = read_history(history)
    assert len(runs) == 2 * RUNS_PER_WRITER
    assert len({run.run_sha256 for run in runs}) == 2 * RUNS_PER_WRITER
    assert all(line.startswith(b"{") for line in history.read_bytes().splitlines())


def test_a_run_already_recorded_is_skipped(tmp_path: Path) -> None:
    history = tmp_path / "h.jsonl"
    first = append_runs(history, [make_run(0, 1, 2), make_run(1, 1, 2)])
    again = append_runs(history, [make_run(1, 1, 2), make_run(2, 1, 2), make_run(2, 1, 2)])
    assert len(first.added) == 2
    assert [run.run_id for run in again.added] == [make_run(2, 1, 2).run_id]
    assert len(again.already_recorded) == 2
    assert len(read_history(history)) == 3


def test_lines_round_trip_and_are_one_line_each(tmp_path: Path) -> None:
    run = make_run(0, 150, 200)
    line = dump_line(run)
    assert line.count(b"\n") == 1 and line.endswith(b"\n")
    (tmp_path / "h.jsonl").write_bytes(line + b"\n")  # a blank line is allowed
    assert read_history(tmp_path / "h.jsonl") == [run]


def _line(**changes: object) -> bytes:
    data = orjson.loads(dump_line(make_run(0, 1, 2)))
    data.update(changes)
    return orjson.dumps(data) + b"\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not json\n", "line 1 is not valid JSON"),
        (b"[1]\n", "line 1 is not a tokdrift history line"),
        (_line(schema_version=99), "newer than this tokdrift understands"),
        (_line(kind="baseline"), "a 'history_run' artifact is needed"),
        (_line(run_sha256=None), "line 1 is a corrupt history_run artifact"),
    ],
)
def test_bad_lines_are_refused_with_their_line_number(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "h.jsonl"
    path.write_bytes(content)
    with pytest.raises(ArtifactError, match=message):
        read_history(path)


def test_a_half_written_last_line_is_not_appended_to(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    path.write_bytes(dump_line(make_run(0, 1, 2))[:-10])
    with pytest.raises(ArtifactError, match="half a line"):
        append_runs(path, [make_run(1, 1, 2)])


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="directory"):
        append_runs(tmp_path, [make_run(1, 1, 2)])
