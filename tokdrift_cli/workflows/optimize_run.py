"""Optimize from paths: suite and trainset in, program file out.

Resume: every LM answer is kept in a DSPy disk cache beside the output
(``OUTPUT.cache/``), keyed by the exact request and the model id (which carries
a weights fingerprint). Re-running an interrupted optimize replays finished
calls from the cache and spends model time only on what is left; a different
config sends different requests, so nothing is mixed up. ``--restart`` clears it.
"""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel

from tokdrift_cli.artifacts.atomic import writing
from tokdrift_cli.artifacts.header import Provenance, input_file
from tokdrift_cli.artifacts.io import read_artifact
from tokdrift_cli.artifacts.outputs import NamedPath
from tokdrift_cli.artifacts.program import OptimizeConfig, ProgramArtifact
from tokdrift_cli.core import splits
from tokdrift_cli.core.splits import Split
from tokdrift_cli.core.suite import load_suite
from tokdrift_cli.engines.resolve import ModelSettings
from tokdrift_cli.errors import InputError, OutputError
from tokdrift_cli.programs.loading import load_program, program_file
from tokdrift_cli.stages.optimize import OptimizeInputs, OptimizeModels, optimize_program
from tokdrift_cli.workflows.run import ModelUse, ResumableStage, StageCall

ANSWER_CACHE_SHARD = re.compile(r"\d{3}")  # DSPy's disk cache: one directory per shard, 000 to 015


def cache_dir_for(output: Path) -> Path:
    return output.with_name(output.name + ".cache")


def _clear_answer_cache(cache_dir: Path) -> None:
    """Remove the answer cache an earlier optimize left beside its output, and nothing that is not one."""
    if not cache_dir.exists():
        return
    entries = list(cache_dir.iterdir()) if cache_dir.is_dir() else [cache_dir]
    foreign = [entry.name for entry in entries if not (entry.is_dir() and ANSWER_CACHE_SHARD.fullmatch(entry.name))]
    if foreign:
        raise OutputError(
            f"{cache_dir} is not an answer cache tokdrift made (it holds {foreign[0]!r}); move it away to restart"
        )
    with writing(cache_dir):
        shutil.rmtree(cache_dir)


class _InvocationCounter:
    """Counts every LM invocation DSPy makes (cache hits included), thread-safely."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def callback(self) -> Any:
        from dspy.utils.callback import BaseCallback

        counter = self

        class _Callback(BaseCallback):
            def on_lm_end(self, call_id: str, outputs: Any, exception: BaseException | None = None) -> None:
                with counter._lock:
                    counter.count += 1

        return _Callback()


def suite_split(cases: Any, seed: int, dev_share: float) -> Split:
    try:
        return splits.suite_split(cases, seed, dev_share)
    except ValueError as error:
        raise InputError(f"--dev-share {dev_share}: {error}") from None


@dataclass
class OptimizeStage(ResumableStage[ProgramArtifact, BaseModel]):
    """Optimize, prepared: suite, trainset, split and base program read; the task model first, then the proposer."""

    checkpoint_kind: ClassVar[str | None] = None  # resumes through DSPy's answer cache beside the output
    artifact_kind = ProgramArtifact
    unit_model = BaseModel

    config: OptimizeConfig
    inputs: OptimizeInputs
    on_selection_prompt: Callable[[int, int], None] | None = None

    def input_paths(self) -> list[NamedPath]:
        paths = super().input_paths()
        if self.config.trainset:
            paths.append(("the --trainset suite", Path(self.config.trainset)))
        if (program := program_file(self.inputs.base_program_spec)) is not None:
            paths.append(("the --program file", program))
        return paths

    def reusable(self, previous: ProgramArtifact | None) -> dict[str, BaseModel]:
        return {}

    def call(self, call: StageCall[BaseModel]) -> ProgramArtifact:
        import dspy

        # The answer cache is set up here, under the output's lock and once the models are known.
        cache_dir = cache_dir_for(call.run.output)
        if call.run.restart:
            _clear_answer_cache(cache_dir)
        dspy.configure_cache(enable_disk_cache=True, enable_memory_cache=True, disk_cache_dir=str(cache_dir))
        task = call.models[0]
        prompt = call.models[1] if len(call.models) > 1 else None
        counter = _InvocationCounter()
        with dspy.context(callbacks=[counter.callback()]):
            artifact = optimize_program(
                replace(self.inputs, provenance=call.provenance),
                OptimizeModels(
                    task_lm=task.lm, prompt_lm=prompt.lm if prompt else None, call_counter=lambda: counter.count
                ),
                self.on_selection_prompt,
            )
        engines = {id(model.engine): model.engine for model in call.models if model.engine is not None}
        real_calls = sum(engine.calls for engine in engines.values()) if task.engine else counter.count
        return artifact.model_copy(update={"lm_calls": real_calls, "cached_calls": max(0, counter.count - real_calls)})


def prepare_optimize(
    config: OptimizeConfig,
    *,
    program: str = "default",
    api_base: str | None = None,
    max_tokens: int = 512,
    on_selection_prompt: Callable[[int, int], None] | None = None,
) -> OptimizeStage:
    """Everything an optimize run is made of, read and checked."""
    suite_path = Path(config.suite)
    suite = load_suite(suite_path)
    if config.limit is not None:
        suite = replace(suite, cases=suite.cases[: config.limit])
    trainset_path = Path(config.trainset) if config.trainset else None
    train_suite = load_suite(trainset_path) if trainset_path else suite
    loaded = load_program(program)
    from tokdrift_cli.programs.ir_generator import IRGenerator

    if not isinstance(loaded.module, IRGenerator):
        raise InputError("optimize tunes tokdrift's IR generator: use --program default or a program file")
    inputs = [input_file("suite", suite_path, suite.sha256)]
    if trainset_path:
        inputs.append(input_file("trainset", trainset_path, train_suite.sha256))
    settings = ModelSettings(temperature=0.0, max_tokens=max_tokens, api_base=api_base, seed=config.seed, cache=True)
    models = [ModelUse(config.model, settings)]
    if config.prompt_model:
        models.append(ModelUse(config.prompt_model, settings))
    return OptimizeStage(
        config=config,
        inputs=OptimizeInputs(
            suite_cases=suite.cases,
            train_cases=train_suite.cases,
            split=suite_split(suite.cases, config.seed, config.split_fractions[1]),
            config=config,
            base_program=loaded.module,
            base_program_spec=program,
            provenance=Provenance(),  # the models' identity is known once the skeleton identifies them
            inputs=inputs,
        ),
        models=tuple(models),
        program_hash=None,  # the optimized program's hash is recorded once it exists
        suite=suite,
        on_selection_prompt=on_selection_prompt,
    )


def split_from_program(path: Path) -> Split:
    return read_artifact(path, ProgramArtifact).split
