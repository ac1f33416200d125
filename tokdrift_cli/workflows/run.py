"""One run skeleton for every stage that calls a model.

identify the models (nothing loaded) -> provenance -> fingerprint -> the finished
output of the same config: up to date, or its units to reuse -> load the models
-> checkpoint -> call the stage -> write -> release the models.

A workflow keeps only a small "prepare" (read and check the inputs, build a
:class:`ResumableStage`) and the stage's call; `--dry-run` asks the same
skeleton what a run would reuse (:func:`finished_units`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from pydantic import BaseModel

from tokdrift_cli.artifacts.checkpoint import Checkpoint, checkpoint_beside, checkpoint_path_for, run_outputs
from tokdrift_cli.artifacts.checkpoint import fingerprint as hash_settings
from tokdrift_cli.artifacts.header import Artifact, InputFile, Provenance, input_file
from tokdrift_cli.artifacts.io import write_artifact
from tokdrift_cli.artifacts.outputs import NamedPath, check_outputs, claim_outputs
from tokdrift_cli.core.decoding import ApiPrompt, StructuredOutput
from tokdrift_cli.core.failures import holds_transient_failures
from tokdrift_cli.core.records import CallRecord
from tokdrift_cli.core.suite import Suite
from tokdrift_cli.engines.resolve import (
    DEFAULT_REQUEST_TIMEOUT,
    ModelIdentity,
    ModelSettings,
    ResolvedModel,
    identify_model,
    resolve_model,
)
from tokdrift_cli.errors import InputError
from tokdrift_cli.programs.cost import price_of
from tokdrift_cli.stages.budget import SpendMeter
from tokdrift_cli.stages.progress import ProgressSink
from tokdrift_cli.workflows.resume import SELECTING_SETTINGS, previous_output, resume_settings, stored_alike

ArtifactT = TypeVar("ArtifactT", bound=Artifact)
UnitT = TypeVar("UnitT", bound=BaseModel)

Identify = Callable[[str, ModelSettings], ModelIdentity]
Resolve = Callable[[str, ModelSettings, ModelIdentity | None], ResolvedModel]


@dataclass(frozen=True)
class RunOptions:
    """How a run treats its output and earlier work; none of these changes what it measures."""

    output: Path
    restart: bool = False  # discard a checkpoint or output made with another config instead of refusing
    workers: int = 1
    # Run model-written code even where no operating-system boundary is available (code stages only).
    allow_unsandboxed: bool = False
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT  # seconds a provider call may take (no answer depends on it)
    max_cost: float | None = None  # dollars the run may spend on calls (list prices); None: no budget


class _Measured(Protocol):
    def generations(self) -> Sequence[CallRecord]: ...


class _SamplingConfig(Protocol):
    @property
    def temperature(self) -> float: ...
    @property
    def max_tokens(self) -> int: ...
    @property
    def api_base(self) -> str | None: ...
    @property
    def seed(self) -> int: ...


def model_settings(config: _SamplingConfig) -> ModelSettings:
    """How a config asks the model to answer (a config without a structured-output setting leaves it to ``auto``)."""
    return ModelSettings(
        temperature=config.temperature, max_tokens=config.max_tokens, api_base=config.api_base, seed=config.seed,
        structured_output=getattr(config, "structured_output", StructuredOutput.AUTO),
        api_prompt=getattr(config, "api_prompt", ApiPrompt.CHAT),
    )


@dataclass(frozen=True)
class ModelUse:
    """A model a stage calls, as the user named it; two uses of one name share one loaded model."""

    requested: str
    settings: ModelSettings
    option: str = "--model"  # where the user named it, for the error a bad name gets


@dataclass(frozen=True)
class StageCall(Generic[UnitT]):
    """What the skeleton hands a stage: its models, loaded, and the finished units it may reuse."""

    models: tuple[ResolvedModel, ...]  # in the order of the stage's ``models``
    identities: tuple[ModelIdentity, ...]
    provenance: Provenance
    fingerprint: str
    checkpoint: Checkpoint[UnitT] | None
    reusable: Mapping[str, UnitT]
    run: RunOptions
    progress: ProgressSink


@dataclass(frozen=True)
class Outcome(Generic[ArtifactT]):
    artifact: ArtifactT
    up_to_date: bool = False  # the output was already made with this config: nothing called, nothing written


@dataclass
class ResumableStage(ABC, Generic[ArtifactT, UnitT]):
    """A stage that calls models, prepared: what the skeleton needs to resume it, and how to call it.

    The defaults fit a stage whose finished output is one artifact at ``--output``, recorded
    with the first model's identity; a stage overrides what differs.
    """

    artifact_kind: ClassVar[type[Artifact]]
    unit_model: ClassVar[type[BaseModel]]
    # The checkpoint's kind (by default the artifact's), or None for a stage that resumes by
    # other means (optimize: DSPy's answer cache).
    checkpoint_kind: ClassVar[str | None] = None
    # Settings that only select or judge units, so they do not make earlier units foreign.
    ignored_settings: ClassVar[frozenset[str]] = SELECTING_SETTINGS

    config: Any  # the artifact's config model
    suite: Suite
    models: tuple[ModelUse, ...]  # the first is the one the artifact records
    program_hash: str | None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "checkpoint_kind" not in cls.__dict__ and "artifact_kind" in cls.__dict__:
            cls.checkpoint_kind = cls.artifact_kind.KIND

    def provenance(self, identities: Sequence[ModelIdentity]) -> Provenance:
        first = identities[0] if identities else None
        return Provenance(
            model_id=first.model_id if first else None,
            model_fingerprint=first.fingerprint if first else None,
            program_hash=self.program_hash,
            suite_hash=self.suite.sha256,
            seed=self.config.seed,
        )

    def suite_input(self) -> InputFile:
        return input_file("suite", self.suite.path, self.suite.sha256)

    def input_paths(self) -> list[NamedPath]:
        """The files the run reads: no output may be one of them."""
        return [("the input suite", self.suite.path)]

    def output_paths(self, run: RunOptions) -> list[NamedPath]:
        """The files the run writes (the first is locked for the whole run)."""
        return run_outputs(run.output) if self.checkpoint_kind is not None else [("--output", run.output)]

    def check_inputs(self, provenance: Provenance) -> None:
        """Refuse inputs that do not fit these models, before any output is reused or any model loaded."""

    def check_ready(self, run: RunOptions) -> None:
        """Refuse to go on, once the stage is known to run, before any model is loaded or called."""

    def resume_settings(self, identities: Sequence[ModelIdentity], provenance: Provenance) -> dict[str, Any]:
        """What must match for earlier units to be reused (its hash is the run's fingerprint)."""
        return resume_settings(
            self.config, provenance.model_id, provenance.program_hash or "", ignore=self.ignored_settings
        )

    def previous(self, run: RunOptions, fingerprint: str, settings: dict[str, Any]) -> ArtifactT | None:
        """The finished output of the same config (refusing one made with another, saying what differs), if any."""
        found = previous_output(run.output, self.artifact_kind, fingerprint, run.restart, settings)
        return found  # type: ignore[return-value]

    def is_up_to_date(self, previous: ArtifactT, provenance: Provenance) -> bool:
        """Made with exactly this config, and holding no failure a run must retry (an output written
        before transient failures were refused may hold some)."""
        config = previous.config  # type: ignore[attr-defined]
        same = stored_alike(config, self.config) and previous.provenance == provenance
        measured: _Measured = previous  # type: ignore[assignment]
        return bool(same) and not holds_transient_failures(measured.generations())

    @abstractmethod
    def reusable(self, previous: ArtifactT | None) -> dict[str, UnitT]:
        """The units of a finished output, keyed as the checkpoint keys them."""

    @abstractmethod
    def call(self, call: StageCall[UnitT]) -> ArtifactT:
        """Run the stage on the loaded models."""

    def write(self, artifact: ArtifactT, run: RunOptions) -> ArtifactT:
        write_artifact(run.output, artifact)
        return artifact


@dataclass(frozen=True)
class _Resume(Generic[ArtifactT]):
    identities: tuple[ModelIdentity, ...]
    provenance: Provenance
    fingerprint: str
    previous: ArtifactT | None
    settings: dict[str, Any] | None = None


def _resume(stage: ResumableStage[ArtifactT, UnitT], run: RunOptions, identify: Identify) -> _Resume[ArtifactT]:
    """Everything known before a model loads: who the models are, and what a finished output holds."""
    known: dict[str, ModelIdentity] = {}
    for use in stage.models:
        if use.requested not in known:
            try:
                known[use.requested] = identify(use.requested, use.settings)
            except InputError as error:
                raise InputError(f"{use.option}: {error}") from None
    identities = tuple(known[use.requested] for use in stage.models)
    provenance = stage.provenance(identities)
    stage.check_inputs(provenance)
    if stage.checkpoint_kind is None:
        return _Resume(identities, provenance, "", None)
    settings = stage.resume_settings(identities, provenance)
    fingerprint = hash_settings(settings)
    return _Resume(identities, provenance, fingerprint, stage.previous(run, fingerprint, settings), settings)


def run_with_resume(
    stage: ResumableStage[ArtifactT, UnitT],
    run: RunOptions,
    progress: ProgressSink | None = None,
    *,
    identify: Identify = identify_model,
    resolve: Resolve = resolve_model,
) -> Outcome[ArtifactT]:
    """Run a prepared stage: reuse what is finished, call the models for the rest, write the output.

    The outputs are claimed first: none may be an input, and the lock on ``--output`` is held from
    before the finished output and the checkpoint are read until the new output is written.
    """
    outputs = stage.output_paths(run)
    with ExitStack() as held:  # lock released, models released and checkpoint closed however the run ends
        held.enter_context(claim_outputs(outputs, stage.input_paths(), lock=[outputs[0][1]]))
        known = _resume(stage, run, identify)
        if known.previous is not None and stage.is_up_to_date(known.previous, known.provenance):
            # Finished with exactly this config: nothing to do (the model is not even loaded),
            # and rewriting would replace the measured wall time and call count with a replay's.
            return Outcome(known.previous, up_to_date=True)
        stage.check_ready(run)
        _check_budget(stage, run)
        loaded: dict[ModelUse, ResolvedModel] = {}
        for use, identity in zip(stage.models, known.identities, strict=True):
            if use not in loaded:
                settings = replace(use.settings, request_timeout=run.request_timeout)
                loaded[use] = held.enter_context(resolve(use.requested, settings, identity))
        checkpoint = None
        if stage.checkpoint_kind is not None:
            checkpoint = held.enter_context(
                checkpoint_beside(
                    run.output, kind=stage.checkpoint_kind, fingerprint=known.fingerprint,
                    unit_model=stage.unit_model, restart=run.restart, settings=known.settings,
                )
            )
        call = StageCall(
            models=tuple(loaded[use] for use in stage.models),
            identities=known.identities,
            provenance=known.provenance,
            fingerprint=known.fingerprint,
            checkpoint=checkpoint,
            reusable=stage.reusable(known.previous),
            run=run,
            progress=progress or ProgressSink(),
        )
        # Written inside the block: the checkpoint is removed only once the output is safely on disk.
        artifact = stage.write(stage.call(call), run)
    return Outcome(artifact)


def _check_budget(stage: ResumableStage[Any, Any], run: RunOptions) -> None:
    """A budget in dollars needs a model the price table knows."""
    if run.max_cost is not None and stage.models and price_of(stage.models[0].requested) is None:
        raise InputError(
            f"--max-cost: no price is known for {stage.models[0].requested} (LiteLLM's bundled price table has no "
            "entry; local and custom models have none): leave --max-cost out"
        )


def spend_meter(model: str, run: RunOptions) -> SpendMeter:
    """What counts the cost of a run's calls on ``model``, stopping it at ``--max-cost``."""
    return SpendMeter(price_of(model), run.max_cost)


def finished_units(
    stage: ResumableStage[ArtifactT, UnitT], run: RunOptions, *, identify: Identify = identify_model
) -> dict[str, UnitT]:
    """The units a run would reuse (finished output and checkpoint), read without loading or writing anything."""
    check_outputs(stage.output_paths(run), stage.input_paths())
    known = _resume(stage, run, identify)
    done = stage.reusable(known.previous)
    if not run.restart and stage.checkpoint_kind is not None:
        checkpoint = Checkpoint(
            checkpoint_path_for(run.output), kind=stage.checkpoint_kind, config_fingerprint=known.fingerprint,
            unit_model=stage.unit_model, settings=known.settings,
        )
        done.update(checkpoint.peek())  # type: ignore[arg-type]
    return done
