"""The run history from paths: read artifacts and the git identity, record, select, check.

The git commit and branch are read with ``git`` in the working directory, when there is a
repository and ``git`` is installed; outside one a run is recorded without them. On a detached
checkout (CI builds of pull requests) the branch comes from ``GITHUB_HEAD_REF`` or ``GITHUB_REF_NAME``.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from tokdrift_cli.artifacts.baseline import BaselineArtifact
from tokdrift_cli.artifacts.history import Appended, GitIdentity, HistoryRun, SourceArtifact, append_runs, read_history
from tokdrift_cli.artifacts.io import artifact_from_data, read_raw_artifact, sha256_file
from tokdrift_cli.artifacts.validation import ValidationArtifact
from tokdrift_cli.core.gates import GateSettings
from tokdrift_cli.core.trend import TrendSettings
from tokdrift_cli.errors import ArtifactError, InputError
from tokdrift_cli.stages.history import HistoryCheck, check_history, record_baseline, record_validation
from tokdrift_cli.stages.validate import validate_baselines

GIT_TIMEOUT_S = 10.0


def _git(*arguments: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *arguments], capture_output=True, text=True, timeout=GIT_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.SubprocessError):  # no git, or it hung
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def git_identity() -> GitIdentity | None:
    """The commit and branch of the working directory's repository; None outside one."""
    commit = _git("rev-parse", "HEAD")
    if commit is None:
        return None
    branch = _git("rev-parse", "--abbrev-ref", "HEAD")
    if branch in (None, "HEAD"):
        branch = os.environ.get("GITHUB_HEAD_REF") or os.environ.get("GITHUB_REF_NAME") or None
    return GitIdentity(commit=commit, branch=branch)


def _baseline_at(path: Path, sha256: str) -> BaselineArtifact | None:
    """The baseline at ``path`` if it is still the file that was recorded (same hash); else None."""
    if not path.is_file() or sha256_file(path) != sha256:
        return None
    return artifact_from_data(read_raw_artifact(path), BaselineArtifact, str(path))


def record(path: Path, git: GitIdentity | None) -> HistoryRun:
    """One artifact as a history line; only baselines and validations are runs to record."""
    data = read_raw_artifact(path)
    kind = data["kind"]
    if kind not in (BaselineArtifact.KIND, ValidationArtifact.KIND):
        raise ArtifactError(f"{path} is a {kind!r} artifact; `history add` records baseline or validation artifacts")
    model = BaselineArtifact if kind == BaselineArtifact.KIND else ValidationArtifact
    schema_version, created = data["schema_version"], "created_at" in data
    artifact = artifact_from_data(data, model, str(path))
    source = SourceArtifact(
        kind=kind,
        path=str(path),
        sha256=sha256_file(path),
        schema_version=schema_version,
        tool_version=artifact.tool_version,
        created_at=artifact.created_at if created else None,
    )
    if isinstance(artifact, BaselineArtifact):
        return record_baseline(artifact, source, git)
    assert isinstance(artifact, ValidationArtifact)
    after_input = next((item for item in artifact.inputs if item.role == "after"), None)
    after = _baseline_at(Path(after_input.path), after_input.sha256) if after_input is not None else None
    return record_validation(artifact, source, git, after)


def add_to_history(history: Path, artifacts: Sequence[Path], *, with_git: bool = True) -> Appended:
    """Record the artifacts (oldest run first) at the end of ``history``, skipping runs already there."""
    if not artifacts:
        raise InputError("no artifact given; `history add` takes one or more baseline or validation artifacts")
    git = git_identity() if with_git else None
    runs = sorted((record(path, git) for path in artifacts), key=lambda run: run.run_time)
    return append_runs(history, runs)


def select(runs: Sequence[HistoryRun], *, suite: str | None, model: str | None) -> list[HistoryRun]:
    """The runs of a suite (its file name, or a prefix of its hash) and a model (as given, or its id)."""

    def wanted(run: HistoryRun) -> bool:
        suite_ok = suite is None or suite in (run.suite.name, Path(run.suite.name).stem) or bool(
            run.suite.sha256 and run.suite.sha256.startswith(suite)
        )
        model_ok = model is None or model in (run.model, run.provenance.model_id) or bool(
            run.provenance.model_id and run.provenance.model_id.startswith(model)
        )
        return suite_ok and model_ok

    return [run for run in runs if wanted(run)]


def load_selection(history: Path, *, suite: str | None, model: str | None) -> list[HistoryRun]:
    runs = select(read_history(history), suite=suite, model=model)
    if not runs:
        raise InputError(f"{history} has no run{' matching the filters' if suite or model else ''}")
    return runs


def paired_drop_p(newest: HistoryRun, previous: HistoryRun, alpha: float) -> float | None:
    """`validate`'s one-sided paired Wilcoxon p of "previous more robust than newest", when both baselines
    are still where they were recorded and unchanged; None when either is not at hand, the two do not
    pair, or the test cannot run (too few changed prompts)."""
    before = _baseline_at(Path(newest.run_path), newest.run_sha256)
    after = _baseline_at(Path(previous.run_path), previous.run_sha256)
    if before is None or after is None:
        return None
    settings = GateSettings(alpha=alpha, max_accuracy_drop=None, max_latency_increase=None, min_fixed=None)
    try:
        validation = validate_baselines(before, after, settings, allow_mismatch=False, seed=0)
    except InputError:  # the two runs do not pair (different variants): the counts decide
        return None
    assert validation.statistics is not None
    return validation.statistics.wilcoxon.p_value


def run_check(
    history: Path, settings: TrendSettings, *, suite: str | None, model: str | None
) -> tuple[HistoryCheck, list[HistoryRun]]:
    """The check of the newest selected run, and the recent runs of its line (for the trend beside it)."""
    runs = load_selection(history, suite=suite, model=model)
    result = check_history(runs, settings, lambda newest, previous: paired_drop_p(newest, previous, settings.alpha))
    line = [run for run in runs if run.series == result.newest.series]
    return result, line[-(settings.window + 1) :]
