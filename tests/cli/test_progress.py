"""Progress where there is no terminal (a CI log): plain lines, every so often and at each tenth of the work."""

from __future__ import annotations

from pathlib import Path

import pytest

from tokdrift_cli.cli.app import run
from tokdrift_cli.cli.progress import GenerationProgress
from tokdrift_cli.core.ir import parse_ir
from tokdrift_cli.core.records import Generation

DONE = Generation(ir=parse_ir({"intent": {"summary": "Add."}, "signature": {"name": "add", "returns": "int"}}),
                  raw="{}", latency_s=0.5, lm_calls=1)
FAILED = Generation(error="could not parse", error_kind="parse", raw="{oops", lm_calls=1)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if line.startswith("tokdrift: ")]


def test_a_line_at_the_start_at_each_tenth_and_at_the_end(capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    with GenerationProgress("generations", plain=True, every_s=1e9, clock=clock) as progress:
        progress.start(total=20, reused=0, cases=4)
        for number in range(20):
            clock.now += 2
            progress.advance(FAILED if number == 0 else DONE)
            if number % 5 == 4:
                progress.finish_case()
    lines = _lines(capsys)
    assert lines[0] == "tokdrift: 0/20 generations, 0/4 prompts, 0 failures, ETA ?"
    assert len(lines) == 12  # the start, then 2, 4, ... 20 generations, and the last prompt finished
    assert lines[3] == "tokdrift: 6/20 generations, 1/4 prompts, 1 failure, ETA 28s"
    assert lines[-1].startswith("tokdrift: 20/20 generations, 4/4 prompts, 1 failure, ETA 0s")


def test_a_line_every_so_often_between_tenths(capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    with GenerationProgress("generations", plain=True, every_s=30, clock=clock) as progress:
        progress.start(total=1000, reused=400, cases=10, cases_done=4)
        capsys.readouterr()
        for _ in range(5):
            clock.now += 10
            progress.advance(DONE)
        lines = _lines(capsys)
    # 3 made in 30 s, 597 left: 5970 s
    assert lines == ["tokdrift: 403/1000 generations, 4/10 prompts, 0 failures, 400 reused, ETA 1.7h"]


def test_a_terminal_gets_the_bar_and_no_lines(capsys: pytest.CaptureFixture[str]) -> None:
    with GenerationProgress("generations", plain=False) as progress:
        progress.start(total=2, reused=0)
        progress.advance(DONE)
    assert not _lines(capsys)


def test_a_command_without_a_terminal_prints_plain_lines_named_after_it(
    tmp_path: Path, mini_suite_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "c.json"
    arguments = ["ir-to-code", "--code-generator", "templated", "--suite", str(mini_suite_path), "--output", str(output)]
    assert run(arguments) == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("ir-to-code: ")]
    assert lines[0].startswith("ir-to-code: 0/") and " generations, 0/" in lines[0]
    total = lines[0].split("/")[1].split()[0]
    assert lines[-1].startswith(f"ir-to-code: {total}/{total} generations")
