"""Optimize from paths: suite and trainset in, program file out.

Resume: every LM answer is kept in a DSPy disk cache beside the output
(``OUTPUT.cache/``), keyed by the exact request and the model id (which carries
a weights fingerprint). Re-running an interrupted optimize replays finished
calls from the cache and spends model time only on what is left; a different
config sends different requests, so nothing is mixed up. ``--restart`` clears it.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tokdrift_cli.artifacts.header import Provenance, input_file
from tokdrift_cli.artifacts.io import read_artifact, write_artifact
from tokdrift_cli.artifacts.program import OptimizeConfig, ProgramArtifact
from tokdrift_cli.core.splits import Split, split_by_base_prompt
from tokdrift_cli.core.suite import load_suite
from tokdrift_cli.engines.resolve import ModelSettings, resolve_model
from tokdrift_cli.errors import InputError
from tokdrift_cli.programs.loading import load_program
from tokdrift_cli.stages.optimize import OptimizeInputs, OptimizeModels, optimize_program
from tokdrift_cli.workflows.run import RunOptions


def cache_dir_for(output: Path) -> Path:
    return output.with_name(output.name + ".cache")


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


def split_fractions(dev_share: float) -> tuple[float, float, float]:
    """40% test always; the rest is train and dev, dev taking ``dev_share`` of the suite."""
    return (round(0.6 - dev_share, 6), dev_share, 0.4)


def suite_split(cases: Any, seed: int, dev_share: float = 0.2) -> Split:
    fractions = split_fractions(dev_share)
    try:
        return split_by_base_prompt([(case.base_case_id, case.category) for case in cases], seed=seed, fractions=fractions)
    except ValueError as error:
        raise InputError(f"--dev-share {dev_share}: {error}") from None


def run_optimize_command(
    config: OptimizeConfig,
    run: RunOptions,
    *,
    program: str = "default",
    api_base: str | None = None,
    max_tokens: int = 512,
    on_selection_prompt: Callable[[int, int], None] | None = None,
) -> ProgramArtifact:
    import dspy

    suite_path = Path(config.suite)
    suite = load_suite(suite_path)
    trainset_path = Path(config.trainset) if config.trainset else None
    train_suite = load_suite(trainset_path) if trainset_path else suite
    loaded = load_program(program)
    from tokdrift_cli.programs.ir_generator import IRGenerator

    if not isinstance(loaded.module, IRGenerator):
        raise InputError("optimize tunes tokdrift's IR generator: use --program default or a program file")
    split = suite_split(suite.cases, config.seed, config.split_fractions[1])
    cache_dir = cache_dir_for(run.output)
    if run.restart and cache_dir.exists():
        shutil.rmtree(cache_dir)
    dspy.configure_cache(enable_disk_cache=True, enable_memory_cache=True, disk_cache_dir=str(cache_dir))
    settings = ModelSettings(temperature=0.0, max_tokens=max_tokens, api_base=api_base, seed=config.seed, cache=True)
    task = resolve_model(config.model, settings)
    prompt = resolve_model(config.prompt_model, settings) if config.prompt_model else None
    counter = _InvocationCounter()
    inputs = [input_file("suite", suite_path, suite.sha256)]
    if trainset_path:
        inputs.append(input_file("trainset", trainset_path, train_suite.sha256))
    try:
        with dspy.context(callbacks=[counter.callback()]):
            artifact = optimize_program(
                OptimizeInputs(
                    suite_cases=suite.cases,
                    train_cases=train_suite.cases,
                    split=split,
                    config=config,
                    base_program=loaded.module,
                    base_program_spec=program,
                    provenance=Provenance(model_id=task.model_id, model_fingerprint=task.fingerprint,
                                          suite_hash=suite.sha256, seed=config.seed),
                    inputs=inputs,
                ),
                OptimizeModels(task_lm=task.lm, prompt_lm=prompt.lm if prompt else None,
                               call_counter=lambda: counter.count),
                on_selection_prompt,
            )
    finally:
        task.close()
        if prompt is not None:
            prompt.close()
    real_calls = task.engine.calls + (prompt.engine.calls if prompt and prompt.engine else 0) if task.engine else counter.count
    artifact = artifact.model_copy(update={"lm_calls": real_calls, "cached_calls": max(0, counter.count - real_calls)})
    write_artifact(run.output, artifact)
    return artifact


def split_from_program(path: Path) -> Split:
    return read_artifact(path, ProgramArtifact).split
