"""Synthetic recorded runs for the history tests: exact counts, one run an hour, one line unless told."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from tokdrift_cli.artifacts.header import Provenance
from tokdrift_cli.artifacts.history import FamilyFlipRate, Headline, HistoryRun, SourceArtifact, SuiteIdentity
from tokdrift_cli.core.stats import wilson

START = datetime(2026, 11, 1, tzinfo=UTC)
SUITE_SHA = "a" * 64


def make_run(
    index: int,
    robust: int,
    n: int,
    *,
    tool_version: str = "0.1.0",
    suite_sha: str = SUITE_SHA,
    case_set: str = "c" * 16,
    model_id: str = "local/model@1",
    program: str = "program.json",
    accuracy: tuple[int, int] = (15, 18),
    sensitivity: tuple[int, int] | None = (90, 100),
) -> HistoryRun:
    digest = hashlib.sha256(f"{index}-{robust}-{n}-{tool_version}-{suite_sha}-{model_id}".encode()).hexdigest()
    source = SourceArtifact(
        kind="baseline",
        path=f"runs/{index}.json",
        sha256=digest,
        schema_version=3,
        tool_version=tool_version,
        created_at=START + timedelta(hours=index),
    )
    headline = Headline(
        robustness=wilson(robust, n),
        accuracy=wilson(*accuracy),
        input_accuracy=wilson(accuracy[0] * 6, accuracy[1] * 6),
        sensitivity=None if sensitivity is None else wilson(*sensitivity),
        per_family=[FamilyFlipRate(key="casing", flips=n - robust, n=n, flip_rate=wilson(n - robust, n))],
        fragile_prompts=3,
        median_latency_s=1.0,
        latency_n=n,
        lm_calls=n,
    )
    return HistoryRun(
        created_at=START + timedelta(hours=index, minutes=5),
        provenance=Provenance(model_id=model_id, suite_hash=suite_sha, program_hash=f"p{index}"),
        source=source,
        run_path=source.path,
        run_sha256=digest,
        suite=SuiteIdentity(name="core.jsonl", sha256=suite_sha, cases=45, case_set=case_set),
        model="local",
        program=program,
        headline=headline,
    )


def make_history(robust_counts: Sequence[int], n: int, **overrides: object) -> list[HistoryRun]:
    return [make_run(index, robust, n, **overrides) for index, robust in enumerate(robust_counts)]  # type: ignore[arg-type]
