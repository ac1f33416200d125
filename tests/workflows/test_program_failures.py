"""A broken user program is an input error with its own message, never a result or a traceback.

Runs go through the command line and a local OpenAI-compatible server
(tests/fake_server.py); the programs are written to a temporary module.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fake_server import FakeOpenAIServer
from tokdrift_cli.artifacts.checkpoint import checkpoint_path_for
from tokdrift_cli.cli.app import run
from tokdrift_cli.errors import ExitCode

MODULE = "user_ir_program"

WORKING = '''
import dspy
from tokdrift_cli.programs.ir_generator import IRGenerator


class Wrapped(dspy.Module):
    def __init__(self):
        super().__init__()
        self.inner = IRGenerator()

    def forward(self, request):
        return self.inner(request=request)


def make():
    return Wrapped()
'''

NO_IR = '''
import dspy


class Chatty(dspy.Module):
    def forward(self, request):
        return dspy.Prediction(answer="a function that does it")


def make():
    return Chatty()
'''

RAISES = '''
import dspy


class Crashing(dspy.Module):
    def forward(self, request):
        raise RuntimeError("the tokenizer is not loaded")


def make():
    return Crashing()
'''

FACTORY_RAISES = '''
def make():
    raise FileNotFoundError("weights.bin not found")
'''


@pytest.fixture
def program_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-dummy-key-0123456789")
    monkeypatch.setattr("tokdrift_cli.engines.resolve.PROVIDER_RETRIES", 0)
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop(MODULE, None)
    yield tmp_path
    sys.modules.pop(MODULE, None)


def _write(directory: Path, source: str) -> None:
    (directory / f"{MODULE}.py").write_text(source)
    sys.modules.pop(MODULE, None)


def _baseline(server: FakeOpenAIServer, output: Path, mini_suite_path: Path) -> int:
    return run(
        [
            "baseline", "--model", "openai/fake", "--api-base", server.api_base, "--suite", str(mini_suite_path),
            "--program", f"{MODULE}:make", "--variants", "1", "--no-paraphrases", "--output", str(output),
        ]
    )


def _one_error(err: str) -> str:
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, err
    return errors[0]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (NO_IR, "fails the same way on its first 3 generations (TypeError: the program's prediction has neither"),
        (RAISES, "fails the same way on its first 3 generations (RuntimeError: the tokenizer is not loaded)"),
    ],
)
def test_a_program_failing_the_same_way_stops_with_an_input_error_and_a_fix_runs_clean(
    program_dir: Path, mini_suite_path: Path, capsys: pytest.CaptureFixture[str], source: str, message: str
) -> None:
    output = program_dir / "out.json"
    _write(program_dir, source)
    with FakeOpenAIServer() as server:
        code = _baseline(server, output, mini_suite_path)
        error = _one_error(capsys.readouterr().err)
        assert code == ExitCode.USAGE
        assert f"--program {MODULE}:make {message}" in error
        assert not output.exists()
        assert checkpoint_path_for(output).read_text().count("\n") == 1  # no program failure was kept
        _write(program_dir, WORKING)  # fixed: another program hash, and nothing stale to resume
        assert _baseline(server, output, mini_suite_path) == 0


def test_a_factory_that_raises_is_one_line_with_exit_2(
    program_dir: Path, mini_suite_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(program_dir, FACTORY_RAISES)
    with FakeOpenAIServer() as server:
        code = _baseline(server, program_dir / "out.json", mini_suite_path)
        assert server.requests == 0
    error = _one_error(capsys.readouterr().err)
    assert code == ExitCode.USAGE
    assert "the factory 'make' raised FileNotFoundError: weights.bin not found" in error


def test_editing_the_program_code_makes_the_finished_output_stale(
    program_dir: Path, mini_suite_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = program_dir / "out.json"
    _write(program_dir, WORKING)
    with FakeOpenAIServer() as server:
        assert _baseline(server, output, mini_suite_path) == 0
        assert _baseline(server, output, mini_suite_path) == 0
        assert "up to date" in capsys.readouterr().err
        edited = WORKING.replace("self.inner(request=request)", "self.inner(request=request.strip())")
        _write(program_dir, edited)
        code = _baseline(server, output, mini_suite_path)
    err = capsys.readouterr().err
    assert code == ExitCode.USAGE and "up to date" not in err
    assert "made with a different config" in _one_error(err)
