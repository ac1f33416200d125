"""The package as a user installs it: the sdist and wheel build, carry every data file, and the CLI runs.

The example CI workflow and the README install tokdrift from its git repository (it is not on a
package index), which builds exactly these artifacts; a data file left out of ``package-data`` would
only show on a user's machine. The build runs without isolation, on the setuptools and wheel of the
test environment, so it needs no network.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGE = "tokdrift_cli"


def _package_files(root: Path) -> set[str]:
    """Every file of the package in the source tree, as a path inside the wheel."""
    return {
        path.relative_to(root).as_posix()
        for path in (root / PACKAGE).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sdist and wheel built from a clean copy of the sources (the build writes beside its sources)."""
    pytest.importorskip("build", reason="the test extra installs build")
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    shutil.copytree(REPO / PACKAGE, source / PACKAGE, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path_factory.mktemp("dist")
    command = [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out


def _one(directory: Path, pattern: str) -> Path:
    found = sorted(directory.glob(pattern))
    assert len(found) == 1, found
    return found[0]


def test_wheel_holds_every_package_file_including_suites_and_lexicons(dist: Path) -> None:
    wheel = _one(dist, "tokdrift-*-py3-none-any.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = _package_files(REPO)
    assert expected - names == set()
    data = {name for name in expected if not name.endswith(".py")}
    assert {f"{PACKAGE}/data/suites/core.jsonl", f"{PACKAGE}/core/lexicon/contrast.toml"} <= data
    entry_points = next(name for name in names if name.endswith(".dist-info/entry_points.txt"))
    assert "tokdrift = tokdrift_cli.cli.app:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_sdist_holds_the_sources_the_wheel_is_built_from(dist: Path) -> None:
    sdist = _one(dist, "tokdrift-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"pyproject.toml", "README.md"} <= names
    assert _package_files(REPO) - names == set()


def test_installed_wheel_runs_the_cli(dist: Path, tmp_path: Path) -> None:
    wheel = _one(dist, "tokdrift-*-py3-none-any.whl")
    target = tmp_path / "site"
    install = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--target", str(target)]
    result = subprocess.run([*install, str(wheel)], capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    # The dependencies come from this environment; the package itself only from the installed wheel.
    env = {**os.environ, "PYTHONPATH": str(target), "NO_COLOR": "1", "COLUMNS": "120"}
    where = subprocess.run(
        [sys.executable, "-c", "import tokdrift_cli; print(tokdrift_cli.__file__)"],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60, check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(target)
    script = target / "bin" / "tokdrift"
    helped = subprocess.run(
        [sys.executable, str(script), "--help"], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120,
        check=False,
    )
    assert helped.returncode == 0, helped.stderr[-3000:]
    assert "baseline" in helped.stdout and "validate" in helped.stdout
    suite = target / PACKAGE / "data" / "suites" / "core.jsonl"
    checked = subprocess.run(
        [sys.executable, str(script), "suite", "validate", str(suite)],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120, check=False,
    )
    assert checked.returncode == 0, checked.stdout[-2000:] + checked.stderr[-2000:]
