"""Robustness-aware optimization: the wrapper module and the metric.

``RobustIRGenerator`` runs the very ``IRGenerator`` that ``baseline`` runs on a
request *and* on some of its meaning-preserving variants, so an optimizer sees
drift while it tunes the generator's demos and instruction. Only the inner
generator is saved afterwards.

The metric, for a request with gold IR ``g``, the IR ``o`` of the request and
the IRs ``v_1..v_k`` of its variants::

    signature   = share of name, parameters, returns on which o matches g
                  (names under the suite line's naming policy, as accuracy)
    behaviour   = share of effects, assertions on which o matches g
    accuracy    = signature * (0.5 + 0.5 * behaviour)
    consistency = share of variants whose IR is equivalent to o
                  (a failed generation counts as inconsistent; 1 if k = 0)
    score       = accuracy * (0.5 + 0.5 * consistency)

Why products: a constant answer is perfectly consistent but has the wrong
signature, and scores 0 (an empty effect list that happens to match gold
earns nothing on its own); an accurate but drifting generator keeps at most
half its credit. Rewarding gold-like effects and assertions (the fields that
drift most on small models) pushes the model towards stating only what the
request states.
"""

from __future__ import annotations

from typing import Any

import dspy

from tokdrift_cli.core.equivalence import IRField, Outcome, compare_irs
from tokdrift_cli.core.gold import FIXED_NAMES, NamingPolicy, match_gold
from tokdrift_cli.core.ir import IR
from tokdrift_cli.programs.ir_generator import IRGenerator, prediction_ir

METRIC_NAME = "accuracy * (0.5 + 0.5 * consistency)"
# A bootstrapped demo must be at least this good to be kept.
DEMO_THRESHOLD = 0.8


SIGNATURE_FIELDS = (IRField.NAME, IRField.PARAMETERS, IRField.RETURNS)
BEHAVIOUR_FIELDS = (IRField.EFFECTS, IRField.ASSERTIONS)


def field_accuracy(predicted: IR, gold: IR, names: NamingPolicy = FIXED_NAMES) -> float:
    # Only a decided "same" earns credit: free text the checker cannot settle is not rewarded.
    verdicts = {v.field: v.outcome is Outcome.SAME for v in match_gold(predicted, gold, names).verdicts}
    signature = sum(verdicts[f] for f in SIGNATURE_FIELDS) / len(SIGNATURE_FIELDS)
    behaviour = sum(verdicts[f] for f in BEHAVIOUR_FIELDS) / len(BEHAVIOUR_FIELDS)
    return signature * (0.5 + 0.5 * behaviour)


def robustness_aware_score(
    gold: IR, original: IR | None, variants: list[IR | None], names: NamingPolicy = FIXED_NAMES
) -> float:
    if original is None:
        return 0.0
    accuracy = field_accuracy(original, gold, names)
    if variants:
        consistent = sum(1 for ir in variants if ir is not None and compare_irs(ir, original).equivalent)
        consistency = consistent / len(variants)
    else:
        consistency = 1.0
    return accuracy * (0.5 + 0.5 * consistency)


def robustness_metric(example: Any, prediction: Any, trace: Any = None) -> float:
    """DSPy metric over a ``RobustIRGenerator`` prediction (see module docstring)."""
    names = example.get("names", FIXED_NAMES)
    return robustness_aware_score(example.gold, getattr(prediction, "ir", None), list(prediction.variant_irs), names)


class RobustIRGenerator(dspy.Module):
    """Runs one ``IRGenerator`` on a request and on its variants."""

    def __init__(self, generator: IRGenerator | None = None) -> None:
        super().__init__()
        self.generator = generator or IRGenerator()

    def _one(self, text: str) -> IR | None:
        try:
            return prediction_ir(self.generator(request=text))
        except Exception:  # noqa: BLE001 - a failed variant is scored as inconsistent, not a crash
            return None

    def forward(self, request: str, variants: list[str] | None = None) -> dspy.Prediction:
        # The original goes through the generator directly so that a failure
        # propagates: DSPy's bootstrapping must see it as a failed trace.
        original = prediction_ir(self.generator(request=request))
        return dspy.Prediction(ir=original, variant_irs=[self._one(text) for text in variants or []])
