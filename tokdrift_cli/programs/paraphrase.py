"""A DSPy program that asks a model to paraphrase a request, for augmentation."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, Protocol

import dspy
from dspy.utils.callback import BaseCallback

from tokdrift_cli.artifacts.augment import ParaphraseOutcome
from tokdrift_cli.programs.compact_adapter import CompactJSONAdapter
from tokdrift_cli.programs.runner import classify_error, scrub

class Paraphrase(dspy.Signature):
    """Reword the request so that it asks for exactly the same Python function. Keep every function,
    parameter and code name, every number, quoted text and code in backticks, and every negation
    (not, never, without) and comparison (at least, more than, before, ...) exactly as written.
    Add nothing and leave nothing out."""

    request: str = dspy.InputField(desc="a request for one Python function")
    paraphrase: str = dspy.OutputField(desc="the same request in other words")


class Paraphraser(Protocol):
    """Rewords a prompt; ``index`` > 0 asks for another sample than index 0."""

    def paraphrase(self, text: str, *, index: int, demos: Sequence[tuple[str, str]]) -> ParaphraseOutcome: ...


class _LMCallCounter(BaseCallback):
    def __init__(self) -> None:
        self.calls = 0

    def on_lm_end(self, call_id: str, outputs: Any, exception: BaseException | None = None) -> None:
        self.calls += 1


class DspyParaphraser:
    """Runs the ``Paraphrase`` signature on the paraphrase LM; a failure is recorded, never raised."""

    def __init__(self, lm: Any, *, seed: int = 0):
        self.lm = lm
        self.seed = seed
        self.adapter = CompactJSONAdapter()
        self.predict = dspy.Predict(Paraphrase)

    def _config(self, index: int) -> dict[str, Any]:
        if index == 0:
            return {}
        # Another sample: sampled, with its own rollout id (and seed, where the model takes one).
        config: dict[str, Any] = {"rollout_id": index, "temperature": 1.0}
        if "seed" in (getattr(self.lm, "supported_params", None) or ()):
            config["seed"] = self.seed * 1000 + index
        return config

    def paraphrase(self, text: str, *, index: int, demos: Sequence[tuple[str, str]]) -> ParaphraseOutcome:
        counter = _LMCallCounter()
        examples = [dspy.Example(request=request, paraphrase=answer).with_inputs("request") for request, answer in demos]
        started = time.perf_counter()
        try:
            with dspy.context(lm=self.lm, adapter=self.adapter, callbacks=[counter]):
                prediction = self.predict(request=text, demos=examples, config=self._config(index))
            answer = str(prediction.paraphrase)
        except Exception as error:  # noqa: BLE001 - one failed call must not stop the run
            return ParaphraseOutcome(
                error=scrub(f"{type(error).__name__}: {error}"),
                error_kind=classify_error(error),
                latency_s=time.perf_counter() - started,
                lm_calls=counter.calls,
            )
        return ParaphraseOutcome(text=answer, latency_s=time.perf_counter() - started, lm_calls=counter.calls)
