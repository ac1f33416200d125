"""The program artifact: an optimized DSPy program and how it was made.

DSPy's own saved state (instructions and demos per predictor, as JSON) sits
beside our header. The signature hash guards loading: DSPy's ``load_state``
into a program of another shape succeeds silently, so we check first.

Schema history:
  1 - first version; ``config.keep_base_demos``, ``config.base_demos_first``,
      ``config.demo_pool``, ``scores.selection``, ``scores.selection_prompts``
      and the selection records' ``lost``/``gained``/``inputs*`` were added
      later with defaults, so older files still read; so was ``config.limit`` (the first N
      prompts of the suite), written only when set, so a run on the whole suite writes what it did.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, model_serializer

from tokdrift_cli.artifacts.header import Artifact
from tokdrift_cli.core.splits import Split


class OptimizeConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    suite: str
    trainset: str | None
    optimizer: Literal["bootstrap", "gold-demos", "mipro", "copro", "gepa"]
    model: str
    prompt_model: str | None
    seed: int
    metric_variants: int
    max_bootstrapped_demos: int
    max_labeled_demos: int
    candidates: int
    max_errors: int
    keep_accuracy: bool = True
    # Candidates keep the base program's demos after their own (default False
    # in files written before the option existed).
    keep_base_demos: bool = False
    base_demos_first: bool = False  # with keep_base_demos: before the candidate's demos, not after
    # "missed": the optimizer drew its demos only from train prompts the base
    # program gets wrong on the signature; "all": from every train prompt.
    demo_pool: Literal["all", "missed"] = "all"
    split_fractions: tuple[float, float, float]
    limit: int | None = None  # only the first N prompts of the suite

    @model_serializer(mode="wrap")
    def _without_absent_limit(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if self.limit is None:
            data.pop("limit", None)
        return data


class CandidateRecord(BaseModel):
    """One program considered at selection, against the base program on the same prompts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str
    dev_score: float | None  # the optimizer's own dev score (None for the base program)
    prompts: int  # train and dev prompts scored: all but those its demos came from
    score: float  # mean robustness-aware metric on those prompts
    base_score: float  # the base program's mean on the same prompts
    accurate: int  # prompts whose IR matches gold on the signature
    base_accurate: int
    # Prompts the base program gets right and this one wrong, and the reverse
    # (None in files written before they were recorded).
    lost: int | None = None
    gained: int | None = None
    # The same on every input: the requests and their metric variants.
    inputs: int | None = None
    inputs_accurate: int | None = None
    base_inputs_accurate: int | None = None
    eligible: bool  # no less accurate than the base program on requests and inputs (or --metric-only)
    chosen: bool = False

    @property
    def gain(self) -> float:
        return self.score - self.base_score


class ProgramScores(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: str
    baseline_dev: float | None
    optimized_dev: float | None
    # Signature accuracy on dev (the `baseline` accuracy), and the floor the
    # chosen candidate had to meet (None: chosen on the metric alone).
    baseline_dev_accuracy: float | None = None
    optimized_dev_accuracy: float | None = None
    accuracy_floor: float | None = None
    candidates_evaluated: int | None = None
    # Train and dev prompts the candidates were re-scored on, and the verdicts.
    selection_prompts: int | None = None
    selection: list[CandidateRecord] = []


class ProgramArtifact(Artifact):
    KIND = "program"
    SCHEMA_VERSION = 1

    kind: Literal["program"] = "program"
    schema_version: int = SCHEMA_VERSION
    config: OptimizeConfig
    base_program: str
    signature_hash: str
    split: Split
    scores: ProgramScores
    lm_calls: int
    cached_calls: int
    wall_time_s: float
    # DSPy's dump_state() of the optimized IRGenerator.
    state: dict[str, Any]
