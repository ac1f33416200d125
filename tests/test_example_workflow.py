"""The example CI workflow installs tokdrift the way a user of an unpublished package can, and its line works.

Its install step is run as written, with the repository pointed at this checkout and the ref at its
HEAD commit (offline: no dependencies, no build isolation).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

WORKFLOW = REPO / "examples" / "ci" / "tokdrift-robustness.yml"


def _job() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]["robustness"]


def _install_line() -> str:
    runs = [step["run"] for step in _job()["steps"] if "pip install" in step.get("run", "")]
    assert len(runs) == 1, runs
    return runs[0].strip()


def test_install_is_pinned_to_a_git_ref_never_the_unclaimed_index_name() -> None:
    line = _install_line()
    assert not re.search(r"pip install\s+tokdrift\b(?!\s*@)", line)
    assert '"tokdrift @ git+${PIN_TOKDRIFT_REPO}@${PIN_TOKDRIFT_REF}"' in line
    env = _job()["env"]
    ref = str(env["PIN_TOKDRIFT_REF"])
    assert re.fullmatch(r"v\d+\.\d+\.\d+|[0-9a-f]{40}", ref), "a release tag or a full commit sha, never a branch"
    assert not any(name.startswith("TOKDRIFT_") for name in env), "TOKDRIFT_* variables are tokdrift's settings"


def test_readme_says_how_to_pin() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert 'pip install "tokdrift @ git+' in readme
    assert "commit sha" in readme


@pytest.mark.skipif(shutil.which("git") is None or not (REPO / ".git").exists(), reason="needs a git checkout")
def test_install_line_works_as_written(tmp_path: Path) -> None:
    head = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    target = tmp_path / "site"
    offline = f"{sys.executable} -m pip install --quiet --no-deps --no-build-isolation --no-index --target {target}"
    line = _install_line().replace("pip install", offline, 1)
    env = {**os.environ, "PIN_TOKDRIFT_REPO": f"file://{REPO}", "PIN_TOKDRIFT_REF": head}
    result = subprocess.run(["bash", "-c", line], capture_output=True, text=True, env=env, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (target / "tokdrift_cli" / "data" / "suites" / "core.jsonl").is_file()
    assert (target / "bin" / "tokdrift").is_file()
