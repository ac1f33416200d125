"""A DSPy program that asks a model to paraphrase a request, for augmentation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import dspy

from tokdrift_cli.artifacts.augment import ParaphraseOutcome
from tokdrift_cli.programs.runner import DspyCaller


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


class DspyParaphraser:
    """Runs the ``Paraphrase`` signature on the paraphrase LM; a failure is recorded, never raised."""

    def __init__(self, lm: Any, *, seed: int = 0):
        self.lm = lm
        self.seed = seed
        self.caller = DspyCaller(lm)
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
        examples = [dspy.Example(request=request, paraphrase=answer).with_inputs("request") for request, answer in demos]
        outcome = self.caller.call(
            lambda: self.predict(request=text, demos=examples, config=self._config(index)),
            lambda prediction: str(prediction.paraphrase),
        )
        record = outcome.record
        return ParaphraseOutcome(
            text=outcome.value,
            error=record.error,
            error_kind=record.error_kind,
            latency_s=record.latency_s,
            lm_calls=record.lm_calls,
        )
