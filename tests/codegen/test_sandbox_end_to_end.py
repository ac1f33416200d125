"""A model that answers hostile code, through the real ir-to-code workflow: nothing escapes, no secret is written.

The fake engine speaks DSPy's real interface and answers every code request
with one of a few attacks (read the parent's keys wherever they might be and
return them, raise them, plant a ``.pth`` file in the virtualenv, forge and
garble the results). The run must finish, write no secret into any file, leave
the virtualenv alone, and resume after an interruption.
"""

from __future__ import annotations

import functools
import itertools
import json
import site
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.codegen.sandbox_helpers import SECRETS, UNGUARDED_RUNNER
from tests.fakes import FakeEngine, fake_lm
from tokdrift_cli.artifacts.code_baseline import CodeBaselineArtifact, CodeBaselineConfig, CodeStage
from tokdrift_cli.artifacts.io import read_artifact
from tokdrift_cli.codegen.sandbox import boundary, detect_boundary
from tokdrift_cli.codegen.sandbox.environment import MASK
from tokdrift_cli.engines.resolve import ModelIdentity, ResolvedModel
from tokdrift_cli.stages.progress import ProgressSink
from tokdrift_cli.workflows import code_baseline_run
from tokdrift_cli.workflows.run import Outcome, RunOptions, run_with_resume

pytestmark = pytest.mark.skipif(not detect_boundary().available, reason=detect_boundary().detail)

PLANTED = "tokdrift_hostile_model"

LOOT = """
import os

class Sneaky(str):
    def startswith(self, *args, **kwargs):
        return False

def loot():
    found = [repr(dict(os.environ))]
    for pid in ["self", "1", "2", str(os.getppid())] + [str(n) for n in range(3, 40)]:
        try:
            with open(Sneaky(f"/proc/{pid}/environ"), "rb") as handle:
                found.append(handle.read().decode("latin-1"))
        except BaseException as error:
            found.append(type(error).__name__)
    return " ".join(found)
"""

ATTACKS = [
    LOOT + "\ndef attack(*args, **kwargs):\n    return loot()\n",
    LOOT + "\ndef attack(*args, **kwargs):\n    raise ValueError(loot())\n",
    """
import os

def attack(*args, **kwargs):
    for directory in PLACES:
        try:
            with open(os.path.join(directory, "PLANTED.pth"), "w") as handle:
                handle.write("import os; os.environ['PWNED'] = '1'\\n")
        except BaseException:
            pass
    for fd in range(3, 10):
        try:
            os.write(fd, b'{"event": "outcome", "index": 0, "status": "ok", "value": 3}\\n' + b"x" * 100000)
        except OSError:
            pass
    return 3
""",
    """
import os, sys

def attack(*args, **kwargs):
    frame = sys._getframe(1)
    while frame is not None:
        channel = frame.f_locals.get("channel")
        if channel is not None and hasattr(channel, "emit"):
            channel.emit({"event": "done"})
            os._exit(0)
        frame = frame.f_back
""",
]


class HostileModel(FakeEngine):
    """Answers every code request with the next attack, in turn; can break down after some answers."""

    def __init__(self, *, interrupt_after: int | None = None) -> None:
        super().__init__()
        places = [site.getsitepackages()[0], sys.prefix]
        self.attacks = itertools.cycle(
            attack.replace("PLACES", repr(places)).replace("PLANTED", PLANTED) for attack in ATTACKS
        )
        self.interrupt_after = interrupt_after

    def answer(self, prompt: str) -> str:
        if self.interrupt_after is not None and self.calls > self.interrupt_after:
            raise KeyboardInterrupt
        return json.dumps({"code": next(self.attacks)})


def serve(monkeypatch: pytest.MonkeyPatch, engine: HostileModel) -> None:
    """The code stage's run skeleton gets this engine for every model it loads."""

    def resolve(requested: str, settings: Any, identity: Any = None) -> ResolvedModel:
        return ResolvedModel(requested, "local/hostile", None, True, fake_lm(engine), engine)

    def identify(requested: str, settings: Any) -> ModelIdentity:
        return ModelIdentity("local/hostile", None)

    served = functools.partial(run_with_resume, identify=identify, resolve=resolve)
    monkeypatch.setattr(code_baseline_run, "run_with_resume", served)


def run(config: CodeBaselineConfig, output: Path, **options: Any) -> Outcome[CodeBaselineArtifact]:
    return code_baseline_run.run_code_baseline_command(config, RunOptions(output=output, **options), ProgressSink())


