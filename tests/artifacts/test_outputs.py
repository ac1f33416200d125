"""Claiming outputs: never one of the inputs, never two writers at once, the lock file cleaned up."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tokdrift_cli.artifacts.outputs import check_outputs, claim_outputs, lock_path_for, locked, same_file
from tokdrift_cli.errors import ExitCode, OutputBusyError, OutputError

REPO = Path(__file__).resolve().parents[2]


def test_same_file_sees_through_links_and_relative_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    suite = tmp_path / "suite.jsonl"
    suite.write_bytes(b"{}\n")
    (tmp_path / "link.jsonl").symlink_to(suite)
    os.link(suite, tmp_path / "hard.jsonl")
    monkeypatch.chdir(tmp_path)
    assert same_file(suite, tmp_path / "link.jsonl")
    assert same_file(suite, tmp_path / "hard.jsonl")
    assert same_file(suite, Path("sub/../suite.jsonl"))
    assert same_file(tmp_path / "new.json", Path("new.json"))  # neither exists yet
    assert not same_file(suite, tmp_path / "other.jsonl")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    assert not same_file(tmp_path / "loop", suite)  # a symlink loop is not a crash


@pytest.mark.parametrize(
    ("outputs", "inputs", "message"),
    [
        ([("--output", "in.json")], [("the input baseline", "in.json")], "--output .*in.json is the input baseline"),
        ([("--output", "a.md"), ("--html", "a.md")], [], "--output .*a.md and --html .*a.md are the same file"),
        ([("--output", "adir")], [], r"cannot write .*adir \(--output\): it is a directory"),
        ([("--output", "afile/x.json")], [], "afile is a file, not a directory"),
    ],
)
def test_check_outputs_refuses(outputs: list[tuple[str, str]], inputs: list[tuple[str, str]], message: str,
                               tmp_path: Path) -> None:
    (tmp_path / "in.json").write_bytes(b"{}")
    (tmp_path / "adir").mkdir()
    (tmp_path / "afile").write_bytes(b"")
    with pytest.raises(OutputError, match=message):
        check_outputs([(role, tmp_path / name) for role, name in outputs], [(role, tmp_path / n) for role, n in inputs])


def test_check_outputs_accepts_distinct_new_files(tmp_path: Path) -> None:
    (tmp_path / "in.json").write_bytes(b"{}")
    check_outputs([("--output", tmp_path / "new" / "out.json")], [("the input", tmp_path / "in.json")])
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.json"]


def test_a_second_claim_is_refused_at_once_naming_the_holder(tmp_path: Path) -> None:
    output = tmp_path / "out.json"
    with claim_outputs([("--output", output)]):
        assert lock_path_for(output).read_text() == f"{os.getpid()}\n"
        started = time.monotonic()
        busy = rf"out.json is being written by another .* \(pid {os.getpid()}\)"
        with pytest.raises(OutputBusyError, match=busy), locked(output):
            pass
        assert time.monotonic() - started < 1  # refused, not waited for
    assert OutputBusyError.exit_code == ExitCode.RUNTIME
    assert list(tmp_path.iterdir()) == []  # the lock file is gone, and nothing else was made


def test_the_lock_is_released_and_removed_when_the_block_fails(tmp_path: Path) -> None:
    output = tmp_path / "new" / "out.json"
    with pytest.raises(RuntimeError), claim_outputs([("--output", output)]):
        raise RuntimeError("the run failed")
    assert not (tmp_path / "new").exists()  # the directory made for the lock is removed again
    with claim_outputs([("--output", output)]):
        pass


HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from tokdrift_cli.artifacts.outputs import locked
    with locked(Path(sys.argv[1])):
        print("held", flush=True)
        sys.stdin.readline()
    """
)


def test_another_process_holding_the_output_refuses_this_one(tmp_path: Path) -> None:
    output = tmp_path / "out.json"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(output)], cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(OutputBusyError, match=rf"\(pid {holder.pid}\)"), claim_outputs([("--output", output)]):
            pass
    finally:
        holder.communicate("done\n", timeout=30)
    assert holder.returncode == 0 and not lock_path_for(output).exists()
    with claim_outputs([("--output", output)]):  # free again once the holder has finished
        pass