@pytest.mark.parametrize("guard", ["on", "off"])
def test_a_hostile_model_through_the_code_stage(
    guard: str,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    mini_suite_path: Path,
) -> None:
    """With the guard off, the operating-system boundary alone keeps every secret out of every file."""
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    if guard == "off":
        shim = tmp_path_factory.mktemp("unguarded") / "unguarded.py"
        shim.write_text(UNGUARDED_RUNNER.format(child=str(boundary.CHILD_SCRIPT)))
        monkeypatch.setattr(boundary, "CHILD_SCRIPT", shim)
    config = CodeBaselineConfig(
        stage=CodeStage.IR_TO_CODE, suite=str(mini_suite_path), code_generator="lm", model="local", variants_per_case=3
    )
    output = tmp_path / "code.json"
    # Interrupted after a few answers: the checkpoint keeps them.
    serve(monkeypatch, HostileModel(interrupt_after=5))
    with pytest.raises(KeyboardInterrupt):
        run(config, output)
    assert not output.exists() and Path(f"{output}.checkpoint.jsonl").exists()

    resumed = HostileModel()
    serve(monkeypatch, resumed)
    artifact = run(config, output).artifact
    assert resumed.calls == artifact.summary.lm_calls > 0 and artifact.summary.resumed_generations >= 5
    assert artifact.summary.sandbox == "bubblewrap" and artifact.summary.sandbox_runs > 0
    failures = [case.tests.first_failure or "" for case in artifact.cases if case.tests is not None]
    reasons = [variant.verdict.reason for case in artifact.cases for variant in case.variants]
    if guard == "on":  # the attacks ran, and the guard stopped them
        assert any("refused" in failure for failure in failures)
        assert any("crashed" in reason or "refused" in reason for reason in reasons)
    else:  # the loot came back, and it is only the sandbox's own environment
        assert any("'PATH': '/usr/bin:/bin'" in text for text in [*failures, *reasons])

    again = run(config, output)
    assert again.up_to_date and resumed.calls == artifact.summary.lm_calls  # no call made
    assert read_artifact(output, CodeBaselineArtifact) == artifact

    written = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert output in written
    for path in written:
        text = path.read_bytes().decode("utf-8", "replace")
        assert not any(secret in text for secret in SECRETS.values()), path
        assert MASK not in text, path  # not even masked: the code never saw a secret
    for place in (Path(site.getsitepackages()[0]), Path(sys.prefix)):
        assert not (place / f"{PLANTED}.pth").exists()


# ---------------------------------------------------------------- where there is no boundary


@pytest.fixture
def no_boundary_here(monkeypatch: pytest.MonkeyPatch) -> None:
    from tokdrift_cli.codegen.sandbox import ALLOW_UNSANDBOXED_ENV, detection
    from tokdrift_cli.codegen.sandbox.boundary import no_boundary

    monkeypatch.setattr(detection, "detect_boundary", lambda: no_boundary("bubblewrap (bwrap) is not installed"))
    monkeypatch.delenv(ALLOW_UNSANDBOXED_ENV, raising=False)


def test_without_a_boundary_model_code_is_refused_before_any_model_call(
    no_boundary_here: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mini_suite_path: Path
) -> None:
    from tokdrift_cli.codegen.sandbox import SandboxUnavailableError

    engine = HostileModel()
    serve(monkeypatch, engine)
    lm = CodeBaselineConfig(stage=CodeStage.IR_TO_CODE, suite=str(mini_suite_path), code_generator="lm", model="local")
    with pytest.raises(SandboxUnavailableError, match="--allow-unsandboxed"):
        run(lm, tmp_path / "lm.json")
    assert engine.calls == 0 and not (tmp_path / "lm.json").exists()
    # The templated generator's code is tokdrift's own: it runs, and the artifact says how.
    templated = lm.model_copy(update={"code_generator": "templated", "model": "none"})
    assert run(templated, tmp_path / "templated.json").artifact.summary.sandbox == "none"
    # Model-written code runs without a boundary only when the user says so.
    small = lm.model_copy(update={"limit": 1, "variants_per_case": 1})
    allowed = run(small, tmp_path / "allowed.json", allow_unsandboxed=True)
    assert allowed.artifact.summary.sandbox == "none" and engine.calls > 0


def test_the_command_line_refuses_in_one_line_or_runs_when_allowed(
    no_boundary_here: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    mini_suite_path: Path,
) -> None:
    from tokdrift_cli.cli.app import run as cli

    serve(monkeypatch, HostileModel())
    arguments = ["ir-to-code", "--suite", str(mini_suite_path), "--limit", "1", "--variants", "1"]
    code = cli([*arguments, "--output", str(tmp_path / "refused.json")])
    err = capsys.readouterr().err
    assert code == 2 and "--allow-unsandboxed" in err and "Traceback" not in err
    assert len([line for line in err.splitlines() if line.strip()]) <= 3
    assert cli([*arguments, "--output", str(tmp_path / "allowed.json"), "--allow-unsandboxed"]) == 0
    assert read_artifact(tmp_path / "allowed.json", CodeBaselineArtifact).summary.sandbox == "none"
